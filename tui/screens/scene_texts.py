"""e in the picker: a scene's title and note. enter saves, escape cancels; a title that cannot be
stored (a line break or control character, one that would make two file names alike) is said as it
is typed, and enter does nothing until it is changed (core/pipeline/scene_texts.py)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.pipeline.scene_texts import note_problem, title_problem
from core.text import terminal_safe
from db.models import ProcessingState
from tui.form_guard import GuardsItsForm
from tui.safe_text import plain
from tui.widgets.form_input import FormInput


class SceneTextsScreen(GuardsItsForm, ModalScreen[tuple[str, str] | None]):
    CSS_PATH = "scene_texts.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="texts-cancel")]

    def __init__(self, session: ProcessingState, number: int, title: str, note: str, detected: str = "") -> None:
        """`title`, `note`: the user's as stored; `detected`: the title found in the master, if any."""
        super().__init__()
        self.session, self.number, self.detected = session, number, detected
        # stored text with control characters is shown escaped; left as shown, it is kept as stored
        self.stored = {"title": title, "note": note}

    def compose(self) -> ComposeResult:
        with Vertical(id="texts"):
            yield Static(f"Scene {self.number}: title and note (enter saves, escape cancels)")
            hint = f"empty: the detected title, {terminal_safe(self.detected)}" if self.detected else "empty: no title"
            yield FormInput(terminal_safe(self.stored["title"]), placeholder=hint, id="texts-title")
            yield FormInput(terminal_safe(self.stored["note"]), placeholder="note (optional)", id="texts-note")
            yield Static("", id="texts-error", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#texts-title", Input).focus()
        self.remember_form()
        self._check()

    def _value(self, name: str) -> str:
        shown = self.query_one(f"#texts-{name}", Input).value
        return self.stored[name] if shown == terminal_safe(self.stored[name]) else shown

    def _problem(self) -> str | None:
        from core.pipeline.scene_texts import name_problem

        title = self._value("title")
        return (
            title_problem(title) or note_problem(self._value("note")) or name_problem(self.session, self.number, title)
        )

    def _check(self) -> str | None:
        problem = self._problem()
        self.query_one("#texts-error", Static).update(plain(problem or ""))
        return problem

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._check() is None:
            self.dismiss((self._value("title"), self._value("note")))

    def action_cancel(self) -> None:
        self.leave_form(None, what="the changed title and note")

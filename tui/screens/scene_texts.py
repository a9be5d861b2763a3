"""e in the picker: a scene's title, note, credits and tags. enter saves, escape cancels; a text that
cannot be stored (a title with a line break or control character, one that would make two file names
alike, a bad tag) is said as it is typed, and enter does nothing until it is changed
(core/pipeline/scene_texts.py, core/catalogue/tags.py)."""

from __future__ import annotations

from typing import NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.pipeline.scene_texts import credits_problem, note_problem, title_problem
from core.text import terminal_safe
from db.models import ProcessingState
from tui.form_checks import check_tags
from tui.form_guard import GuardsItsForm
from tui.safe_text import plain
from tui.widgets.form_input import FormInput
from tui.widgets.tag_suggester import TagSuggester


class SceneTexts(NamedTuple):
    title: str
    note: str
    credits: str
    tags: str  # separated by commas, as typed (core/catalogue/tags.py split_tags)


class SceneTextsScreen(GuardsItsForm, ModalScreen[SceneTexts | None]):
    CSS_PATH = "scene_texts.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="texts-cancel")]

    def __init__(
        self,
        session: ProcessingState,
        number: int,
        title: str,
        note: str,
        detected: str = "",
        credits_text: str = "",
        tags: str = "",
    ) -> None:
        """`title`, `note`, `credits_text`, `tags`: the user's as stored; `detected`: the title found in
        the master, if any."""
        super().__init__()
        self.session, self.number, self.detected = session, number, detected
        # stored text with control characters is shown escaped; left as shown, it is kept as stored
        self.stored = {"title": title, "note": note, "credits": credits_text, "tags": tags}

    def compose(self) -> ComposeResult:
        with Vertical(id="texts"):
            yield Static(f"Scene {self.number}: title, note, credits, tags (enter saves, escape cancels)")
            hint = f"empty: the detected title, {terminal_safe(self.detected)}" if self.detected else "empty: no title"
            yield FormInput(terminal_safe(self.stored["title"]), placeholder=hint, id="texts-title")
            yield FormInput(terminal_safe(self.stored["note"]), placeholder="note (optional)", id="texts-note")
            yield FormInput(
                terminal_safe(self.stored["credits"]),
                placeholder="credits of this scene (optional: camera: Ann Lee)",
                id="texts-credits",
            )
            yield FormInput(
                terminal_safe(self.stored["tags"]),
                placeholder="tags, separated by commas (theme:birds, night)",
                id="texts-tags",
                suggester=TagSuggester(),
            )
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

        title, credits_text = self._value("title"), self._value("credits").strip()
        return (
            title_problem(title)
            or note_problem(self._value("note"))
            or (credits_problem(credits_text) if credits_text else None)
            or check_tags(self._value("tags"))
            or name_problem(self.session, self.number, title)
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
            self.dismiss(SceneTexts(*(self._value(name) for name in ("title", "note", "credits", "tags"))))

    def action_cancel(self) -> None:
        self.leave_form(None, what="the changed title, note, credits and tags")

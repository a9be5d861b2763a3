"""A project's tags and external ids (l on a project's history detail): two fields, separated by
commas, saved on enter (core/catalogue/tags.py, external_ids.py); escape cancels. A bad tag or id is
said as it is typed, and enter does nothing until it is changed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.form_checks import check_ids, check_tags
from tui.form_guard import GuardsItsForm
from tui.safe_text import plain
from tui.widgets.form_input import FormInput
from tui.widgets.tag_suggester import TagSuggester


class ProjectLabelsScreen(GuardsItsForm, ModalScreen[bool]):
    """Dismissed with True when it saved."""

    CSS_PATH = "project_labels.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="labels-cancel")]

    def __init__(self, session_id: str, artwork: str) -> None:
        super().__init__()
        self.session_id, self.artwork = session_id, artwork

    def compose(self) -> ComposeResult:
        from core.catalogue.external_ids import ids_of
        from core.catalogue.tags import tags_of

        with Vertical(id="labels"):
            yield Static(plain(f"{self.artwork}: tags and ids (enter saves, escape cancels)"))
            yield FormInput(
                ", ".join(tags_of(self.session_id)),
                placeholder="tags: artist:Name, series:..., year:2024, a word",
                id="labels-tags",
                suggester=TagSuggester(),
            )
            yield FormInput(
                ", ".join(ids_of(self.session_id)), placeholder="ids: inventory:INV-2024-001", id="labels-ids"
            )
            yield Static("", id="labels-error", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#labels-tags", Input).focus()
        self.remember_form()

    def _check(self) -> str | None:
        problem = check_tags(self.query_one("#labels-tags", Input).value) or check_ids(
            self.query_one("#labels-ids", Input).value
        )
        self.query_one("#labels-error", Static).update(plain(problem or ""))
        return problem

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from core.catalogue.external_ids import set_ids
        from core.catalogue.tags import set_tags, split_tags

        event.stop()
        if self._check() is not None:
            return
        set_tags(self.session_id, split_tags(self.query_one("#labels-tags", Input).value))
        set_ids(self.session_id, split_tags(self.query_one("#labels-ids", Input).value))
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.leave_form(False, what="the changed tags and ids")

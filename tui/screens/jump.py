"""/ in the picker: go to a scene by its number."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.widgets.form_input import FormInput


class JumpScreen(ModalScreen[int | None]):
    CSS_PATH = "jump.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump-cancel")]

    def __init__(self, count: int):
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="jump"):
            yield Static(f"Go to scene (1-{self.count}), enter to go:")
            yield FormInput(type="integer", id="jump-number", placeholder=f"1-{self.count}")
            yield Static("", id="jump-error", classes="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text.isdigit() and 1 <= int(text) <= self.count:
            self.dismiss(int(text))
        else:
            self.query_one("#jump-error", Static).update(f"scenes are numbered 1 to {self.count}")

    def action_cancel(self) -> None:
        self.dismiss(None)

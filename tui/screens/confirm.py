"""Questions and messages that must be read: y/n/escape confirmation, and an error to acknowledge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.safe_text import lines_safe


class ConfirmScreen(ModalScreen[bool | None]):
    """Dismisses with True (y), False (n) or None (escape: cancelled, neither answer). A caller whose
    "no" still does something (keep the files, delete the record) must do nothing on None."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm-cancel"),
        Binding("left,h", "app.focus_previous", show=False, id="confirm-left"),
        Binding("right,l", "app.focus_next", show=False, id="confirm-right"),
    ]

    def __init__(
        self, question: str, *, title: str = "Confirm", yes: str = "Yes", no: str = "No", danger: bool = False
    ):
        super().__init__()
        self.question, self.heading, self.yes, self.no, self.danger = question, title, yes, no, danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="danger" if self.danger else ""):
            yield Static(self.heading, id="dialog-title")
            yield Static(lines_safe(self.question), id="question", markup=False)
            with Horizontal(id="buttons"):
                # Content, not a str: a str label is markup, where "[y]" is a tag and vanishes
                yield Button(Content(f"{self.yes} [y]"), id="yes", variant="error" if self.danger else "primary")
                yield Button(Content(f"{self.no} [n]"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no" if self.danger else "#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageScreen(ModalScreen[None]):
    """Something the user must read (an unexpected error): enter or escape closes it."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", id="message-close"),
    ]

    def __init__(self, message: str, *, title: str = "Error"):
        super().__init__()
        self.message, self.heading = message, title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="danger"):
            yield Static(self.heading, id="dialog-title")
            yield Static(lines_safe(self.message), id="question", markup=False)
            with Horizontal(id="buttons"):
                yield Button(Content("Close [enter]"), id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

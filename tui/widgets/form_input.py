"""Inputs of vat's forms: compact, ↑/↓ move between fields, and the app's cursor-blink choice
(off in snapshot tests, where the blink phase would make screenshots differ)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import Input


class FormInput(Input):
    BINDINGS = [
        Binding("down", "app.focus_next", "Next field", show=False, id="input-next"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="input-previous"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)

"""Inputs of vat's forms: compact, ↑/↓ move between fields, and the app's cursor-blink choice
(off in snapshot tests, where the blink phase would make screenshots differ)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.widgets import Input

# Input's bindings, key -> action ("home,ctrl+a" gives two keys)
EDITING_KEYS = {
    key.strip(): binding.action
    for binding in Input.BINDINGS
    if isinstance(binding, Binding)
    for key in binding.key.split(",")
}


class FormInput(Input):
    # priority, as the app's tab: the focus moves as the app reads the key, so that the keys typed after
    # it in one burst go to the next field, not to this one (tui/app.py)
    BINDINGS = [
        Binding("down", "app.focus_next", "Next field", show=False, priority=True, id="input-next"),
        Binding("up", "app.focus_previous", "Previous field", show=False, priority=True, id="input-previous"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        """The field's own editing keys (backspace, ctrl+u, home, enter...) act here, on this field, in
        the order typed. Textual runs a widget's bindings only once the key has bubbled up to the app,
        and by then the characters typed after it in one burst are in ("x", backspace, "y" left "x"),
        and a tab typed after it has moved the focus, so that it edits the next field instead."""
        if event.is_printable:
            return  # Input inserts it
        action = next((EDITING_KEYS[key] for key in event.aliases if key in EDITING_KEYS), None)
        if action is not None:
            event.stop()
            event.prevent_default()  # neither Input's own handling nor the app's binding again
            await self.run_action(action)

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)

"""Edit one setting in a small modal; the value is checked against its type by db.settings.set_setting."""

from __future__ import annotations

import json

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from core.errors import BadInput
from db.settings import SettingInfo, set_setting
from tui.widgets.form_input import FormInput

TYPE_HINTS = {
    "integer": "a whole number",
    "real": "a number",
    "boolean": "true or false (1 or 0)",
    "json": "a JSON value",
    "string": "text",
}


def value_text(info: SettingInfo) -> str:
    """A setting's value as the user reads and types it."""
    if info.value_type == "boolean":
        return "true" if info.value else "false"
    if info.value_type == "json":
        return "" if info.value is None else json.dumps(info.value, ensure_ascii=False)
    if info.value_type == "real":
        return f"{info.value:g}"
    return str(info.value)


class SettingEditDialog(ModalScreen[bool]):
    """Dismisses with True once a valid value is saved; a bad value keeps it open with the reason."""

    CSS_PATH = "setting_edit.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="setting-cancel")]

    def __init__(self, info: SettingInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        with Vertical(id="setting-box"):
            yield Label(self.info.key, id="setting-title")
            yield Label(self.info.description or "", id="setting-description", markup=False)
            yield Label(f"Expected: {TYPE_HINTS.get(self.info.value_type, self.info.value_type)}", id="setting-type")
            yield FormInput(value_text(self.info), id="setting-value")
            yield Static("", id="setting-error", markup=False)
            yield Label("[b]enter[/b] save   [b]escape[/b] cancel", id="setting-keys")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        try:
            set_setting(self.info.key, event.value)
        except BadInput as exc:
            error = self.query_one("#setting-error", Static)
            error.update(exc.message)
            error.display = True
            return
        self.notify(f"Saved {self.info.key}.")
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

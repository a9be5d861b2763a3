"""Edit one setting in a small modal: a pick list for an enumeration (and default_preset), else a field;
the value is checked against its type and rule by db.settings.set_setting, whose refusal is shown."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static

from core.errors import BadInput
from db.setting_rules import EMPTY_CHOICE, rule_of
from db.settings import SettingInfo, set_setting, value_text
from tui.form_guard import GuardsItsForm
from tui.widgets.form_input import FormInput
from tui.widgets.list_keys import NAV_BINDINGS, ListKeys


class ChoiceList(ListKeys, OptionList):
    """The pick list of an enumeration, with the list keys."""

    BINDINGS = NAV_BINDINGS

    def nav_position(self) -> tuple[int, int]:
        return self.highlighted or 0, self.option_count

    def nav_to(self, row: int) -> None:
        self.highlighted = row


TYPE_HINTS = {
    "integer": "a whole number",
    "real": "a number",
    "boolean": "true or false (1 or 0)",
    "string": "text",
}


class SettingEditDialog(GuardsItsForm, ModalScreen[bool]):
    """Dismisses with True once a valid value is saved; a bad value keeps it open with the reason."""

    CSS_PATH = "setting_edit.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="setting-cancel")]

    def __init__(self, info: SettingInfo) -> None:
        super().__init__()
        self.info = info
        self.choices = rule_of(info.key).options()  # None: typed into a field

    def compose(self) -> ComposeResult:
        expected = TYPE_HINTS.get(self.info.value_type, self.info.value_type)
        if self.choices is not None:  # the list itself shows them: a long rule would push it off 24 lines
            expected = f"one of the {len(self.choices)} below"
        elif self.info.allowed:
            expected += f", {self.info.allowed}"  # "a whole number, 1 to 64"
        with Vertical(id="setting-box"):
            yield Label(self.info.key, id="setting-title")
            yield Label(self.info.description or "", id="setting-description", markup=False)
            yield Label(f"Expected: {expected}", id="setting-type", markup=False)
            if self.choices is not None:
                picks = ChoiceList(*(choice or EMPTY_CHOICE for choice in self.choices), id="setting-choices")
                if str(self.info.value) in self.choices:
                    picks.highlighted = self.choices.index(str(self.info.value))
                yield picks
            else:
                yield FormInput(value_text(self.info), id="setting-value")
            yield Static("", id="setting-error", markup=False)
            yield Label("[b]enter[/b] save   [b]escape[/b] cancel", id="setting-keys")

    def on_mount(self) -> None:
        self.remember_form()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self._save(event.value)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        assert self.choices is not None
        self._save(self.choices[event.option_index])

    def _save(self, value: str) -> None:
        try:
            saved = set_setting(self.info.key, value)
        except BadInput as exc:
            error = self.query_one("#setting-error", Static)
            error.update(exc.message)
            error.display = True
            return
        if self.info.key == "ui_theme":  # seen at once, not at the next start
            self.app.theme = saved
        elif self.info.key == "log_level":
            from core.logs import use_level_setting

            use_level_setting()
        self.notify(f"Saved {self.info.key}.")
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.leave_form(False, what="the new value")

"""Settings: app_settings by category; enter edits a value (checked by its type and rule: a pick list for an
enumeration), space toggles booleans. The rules are db/setting_rules.py's, as `vat settings` applies them."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from core.errors import BadInput
from db.settings import READ_ONLY, SettingInfo, all_settings, set_setting, value_text
from tui.screens.setting_edit import SettingEditDialog
from tui.widgets.vim_table import VimTable


class SettingsScreen(Screen):
    CSS_PATH = "settings.tcss"
    TITLE = "Settings"
    HELP = (
        "vat's settings by category. enter edits the selected value, which must fit its type (a whole "
        "number, a number, true/false or text) and its rule, shown below the table (a pick list offers "
        "the allowed values); space turns a true/false setting on or off; r opens the storage roots (where "
        "this machine finds an archive that moved). `vat settings` and `vat roots` do the same."
    )
    BINDINGS = [
        Binding("enter", "edit", "Edit", priority=True, id="settings-edit"),  # over the table's hidden enter
        Binding("space", "toggle_setting", "Toggle", id="settings-toggle"),
        Binding("r", "roots", "Roots", id="settings-roots"),
        Binding("escape", "back", "Back", id="settings-back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._settings: dict[str, SettingInfo] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield VimTable(id="settings-table")
        yield Static("", id="setting-help", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        from core.pipeline.preset_store import ensure_builtin_presets

        ensure_builtin_presets()  # default_preset's pick list offers the built-in presets too
        table = self.query_one(VimTable)
        table.add_columns("Category", "Key", "Value", "Type")
        self.reload()
        table.focus()

    def reload(self) -> None:
        table = self.query_one(VimTable)
        keep = table.selected_key
        table.clear()
        self._settings = {}
        for category, settings in all_settings().items():
            for index, info in enumerate(settings):
                self._settings[info.key] = info
                # "read-only" alone (its type does not matter then): the table fits 80 columns in its border
                kind = "read-only" if info.key in READ_ONLY else info.value_type
                table.add_row(category if index == 0 else "", info.key, _cell(value_text(info)), kind, key=info.key)
        table.select_key(keep)
        self._describe(table.selected_key)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.row_key.value)

    def _describe(self, key: str | None) -> None:
        info = self._settings.get(key) if key else None
        text = ""
        if info is not None:
            text = f"{info.key}: {info.description or 'no description'}"
            if info.allowed:
                text += f" (allowed: {info.allowed})"
            if info.value_type == "boolean":
                text += " (space toggles)"
        self.query_one("#setting-help", Static).update(text)

    def _selected(self) -> SettingInfo | None:
        key = self.query_one(VimTable).selected_key
        info = self._settings.get(key) if key else None
        if info is not None and info.key in READ_ONLY:
            self.notify(f"{info.key} is managed by vat and cannot be changed.", severity="warning")
            return None
        return info

    def action_edit(self) -> None:
        info = self._selected()
        if info is not None:
            self.app.push_screen(SettingEditDialog(info), self._edited)

    def _edited(self, saved: bool | None) -> None:
        if saved:
            self.reload()

    def action_toggle_setting(self) -> None:
        info = self._selected()
        if info is None:
            return
        if info.value_type != "boolean":
            self.notify(f"{info.key} is not true/false: press enter to edit it.", severity="warning")
            return
        try:
            value = set_setting(info.key, not info.value)
        except BadInput as exc:
            self.notify(exc.message, severity="error")
            return
        self.reload()
        self.notify(f"{info.key} = {_bool_text(value)}")

    def action_roots(self) -> None:
        from tui.screens.roots import RootsScreen

        self.app.push_screen(RootsScreen())

    def action_back(self) -> None:
        self.dismiss()


def _bool_text(value: Any) -> str:
    return "true" if value else "false"


def _cell(text: str) -> str:
    """A value as one short table cell (long paths are cut; the editor shows all of it)."""
    text = text.replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"

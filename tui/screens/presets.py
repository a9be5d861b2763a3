"""Presets: the built-in and user presets; edit, copy, delete, and choose the default."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from core.errors import BadInput
from core.pipeline.preset_store import delete_preset, ensure_builtin_presets, row_to_preset, save_preset, set_default
from core.pipeline.presets import Preset
from db.models import UserPreset
from db.queries import get_user_presets
from tui.formatting import local_time
from tui.preset_usage import unfinished_sessions_using
from tui.safe_text import lines_safe
from tui.screens.confirm import ConfirmScreen
from tui.screens.new_preset import NewPresetDialog
from tui.screens.preset_edit import PresetEditScreen
from tui.widgets.vim_table import VimTable


def stable_order(row: UserPreset) -> tuple[bool, str, str]:
    return (not (row.advanced_settings or {}).get("builtin"), row.preset_name.casefold(), row.preset_id)


class PresetsScreen(Screen):
    CSS_PATH = "presets.tcss"
    TITLE = "Presets"
    HELP = (
        "Compression presets: how stills, clips and thumbnails are made. Built-in presets are read-only; "
        "n copies the selected preset into a new one you can edit. * makes a preset the default for new "
        "sessions. Sizes are upper bounds: outputs are never upscaled."
    )
    BINDINGS = [
        Binding("enter", "edit", "Edit", priority=True, id="presets-edit"),  # over the table's hidden enter
        Binding("n", "new", "New copy", id="presets-new"),
        Binding("d", "delete", "Delete", id="presets-delete"),
        Binding("asterisk", "set_default", "Set default", key_display="*", id="presets-default"),
        Binding("escape", "back", "Back", id="presets-back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VimTable(id="presets-table")
        yield Static("", id="preset-description", markup=False)
        yield Footer(compact=True)  # every key fits in 80 columns

    def on_mount(self) -> None:
        table = self.query_one(VimTable)
        table.add_columns("Id", "Name", "Default", "Built-in", "Used", "Last used")
        ensure_builtin_presets()
        self.reload()
        table.focus()

    def reload(self, select: str | None = None) -> None:
        """Refill the table from the database, keeping the cursor on `select` or the current row."""
        table = self.query_one(VimTable)
        keep = select or table.selected_key
        table.clear()
        # a stable order (issue 13): built-in first, then by name; never moved by * or by use
        rows = sorted(get_user_presets(), key=stable_order)
        for row in rows:
            builtin = bool((row.advanced_settings or {}).get("builtin"))
            table.add_row(
                row.preset_id,
                row.preset_name,
                "*" if row.is_default else "",
                "yes" if builtin else "",
                str(row.usage_count or 0),
                local_time(row.last_used_at)[:10] or "never",
                key=row.preset_id,
            )
        table.select_key(keep)
        self._describe(table.selected_key)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.row_key.value)

    def _describe(self, preset_id: str | None) -> None:
        row = UserPreset.get_or_none(UserPreset.preset_id == preset_id) if preset_id else None
        text = ""
        if row is not None:
            based = f" Based on {row.base_preset}." if row.base_preset else ""
            text = f"{row.description or 'No description.'}{based}"
        self.query_one("#preset-description", Static).update(lines_safe(text))

    def _selected(self) -> Preset | None:
        """The preset under the cursor, or None (with a notice) when there is none."""
        key = self.query_one(VimTable).selected_key
        row = UserPreset.get_or_none(UserPreset.preset_id == key) if key else None
        if row is None:
            self.notify("No preset selected.", severity="warning")
            return None
        return row_to_preset(row)

    def action_edit(self) -> None:
        preset = self._selected()
        if preset is not None:
            self.app.push_screen(PresetEditScreen(preset), lambda saved: self.reload())

    def action_new(self) -> None:
        base = self._selected()
        if base is None:
            return

        def create(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            preset_id, name = answer
            advanced = {k: v for k, v in base.advanced.items() if k != "builtin"}
            copy = replace(base, preset_id=preset_id, preset_name=name, base_preset=base.preset_id, advanced=advanced)
            try:
                save_preset(copy)
            except BadInput as exc:
                self.notify(exc.message, title="Not created", severity="error")
                return
            self.reload(select=preset_id)
            self.notify(f"Created preset {preset_id} from {base.preset_id}.")
            self.app.push_screen(PresetEditScreen(copy), lambda saved: self.reload())

        self.app.push_screen(NewPresetDialog(base), create)

    def action_delete(self) -> None:
        preset = self._selected()
        if preset is None:
            return
        if preset.builtin:
            self.notify(f"{preset.preset_id} is built in and cannot be deleted.", severity="warning")
            return
        if UserPreset.get(UserPreset.preset_id == preset.preset_id).is_default:
            self.notify(
                f"{preset.preset_id} is the default: make another preset the default (*) first.", severity="warning"
            )
            return
        users = unfinished_sessions_using(preset.preset_id)
        if users:
            self.notify(
                f"{preset.preset_id} is used by unfinished sessions ({', '.join(users)}): finish or delete them first.",
                severity="warning",
            )
            return

        def delete(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                delete_preset(preset.preset_id)
            except BadInput as exc:
                self.notify(exc.message, title="Not deleted", severity="error")
                return
            self.reload()
            self.notify(f"Deleted preset {preset.preset_id}.")

        question = f"Delete the preset {preset.preset_id} ({preset.preset_name})? Sessions keep their outputs."
        self.app.push_screen(
            ConfirmScreen(question, title="Delete preset?", yes="Delete", no="Keep", danger=True), delete
        )

    def action_set_default(self) -> None:
        preset = self._selected()
        if preset is None:
            return
        try:
            set_default(preset.preset_id)
        except BadInput as exc:
            self.notify(exc.message, severity="error")
            return
        self.reload()
        self.notify(f"{preset.preset_id} is now the default preset.")

    def action_back(self) -> None:
        self.dismiss()

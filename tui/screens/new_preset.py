"""Ask for the id and name of a new preset copied from another one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from core.pipeline.presets import Preset, valid_preset_id
from db.models import UserPreset
from tui.form_guard import GuardsItsForm
from tui.widgets.form_input import FormInput


def id_problem(preset_id: str) -> str:
    """Why `preset_id` cannot name a new preset, or ''."""
    if not preset_id:
        return "The id must not be empty."
    if not valid_preset_id(preset_id):
        return "The id may hold letters, digits, _ and - only."
    if UserPreset.get_or_none(UserPreset.preset_id == preset_id) is not None:
        return f"A preset {preset_id} already exists."
    return ""


def free_copy_id(base_id: str) -> str:
    """base_copy, base_copy2, ...: the first id not taken."""
    candidate, n = f"{base_id}_copy", 1
    while UserPreset.get_or_none(UserPreset.preset_id == candidate) is not None:
        n += 1
        candidate = f"{base_id}_copy{n}"
    return candidate


class NewPresetDialog(GuardsItsForm, ModalScreen[tuple[str, str] | None]):
    """Dismisses with (id, name), or None when cancelled."""

    CSS_PATH = "new_preset.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="new-preset-cancel"),
        Binding("ctrl+s", "create", "Create", id="new-preset-create"),
    ]

    def __init__(self, base: Preset) -> None:
        super().__init__()
        self.base = base

    def compose(self) -> ComposeResult:
        with Vertical(id="new-preset-box"):
            yield Label(f"New preset from {self.base.preset_id}", id="new-preset-title", markup=False)
            yield Label("Id (letters, digits, _ and -)")
            yield FormInput(free_copy_id(self.base.preset_id), id="new-preset-id")
            yield Label("Name")
            yield FormInput(f"{self.base.preset_name} (copy)", id="new-preset-name")
            yield Static("", id="new-preset-error", markup=False)
            yield Label("[b]enter[/b] create   [b]escape[/b] cancel", id="new-preset-keys")

    def on_mount(self) -> None:
        self.remember_form()

    @on(Input.Submitted)
    def action_create(self) -> None:
        preset_id = self.query_one("#new-preset-id", Input).value.strip()
        name = self.query_one("#new-preset-name", Input).value.strip()
        problem = id_problem(preset_id) or ("" if name else "The name must not be empty.")
        if problem:
            self.query_one("#new-preset-error", Static).update(problem)
            return
        self.dismiss((preset_id, name))

    def action_cancel(self) -> None:
        self.leave_form(None, what="the new preset's id and name")

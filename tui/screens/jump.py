"""/ in the picker: go to a scene by its number, or to the scene holding a timecode or a time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.media.timecode import SourceTimecode
from core.scene import Scene
from tui.jump_target import describe_timecode, examples, scene_at
from tui.widgets.form_input import FormInput


class JumpScreen(ModalScreen[int | None]):
    """Dismisses with the scene's number (1-based), or None."""

    CSS_PATH = "jump.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump-cancel")]

    def __init__(self, scenes: list[Scene], source: SourceTimecode | None = None):
        super().__init__()
        self.scenes, self.source = scenes, source

    def compose(self) -> ComposeResult:
        count = len(self.scenes)
        drop = self.source is not None and self.source.rate.drop
        with Vertical(id="jump"):
            yield Static(f"Go to scene 1-{count}, or to the scene at a moment:", markup=False)
            yield Static(
                f"  HH:MM:SS:FF  {describe_timecode(self.source)}\n"
                + ("               (HH:MM:SS;FF: drop-frame)\n" if drop else "")
                + "  MM:SS, HH:MM:SS.mmm  time from the start",
                classes="hint",
                markup=False,
            )
            yield FormInput(id="jump-number", placeholder=examples(self.scenes, self.source))
            yield Static("", id="jump-error", classes="error", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.dismiss(scene_at(event.value, self.scenes, self.source))
        except ValueError as exc:
            self.query_one("#jump-error", Static).update(str(exc))

    def action_cancel(self) -> None:
        self.dismiss(None)

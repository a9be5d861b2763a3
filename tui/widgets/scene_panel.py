"""Beside the scene list: the highlighted scene's thumbnail, larger, and its details."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image
from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

from core.scenes import Scene
from tui.formatting import duration, timecode
from tui.widgets.pixels import pixels


class ScenePanel(Widget):
    DEFAULT_CSS = """
    ScenePanel {
        width: 30;
        height: 1fr;
        padding: 0 1;
        border-left: vkey $foreground 20%;
    }
    """

    def __init__(self, thumbnail: Callable[[int], Image.Image | None], id: str | None = None):
        super().__init__(id=id)
        self.thumbnail = thumbnail
        self.scene: Scene | None = None
        self.marked = False
        self.group = ""

    def show(self, scene: Scene | None, marked: bool, group: str) -> None:
        self.scene, self.marked, self.group = scene, marked, group
        self.refresh()

    def thumbnail_ready(self, frame: int) -> None:
        if self.scene is not None and frame == self.scene.midpoint_frame:
            self.refresh()

    def render(self) -> RenderableType:
        scene = self.scene
        if scene is None:
            return Text("No scenes.", style="dim")
        width, height = self.content_size
        lines = max(2, min(round(width * 9 / 16 / 2), height - 6))
        image = self.thumbnail(scene.midpoint_frame)
        picture = (
            pixels(image, width, lines)
            if image is not None
            else Text(
                "\n" * (lines // 2) + "making thumbnail…".center(width) + "\n" * (lines - lines // 2 - 1), style="dim"
            )
        )
        details = Text.assemble(
            (f"Scene {scene.index}", "bold"),
            ("  marked" if self.marked else "  not marked", ""),
            f"\n{timecode(scene.start)} → {timecode(scene.end)}",
            f"\n{duration(scene.duration)} · frames {scene.start_frame}-{scene.end_frame}",
            f"\n{self.group}" if self.group else "",
        )
        return Group(picture, Text(""), details)

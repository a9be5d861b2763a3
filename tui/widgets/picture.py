"""A frame shown with rich-pixels, fitted to the widget's size (re-fitted when it is resized), at the
top of the widget so that it sits right under the caption above it."""

from __future__ import annotations

from PIL import Image
from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from tui.widgets.pixels import pixels


class Picture(Widget):
    DEFAULT_CSS = """
    Picture {
        height: 1fr;
        width: 1fr;
        content-align: center middle;
    }
    """

    def __init__(self, placeholder: str = "decoding…", id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.image: Image.Image | None = None
        self.placeholder = placeholder

    def set_image(self, image: Image.Image | None, placeholder: str | None = None) -> None:
        self.image = image
        if placeholder is not None:
            self.placeholder = placeholder
        self.refresh()

    def render(self) -> RenderableType:
        width, height = self.content_size
        if self.image is None or width <= 0 or height <= 0:
            return Text(self.placeholder, style="dim", justify="center")
        return pixels(self.image, width, height, top_aligned=True)

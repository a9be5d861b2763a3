"""A checkbox whose state reads without colour (issue 13): Textual's draws the same X on and off and
tells them apart by shade alone, which NO_COLOR, a monochrome terminal or colour blindness lose."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox

ON, OFF = "✓", " "


class GlyphCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = ON if self.value else OFF  # read by Checkbox._button; per instance
        return super()._button

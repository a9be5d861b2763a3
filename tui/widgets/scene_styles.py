"""The look the scene list and the scene grid share: one set of component classes (cursor, unmarked,
group, placeholder, range), each widget under its own prefix, so both views read alike."""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget

ROLES = ("cursor", "unmarked", "group", "placeholder", "range")


def component_classes(prefix: str) -> set[str]:
    """The widget's COMPONENT_CLASSES: `prefix--role` for every role."""
    return {f"{prefix}--{role}" for role in ROLES}


def scene_css(widget: str, prefix: str) -> str:
    """The widget's DEFAULT_CSS: its size and the styles of its component classes."""
    return f"""
    {widget} {{
        height: 1fr;
        scrollbar-size-vertical: 1;
    }}
    {widget} > .{prefix}--cursor {{
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }}
    {widget}:blur > .{prefix}--cursor {{
        background: $block-cursor-blurred-background;
        text-style: none;
    }}
    {widget} > .{prefix}--unmarked {{
        color: $text-muted;
    }}
    {widget} > .{prefix}--group {{
        color: $text-accent;
        text-style: bold;
    }}
    {widget} > .{prefix}--placeholder {{
        color: $text-disabled;
    }}
    {widget} > .{prefix}--range {{
        background: $primary 40%;
    }}
    """


class StyleCache:
    """A widget's component styles, resolved once per style update: render_line asks for them on every line."""

    def __init__(self, widget: Widget):
        self.widget = widget
        self._full: dict[str, Style] = {}
        self._own: dict[str, Style] = {}

    def clear(self) -> None:
        """On the widget's notify_style_update: the theme or its CSS changed."""
        self._full.clear()
        self._own.clear()

    def full(self, name: str) -> Style:
        """The widget's style with component class `name` over it (`""`: the widget's own)."""
        style = self._full.get(name)
        if style is None:
            widget = self.widget
            style = self._full[name] = (
                widget.rich_style + widget.get_component_rich_style(name, partial=True) if name else widget.rich_style
            )
        return style

    def own(self, name: str) -> Style:
        """Component class `name`'s style alone, to lay over another (a row's, the cursor's background kept)."""
        style = self._own.get(name)
        if style is None:
            style = self._own[name] = self.widget.get_component_rich_style(name, partial=True)
        return style

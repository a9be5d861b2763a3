"""The look the scene list and the scene grid share: one set of component classes (cursor, unmarked,
group, placeholder, range), each widget under its own prefix, so both views read alike."""

from __future__ import annotations

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

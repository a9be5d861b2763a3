"""A screen's breakpoint classes for a width, as Textual gives them at its first resize: set in compose,
while the screen is still empty, they cost nothing; added by Textual once the screen is built, they
restyle every widget on it (a preset editor: about 0.1 s)."""

from __future__ import annotations


def breakpoint_classes(breakpoints: list[tuple[int, str]] | None, width: int) -> list[str]:
    """The class of the last breakpoint `width` reaches (Textual's rule: `(0, "-narrow"), (110, "-wide")`
    gives -wide from 110 columns)."""
    for start, name in sorted(breakpoints or [], reverse=True):
        if width >= start:
            return [name]
    return []

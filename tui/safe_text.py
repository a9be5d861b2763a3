"""Names (artworks, files, paths, errors) on the TUI's screens: control characters shown as escapes
(core.text), and where Textual reads markup (str table cells, Static updates, notifications)
brackets shown literally, so a name like "[red]x" or "x[/]" is text, never styling or an error."""

from __future__ import annotations

from rich.text import Text

from core.text import terminal_safe


def plain(value: object) -> Text:
    """A table cell or label that is only a name: no markup at all."""
    return Text(terminal_safe(value))


def markup_safe(value: object) -> str:
    """A name placed inside a string that Textual reads as markup. Every bracket is escaped:
    textual.markup.escape leaves "[2J" (as in an escaped "\\x1b[2J") open, and Textual's parser then
    reads up to the next "]" as one tag."""
    return terminal_safe(value).replace("[", "\\[")


def lines_safe(text: str) -> str:
    """A message of our own with names inside: its line breaks kept, every other control escaped."""
    return "\n".join(terminal_safe(line) for line in str(text).split("\n"))

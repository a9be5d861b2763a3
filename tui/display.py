"""Short texts for the numbers of history and presets tables: sizes, ratios, optional durations."""

from __future__ import annotations

from tui.formatting import duration


def seconds_text(seconds: float | None) -> str:
    """As tui.formatting.duration (the same on every screen), '-' when unknown."""
    return "-" if seconds is None else duration(seconds)


def megabytes_text(mb: float | None) -> str:
    if mb is None:
        return "-"
    return f"{mb / 1000:.2f} GB" if mb >= 1000 else f"{mb:.1f} MB"


def bytes_text(size: int | None) -> str:
    if size is None:
        return "-"
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return megabytes_text(size / 1e6)


def number_text(value: float | int | None, suffix: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def ratio_text(ratio: float | None) -> str:
    """A compression ratio as 3.2:1, '-' when unknown."""
    return "-" if ratio is None else f"{ratio:.1f}:1"

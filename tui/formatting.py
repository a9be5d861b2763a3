"""Text for times, durations and counts, the same on every screen (no Textual here)."""

from __future__ import annotations

from datetime import datetime, timezone


def counted(count: int, what: str) -> str:
    """ "1 project", "2 projects": a count with its noun."""
    return f"{count} {what}{'' if count == 1 else 's'}"


def timecode(seconds: float, hours: bool = True) -> str:
    """00:01:02.345, or 01:02.345 without the hours"""
    millis = int(round(max(0.0, seconds) * 1000))
    hours_, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    if not hours:
        return f"{minutes + 60 * hours_:02d}:{secs:02d}.{millis:03d}"
    return f"{hours_:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def duration(seconds: float) -> str:
    """1.20s under a minute, 2m05s under an hour, then 1h02m."""
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def eta(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(max(0.0, seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local_time(value: datetime | str | None) -> str:
    """A stored UTC timestamp as local 'YYYY-MM-DD HH:MM' (empty when missing)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")

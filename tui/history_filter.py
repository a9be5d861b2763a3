"""Which completed projects the history screen lists: by artwork name and by project date."""

from __future__ import annotations

from datetime import date, timedelta

# (label, days); 0 means every date.
PERIODS: tuple[tuple[str, int], ...] = (
    ("All dates", 0),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last year", 365),
)


def project_day(project_date: str | None) -> date | None:
    """A project date as vat writes it (YY-MM-DD), or YYYY-MM-DD; None if it is neither."""
    try:
        year, month, day = (int(part) for part in (project_date or "").split("-"))
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def since(days: int, today: date) -> date | None:
    """The first day a period of `days` days ending today covers (None: no limit)."""
    return today - timedelta(days=days - 1) if days else None


def matches(artwork_name: str, project_date: str | None, search: str, first_day: date | None) -> bool:
    """Whether a project's artwork name contains `search` (any case) and its date is not before first_day."""
    if search.strip() and search.strip().casefold() not in (artwork_name or "").casefold():
        return False
    if first_day is None:
        return True
    day = project_day(project_date)
    return day is not None and day >= first_day

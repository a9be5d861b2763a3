"""What the History screens show of fixity (file_registry.check_state, checked_at, check_detail, filled
by `vat verify`): a file's state, a project's summary, and which projects' last check failed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from db.models import FAILED_CHECKS as FAILED_STATES
from db.models import FileRegistry, sessions_with_failed_checks

NOT_CHECKED = "not checked"


def state_text(row: FileRegistry) -> str:
    return row.check_state or NOT_CHECKED


def checked_text(when: object) -> str:
    """A check's time, to the minute (UTC), '-' when never checked."""
    if isinstance(when, datetime):
        return f"{when:%Y-%m-%d %H:%M}"
    return str(when) if when else "-"


def summary_line(files: Iterable[FileRegistry]) -> str:
    """'5 files: 3 ok, 1 missing, 1 not checked · last checked 2026-12-01 10:00 UTC', or never checked."""
    files = list(files)
    if not files:
        return "no files registered"
    states = Counter(state_text(row) for row in files)
    checked = [row.checked_at for row in files if isinstance(row.checked_at, datetime)]
    if not checked:
        return f"{len(files)} files, not checked since written (vat verify checks them)"
    order = ["ok", *FAILED_STATES, NOT_CHECKED]
    names = [name for name in order if name in states] + sorted(set(states) - set(order))
    parts = ", ".join(f"{states[name]} {name}" for name in names)
    return f"{len(files)} files: {parts} · last checked {checked_text(max(checked))} UTC"


def failed_sessions() -> set[str]:
    """The sessions with a registered file whose last check found it missing, modified, corrupt or unreadable."""
    return {row.session_id for row in sessions_with_failed_checks()}

"""`vat sessions`: the 50 most recent sessions, their state and progress."""

from __future__ import annotations

import argparse

from rich.table import Table

from core.errors import EXIT_OK
from tui.cli.common import cells, console, open_db


def sessions(args: argparse.Namespace) -> int:
    from core.pipeline.lock import holder_pid
    from db.models import ProcessingState

    open_db()
    table = Table(title="sessions")
    for column in ("session", "artwork", "status", "progress", "current operation", "updated (UTC)"):
        table.add_column(column)
    for row in ProcessingState.select().order_by(ProcessingState.updated_at.desc()).limit(50):
        total = row.total_operations or 0
        progress = f"{100 * (row.completed_operations or 0) / total:.0f}%" if total else "-"
        status = (row.status or "") + (" (running)" if holder_pid(row.session_id) else "")
        table.add_row(
            *cells(
                row.session_id,
                row.artwork_name,
                status,
                progress,
                row.current_operation or "",
                f"{row.updated_at:%Y-%m-%d %H:%M}" if row.updated_at else "",
            )
        )
    console().print(table)
    return EXIT_OK

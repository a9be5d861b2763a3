"""`vat history [--archived] [--failed]`: the completed projects (or the archived ones), newest first."""

from __future__ import annotations

import argparse

from rich.table import Table

from core.errors import EXIT_OK
from tui.cli.common import cells, console, open_db, print_json


def history(args: argparse.Namespace) -> int:
    from db.models import ProjectHistory, ProjectHistoryArchive, sessions_with_failed_checks

    open_db()
    model = ProjectHistoryArchive if args.archived else ProjectHistory
    query = model.select().order_by(model.completed_at.desc())
    if args.failed:  # the projects whose last check found a registered output missing, modified, corrupt or unreadable
        query = query.where(model.session.in_(sessions_with_failed_checks()))
    rows = [_row(row, archived=args.archived) for row in query.limit(100)]
    if args.json:
        print_json(rows)
        return EXIT_OK
    title = "archived projects" if args.archived else "completed projects"
    table = Table(title=title + (" whose last check failed" if args.failed else ""))
    for column in ("date", "artwork", "scenes", "files", "size MB", "time s", "ok", "output"):
        table.add_column(column)
    if args.archived:
        table.add_column("archived (UTC)")
    for row in rows:
        table.add_row(
            *cells(
                row["project_date"],
                row["artwork_name"],
                f"{row['scenes_exported'] or 0}/{row['scenes_detected'] or 0}",
                row["total_files_created"] or 0,
                f"{row['total_output_size_mb'] or 0:.1f}",
                f"{row['total_processing_time_seconds'] or 0:.0f}",
                "yes" if row["completed_successfully"] else "no",
                row["output_path"],
                *([f"{row['archived_at']:%Y-%m-%d %H:%M}" if row["archived_at"] else ""] if args.archived else []),
            )
        )
    console().print(table)
    return EXIT_OK


def _row(row: object, archived: bool) -> dict:
    """One project as the table shows it, typed (numbers as numbers, times as datetimes)."""
    names = (
        "session_id",
        "project_date",
        "artwork_name",
        "scenes_detected",
        "scenes_exported",
        "total_files_created",
        "total_output_size_mb",
        "total_processing_time_seconds",
        "compression_ratio",
        "completed_successfully",
        "output_path",
        "started_at",
        "completed_at",
    ) + (("archived_at",) if archived else ())
    values = {name: getattr(row, name) for name in names}
    values["completed_successfully"] = bool(values["completed_successfully"])
    return values

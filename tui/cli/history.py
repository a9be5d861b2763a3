"""`vat history [--archived] [--failed]`: the completed projects (or the archived ones), newest first."""

from __future__ import annotations

import argparse

from core.catalogue.roots import resolve
from core.errors import EXIT_OK
from tui.cli.common import open_db, print_json
from tui.cli.listing import Column, print_listing


def history(args: argparse.Namespace) -> int:
    from db.models import ProjectHistory, ProjectHistoryArchive, sessions_with_failed_checks

    open_db()
    model = ProjectHistoryArchive if args.archived else ProjectHistory
    # NULLs last on both engines (SQLite's order; PostgreSQL puts them first in DESC)
    query = model.select().order_by(model.completed_at.desc(nulls="LAST"), model.id.desc())
    if args.failed:  # the projects whose last check found a registered output missing, modified, corrupt or unreadable
        query = query.where(model.session.in_(sessions_with_failed_checks()))
    rows = [_row(row, archived=args.archived) for row in query.limit(100)]
    if args.json:
        print_json(rows)
        return EXIT_OK
    title = "archived projects" if args.archived else "completed projects"
    columns = [
        Column("date", drop=3),  # in the output folder's name too
        Column("artwork"),
        Column("scenes", right=True),
        Column("files", right=True, drop=2),
        Column("size MB", right=True),
        Column("time s", right=True, drop=1),
        Column("ok"),
        Column("output", whole=True),
    ] + ([Column("archived (UTC)")] if args.archived else [])
    table = [
        (
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
        for row in rows
    ]
    print_listing(title + (" whose last check failed" if args.failed else ""), columns, table)
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
    values["output_path"] = str(resolve(values["output_path"]))  # where it is now (storage roots)
    return values

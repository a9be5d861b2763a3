"""`vat history`: the completed projects."""

from __future__ import annotations

import argparse

from rich.table import Table

from core.errors import EXIT_OK
from tui.cli.common import cells, console, open_db


def history(args: argparse.Namespace) -> int:
    from db.models import ProjectHistory

    open_db()
    table = Table(title="completed projects")
    for column in ("date", "artwork", "scenes", "files", "size MB", "time s", "ok", "output"):
        table.add_column(column)
    for row in ProjectHistory.select().order_by(ProjectHistory.completed_at.desc()).limit(100):
        table.add_row(
            *cells(
                row.project_date,
                row.artwork_name,
                f"{row.scenes_exported}/{row.scenes_detected}",
                row.total_files_created,
                f"{row.total_output_size_mb or 0:.1f}",
                f"{row.total_processing_time_seconds or 0:.0f}",
                "yes" if row.completed_successfully else "no",
                row.output_path,
            )
        )
    console().print(table)
    return EXIT_OK

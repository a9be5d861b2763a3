"""`vat presets`: the compression presets, built-in ones included."""

from __future__ import annotations

import argparse

from rich.table import Table

from core.errors import EXIT_OK
from tui.cli.common import cells, console, open_db


def presets(args: argparse.Namespace) -> int:
    from core.pipeline.preset_store import ensure_builtin_presets
    from db.queries import get_user_presets

    open_db()
    ensure_builtin_presets()
    table = Table(title="presets")
    for column in ("id", "name", "default", "built-in", "used", "last used", "description"):
        table.add_column(column)
    for row in get_user_presets():
        builtin = bool((row.advanced_settings or {}).get("builtin"))
        table.add_row(
            *cells(
                row.preset_id,
                row.preset_name,
                "*" if row.is_default else "",
                "yes" if builtin else "",
                row.usage_count or 0,
                f"{row.last_used_at:%Y-%m-%d}" if row.last_used_at else "",
                row.description or "",
            )
        )
    console().print(table)
    return EXIT_OK

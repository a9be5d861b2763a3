"""What the headless commands share: the console they print on, table cells, the database, detection settings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.text import terminal_safe

if TYPE_CHECKING:
    import peewee
    from rich.console import Console
    from rich.text import Text

# rich is imported where a table is printed: the commands that print none (vat verify) start faster


def console() -> Console:
    """A terminal's own width; piped output gets wide lines rather than columns folded at 80."""
    from rich.console import Console

    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=200)


def cells(*values: object) -> list[Text]:
    """Table cells shown literally: names may hold control characters or [markup]-like brackets."""
    from rich.text import Text

    return [Text(terminal_safe(value)) for value in values]


def open_db() -> peewee.SqliteDatabase:
    from core.logs import use_level_setting
    from db.connection import open_database

    database = open_database()
    use_level_setting()  # the log_level setting, now that it can be read
    return database


def detection_settings(args: argparse.Namespace) -> tuple[str, float, int]:
    """Detector, threshold and minimum scene length: the options, else the app settings."""
    from core.pipeline.session import detection_parameters

    return detection_parameters(args.detector, args.threshold, args.min_scene_len)


def workers(args: argparse.Namespace) -> int:
    """How many operations run at a time: --workers, else the parallel_workers setting (said before the
    work starts, so that a log or a JSON reader sees which it was)."""
    from db.settings import get_setting

    return getattr(args, "workers", None) or int(get_setting("parallel_workers") or 1)


def print_json(document: object) -> None:
    """A listing's --json: one document on stdout; times as ISO 8601 text, paths as text."""
    import json
    from datetime import datetime
    from pathlib import Path

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Path):
            return str(value)
        raise TypeError(f"not JSON: {type(value).__name__}")

    print(json.dumps(document, ensure_ascii=False, indent=2, default=plain))

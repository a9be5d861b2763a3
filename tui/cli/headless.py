"""The headless commands: what `vat detect`, `vat doctor`, `vat db ...` do and print."""

from __future__ import annotations

import argparse
import csv
import json
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from core.errors import EXIT_ENVIRONMENT, EXIT_OK
from core.text import terminal_safe
from tui.cli.progress_view import detection_progress
from tui.formatting import timecode


def _console() -> Console:
    """A terminal's own width; piped output gets wide lines rather than columns folded at 80."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _cells(*values: object) -> list[Text]:
    """Table cells shown literally: names may hold control characters or [markup]-like brackets."""
    return [Text(terminal_safe(value)) for value in values]


def _open_db():
    from db.connection import open_database

    return open_database()


def detection_settings(args: argparse.Namespace) -> tuple[str, float, int]:
    """Detector, threshold and minimum scene length: the options, else the app settings."""
    from core.pipeline.session import detection_parameters

    return detection_parameters(args.detector, args.threshold, args.min_scene_len)


def detect(args: argparse.Namespace) -> int:
    from core.scenes import detect_scenes

    _open_db()
    detector, threshold, min_len = detection_settings(args)
    with detection_progress(json_lines=False) as on_progress:
        found = detect_scenes(args.master, detector=detector, threshold=threshold, min_scene_len=min_len,
                              on_progress=on_progress)
    if args.format == "json":
        print(json.dumps(found.to_dict()))
    elif args.format == "csv":
        out = csv.writer(sys.stdout)
        out.writerow(["scene", "start_timecode", "end_timecode", "start_frame", "end_frame", "duration"])
        for s in found.scenes:
            out.writerow([s.index, timecode(s.start), timecode(s.end), s.start_frame, s.end_frame, f"{s.duration:.3f}"])
    else:
        cached = " · from cached statistics" if found.from_cache else ""
        table = Table(title=f"{len(found.scenes)} scenes · {found.frames} frames at {found.fps:g} fps{cached}")
        for column in ("#", "start", "end", "first frame", "last frame", "duration"):
            table.add_column(column, justify="right")
        for s in found.scenes:
            table.add_row(str(s.index), timecode(s.start), timecode(s.end), str(s.start_frame), str(s.end_frame),
                          f"{s.duration:.2f}s")
        _console().print(table)
    return EXIT_OK


def doctor(args: argparse.Namespace) -> int:
    from core.doctor import can_work, run_checks

    checks = run_checks()
    console = _console()
    for check in checks:
        word, colour = ("ok", "green") if check.ok else (("FAIL", "red") if check.required else ("no", "yellow"))
        # padded on the visible word, not on the markup around it, so the names line up
        mark = " " * (4 - len(word)) + f"[{colour}]{word}[/]"
        console.print(f"{mark}  {check.name}: {escape(terminal_safe(check.detail))}", highlight=False,
                      soft_wrap=True)
    if can_work(checks):
        console.print("vat can work here.")
        return EXIT_OK
    console.print("vat cannot work here: fix the FAIL lines above.")
    return EXIT_ENVIRONMENT


def db(args: argparse.Namespace) -> int:
    from db import maintenance

    _open_db()
    if args.action == "backup":
        print(terminal_safe(f"backup written: {maintenance.backup()}"))
    elif args.action == "vacuum":
        result = maintenance.optimize()
        print(f"database vacuumed, analysed and reindexed: {result.bytes_before:,} -> {result.bytes_after:,} bytes")
    else:
        from core.pipeline.background import remove_worker_log

        removed = maintenance.cleanup_sessions()
        for session_id in removed.session_ids:
            remove_worker_log(session_id)
        archived = maintenance.archive_history()
        print(f"removed {removed.sessions} stale incomplete sessions ({removed.operations} log rows, "
              f"{removed.files} file records); archived {archived} old history rows")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from tui.cli import run_command

    return run_command.run(args)


def resume(args: argparse.Namespace) -> int:
    from tui.cli import run_command

    return run_command.resume(args)


def sessions(args: argparse.Namespace) -> int:
    from core.pipeline.lock import holder_pid
    from db.models import ProcessingState

    _open_db()
    table = Table(title="sessions")
    for column in ("session", "artwork", "status", "progress", "current operation", "updated (UTC)"):
        table.add_column(column)
    for row in ProcessingState.select().order_by(ProcessingState.updated_at.desc()).limit(50):
        total = row.total_operations or 0
        progress = f"{100 * (row.completed_operations or 0) / total:.0f}%" if total else "-"
        status = row.status + (" (running)" if holder_pid(row.session_id) else "")
        table.add_row(*_cells(row.session_id, row.artwork_name, status, progress, row.current_operation or "",
                              f"{row.updated_at:%Y-%m-%d %H:%M}" if row.updated_at else ""))
    _console().print(table)
    return EXIT_OK


def history(args: argparse.Namespace) -> int:
    from db.models import ProjectHistory

    _open_db()
    table = Table(title="completed projects")
    for column in ("date", "artwork", "scenes", "files", "size MB", "time s", "ok", "output"):
        table.add_column(column)
    for row in ProjectHistory.select().order_by(ProjectHistory.completed_at.desc()).limit(100):
        table.add_row(*_cells(row.project_date, row.artwork_name, f"{row.scenes_exported}/{row.scenes_detected}",
                              row.total_files_created, f"{row.total_output_size_mb or 0:.1f}",
                              f"{row.total_processing_time_seconds or 0:.0f}",
                              "yes" if row.completed_successfully else "no", row.output_path))
    _console().print(table)
    return EXIT_OK


def presets(args: argparse.Namespace) -> int:
    from core.pipeline.preset_store import ensure_builtin_presets
    from db.queries import get_user_presets

    _open_db()
    ensure_builtin_presets()
    table = Table(title="presets")
    for column in ("id", "name", "default", "built-in", "used", "last used", "description"):
        table.add_column(column)
    for row in get_user_presets():
        builtin = bool((row.advanced_settings or {}).get("builtin"))
        table.add_row(*_cells(row.preset_id, row.preset_name, "*" if row.is_default else "",
                              "yes" if builtin else "", row.usage_count or 0,
                              f"{row.last_used_at:%Y-%m-%d}" if row.last_used_at else "", row.description or ""))
    _console().print(table)
    return EXIT_OK

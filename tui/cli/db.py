"""`vat db backup|vacuum|cleanup`: database maintenance."""

from __future__ import annotations

import argparse

from core.errors import EXIT_OK
from core.text import terminal_safe
from tui.cli.common import open_db


def db(args: argparse.Namespace) -> int:
    from db import maintenance

    open_db()
    if args.action == "backup":
        print(terminal_safe(f"backup written: {maintenance.backup()}"))
    elif args.action == "vacuum":
        result = maintenance.optimize()
        print(f"database {result.done}: {result.bytes_before:,} -> {result.bytes_after:,} bytes")
    else:
        cleanup()
    return EXIT_OK


def cleanup() -> None:
    """The retention a run applies daily (core.pipeline.retention), now: what went, why, and what stayed."""
    from core.pipeline.retention import HISTORY_ARCHIVE_DAYS, apply_retention

    report = apply_retention(force=True)
    lines = [f"backup written first: {report.backup}" if report.backup else "nothing to remove: no backup needed"]
    if report.log_retention_days:
        lines.append(
            f"removed {report.log_rows} log rows of completed sessions older than {report.log_retention_days} days "
            "(log_retention_days)"
        )
    else:
        lines.append("log rows of completed sessions are kept forever (log_retention_days is 0)")
    if report.abandoned_session_days:
        lines.append(
            f"removed {report.sessions} abandoned sessions (failed or never processed, untouched for "
            f"{report.abandoned_session_days} days: abandoned_session_days), with {report.session_log_rows} "
            f"log rows, {report.session_files} file records and their worker logs"
        )
    else:
        lines.append("abandoned sessions are kept (abandoned_session_days is 0)")
    lines.append(
        f"archived {report.history_archived} project history rows older than {HISTORY_ARCHIVE_DAYS} days "
        "(kept: vat history --archived)"
    )
    lines += [f"kept session {kept.session_id}: {kept.reason}" for kept in report.kept]
    for line in lines:
        print(terminal_safe(line))

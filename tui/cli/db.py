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
        print(f"database vacuumed, analysed and reindexed: {result.bytes_before:,} -> {result.bytes_after:,} bytes")
    else:
        from core.pipeline.background import remove_worker_log

        removed = maintenance.cleanup_sessions()
        for session_id in removed.session_ids:
            remove_worker_log(session_id)
        archived = maintenance.archive_history()
        print(
            f"removed {removed.sessions} stale incomplete sessions ({removed.operations} log rows, "
            f"{removed.files} file records); archived {archived} old history rows"
        )
    return EXIT_OK

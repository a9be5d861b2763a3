"""`vat sessions`: the 50 most recent sessions, their state and progress."""

from __future__ import annotations

import argparse

from core.catalogue.roots import resolve
from core.errors import EXIT_OK
from tui.cli.common import open_db, print_json
from tui.cli.listing import Column, print_listing


def sessions(args: argparse.Namespace) -> int:
    from core.pipeline.lock import holder_pid
    from core.pipeline.progress import percent_text, session_fraction
    from db.models import ProcessingState
    from tui.session_records import queued_to_pick

    open_db()
    to_pick = queued_to_pick()
    rows = []
    shown: list[str] = []  # each row's progress as the TUI shows it (core.pipeline.progress)
    for state in ProcessingState.select().order_by(ProcessingState.updated_at.desc()).limit(50):
        total = state.total_operations or 0
        fraction = session_fraction(state.status, total, state.completed_operations, state.operation_details)
        shown.append(percent_text(fraction) or "-")
        rows.append(
            {
                "session_id": state.session_id,
                "artwork_name": state.artwork_name,
                "status": state.status or "",
                "running": holder_pid(state.session_id) is not None,
                "to_pick": state.session_id in to_pick,  # detected; waits in the queue for its scenes
                "total_operations": total,
                "completed_operations": state.completed_operations or 0,
                "progress_percent": round(100 * fraction, 1) if fraction is not None else None,
                "current_operation": state.current_operation,
                "nodes": nodes_of(state.operation_details),  # on a render farm: who makes what now
                "error_message": state.error_message,
                "preset_id": state.preset_id,
                "output_path": str(resolve(state.output_path)),  # where it is now (storage roots)
                "created_at": state.created_at,
                "updated_at": state.updated_at,
            }
        )
    if args.json:
        print_json(rows)
        return EXIT_OK
    columns = (
        Column("session", whole=True),
        Column("artwork"),
        Column("status"),
        Column("progress", right=True),
        Column("current operation", drop=1),
        Column("updated (UTC)", drop=2),
    )
    table = [
        (
            row["session_id"],
            row["artwork_name"],
            _status(row),
            progress,
            current_text(row["current_operation"], row["nodes"]),
            f"{row['updated_at']:%Y-%m-%d %H:%M}" if row["updated_at"] else "",
        )
        for row, progress in zip(rows, shown, strict=True)
    ]
    print_listing("sessions", columns, table)
    return EXIT_OK


def nodes_of(details: dict | None) -> dict[str, str]:
    """The running operations' render nodes (host:pid), by key, as the farm's coordinator records them."""
    running = (details or {}).get("running") or {}
    return {key: str(info["node"]) for key, info in running.items() if isinstance(info, dict) and info.get("node")}


def current_text(current: str | None, nodes: dict[str, str]) -> str:
    if not current:
        return ""
    return f"{current} on {nodes[current]}" if current in nodes else current


def _status(row: dict) -> str:
    """The stored status, or what the session does now: detected and waiting for its scenes (to pick),
    or running in a process."""
    if row["running"]:
        return "running" if row["status"] == "processing" else f"{row['status']} (running)"
    return "to pick" if row["to_pick"] else row["status"]

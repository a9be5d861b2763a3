"""What the Sessions screen lists and deletes (database and files; no Textual)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.catalogue.roots import resolve
from core.pipeline.background import is_pausing, remove_worker_log, running_pid
from core.pipeline.fixity import CHECKSUMS_NAME
from core.pipeline.progress import percent_text, session_fraction
from db.connection import write_transaction
from db.models import (
    COMPLETED,
    FAILED,
    QUEUE_HELD,
    QUEUE_TO_PICK,
    QUEUE_WAITING,
    FileRegistry,
    OperationLog,
    ProcessingState,
    ProjectHistory,
    ProjectHistoryArchive,
    QueueEntry,
)
from db.queries import active_sessions
from tui.formatting import local_time

RECENT_FINISHED = 10


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    artwork: str
    status: str  # as stored
    label: str  # as shown: running, interrupted, picking scenes...
    progress: str
    current: str
    updated: str
    alive: bool


# A session in the queue that nothing works on now is shown by its place in line (core/pipeline/session_queue)
QUEUE_LABELS = {QUEUE_TO_PICK: "to pick", QUEUE_WAITING: "queued", QUEUE_HELD: "held in queue"}


def _label(status: str, alive: bool, has_scenes: bool, pausing: bool = False, queued: str | None = None) -> str:
    if not alive and queued in QUEUE_LABELS:
        return QUEUE_LABELS[queued]
    if status == "processing":
        return "running" if alive else "interrupted"
    if status == "paused":
        if alive:  # a resumed process holds the session a moment before it marks it processing
            return "pausing" if pausing else "running"
        return "paused"
    if status == "initialized":
        if alive:
            return "detecting"
        return "picking scenes" if has_scenes else "new"
    return status


def queued_to_pick() -> set[str]:
    """The sessions whose queue entry waits for their scenes to be picked (`vat sessions` marks them)."""
    return {e.session_id for e in QueueEntry.select(QueueEntry.session).where(QueueEntry.state == QUEUE_TO_PICK)}


def session_rows() -> list[SessionRow]:
    """Active sessions (the active_sessions view, newest first), then the last finished ones."""
    rows = []
    active = active_sessions()
    with_scenes = {
        r.session_id
        for r in ProcessingState.select(ProcessingState.session_id).where(
            ProcessingState.session_id.in_([a["session_id"] for a in active])
            & ProcessingState.scenes_data.is_null(False)
        )
    }
    states = {
        r.session_id: r
        for r in ProcessingState.select(
            ProcessingState.session_id,
            ProcessingState.total_operations,
            ProcessingState.completed_operations,
            ProcessingState.operation_details,
        ).where(ProcessingState.session_id.in_([a["session_id"] for a in active]))
    }
    queued = {
        e.session_id: e.state
        for e in QueueEntry.select(QueueEntry.session, QueueEntry.state).where(
            QueueEntry.session.in_([a["session_id"] for a in active])
        )
    }
    for a in active:
        pid = running_pid(a["session_id"])  # "detecting" when an initialized one is alive
        alive = pid is not None
        state = states.get(a["session_id"])
        details = state.operation_details if state else None
        total, completed = (state.total_operations, state.completed_operations) if state else (None, None)
        fraction = session_fraction(a["status"], total, completed, details)
        rows.append(
            SessionRow(
                a["session_id"],
                a["artwork_name"],
                a["status"],
                _label(
                    a["status"],
                    alive,
                    a["session_id"] in with_scenes,
                    is_pausing(a["status"], pid, details),
                    queued.get(a["session_id"]),
                ),
                percent_text(fraction),
                a["current_operation"] or "",
                local_time(a["updated_at"]),
                alive,
            )
        )
    finished = (
        ProcessingState.select()
        .where(ProcessingState.status.in_([COMPLETED, FAILED]))
        .order_by(ProcessingState.updated_at.desc(), ProcessingState.id.desc())
        .limit(RECENT_FINISHED)
    )
    for s in finished:
        status = s.status or ""  # never empty here: the query selects completed and failed
        fraction = session_fraction(status, s.total_operations, s.completed_operations, s.operation_details)
        rows.append(
            SessionRow(
                s.session_id,
                s.artwork_name,
                status,
                status,
                percent_text(fraction),
                s.current_operation or "",
                local_time(s.updated_at),
                False,
            )
        )
    return rows


def output_files(session_id: str) -> list[Path]:
    """Files the session made that are still there (from file_registry)."""
    rows = FileRegistry.select(FileRegistry.file_path).where(FileRegistry.session == session_id)
    paths = [resolve(r.file_path) for r in rows]  # where they are on this machine (storage roots)
    return [p for p in paths if p.is_file()]


def delete_session(session_id: str, remove_outputs: bool = False) -> int:
    """Delete the session's records; with remove_outputs, also the files it made (only those the
    registry lists, inside its output folder), then the folders left empty. Returns files removed."""
    session = ProcessingState.get_or_none(ProcessingState.session_id == session_id)
    if session is None:
        return 0
    removed = 0
    if remove_outputs:
        root = resolve(session.output_path).resolve()
        for path in output_files(session_id):
            if path.resolve().is_relative_to(root):
                path.unlink(missing_ok=True)
                removed += 1
        if not (session.process_metadata or {}).get("replaced_by"):  # else the folder's sums are another's
            (root / CHECKSUMS_NAME).unlink(missing_ok=True)
        _remove_empty_folders(root)
    with write_transaction():  # children first: foreign keys are enforced
        for model in (OperationLog, FileRegistry, ProjectHistory, ProjectHistoryArchive):
            model.delete().where(model.session == session_id).execute()
        ProcessingState.delete().where(ProcessingState.session_id == session_id).execute()
    remove_worker_log(session_id)
    return removed


def _remove_empty_folders(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: the user's own files stay
    try:
        root.rmdir()
    except OSError:
        pass

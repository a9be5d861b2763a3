"""What `vat watch` remembers (watched_masters, one row per file) and what it tells about a master's
content seen before: the session that content already has, as that session stands now.

A file's row holds its size and modification time when taken, so a restart does not hash it again
while it is unchanged, whether it was queued, skipped as a copy or failed. "Once per content" is
the sessions' own master hashes: any session of this content (not replaced by a later one) is the
content's session, however it was made (this watcher, `vat run`, the TUI)."""

from __future__ import annotations

from pathlib import Path

from core.catalogue.roots import resolve
from core.pipeline.watch_scan import Seen
from db.connection import write_transaction
from db.models import (
    COMPLETED,
    FAILED,
    QUEUE_HELD,
    QUEUE_RUNNING,
    QUEUE_TO_PICK,
    QUEUE_WAITING,
    ProcessingState,
    QueueEntry,
    WatchedMaster,
)

QUEUED, SKIPPED = "queued", "skipped"  # watched_masters.state, with FAILED


def recorded(path: Path, seen: Seen) -> WatchedMaster | None:
    """The row of this very file as it is now (same path, size and modification time), if any."""
    return (
        WatchedMaster.select()
        .where(
            (WatchedMaster.master_path == str(path))
            & (WatchedMaster.size_bytes == seen.size)
            & (WatchedMaster.mtime == seen.mtime)
        )
        .first()
    )


def row_of(path: Path) -> WatchedMaster | None:
    return WatchedMaster.get_or_none(WatchedMaster.master_path == str(path))


def record(
    path: Path,
    seen: Seen | None,
    folder: Path,
    digest: str | None,
    state: str,
    session_id: str | None,
    reason: str | None,
) -> None:
    """The file's row, created or updated to what happened this time. `seen` None: not remembered as
    this very file (a fault of the machine), so the next start of the watcher tries it again."""
    values = {
        "watch_dir": str(folder),
        "master_sha256": digest,
        "size_bytes": seen.size if seen else None,
        "mtime": seen.mtime if seen else None,
        "session": session_id,
        "state": state,
        "reason": reason,
    }
    with write_transaction():
        if not WatchedMaster.update(**values).where(WatchedMaster.master_path == str(path)).execute():
            WatchedMaster.create(master_path=str(path), **values)


def content_session(digest: str, exclude: str | None = None) -> ProcessingState | None:
    """The newest session of a master with this content that no later one replaced (`--replace`)."""
    rows = ProcessingState.select().where(ProcessingState.master_sha256 == digest).order_by(ProcessingState.id.desc())
    return next(
        (row for row in rows if row.session_id != exclude and not (row.process_metadata or {}).get("replaced_by")),
        None,
    )


def standing(session: ProcessingState) -> str:
    """What the session is now, in a few words a person can act on."""
    from core.pipeline.background import running_pid

    sid = session.session_id
    entry = QueueEntry.get_or_none(QueueEntry.session == sid)
    state = entry.state if entry is not None else None
    if running_pid(sid) is not None:
        return "processing"
    if state == QUEUE_WAITING:
        return "queued"
    if state == QUEUE_TO_PICK:
        return f"detected, its scenes to pick: vat --resume {sid} --scenes SPEC"
    if state == QUEUE_HELD:
        return f"held in the queue: vat queue release {sid}"
    if session.status == COMPLETED:
        return f"completed in {resolve(session.output_path)}"
    if session.status == FAILED:
        return f"failed: {session.error_message or 'see vat history'}; vat --resume {sid} retries it"
    if state == QUEUE_RUNNING:
        return f"interrupted: vat --resume {sid} continues it"
    return f"{session.status}, not in the queue: vat --resume {sid} continues it"


def finished(session_ids: list[str]) -> list[ProcessingState]:
    """Those of the sessions that have completed or failed by now."""
    if not session_ids:
        return []
    return list(
        ProcessingState.select().where(
            ProcessingState.session_id.in_(session_ids) & ProcessingState.status.in_([COMPLETED, FAILED])
        )
    )


def still_queued(folder: Path) -> dict[str, str]:
    """The sessions this folder's files became that have not finished yet: session id -> master path."""
    rows = (
        WatchedMaster.select(WatchedMaster.session, WatchedMaster.master_path)
        .join(ProcessingState, on=(WatchedMaster.session == ProcessingState.session_id))
        .where(
            (WatchedMaster.watch_dir == str(folder))
            & (WatchedMaster.state == QUEUED)
            & ProcessingState.status.not_in([COMPLETED, FAILED])
        )
    )
    return {str(row.session_id): row.master_path for row in rows}

"""Who may write a project folder: one session at a time (its lock), and a new `vat run` never writes
over an earlier session's archive unless told to (--replace)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.catalogue.roots import resolve
from core.errors import BadInput
from core.pipeline.execute import is_temporary
from core.pipeline.fixity import write_checksums
from core.pipeline.lock import PROJECT_LOCK_NAME, ProjectLock, SessionLock
from db.connection import write_transaction
from db.models import (
    COMPLETED,
    FAILED,
    QUEUE_FAILED,
    QUEUE_FINISHED,
    FileRegistry,
    ProcessingState,
    QueueEntry,
    utc_now,
)

log = logging.getLogger(__name__)


def earlier_sessions(root: Path, session_id: str) -> list[ProcessingState]:
    """Sessions of this database that own the folder, newest first (replaced ones no longer do); also
    those that wrote it before it moved, or on another machine (their paths resolve to it: storage roots)."""
    named = ProcessingState.select(ProcessingState.session_id, ProcessingState.output_path)
    owners = [r.session_id for r in named if r.output_path and resolve(r.output_path) == root]
    rows = (
        ProcessingState.select()
        .where(ProcessingState.session_id.in_(owners) & (ProcessingState.session_id != session_id))
        .order_by(ProcessingState.updated_at.desc(), ProcessingState.id.desc())
    )
    return [r for r in rows if not (r.process_metadata or {}).get("replaced_by")]


def holds_files(root: Path) -> bool:
    if not root.is_dir():
        return False
    return any(p.is_file() and p.name != PROJECT_LOCK_NAME and not is_temporary(p) for p in root.rglob("*"))


def check_free(root: Path, session_id: str, replace: bool) -> None:
    """Refuse (exit 2) a folder that holds another session's work, unless `replace`."""
    earlier = earlier_sessions(root, session_id)
    if not replace:
        if earlier:
            other = earlier[0]
            hint = (
                "give --replace to make it again"
                if other.status == COMPLETED
                else f"resume it (vat --resume {other.session_id}) or give --replace to start over"
            )
            raise BadInput(f"{root}: project folder already holds session {other.session_id} ({other.status}); {hint}")
        if holds_files(root):
            raise BadInput(
                f"{root}: project folder already exists and holds files; "
                "choose another --out or --date, or give --replace"
            )
        return
    for other in earlier:
        take_over(root, other, session_id)


def take_over(root: Path, other: ProcessingState, session_id: str) -> int:
    """--replace: the earlier session's outputs go (the new session makes its own), its file records
    with them; it is marked replaced, so it is never resumed into the folder again."""
    if SessionLock(other.session_id).is_held_elsewhere():
        raise BadInput(SessionLock(other.session_id).busy_message())
    removed = 0
    resolved = root.resolve()
    for row in FileRegistry.select().where(FileRegistry.session == other.session_id):
        path = resolve(row.file_path)  # where it is on this machine (storage roots)
        if path.resolve().is_relative_to(resolved) and path.is_file():
            path.unlink()
            removed += 1
    meta = dict(other.process_metadata or {})
    meta["replaced_by"] = session_id
    fields: dict[str, Any] = {"process_metadata": meta}
    if other.status != COMPLETED:
        fields.update(status=FAILED, error_message=f"replaced by session {session_id}")
    with write_transaction():
        FileRegistry.delete().where(FileRegistry.session == other.session_id).execute()
        ProcessingState.update(**fields).where(ProcessingState.id == other.id).execute()
        # out of the queue's way too: a runner (or a plain resume) must never take it up again
        QueueEntry.update(state=QUEUE_FAILED, reason=f"replaced by session {session_id}", finished_at=utc_now()).where(
            (QueueEntry.session == other.session_id) & (QueueEntry.state.not_in(QUEUE_FINISHED))
        ).execute()
    write_checksums(session_id, root)  # the earlier session's sums go with its outputs
    log.info("session %s replaces %s in %s: %d outputs removed", session_id, other.session_id, root, removed)
    return removed


@contextlib.contextmanager
def claim(root: Path, session_id: str, replace: bool = False) -> Iterator[None]:
    """Hold the folder's lock for a new session, once it is known to be free (or taken over)."""
    with ProjectLock(root, session_id):
        check_free(root, session_id, replace)
        yield

"""Retention: what the database may forget as it ages, never against the archive.

- operation_log rows of completed sessions older than log_retention_days (0, the default: kept forever);
- abandoned sessions (failed, or initialized and never processed) untouched for abandoned_session_days,
  with their log and file rows and their worker logs; a failed session whose registered outputs are
  still on disk is an archive, not abandoned, and is kept, as is one with a history record;
- project_history rows older than HISTORY_ARCHIVE_DAYS are moved to project_history_archive, never deleted.

Applied at the start of a run (core.pipeline.session.process: `vat run`, `vat resume` and the TUI's
processing, which runs `vat --resume`) at most once a day, and by `vat db cleanup` at once. A backup of
the database (a retention backup, db.backup) is taken before anything is deleted or moved; the day's run is
recorded in the transaction that deletes, so a failed backup or delete leaves retention due.

Sessions are chosen, then backed up, then deleted: each chosen session's lock is taken (one another process
holds is a running session: kept) and held through the delete, and the delete chooses again, so that a
session that moved on meanwhile is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import peewee

from core.catalogue.roots import resolve
from core.errors import BadInput
from core.pipeline.lock import SessionLock
from db import maintenance
from db.backup import RETENTION
from db.connection import is_postgres, write_transaction
from db.fields import TIMESTAMP_FORMAT, utc_days_ago, utc_now
from db.models import (
    COMPLETED,
    FAILED,
    INITIALIZED,
    AppSetting,
    FileRegistry,
    OperationLog,
    ProcessingState,
    ProjectHistory,
    ProjectHistoryArchive,
)
from db.settings import get_setting

log = logging.getLogger("vat")

HISTORY_ARCHIVE_DAYS = 90  # seed §6.1: history older than this moves to the archive table
ABANDONED_STATUSES = (FAILED, INITIALIZED)
LAST_RUN_KEY = "retention_last_run"  # a system setting: written here only, directly
RUN_EVERY = timedelta(days=1)
LOCK_CHUNK = 200  # sessions locked (an open file each) and removed per transaction
# on PostgreSQL each held lock is a connection of its own (core/pipeline/db_locks.py): well under the
# server's max_connections (100 by default), which the catalogue's other users share
PG_LOCK_CHUNK = 20


@dataclass(frozen=True)
class KeptSession:
    session_id: str
    reason: str


@dataclass(frozen=True)
class RetentionReport:
    ran: bool  # False: skipped, retention ran less than a day ago
    log_retention_days: int = 0
    abandoned_session_days: int = 0
    backup: Path | None = None  # None when nothing had to change
    log_rows: int = 0  # operation_log rows of completed sessions, past log_retention_days
    sessions: int = 0  # abandoned sessions removed ...
    session_log_rows: int = 0  # ... with their operation_log rows
    session_files: int = 0  # ... and file_registry rows
    history_archived: int = 0
    kept: tuple[KeptSession, ...] = ()  # abandoned by age and status, kept for the reason given
    removed_session_ids: tuple[str, ...] = field(default=(), compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.log_rows or self.sessions or self.history_archived)


def _ran_recently() -> bool:
    """True when retention last ran less than a day ago (by retention_last_run)."""
    row = AppSetting.get_or_none(AppSetting.key == LAST_RUN_KEY)
    if row is None or not row.value:
        return False
    try:
        last = datetime.strptime(row.value, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return False  # not ours: run, and write it right
    return datetime.now(timezone.utc) - last < RUN_EVERY


def _record_run() -> None:
    # retention_last_run is the system's, not the user's: written directly, not through set_setting
    updated = AppSetting.update(value=utc_now(), modified_at=utc_now()).where(AppSetting.key == LAST_RUN_KEY).execute()
    if not updated:
        AppSetting.create(
            key=LAST_RUN_KEY,
            value=utc_now(),
            value_type="string",
            category="system",
            description="When retention last ran (set by vat)",
        )


def _days(key: str) -> int:
    try:
        return int(get_setting(key) or 0)
    except (TypeError, ValueError):
        return 0


def _old_completed_logs(cutoff: str) -> peewee.Expression:
    """operation_log rows of completed sessions written before `cutoff`."""
    completed = ProcessingState.select(ProcessingState.session_id).where(ProcessingState.status == COMPLETED)
    return OperationLog.session.in_(completed) & (OperationLog.timestamp < cutoff)


def _abandoned_by_age(cutoff: str) -> peewee.Expression:
    """Sessions failed or never processed, untouched since `cutoff`."""
    return ProcessingState.status.in_(ABANDONED_STATUSES) & (ProcessingState.updated_at < cutoff)


def _abandoned(cutoff: str, exclude: str | None) -> tuple[list[str], list[KeptSession]]:
    """The abandoned sessions to remove, and those abandoned by status and age but kept (and why).
    Whether one is running now is decided later, by taking its lock (_lock_sessions)."""
    # in the order they were made: the report reads the same on either engine (PostgreSQL has no rowid order)
    candidates = (
        ProcessingState.select(ProcessingState.session_id, ProcessingState.status)
        .where(_abandoned_by_age(cutoff))
        .order_by(ProcessingState.id)
    )
    with_history = {row.session_id for row in ProjectHistory.select(ProjectHistory.session)} | {
        row.session_id for row in ProjectHistoryArchive.select(ProjectHistoryArchive.session)
    }
    remove, kept = [], []
    for session in candidates:
        sid = session.session_id
        if sid == exclude:
            continue  # the session about to run
        if sid in with_history:
            kept.append(KeptSession(sid, "it has a project history record"))
            continue
        on_disk = [
            row.file_path
            for row in FileRegistry.select(FileRegistry.file_path)
            .where(FileRegistry.session == sid)
            .order_by(FileRegistry.id)
            if resolve(row.file_path).exists()  # an archive that moved is still one (storage roots)
        ]
        if on_disk:
            kept.append(
                KeptSession(
                    sid,
                    f"an archive, not abandoned: {len(on_disk)} of its outputs are still on disk (e.g. {on_disk[0]})",
                )
            )
            continue
        remove.append(sid)
    return remove, kept


def _still_abandoned(session_ids: list[str], cutoff: str) -> set[str]:
    """Of `session_ids`, those still abandoned now (same status and age conditions, no history record
    since): run inside the deleting transaction, so that a session that moved on since it was picked is kept."""
    still = ProcessingState.select(ProcessingState.session_id).where(
        ProcessingState.session_id.in_(session_ids)
        & _abandoned_by_age(cutoff)
        & ProcessingState.session_id.not_in(ProjectHistory.select(ProjectHistory.session))
        & ProcessingState.session_id.not_in(ProjectHistoryArchive.select(ProjectHistoryArchive.session))
    )
    return {row.session_id for row in still}


def _lock_sessions(session_ids: list[str]) -> tuple[list[SessionLock], list[KeptSession]]:
    """Each session's lock, taken without waiting (beyond the lock's short grace): held through the
    delete, so that no run can start on a session while it is removed. A session whose lock another
    process holds is running: kept, and said so."""
    locks, busy = [], []
    for sid in session_ids:
        lock = SessionLock(sid)
        try:
            lock.acquire()
        except BadInput:
            busy.append(KeptSession(sid, f"it is being processed now (process {lock.holder_process() or '?'})"))
            continue
        locks.append(lock)
    return locks, busy


def _claim_run(force: bool) -> bool:
    """Record this run as the day's, unless (not `force`) another run recorded one less than a day ago.
    Called inside the IMMEDIATE transaction that does the work: of two runs starting together only one
    applies retention, and a run that fails (its backup, a delete) records nothing, so the next tries again."""
    if not force and _ran_recently():
        return False
    _record_run()
    return True


def apply_retention(*, force: bool = False, exclude: str | None = None) -> RetentionReport:
    """Apply the retention settings: at most once a day unless `force` (`vat db cleanup`).
    `exclude`: the session about to run, never removed whatever its state."""
    from core.pipeline.background import remove_worker_log

    if not force and _ran_recently():
        return RetentionReport(ran=False)
    log_days = max(_days("log_retention_days"), 0)
    abandoned_days = _days("abandoned_session_days")
    # one instant each for the choice and the deletion
    log_cutoff = utc_days_ago(log_days)
    abandoned_cutoff = utc_days_ago(max(abandoned_days, 0))
    old_logs = OperationLog.select().where(_old_completed_logs(log_cutoff)).count() if log_days > 0 else 0
    remove, kept = _abandoned(abandoned_cutoff, exclude) if abandoned_days > 0 else ([], [])
    history_cutoff = utc_days_ago(HISTORY_ARCHIVE_DAYS)
    old_history = ProjectHistory.select().where(ProjectHistory.completed_at < history_cutoff).count()
    if not (old_logs or remove or old_history):
        with write_transaction():
            if not _claim_run(force):
                return RetentionReport(ran=False)
        return RetentionReport(True, log_days, abandoned_days, kept=tuple(kept))
    # Before anything is deleted or moved; when it fails (a full disk) the run is not recorded.
    backup = maintenance.backup(kind=RETENTION)
    log_rows = archived = sessions = session_log_rows = session_files = 0
    removed_ids: list[str] = []
    size = PG_LOCK_CHUNK if is_postgres() else LOCK_CHUNK
    chunks = [remove[i : i + size] for i in range(0, len(remove), size)] or [[]]
    for number, chunk in enumerate(chunks):
        locks, busy = _lock_sessions(chunk)
        kept += busy
        try:
            with write_transaction():
                if number == 0:
                    if not _claim_run(force):
                        return RetentionReport(ran=False)  # another run did it meanwhile
                    if old_logs:
                        log_rows = OperationLog.delete().where(_old_completed_logs(log_cutoff)).execute()
                    archived = maintenance.archive_history(HISTORY_ARCHIVE_DAYS)
                locked = [lock.session_id for lock in locks]
                still = _still_abandoned(locked, abandoned_cutoff)
                kept += [
                    KeptSession(sid, "it changed since retention looked at it") for sid in locked if sid not in still
                ]
                removed = maintenance.delete_sessions([sid for sid in locked if sid in still])
            for sid in removed.session_ids:
                remove_worker_log(sid)
        finally:
            for lock in locks:
                lock.release()
        sessions += removed.sessions
        session_log_rows += removed.operations
        session_files += removed.files
        removed_ids += removed.session_ids
    log.info(
        "retention: backup %s; %d old log rows, %d abandoned sessions removed; %d history rows archived",
        backup,
        log_rows,
        sessions,
        archived,
    )
    return RetentionReport(
        True,
        log_days,
        abandoned_days,
        backup=backup,
        log_rows=log_rows,
        sessions=sessions,
        session_log_rows=session_log_rows,
        session_files=session_files,
        history_archived=archived,
        kept=tuple(kept),
        removed_session_ids=tuple(removed_ids),
    )

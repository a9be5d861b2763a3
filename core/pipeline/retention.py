"""Retention: what the database may forget as it ages, never against the archive.

- operation_log rows of completed sessions older than log_retention_days (0, the default: kept forever);
- abandoned sessions (failed, or initialized and never processed) untouched for abandoned_session_days,
  with their log and file rows and their worker logs; a failed session whose registered outputs are
  still on disk is an archive, not abandoned, and is kept, as is one with a history record;
- project_history rows older than HISTORY_ARCHIVE_DAYS are moved to project_history_archive, never deleted.

Applied at the start of a run (core.pipeline.session.process: `vat run`, `vat resume` and the TUI's
processing, which runs `vat --resume`) at most once a day, and by `vat db cleanup` at once. A backup of
the database is taken before anything is deleted or moved.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import peewee

from db import maintenance
from db.connection import database
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


def _claim_daily_run() -> bool:
    """True when retention is due (more than a day since it last ran), recording now as its last run;
    under IMMEDIATE, so that of two runs starting together only one applies it."""
    with database.atomic("IMMEDIATE"):
        row = AppSetting.get_or_none(AppSetting.key == LAST_RUN_KEY)
        if row is not None and row.value:
            try:
                last = datetime.strptime(row.value, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
            except ValueError:
                last = None  # not ours: run, and write it right
            if last is not None and datetime.now(timezone.utc) - last < RUN_EVERY:
                return False
        _record_run()
    return True


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


def _abandoned(days: int, exclude: str | None) -> tuple[list[str], list[KeptSession]]:
    """The abandoned sessions to remove, and those abandoned by status and age but kept (and why)."""
    from core.pipeline.lock import holder_pid

    candidates = ProcessingState.select(ProcessingState.session_id, ProcessingState.status).where(
        ProcessingState.status.in_(ABANDONED_STATUSES) & (ProcessingState.updated_at < utc_days_ago(days))
    )
    with_history = {row.session_id for row in ProjectHistory.select(ProjectHistory.session)} | {
        row.session_id for row in ProjectHistoryArchive.select(ProjectHistoryArchive.session)
    }
    remove, kept = [], []
    for session in candidates:
        sid = session.session_id
        if sid == exclude or holder_pid(sid) is not None:
            continue  # being worked on now
        if sid in with_history:
            kept.append(KeptSession(sid, "it has a project history record"))
            continue
        on_disk = [
            row.file_path
            for row in FileRegistry.select(FileRegistry.file_path).where(FileRegistry.session == sid)
            if Path(row.file_path).exists()
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


def apply_retention(*, force: bool = False, exclude: str | None = None) -> RetentionReport:
    """Apply the retention settings: at most once a day unless `force` (`vat db cleanup`).
    `exclude`: the session about to run, never removed whatever its state."""
    from core.pipeline.background import remove_worker_log

    if not force and not _claim_daily_run():
        return RetentionReport(ran=False)
    if force:
        with database.atomic("IMMEDIATE"):
            _record_run()
    log_days = max(_days("log_retention_days"), 0)
    abandoned_days = _days("abandoned_session_days")
    log_cutoff = utc_days_ago(log_days)  # one instant for the count and the deletion
    old_logs = OperationLog.select().where(_old_completed_logs(log_cutoff)).count() if log_days > 0 else 0
    remove, kept = _abandoned(abandoned_days, exclude) if abandoned_days > 0 else ([], [])
    history_cutoff = utc_days_ago(HISTORY_ARCHIVE_DAYS)
    old_history = ProjectHistory.select().where(ProjectHistory.completed_at < history_cutoff).count()
    report = RetentionReport(True, log_days, abandoned_days, kept=tuple(kept))
    if not (old_logs or remove or old_history):
        return report
    backup = maintenance.backup()  # before anything is deleted or moved
    with database.atomic("IMMEDIATE"):
        log_rows = OperationLog.delete().where(_old_completed_logs(log_cutoff)).execute() if old_logs else 0
        removed = maintenance.delete_sessions(remove)
    archived = maintenance.archive_history(HISTORY_ARCHIVE_DAYS)
    for sid in removed.session_ids:
        remove_worker_log(sid)
    log.info(
        "retention: backup %s; %d old log rows, %d abandoned sessions removed; %d history rows archived",
        backup,
        log_rows,
        removed.sessions,
        archived,
    )
    return RetentionReport(
        True,
        log_days,
        abandoned_days,
        backup=backup,
        log_rows=log_rows,
        sessions=removed.sessions,
        session_log_rows=removed.operations,
        session_files=removed.files,
        history_archived=archived,
        kept=tuple(kept),
        removed_session_ids=removed.session_ids,
    )

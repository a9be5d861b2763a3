"""The data access of seed §5 (resume, save progress, presets) and reads of the two views."""

from __future__ import annotations

from typing import Any

from peewee import JOIN, Expression, fn

from db.connection import database
from db.errors import BadInput
from db.fields import utc_days_ago
from db.models import COMPLETED, INITIALIZED, RESUMABLE_STATUSES, OperationLog, ProcessingState, UserPreset
from db.settings import get_setting

# operation_log columns a caller may fill through save_state(**log_fields).
LOG_FIELDS = frozenset(
    name
    for name in OperationLog._meta.fields
    if name not in {"id", "session", "operation_type", "operation_name", "status", "timestamp"}
)


def get_session(session_id: str) -> ProcessingState | None:
    return ProcessingState.get_or_none(ProcessingState.session_id == session_id)


def get_resumable_session(max_age_days: float | None = None) -> ProcessingState | None:
    """The most recently updated resumable session (see resumable_sessions)."""
    return resumable_sessions(max_age_days).first()


def resumable_sessions(max_age_days: float | None = None) -> Any:
    """Sessions that are processing or paused and younger than the limit, the most recent first.

    Also one still 'initialized' that `vat run` started (its selection was stored up front): killed
    during probing, detection, planning or the R&D scan, it is resumed like any other. A session whose
    stored selection turned out out of range waits for a new one (vat --resume SID --scenes), and
    one made in the TUI waits for its scene picker.

    The limit defaults to the max_resume_age_days setting. As in seed §5.1 the row also carries
    completed_operations_verified (completed operation_log rows; the seed counts every row) and
    last_operation_time (the newest operation_log timestamp, text, or None).
    """
    if max_age_days is None:
        max_age_days = get_setting("max_resume_age_days")
    completed_logs = (OperationLog.session == ProcessingState.session_id) & (OperationLog.status == COMPLETED)
    return (
        ProcessingState.select(
            ProcessingState,
            fn.COUNT(OperationLog.id).alias("completed_operations_verified"),
            fn.MAX(OperationLog.timestamp).alias("last_operation_time"),
        )
        .join(OperationLog, JOIN.LEFT_OUTER, on=completed_logs)
        .where(
            (ProcessingState.status.in_(RESUMABLE_STATUSES) | unattended_not_started())
            & (ProcessingState.updated_at > utc_days_ago(max_age_days))
        )
        .group_by(ProcessingState.id)
        .order_by(ProcessingState.updated_at.desc(), ProcessingState.id.desc())
    )


def unattended_not_started() -> Expression:
    meta = ProcessingState.process_metadata
    return (
        (ProcessingState.status == INITIALIZED)
        & fn.json_extract(meta, "$.requested_selection").is_null(False)
        & fn.json_extract(meta, "$.selection_problem").is_null()
    )


def save_state(
    session_id: str,
    operation: str,
    completed: int,
    details: dict,
    op_type: str,
    op_name: str,
    status: str = COMPLETED,
    **log_fields: Any,
) -> OperationLog:
    """Record one finished (or failed/skipped) operation: session progress and log row, one transaction.

    `completed` is the session's new completed_operations; `log_fields` fill other operation_log
    columns (start_time, output_files, ...). sequence_number defaults to the session's next number.
    """
    unknown = set(log_fields) - LOG_FIELDS
    if unknown:
        raise TypeError(f"save_state: not operation_log columns: {', '.join(sorted(unknown))}")
    log_fields.setdefault("progress", 1.0 if status == COMPLETED else 0.0)

    # IMMEDIATE takes the write lock up front: concurrent workers queue on busy_timeout instead of
    # failing to upgrade a read lock, and the sequence number read below cannot race.
    with database.atomic("IMMEDIATE"):
        updated = (
            ProcessingState.update(
                current_operation=operation, completed_operations=completed, operation_details=details
            )
            .where(ProcessingState.session_id == session_id)
            .execute()
        )
        if not updated:
            raise BadInput(f"unknown session: {session_id}")
        if "sequence_number" not in log_fields:
            last = (
                OperationLog.select(fn.MAX(OperationLog.sequence_number))
                .where(OperationLog.session == session_id)
                .scalar()
            )
            log_fields["sequence_number"] = (last or 0) + 1
        return OperationLog.create(
            session=session_id, operation_type=op_type, operation_name=op_name, status=status, **log_fields
        )


def get_user_presets() -> list[UserPreset]:
    """User presets, default first, then the most used (seed §5.3; full rows, for the editor too)."""
    return list(
        UserPreset.select().order_by(
            UserPreset.is_default.desc(), UserPreset.usage_count.desc(), UserPreset.preset_name
        )
    )


def active_sessions() -> list[dict]:
    """Rows of the active_sessions view (initialized, processing, paused; newest first)."""
    return _dicts("active_sessions")


def project_statistics() -> dict:
    """The project_statistics view: totals over projects completed in the last 30 days."""
    return _dicts("project_statistics")[0]


def _dicts(view: str) -> list[dict]:
    cursor = database.execute_sql(f"SELECT * FROM {view}")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

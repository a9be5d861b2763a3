"""The data access of seed §5 (resume, presets) and reads of the two views.

Progress is saved by core/pipeline/records.py, which knows the operation it records.
"""

from __future__ import annotations

from typing import Any

from peewee import Expression

from db.backend import bytewise, json_value
from db.connection import database
from db.fields import utc_days_ago
from db.models import INITIALIZED, RESUMABLE_STATUSES, ProcessingState, UserPreset
from db.settings import get_setting


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

    The limit defaults to the max_resume_age_days setting. Seed §5.1's extra columns (a count of
    completed operation_log rows, the newest log time) are left out: nothing read them.
    """
    if max_age_days is None:
        max_age_days = get_setting("max_resume_age_days")
    return (
        ProcessingState.select()
        .where(
            (ProcessingState.status.in_(RESUMABLE_STATUSES) | unattended_not_started())
            & (ProcessingState.updated_at > utc_days_ago(max_age_days))
        )
        .order_by(ProcessingState.updated_at.desc(), ProcessingState.id.desc())
    )


def unattended_not_started() -> Expression:
    meta = ProcessingState.process_metadata
    return (
        (ProcessingState.status == INITIALIZED)
        & json_value(database, meta, "requested_selection").is_null(False)
        & json_value(database, meta, "selection_problem").is_null()
    )


def get_user_presets() -> list[UserPreset]:
    """User presets, default first, then the most used (seed §5.3; full rows, for the editor too)."""
    return list(
        UserPreset.select().order_by(
            UserPreset.is_default.desc(), UserPreset.usage_count.desc(), bytewise(database, UserPreset.preset_name)
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

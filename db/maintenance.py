"""Housekeeping of seed §6 (cleanup, archive, optimise, statistics reset) and on-demand backups.

Each function returns what it did (counts, sizes, a path) for `vat db ...` to print.
Age cut-offs are computed once, in Python, so that every statement of one operation uses the same
instant (datetime('now') could move on between two statements). On a PostgreSQL catalogue the same
commands: backups through db/pg_backup.py, and optimise is the server's VACUUM ANALYZE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from db.backup import KEEP_BACKUPS, MANUAL, backup_database
from db.connection import database, database_path, execute, is_postgres, write_transaction
from db.errors import BadInput, EnvironmentProblem
from db.fields import utc_days_ago, utc_now
from db.models import (
    COMPLETED,
    FileRegistry,
    OperationLog,
    ProcessingState,
    ProjectHistory,
    ProjectHistoryArchive,
    UserPreset,
)


@dataclass(frozen=True)
class CleanupResult:
    sessions: int
    operations: int
    files: int
    # which sessions went, for the caller to remove what lives outside the database (their logs)
    session_ids: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class OptimizeResult:
    bytes_before: int  # the file's size, or the PostgreSQL database's (pg_database_size)
    bytes_after: int
    done: str = "vacuumed, analysed and reindexed"


def _cutoff(days: float) -> str:
    if days < 0:
        raise BadInput(f"days: expected 0 or more, got {days}")
    return utc_days_ago(days)


def _open_path() -> Path:
    path = database_path()
    if path is None:
        raise EnvironmentProblem("the database is not open (call db.open_database() first)")
    return path


def cleanup_sessions(days: float = 30) -> CleanupResult:
    """Delete sessions not completed and not updated for `days`, with their log and file rows.

    A session with a project_history row (or an archived one) is kept: the history refers to it.
    """
    cutoff = _cutoff(days)
    with write_transaction():
        stale = ProcessingState.select(ProcessingState.session_id).where(
            (ProcessingState.status != COMPLETED)
            & (ProcessingState.updated_at < cutoff)
            & ProcessingState.session_id.not_in(ProjectHistory.select(ProjectHistory.session))
            & ProcessingState.session_id.not_in(ProjectHistoryArchive.select(ProjectHistoryArchive.session))
        )
        return delete_sessions([row.session_id for row in stale])


def delete_sessions(session_ids: list[str]) -> CleanupResult:
    """Delete these sessions with their operation_log and file_registry rows (in the caller's
    transaction, if any). The caller checked that no history row refers to them."""
    sessions = operations = files = 0
    with database.atomic():
        for start in range(0, len(session_ids), 500):  # within SQLite's limit on bound variables
            chunk = session_ids[start : start + 500]
            # Children first: foreign keys are enforced.
            operations += OperationLog.delete().where(OperationLog.session.in_(chunk)).execute()
            files += FileRegistry.delete().where(FileRegistry.session.in_(chunk)).execute()
            sessions += ProcessingState.delete().where(ProcessingState.session_id.in_(chunk)).execute()
    return CleanupResult(sessions, operations, files, tuple(session_ids))


def archive_history(days: float = 90) -> int:
    """Move project_history rows completed more than `days` ago into project_history_archive."""
    cutoff = _cutoff(days)
    columns = [field.column_name for field in ProjectHistory._meta.sorted_fields]
    column_list = ", ".join(columns)
    with write_transaction():
        moved = execute(
            f"INSERT INTO project_history_archive ({column_list}, archived_at) "
            f"SELECT {column_list}, ? FROM project_history WHERE completed_at < ?",
            (utc_now(), cutoff),
        ).rowcount
        ProjectHistory.delete().where(ProjectHistory.completed_at < cutoff).execute()
    return moved


def _size_on_disk(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def optimize() -> OptimizeResult:
    """VACUUM, ANALYZE and REINDEX (seed §6.2); returns the file size before and after. On PostgreSQL:
    VACUUM ANALYZE (the server keeps its indexes; REINDEX would lock every table) and the database's size."""
    path = _open_path()
    if is_postgres():
        return _optimize_postgres()
    before = _size_on_disk(path)
    for statement in ("VACUUM", "ANALYZE", "REINDEX", "PRAGMA wal_checkpoint(TRUNCATE)"):
        database.execute_sql(statement)
    return OptimizeResult(before, _size_on_disk(path))


def _optimize_postgres() -> OptimizeResult:
    """VACUUM cannot run in a transaction block: peewee keeps psycopg's connection in autocommit mode
    outside atomic(), so it runs as is (never call this inside a transaction)."""
    size = "SELECT pg_database_size(current_database())"
    before = int(database.execute_sql(size).fetchone()[0])
    database.execute_sql("VACUUM ANALYZE")
    return OptimizeResult(before, int(database.execute_sql(size).fetchone()[0]), "vacuumed and analysed")


def backup(keep: int = KEEP_BACKUPS, kind: str = MANUAL) -> Path:
    """Copy the open database into backups/ beside it; keeps the newest `keep` of its kind
    (db.backup: manual, migration, retention). Returns the copy: on PostgreSQL a dump (db/pg_backup.py)."""
    if is_postgres():
        from db.pg_backup import dump_catalogue  # not on SQLite: it is not needed there

        return dump_catalogue(_open_path(), kind, keep)
    return backup_database(database.connection(), _open_path(), keep, kind)


def reset_statistics() -> int:
    """Zero every preset's usage counter (seed §6.3); returns the number of presets."""
    return UserPreset.update(usage_count=0, last_used_at=None).execute()


def clear_old_logs(days: float = 30) -> int:
    """Delete operation_log rows older than `days` (seed §6.3); returns how many."""
    cutoff = _cutoff(days)
    return OperationLog.delete().where(OperationLog.timestamp < cutoff).execute()

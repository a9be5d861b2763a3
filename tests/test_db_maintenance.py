"""Housekeeping removes only what is old and unfinished, archives only old history, backs up safely.

The tests marked `backends` run on PostgreSQL too; the SQLite file's own (its copy, its size) stay on
SQLite: tests/test_db_postgres_maintenance.py has PostgreSQL's backups and VACUUM."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import peewee
import pytest

from db import maintenance
from db.backup import list_backups
from db.fields import utc_days_ago
from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory, ProjectHistoryArchive, UserPreset
from tests.test_db_support import assert_recent, make_history, make_session, raw, sqlite_file_ok


def add_log_and_file(session_id: str, *, days_ago: float = 0) -> None:
    OperationLog.create(
        session=session_id,
        operation_type="clip_export",
        operation_name="clip:s001",
        sequence_number=1,
        status="completed",
        timestamp=utc_days_ago(days_ago),
    )
    FileRegistry.create(session=session_id, file_path=f"/out/{session_id}.mp4", file_type="clip", file_category="clips")


def session_ids() -> set[str]:
    return {s.session_id for s in ProcessingState.select()}


@pytest.mark.backends
def test_cleanup_removes_only_old_unfinished_sessions_with_their_rows(db: peewee.SqliteDatabase) -> None:
    make_session("old-paused", days_ago=40, status="paused")
    make_session("old-done", days_ago=40, status="completed")
    make_session("recent-paused", days_ago=5, status="paused")
    make_session("old-failed-with-history", days_ago=40, status="failed")
    make_history("old-failed-with-history", days_ago=40, completed_successfully=False)
    for sid in session_ids():
        add_log_and_file(sid)

    result = maintenance.cleanup_sessions()

    assert result == maintenance.CleanupResult(sessions=1, operations=1, files=1)
    assert session_ids() == {"old-done", "recent-paused", "old-failed-with-history"}
    assert {log.session_id for log in OperationLog.select()} == session_ids()
    assert {f.session_id for f in FileRegistry.select()} == session_ids()
    assert maintenance.cleanup_sessions() == maintenance.CleanupResult(0, 0, 0)


@pytest.mark.backends
def test_archive_moves_only_old_history_rows(db: peewee.SqliteDatabase) -> None:
    for sid in ("old", "recent"):
        make_session(sid, status="completed")
    make_history("old", days_ago=100, total_files_created=12, metadata={"note": "first show"})
    make_history("recent", days_ago=10)
    (original,) = raw(db, "SELECT * FROM project_history WHERE session_id = 'old'")

    assert maintenance.archive_history() == 1

    assert [h.session_id for h in ProjectHistory.select()] == ["recent"]
    (archived,) = raw(db, "SELECT * FROM project_history_archive")
    assert archived[:-1] == original  # every column kept, archived_at added last
    assert_recent(archived[-1])
    assert ProjectHistoryArchive.get().metadata == {"note": "first show"}
    assert maintenance.archive_history() == 0


@pytest.mark.backends
def test_archived_sessions_are_not_cleaned_up(db: peewee.SqliteDatabase) -> None:
    make_session("s1", days_ago=200, status="failed")
    make_history("s1", days_ago=200)
    maintenance.archive_history()
    assert maintenance.cleanup_sessions().sessions == 0
    assert session_ids() == {"s1"}


def test_backup_is_a_usable_copy_in_backups(db: peewee.SqliteDatabase, db_path: Path) -> None:
    make_session("s1", status="processing")
    OperationLog.create(  # may still sit in the WAL file
        session="s1", operation_type="clip", operation_name="clip:s001", sequence_number=1, status="completed"
    )

    path = maintenance.backup()

    assert path.parent == db_path.parent / "backups"
    assert re.fullmatch(r"state_backup_\d{8}_\d{6}(_\d+)?\.db", path.name)
    assert sqlite_file_ok(path)
    with closing(sqlite3.connect(path)) as copy:
        assert copy.execute("SELECT session_id FROM processing_state").fetchall() == [("s1",)]
        assert copy.execute("SELECT COUNT(*) FROM operation_log").fetchone() == (1,)


def test_backups_keep_only_the_last_ten(db: peewee.SqliteDatabase, db_path: Path) -> None:
    made = [maintenance.backup() for _ in range(12)]
    kept = list_backups(db_path)
    assert kept == made[2:]
    assert not made[0].exists() and not made[1].exists()


def test_optimize_keeps_the_data(db: peewee.SqliteDatabase, db_path: Path) -> None:
    make_session("s1")
    result = maintenance.optimize()
    assert result.bytes_after > 0
    assert session_ids() == {"s1"}
    assert sqlite_file_ok(db_path)


@pytest.mark.backends
def test_reset_statistics_zeroes_preset_usage(db: peewee.SqliteDatabase) -> None:
    UserPreset.create(
        preset_id="mine", preset_name="Mine", stills_hq_settings={}, stills_web_settings={}, video_settings={}
    )
    make_session("s1", preset_id="mine")
    assert maintenance.reset_statistics() == 1
    assert raw(db, "SELECT usage_count, last_used_at FROM user_presets") == [(0, None)]


@pytest.mark.backends
def test_clear_old_logs_keeps_recent_ones(db: peewee.SqliteDatabase) -> None:
    make_session("s1")
    OperationLog.create(
        session="s1",
        operation_type="t",
        operation_name="old",
        sequence_number=1,
        status="completed",
        timestamp=utc_days_ago(45),
    )
    OperationLog.create(session="s1", operation_type="t", operation_name="new", sequence_number=2, status="completed")
    assert maintenance.clear_old_logs() == 1
    assert [log.operation_name for log in OperationLog.select()] == ["new"]


@pytest.mark.backends
def test_a_backup_killed_before_its_copy_was_renamed_is_no_backup(db: Any) -> None:
    """A kill leaves at most the empty name it reserved: it is not listed, so pruning never counts it
    against (and deletes) a real backup; each backup is its owner's alone to read."""
    from db.backup import reserve_name
    from db.connection import db_file

    real = maintenance.backup(keep=2)
    reserve_name(db_file(), "backup", real.suffix.lstrip("."))  # what a SIGKILL mid-copy leaves
    assert list_backups(db_file(), "backup") == [real]
    assert real.stat().st_mode & 0o077 == 0

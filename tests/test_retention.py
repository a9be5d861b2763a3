"""Retention (log_retention_days, abandoned_session_days): applied at the start of a run at most daily and by
`vat db cleanup` at once; a backup first, history archived never deleted, and never against the archive."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import peewee

from core.pipeline.background import worker_log_path
from db.backup import list_backups
from db.models import AppSetting, FileRegistry, OperationLog, ProcessingState, ProjectHistory, ProjectHistoryArchive
from db.settings import set_setting
from tests.helpers import vat
from tests.test_db_support import make_history, make_session


def add_log(session_id: str, name: str = "clip:s001") -> OperationLog:
    return OperationLog.create(
        session=session_id, operation_type="clip", operation_name=name, sequence_number=1, status="completed"
    )


def age(db: peewee.SqliteDatabase, table: str, column: str, days: float, where: str, *params: object) -> None:
    """Make rows look `days` old, as time would (a direct UPDATE; the session trigger is dropped meanwhile)."""
    stamp = f"-{days} days"
    db.execute_sql(f"UPDATE {table} SET {column} = datetime('now', ?) WHERE {where}", (stamp, *params))


def age_session(db: peewee.SqliteDatabase, session_id: str, days: float) -> None:
    # the update trigger would set updated_at back to now: age it without the trigger
    (trigger,) = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE name = 'update_processing_state_timestamp'"
    ).fetchone()
    db.execute_sql("DROP TRIGGER update_processing_state_timestamp")
    try:
        age(db, "processing_state", "updated_at", days, "session_id = ?", session_id)
    finally:
        db.execute_sql(trigger)


def session_ids() -> set[str]:
    return {row.session_id for row in ProcessingState.select()}


def backup_rows(backup: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(backup)) as conn:
        return conn.execute(sql).fetchall()


def test_cleanup_removes_old_logs_of_completed_sessions_after_a_backup(
    db: peewee.SqliteDatabase, db_path: Path
) -> None:
    set_setting("log_retention_days", 30)
    make_session("ret-done", status="completed")
    make_session("ret-paused", status="paused")
    old_done = add_log("ret-done", "clip:old")
    add_log("ret-done", "clip:new")
    add_log("ret-paused", "clip:old")
    age(db, "operation_log", "timestamp", 40, "operation_name = 'clip:old'")

    out = vat("db", "cleanup", check=True).stdout

    assert "removed 1 log rows of completed sessions older than 30 days (log_retention_days)" in out
    assert {(r.session_id, r.operation_name) for r in OperationLog.select()} == {
        ("ret-done", "clip:new"),
        ("ret-paused", "clip:old"),  # not a completed session: its log says where a resume goes on
    }
    (backup,) = list_backups(db_path)
    assert f"backup written first: {backup}" in out
    assert backup_rows(backup, f"SELECT operation_name FROM operation_log WHERE id = {old_done.id}") == [("clip:old",)]
    # 0 keeps them forever
    set_setting("log_retention_days", 0)
    add_log("ret-done", "clip:older")
    age(db, "operation_log", "timestamp", 4000, "operation_name = 'clip:older'")
    out = vat("db", "cleanup", check=True).stdout
    assert "kept forever (log_retention_days is 0)" in out and "nothing to remove" in out
    assert OperationLog.select().where(OperationLog.operation_name == "clip:older").count() == 1
    assert len(list_backups(db_path)) == 1  # nothing deleted: no backup either


def test_cleanup_removes_abandoned_sessions_but_never_the_archive(
    db: peewee.SqliteDatabase, db_path: Path, tmp_path: Path
) -> None:
    output = tmp_path / "clip.mp4"
    output.write_bytes(b"an output the archive still holds")
    sessions = {
        "ab-failed": "failed",  # abandoned: removed
        "ab-never": "initialized",  # never processed: removed
        "ab-gone-outputs": "failed",  # its registered output is gone: removed
        "ab-on-disk": "failed",  # its output is still there: an archive, kept
        "ab-history": "failed",  # has a history record: kept
        "ab-paused": "paused",  # resumable: kept
        "ab-recent": "failed",  # not old enough: kept
        "ab-done": "completed",
    }
    for sid, status in sessions.items():
        make_session(sid, status=status)
        add_log(sid)
        worker_log_path(sid).write_text("worker output\n")
    FileRegistry.create(
        session="ab-gone-outputs", file_path=str(tmp_path / "gone.mp4"), file_type="clip", file_category="clips"
    )
    FileRegistry.create(session="ab-on-disk", file_path=str(output), file_type="clip", file_category="clips")
    make_history("ab-history", days_ago=200, completed_successfully=False)
    make_history("ab-done", days_ago=10)
    for sid in sessions:
        if sid != "ab-recent":
            age_session(db, sid, 100)

    out = vat("db", "cleanup", check=True).stdout

    assert "removed 3 abandoned sessions" in out and "untouched for 90 days" in out, out
    assert "with 3 log rows, 1 file records" in out
    assert session_ids() == set(sessions) - {"ab-failed", "ab-never", "ab-gone-outputs"}
    assert "kept session ab-on-disk: an archive, not abandoned: 1 of its outputs are still on disk" in out
    assert str(output) in out and output.exists()
    assert "kept session ab-history: it has a project history record" in out
    for sid in sessions:
        assert worker_log_path(sid).exists() == (sid in session_ids()), sid
    # the history is archived, never deleted: every column still there, and listed
    assert "archived 1 project history rows older than 90 days" in out
    assert [h.session_id for h in ProjectHistory.select()] == ["ab-done"]
    assert [h.session_id for h in ProjectHistoryArchive.select()] == ["ab-history"]
    assert "Artwork ab-history" in vat("history", "--archived", check=True).stdout
    (backup,) = list_backups(db_path)
    assert backup_rows(backup, "SELECT count(*) FROM processing_state")[0][0] == len(sessions)
    assert backup_rows(backup, "SELECT session_id FROM project_history ORDER BY session_id") == [
        ("ab-done",),
        ("ab-history",),
    ]
    # abandoned_session_days is a setting: 200 days spares what 100-day-old sessions are left
    make_session("ab-failed-2", status="failed")
    age_session(db, "ab-failed-2", 100)
    set_setting("abandoned_session_days", 200)
    assert "removed 0 abandoned sessions" in vat("db", "cleanup", check=True).stdout
    assert "ab-failed-2" in session_ids()


def test_a_run_applies_retention_at_most_daily(
    db: peewee.SqliteDatabase, db_path: Path, cut_video: Path, tmp_path: Path
) -> None:
    make_session("daily-1", status="failed")
    age_session(db, "daily-1", 100)
    vat("run", cut_video, "--artwork", "Daily", "--out", tmp_path / "o1", "--scenes", "1", check=True)
    assert "daily-1" not in session_ids()  # removed at the start of the run, after a backup
    (backup,) = list_backups(db_path)
    assert ("daily-1",) in backup_rows(backup, "SELECT session_id FROM processing_state")
    last_run = AppSetting.get(AppSetting.key == "retention_last_run").value
    assert last_run

    make_session("daily-2", status="failed")
    age_session(db, "daily-2", 100)
    vat("run", cut_video, "--artwork", "Daily2", "--out", tmp_path / "o2", "--scenes", "1", check=True)
    assert "daily-2" in session_ids()  # the same day: nothing more deleted
    assert AppSetting.get(AppSetting.key == "retention_last_run").value == last_run
    assert len(list_backups(db_path)) == 1

    # a day later it is due again
    age(db, "app_settings", "value", 1.01, "key = 'retention_last_run'")
    completed = ProcessingState.get(ProcessingState.artwork_name == "Daily2")
    ProcessingState.update(status="paused").where(ProcessingState.id == completed.id).execute()
    vat("resume", completed.session_id, check=True)
    assert "daily-2" not in session_ids() and len(list_backups(db_path)) == 2

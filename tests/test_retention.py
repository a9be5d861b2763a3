"""Retention (log_retention_days, abandoned_session_days): applied at the start of a run at most daily and by
`vat db cleanup` at once; a backup first, history archived never deleted, and never against the archive.

On both engines (marked backends) but the pre-migration backup's (a SQLite file of version 1); what a
backup holds is read here on SQLite (a PostgreSQL dump's content: tests/test_db_postgres_maintenance.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import peewee
import pytest

from core.pipeline.background import worker_log_path
from db import maintenance
from db.backup import KEEP_BACKUPS, backups_dir, list_backups
from db.connection import close_database, db_file, open_database
from db.fields import utc_days_ago
from db.models import AppSetting, FileRegistry, OperationLog, ProcessingState, ProjectHistory, ProjectHistoryArchive
from db.settings import set_setting
from tests.helpers import ROOT, start_vat, vat
from tests.test_db_migrations import build_v1_database
from tests.test_db_support import WriteLockHolder, make_history, make_session, raw, without_trigger


def add_log(session_id: str, name: str = "clip:s001") -> OperationLog:
    return OperationLog.create(
        session=session_id, operation_type="clip", operation_name=name, sequence_number=1, status="completed"
    )


def age(db: peewee.Database, table: str, column: str, days: float, where: str, *params: object) -> None:
    """Make rows look `days` old, as time would (a direct UPDATE; the session trigger is off meanwhile)."""
    raw(db, f"UPDATE {table} SET {column} = ? WHERE {where}", (utc_days_ago(days), *params))


def age_session(db: peewee.Database, session_id: str, days: float) -> None:
    # the update trigger would set updated_at back to now: age it without the trigger
    with without_trigger(db, "processing_state", "update_processing_state_timestamp"):
        age(db, "processing_state", "updated_at", days, "session_id = ?", session_id)


def session_ids() -> set[str]:
    return {row.session_id for row in ProcessingState.select()}


def backup_rows(backup: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(backup)) as conn:
        return conn.execute(sql).fetchall()


def backups() -> list[Path]:
    """The database's backups (beside the SQLite file; for PostgreSQL, beside db_file()'s stand-in)."""
    return list_backups(db_file())


@pytest.mark.backends(slow=True)  # the PostgreSQL run (a dump, vat subprocesses): make test
def test_cleanup_removes_old_logs_of_completed_sessions_after_a_backup(db: peewee.Database, backend: str) -> None:
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
    (backup,) = backups()
    assert f"backup written first: {backup}" in out
    if backend == "sqlite":
        assert backup_rows(backup, f"SELECT operation_name FROM operation_log WHERE id = {old_done.id}") == [
            ("clip:old",)
        ]
    # 0 keeps them forever
    set_setting("log_retention_days", 0)
    add_log("ret-done", "clip:older")
    age(db, "operation_log", "timestamp", 4000, "operation_name = 'clip:older'")
    out = vat("db", "cleanup", check=True).stdout
    assert "kept forever (log_retention_days is 0)" in out and "nothing to remove" in out
    assert OperationLog.select().where(OperationLog.operation_name == "clip:older").count() == 1
    assert len(backups()) == 1  # nothing deleted: no backup either


@pytest.mark.backends(slow=True)  # the PostgreSQL run (a dump, vat subprocesses): make test
def test_cleanup_removes_abandoned_sessions_but_never_the_archive(
    db: peewee.Database, backend: str, tmp_path: Path
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
    (backup,) = backups()
    if backend == "sqlite":
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


@pytest.mark.backends
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_run_applies_retention_at_most_daily(
    db: peewee.Database, backend: str, cut_video: Path, tmp_path: Path
) -> None:
    make_session("daily-1", status="failed")
    age_session(db, "daily-1", 100)
    vat("run", cut_video, "--artwork", "Daily", "--out", tmp_path / "o1", "--scenes", "1", check=True)
    assert "daily-1" not in session_ids()  # removed at the start of the run, after a backup
    (backup,) = backups()
    if backend == "sqlite":
        assert ("daily-1",) in backup_rows(backup, "SELECT session_id FROM processing_state")
    last_run = AppSetting.get(AppSetting.key == "retention_last_run").value
    assert last_run

    make_session("daily-2", status="failed")
    age_session(db, "daily-2", 100)
    vat("run", cut_video, "--artwork", "Daily2", "--out", tmp_path / "o2", "--scenes", "1", check=True)
    assert "daily-2" in session_ids()  # the same day: nothing more deleted
    assert AppSetting.get(AppSetting.key == "retention_last_run").value == last_run
    assert len(backups()) == 1

    # a day later it is due again
    age(db, "app_settings", "value", 1.01, "key = 'retention_last_run'")
    completed = ProcessingState.get(ProcessingState.artwork_name == "Daily2")
    ProcessingState.update(status="paused").where(ProcessingState.id == completed.id).execute()
    vat("resume", completed.session_id, check=True)
    assert "daily-2" not in session_ids() and len(backups()) == 2


LOCK_HOLDER = """
import sys
from core.pipeline.lock import SessionLock
from db.connection import open_database
open_database()  # on PostgreSQL the lock is the catalogue's (an advisory lock), as a run's is
SessionLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()  # until the test closes it
"""


@pytest.mark.backends(slow=True)  # the PostgreSQL run (a dump, vat subprocesses): make test
def test_cleanup_skips_a_session_another_process_is_running_and_says_so(db: peewee.Database) -> None:
    make_session("run-now", status="failed", days_ago=100)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, "run-now"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        out = vat("db", "cleanup", check=True).stdout
        assert "removed 0 abandoned sessions" in out, out
        # on PostgreSQL the lock is the catalogue's, and says the machine too: "(process N on HOST)"
        assert f"kept session run-now: it is being processed now (process {holder.pid}" in out, out
        assert "run-now" in session_ids()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert "removed 1 abandoned sessions" in vat("db", "cleanup", check=True).stdout
    assert "run-now" not in session_ids()


@pytest.mark.backends(slow=True)  # the PostgreSQL run (a dump, vat subprocesses): make test
def test_a_session_that_moves_on_while_cleanup_waits_to_delete_is_kept(
    db: peewee.Database, backend: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The choice is made, and the backup written, before the deleting transaction can start: the
    session is chosen again inside it. Here the test holds the database's write lock meanwhile and
    starts the session (as a run would) before letting the cleanup in."""
    make_session("moves-on", status="failed", days_ago=100)
    monkeypatch.setenv("VAT_DB_BUSY_TIMEOUT_MS", "60000")
    writer = WriteLockHolder(backend, db_path)
    try:
        cleanup = start_vat("db", "cleanup")
        give_up = time.monotonic() + 60
        while not any(p.stat().st_size > 0 for p in backups()):  # chosen, and backed up
            assert cleanup.poll() is None and time.monotonic() < give_up, cleanup.communicate()
            time.sleep(0.05)
        time.sleep(0.5)  # it now waits for the write lock
        writer.execute("UPDATE processing_state SET status = 'processing' WHERE session_id = 'moves-on'")
        writer.commit()
        out, err = cleanup.communicate(timeout=120)
    finally:
        writer.close()
    assert cleanup.returncode == 0, err
    assert "removed 0 abandoned sessions" in out, out
    assert "kept session moves-on: it changed since retention looked at it" in out, out
    assert ProcessingState.get(ProcessingState.session_id == "moves-on").status == "processing"


@pytest.mark.backends
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_run_whose_backup_fails_leaves_retention_due(
    db: peewee.Database, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL's backups go to the user data folder, shared by the session's tests: this test's own
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    make_session("due-1", status="failed", days_ago=100)
    blocker = backups_dir(db_file())
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the backups folder goes: no backup can be written (as on a full disk)")
    vat("run", cut_video, "--artwork", "Due", "--out", tmp_path / "o1", "--scenes", "1", check=True)  # goes on
    assert "due-1" in session_ids()  # nothing deleted without a backup ...
    assert not AppSetting.get(AppSetting.key == "retention_last_run").value  # ... and not recorded as done

    blocker.unlink()  # space again: the next run applies it, not a day later
    vat("run", cut_video, "--artwork", "Due2", "--out", tmp_path / "o2", "--scenes", "1", check=True)
    assert "due-1" not in session_ids()
    assert AppSetting.get(AppSetting.key == "retention_last_run").value


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_daily_retention_never_rotates_the_pre_migration_backup_away(db_path: Path) -> None:
    build_v1_database(db_path)
    open_database(db_path)  # migrates: backs up first
    try:
        (pre_migration,) = list_backups(db_path)
        for day in range(KEEP_BACKUPS + 2):  # more days of retention than backups are kept
            make_session(f"day-{day}", status="failed", days_ago=100)
            assert "removed 1 abandoned sessions" in vat("db", "cleanup", check=True).stdout
        manual = [maintenance.backup() for _ in range(KEEP_BACKUPS + 2)]  # `vat db backup`
    finally:
        close_database()
    everything = list_backups(db_path)
    assert pre_migration in everything and "_migration_" in pre_migration.name
    retention = [p for p in everything if "_retention_" in p.name]
    assert len(retention) == KEEP_BACKUPS  # the undo window: the last ten retention runs
    assert [p for p in everything if "_backup_" in p.name] == manual[2:]
    assert set(everything) == {pre_migration, *retention, *manual[2:]}

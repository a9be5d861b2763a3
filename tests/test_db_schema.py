"""A fresh database holds the seed's schema, and its triggers and views behave as the seed says."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import peewee
import pytest

from core.errors import EnvironmentProblem
from db.connection import close_database, open_database
from db.migrations import LATEST_VERSION, current_version
from db.models import ALL_MODELS, OperationLog, ProcessingState, UserPreset
from db.queries import active_sessions, project_statistics
from db.settings import get_setting
from tests.test_db_support import assert_recent, make_history, make_session, raw

SEED_TABLES = {"processing_state", "operation_log", "user_presets", "project_history", "file_registry", "app_settings"}
SEED_INDEXES = {
    "idx_session_status",
    "idx_session_date",
    "idx_operation_session",
    "idx_operation_status",
    "idx_preset_name",
    "idx_preset_default",
    "idx_history_artwork",
    "idx_history_date",
    "idx_file_session",
    "idx_file_type",
    "idx_file_path",
}
SEED_SETTINGS = {
    "app_version",
    "last_output_directory",
    "last_master_directory",
    "last_rd_directory",
    "default_preset",
    "scene_threshold_default",
    "min_scene_length_default",
    "encoder_preference",
    "auto_open_output",
    "generate_log",
    "extract_midpoint_stills",
    "copyright_text",
    "parallel_workers",
    "gpu_enabled",
    "cache_thumbnails",
    "max_resume_age_days",
    "log_level",
    "ui_theme",
}
# migration 3: default_preset moved onto the presets' flag, window_geometry had no meaning over SSH
REMOVED_SETTINGS = {"default_preset", "window_geometry"}
ADDED_SETTINGS = {"log_retention_days", "abandoned_session_days", "retention_last_run"}
# migration 5: the queue's concurrency and the watch folder the TUI starts
ADDED_SETTINGS |= {"concurrent_sessions"} | {
    f"watch_{name}"
    for name in ("enabled", "folder", "output", "preset", "scenes", "artwork_from", "settle_seconds", "rd_from")
}


def names(db: peewee.SqliteDatabase, kind: str) -> set[str]:
    return {name for (name,) in raw(db, "SELECT name FROM sqlite_master WHERE type = ?", (kind,))}


def test_fresh_database_has_the_seed_schema_and_defaults(db: peewee.SqliteDatabase) -> None:
    assert names(db, "table") >= SEED_TABLES | {"project_history_archive"}
    assert names(db, "view") == {"active_sessions", "project_statistics"}
    assert names(db, "trigger") == {"update_processing_state_timestamp", "track_preset_usage", "complete_session"}
    assert names(db, "index") >= SEED_INDEXES
    settings = dict(raw(db, "SELECT key, value FROM app_settings"))
    assert set(settings) == (SEED_SETTINGS - REMOVED_SETTINGS) | ADDED_SETTINGS | {"db_version"}
    assert get_setting("db_version") == LATEST_VERSION == current_version()
    assert settings["copyright_text"] == "© Yambo Studio"  # the seed's text is mojibake
    assert get_setting("max_resume_age_days") == 7 and get_setting("scene_threshold_default") == 30.0


def test_opening_again_changes_nothing(db: Any, db_path: Path) -> None:
    before = raw(db, "SELECT * FROM app_settings ORDER BY key")
    close_database()
    again: Any = open_database(db_path)
    assert raw(again, "SELECT * FROM app_settings ORDER BY key") == before
    assert not (db_path.parent / "backups").exists()  # nothing to migrate, so no backup either


def test_pragmas_hold_on_every_thread(db: peewee.SqliteDatabase) -> None:
    def pragmas() -> tuple[Any, ...]:
        return (
            db.pragma("journal_mode"),
            db.pragma("foreign_keys"),
            db.pragma("busy_timeout"),
            db.pragma("synchronous"),
        )

    seen = []
    worker = threading.Thread(target=lambda: seen.append(pragmas()))
    worker.start()
    worker.join()
    for journal_mode, foreign_keys, busy_timeout, synchronous in (pragmas(), seen[0]):
        assert (journal_mode, foreign_keys, synchronous) == ("wal", 1, 1)  # synchronous 1 = NORMAL
        assert busy_timeout >= 5000


def test_foreign_keys_are_enforced(db: peewee.SqliteDatabase) -> None:
    with pytest.raises(peewee.IntegrityError):
        OperationLog.create(
            session="no-such-session",
            operation_type="clip",
            operation_name="clip:s001",
            sequence_number=1,
            status="completed",
        )


def test_models_describe_the_real_tables(db: peewee.SqliteDatabase) -> None:
    """Every model column exists with the schema's type, NULL-ability, default and foreign key."""
    scratch = peewee.SqliteDatabase(":memory:")
    with scratch.bind_ctx(ALL_MODELS):
        scratch.create_tables(ALL_MODELS)
    for model in ALL_MODELS:
        table = model._meta.table_name

        def columns(database: peewee.SqliteDatabase, table: str = table) -> dict[str, tuple]:
            rows = database.execute_sql(f"PRAGMA table_info({table})").fetchall()
            # (type, notnull, default, pk); a TEXT PRIMARY KEY is nullable in SQLite unless declared
            return {name: (kind, bool(notnull) and not pk, default, pk) for _, name, kind, notnull, default, pk in rows}

        def foreign_keys(database: peewee.SqliteDatabase, table: str = table) -> set[tuple]:
            rows = database.execute_sql(f"PRAGMA foreign_key_list({table})").fetchall()
            return {(row[2], row[3], row[4]) for row in rows}

        assert columns(scratch) == columns(db), table
        assert foreign_keys(scratch) == foreign_keys(db), table


def test_timestamps_written_by_the_app_match_sqlites(db: peewee.SqliteDatabase) -> None:
    make_session("s1")
    session = ProcessingState.get(ProcessingState.session_id == "s1")
    (created_at,) = raw(db, "SELECT created_at FROM processing_state WHERE session_id = 's1'")[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created_at)
    assert session.created_at.tzinfo is not None  # read back as an aware UTC datetime
    (gap,) = raw(db, "SELECT (julianday(CURRENT_TIMESTAMP) - julianday(?)) * 86400", (created_at,))[0]
    assert abs(gap) < 5  # seconds: same clock and zone as SQLite's own timestamps


def test_update_moves_updated_at_to_now(db: peewee.SqliteDatabase) -> None:
    make_session("s1", days_ago=3)
    (old,) = raw(db, "SELECT updated_at FROM processing_state WHERE session_id = 's1'")[0]
    ProcessingState.update(current_operation="still_hq:s001").where(ProcessingState.session_id == "s1").execute()
    (new,) = raw(db, "SELECT updated_at FROM processing_state WHERE session_id = 's1'")[0]
    assert new > old
    assert_recent(new)


def test_starting_a_session_counts_a_use_of_its_preset(db: peewee.SqliteDatabase) -> None:
    UserPreset.create(
        preset_id="mine", preset_name="Mine", stills_hq_settings={}, stills_web_settings={}, video_settings={}
    )
    make_session("s1", preset_id="mine")
    make_session("s2", preset_id="webflow_standard")  # a built-in preset: no row to count, no error
    count, last_used = raw(db, "SELECT usage_count, last_used_at FROM user_presets WHERE preset_id = 'mine'")[0]
    assert count == 1
    assert_recent(last_used)


def test_completing_a_session_records_when(db: peewee.SqliteDatabase) -> None:
    make_session("s1", status="processing")
    ProcessingState.update(status="paused").where(ProcessingState.session_id == "s1").execute()
    assert raw(db, "SELECT completed_at FROM processing_state")[0][0] is None
    ProcessingState.update(status="completed").where(ProcessingState.session_id == "s1").execute()
    assert_recent(raw(db, "SELECT completed_at FROM processing_state")[0][0])


def test_active_sessions_lists_unfinished_sessions_newest_first(db: peewee.SqliteDatabase) -> None:
    make_session("old-init", days_ago=3, status="initialized", completed_operations=0, total_operations=4)
    make_session("proc", days_ago=1, status="processing", completed_operations=3, total_operations=8)
    make_session(
        "paused", days_ago=2, status="paused", completed_operations=1, total_operations=3, current_operation="clip:s002"
    )
    make_session("done", days_ago=0, status="completed", completed_operations=5, total_operations=5)
    make_session("broken", days_ago=0, status="failed")
    rows = active_sessions()
    assert [row["session_id"] for row in rows] == ["proc", "paused", "old-init"]
    assert [row["progress_percent"] for row in rows] == [37.5, 33.3, 0.0]
    assert rows[1]["current_operation"] == "clip:s002"


def test_project_statistics_cover_the_last_30_days(db: peewee.SqliteDatabase) -> None:
    for sid in ("a", "b", "old"):
        make_session(sid, status="completed")
    make_history(
        "a",
        days_ago=2,
        completed_successfully=True,
        total_processing_time_seconds=100,
        total_files_created=10,
        total_output_size_mb=50.0,
        compression_ratio=4.0,
    )
    make_history(
        "b",
        days_ago=20,
        completed_successfully=False,
        total_processing_time_seconds=300,
        total_files_created=6,
        total_output_size_mb=25.5,
        compression_ratio=2.0,
    )
    make_history(
        "old",
        days_ago=45,
        completed_successfully=True,
        total_processing_time_seconds=999,
        total_files_created=99,
        total_output_size_mb=999.0,
        compression_ratio=9.0,
    )
    assert project_statistics() == {
        "total_projects": 2,
        "successful_projects": 1,
        "avg_processing_time": 200.0,
        "total_files_created": 16,
        "total_output_size_mb": 75.5,
        "avg_compression_ratio": 3.0,
    }


def test_reopening_on_another_file_switches_database(tmp_path: Path, db: peewee.SqliteDatabase) -> None:
    make_session("first")
    other = open_database(tmp_path / "elsewhere" / "other.db")
    assert ProcessingState.select().count() == 0 and other.database.endswith("other.db")
    open_database()  # back to $VAT_DB
    assert [s.session_id for s in ProcessingState.select()] == ["first"]


def test_a_corrupt_file_is_an_environment_problem_naming_it(db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(EnvironmentProblem, match=re.escape(str(db_path))):
        open_database()


def test_an_unusable_folder_is_an_environment_problem_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "state.db"
    with pytest.raises(EnvironmentProblem, match=re.escape(str(target))):
        open_database(target)


def test_db_package_never_imports_textual() -> None:
    code = "import sys, db, db.queries, db.settings, db.maintenance, db.migrations; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0

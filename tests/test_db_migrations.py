"""Upgrading an existing database keeps every row, and keeps a backup of it first."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import peewee
import pytest

from core.errors import EnvironmentProblem
from core.pipeline.plan import Operation
from core.pipeline.records import fail_operation, log_operation, start_operation
from db.backup import MIGRATION, list_backups
from db.connection import close_database, database, open_database
from db.migrations import LATEST_VERSION, MIGRATIONS, SCHEMA_V1, migrate, split_statements
from db.models import OperationLog
from db.settings import get_setting
from tests.test_db_support import sqlite_file_ok, table_rows

SEED_TABLES = ("processing_state", "operation_log", "user_presets", "project_history", "file_registry", "app_settings")

V1_ROWS = """
INSERT INTO user_presets (preset_id, preset_name, stills_hq_settings, stills_web_settings, video_settings, usage_count)
    VALUES ('gallery', 'Gallery', '{"format": "png"}', '{"format": "webp"}', '{"crf": 20}', 3);
INSERT INTO processing_state (session_id, artwork_name, project_date, master_path, output_path, preset_id,
        total_operations, completed_operations, status, scenes_data, created_at, updated_at)
    VALUES ('s-old', 'Été — Ünïcode', '24-06-01', '/m/ete.mov', '/out', 'gallery', 12, 5, 'paused',
            '[{"start": 0, "end": 30}]', '2024-06-01 10:00:00', '2024-06-01 11:00:00');
INSERT INTO processing_state (session_id, artwork_name, project_date, master_path, output_path, preset_id,
        total_operations, completed_operations, status, completed_at)
    VALUES ('s-done', 'Done', '24-06-02', '/m/done.mov', '/out', 'webflow_standard', 3, 3, 'completed',
            '2024-06-02 12:00:00');
INSERT INTO operation_log (session_id, operation_type, operation_name, sequence_number, status, progress,
        output_files, timestamp)
    VALUES ('s-old', 'still_extraction', 'still_hq:s001', 1, 'completed', 1.0, '["a.png"]', '2024-06-01 10:30:00');
INSERT INTO project_history (session_id, artwork_name, project_date, output_path, master_filename,
        completed_successfully, total_files_created, completed_at)
    VALUES ('s-done', 'Done', '24-06-02', '/out', 'done.mov', 1, 7, '2024-06-02 12:00:00');
INSERT INTO file_registry (session_id, file_path, file_type, file_category, file_size_bytes, verified)
    VALUES ('s-old', '/out/stills/hq/ete_s001_hq.png', 'still_hq', 'stills', 12345, 1);
UPDATE app_settings SET value = '8' WHERE key = 'parallel_workers';
"""


def build_v1_database(path: Path, *, with_version_row: bool = True) -> dict[str, list[tuple]]:
    """A database as version 1 left it, with rows in every table; returns its rows per table."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        for statement in split_statements(SCHEMA_V1.read_text(encoding="utf-8")):
            conn.execute(statement)
        conn.executescript(V1_ROWS)
        if not with_version_row:  # as the seed's original tool wrote it
            conn.execute("DELETE FROM app_settings WHERE key = 'db_version'")
        conn.commit()
        return {table: table_rows(conn, table) for table in SEED_TABLES}


# app_settings rows that later migrations change on purpose (migration 3: issue 10's settings)
CHANGED_SETTINGS = {
    "db_version",
    "default_preset",
    "window_geometry",
    "auto_open_output",
    "ui_theme",
    "encoder_preference",
    "app_version",
    "log_retention_days",
    "abandoned_session_days",
    "retention_last_run",
    # migration 5: the queue's and the watch folder's settings, added
    "concurrent_sessions",
    *(
        f"watch_{name}"
        for name in ("enabled", "folder", "output", "preset", "scenes", "artwork_from", "settle_seconds", "rd_from")
    ),
}


def without_version(rows: list[tuple]) -> list[tuple]:
    return [row for row in rows if row[0] not in CHANGED_SETTINGS]


def seed_columns(rows: list[tuple], like: list[tuple]) -> list[tuple]:
    """Rows cut to the columns version 1 had (migrations add columns at the end)."""
    width = len(like[0]) if like else 0
    return [row[:width] for row in rows]


@pytest.fixture(autouse=True)
def closed_after() -> Iterator[None]:
    yield
    close_database()


def test_upgrade_keeps_every_row_and_backs_up_first(db_path: Path) -> None:
    before = build_v1_database(db_path)
    assert all(before[table] for table in SEED_TABLES)

    open_database(db_path)

    assert get_setting("db_version") == LATEST_VERSION
    conn = database.connection()
    for table in SEED_TABLES:
        after = table_rows(conn, table)
        if table == "app_settings":  # only db_version's value and modified_at move
            before[table], after = without_version(before[table]), without_version(after)
        assert seed_columns(after, before[table]) == before[table], table
    assert database.table_exists("project_history_archive")

    (backup,) = list_backups(db_path)
    assert backup.parent == db_path.parent / "backups"
    assert sqlite_file_ok(backup)
    with closing(sqlite3.connect(backup)) as saved:
        assert saved.execute("SELECT value FROM app_settings WHERE key = 'db_version'").fetchone() == ("1",)
        assert saved.execute("SELECT name FROM sqlite_master WHERE name = 'project_history_archive'").fetchone() is None


def test_backup_holds_the_original_rows(db_path: Path) -> None:
    before = build_v1_database(db_path)
    open_database(db_path)
    (backup,) = list_backups(db_path)
    with closing(sqlite3.connect(backup)) as saved:
        assert {table: table_rows(saved, table) for table in SEED_TABLES} == before


def test_a_seed_era_database_without_db_version_is_upgraded(db_path: Path) -> None:
    before = build_v1_database(db_path, with_version_row=False)
    open_database(db_path)
    assert get_setting("db_version") == LATEST_VERSION
    after = table_rows(database.connection(), "processing_state")
    assert seed_columns(after, before["processing_state"]) == before["processing_state"]


def test_migration_3_gives_old_sessions_the_copyright_that_made_them(db_path: Path) -> None:
    build_v1_database(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("UPDATE app_settings SET value = 'webflow_standard' WHERE key = 'default_preset'")
        conn.execute("UPDATE app_settings SET value = 'gallery' WHERE key = 'default_preset'")
        conn.commit()
    open_database(db_path)
    rows = database.execute_sql("SELECT session_id, copyright_text, updated_at FROM processing_state").fetchall()
    assert ("s-old", "© Yambo Studio", "2024-06-01 11:00:00") in rows  # its age unchanged
    # default_preset now lives on the presets' flag, and still reads back as a setting
    assert get_setting("default_preset") == "gallery"
    assert database.execute_sql("SELECT preset_id FROM user_presets WHERE is_default").fetchall() == [("gallery",)]
    assert database.execute_sql("SELECT 1 FROM app_settings WHERE key = 'window_geometry'").fetchone() is None
    assert get_setting("ui_theme") == "textual-dark"
    assert get_setting("abandoned_session_days") == 90 and get_setting("log_retention_days") == 0


def test_migration_3_keeps_the_flagged_preset_when_the_setting_disagrees(db_path: Path) -> None:
    """Before migration 3 the flag won (preset_store read it first): it still does."""
    build_v1_database(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(
            "INSERT INTO user_presets (preset_id, preset_name, stills_hq_settings, stills_web_settings, "
            "video_settings) VALUES ('print', 'Print', '{}', '{}', '{}')"
        )
        conn.execute("UPDATE user_presets SET is_default = 1 WHERE preset_id = 'gallery'")
        conn.execute("UPDATE app_settings SET value = 'print' WHERE key = 'default_preset'")
        conn.commit()
    open_database(db_path)
    assert database.execute_sql("SELECT preset_id FROM user_presets WHERE is_default").fetchall() == [("gallery",)]
    assert get_setting("default_preset") == "gallery"


def test_migration_3_keeps_the_error_of_a_row_that_failed_before_the_upgrade(db_path: Path) -> None:
    build_v1_database(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(
            "INSERT INTO operation_log (session_id, operation_type, operation_name, sequence_number, status, "
            "error_details, end_time) VALUES ('s-old', 'clip', 'clip:s002', 2, 'failed', 'ffmpeg: disk full', "
            "'2024-06-01 10:40:00')"
        )
        conn.commit()
    open_database(db_path)
    failed = OperationLog.get(OperationLog.operation_name == "clip:s002")
    assert failed.error_history == [{"at": "2024-06-01 10:40:00", "error": "ffmpeg: disk full"}]
    assert OperationLog.get(OperationLog.operation_name == "still_hq:s001").error_history is None  # completed
    # a retry that fails again keeps both; one that succeeds clears error_details, not the history
    op = Operation("clip:s002", "clip", Path("/out/clip.mp4"), None, {}, scene=2)
    start_operation("s-old", op, 2, "2026-01-01 10:00:00")
    fail_operation("s-old", op, 2, "ffmpeg: killed")
    start_operation("s-old", op, 2, "2026-01-02 10:00:00")
    log_operation("s-old", op, 2, "completed")
    retried = OperationLog.get(OperationLog.operation_name == "clip:s002")
    assert retried.error_details is None
    assert [entry["error"] for entry in retried.error_history] == ["ffmpeg: disk full", "ffmpeg: killed"]


def test_a_seed_era_database_without_the_timestamp_trigger_is_upgraded(db_path: Path) -> None:
    build_v1_database(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("DROP TRIGGER update_processing_state_timestamp")
        conn.commit()
    open_database(db_path)
    assert get_setting("db_version") == LATEST_VERSION
    trigger = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'update_processing_state_timestamp'"
    assert database.execute_sql(trigger).fetchone() == (1,)


def test_upgrades_keep_only_the_last_ten_backups(db_path: Path) -> None:
    build_v1_database(db_path)
    folder = db_path.parent / "backups"
    folder.mkdir()
    old = [folder / f"state_migration_2020010{day}_120000.db" for day in range(1, 10)]
    old += [folder / "state_migration_20200109_120000_2.db"]
    others = [folder / "state_backup_20190101_120000.db", folder / "state_retention_20190101_120000.db"]
    for path in old + others:
        path.write_bytes(b"an earlier backup")
    (folder / "notes.txt").write_text("not a backup: left alone")

    open_database(db_path)

    kept = list_backups(db_path, MIGRATION)
    assert len(kept) == 10
    assert old[0] not in kept and old[1:] == kept[:9]
    assert sqlite_file_ok(kept[-1])  # the new one, newest by name
    assert all(path.exists() for path in others)  # other kinds are counted on their own
    assert (folder / "notes.txt").exists()


def test_a_database_from_a_newer_vat_is_refused_untouched(db_path: Path) -> None:
    open_database(db_path)
    database.execute_sql("UPDATE app_settings SET value = '99' WHERE key = 'db_version'")
    close_database()
    with pytest.raises(EnvironmentProblem, match="newer"):
        open_database(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT value FROM app_settings WHERE key = 'db_version'").fetchone() == ("99",)


def test_a_failing_migration_leaves_the_previous_version_whole(db_path: Path) -> None:
    open_database(db_path)

    def broken(db: peewee.Database) -> None:
        db.execute_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("migration bug")

    with pytest.raises(RuntimeError):
        migrate(database, db_path, {**MIGRATIONS, LATEST_VERSION + 1: broken})
    assert not database.table_exists("half_done")
    assert get_setting("db_version") == LATEST_VERSION
    assert len(list_backups(db_path)) == 1  # taken before the attempt


def build_v3_database(path: Path) -> None:
    """A database as version 3 left it: build_v1_database's rows, migrated by migrations 1-3 only, with
    a session whose scenes carry a title and a detector's score, and its first backup removed."""
    build_v1_database(path)
    with closing(sqlite3.connect(path)) as conn:
        records = [
            {"index": 1, "start_frame": 0, "end_frame": 29, "start": 0.0, "end": 1.2, "midpoint_frame": 14},
            {
                "index": 2,
                "start_frame": 30,
                "end_frame": 54,
                "start": 1.2,
                "end": 2.2,
                "midpoint_frame": 42,
                "title": "Second",
                "transition_in": {"kind": "cut", "first_frame": 30, "last_frame": 30, "score": 7.25},
            },
        ]
        conn.execute("UPDATE processing_state SET scenes_data = ? WHERE session_id = 's-old'", (json.dumps(records),))
        conn.execute("UPDATE processing_state SET scenes_data = '{\"not\": \"a list\"}' WHERE session_id = 's-done'")
        conn.commit()
    old = peewee.SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    migrate(old, path, {v: MIGRATIONS[v] for v in (1, 2, 3)})
    old.close()
    for backup in list_backups(path):
        backup.unlink()


def test_migration_4_from_version_3_keeps_every_row_adds_markers_and_backs_up_first(db_path: Path) -> None:
    build_v3_database(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        before = {table: table_rows(conn, table) for table in (*SEED_TABLES, "project_history_archive")}
        assert conn.execute("SELECT value FROM app_settings WHERE key = 'db_version'").fetchone() == ("3",)

    open_database(db_path)

    assert get_setting("db_version") == LATEST_VERSION >= 4
    conn = database.connection()
    for table, rows in before.items():
        after = table_rows(conn, table)
        if table == "app_settings":
            rows, after = without_version(rows), without_version(after)
        if rows:  # later migrations may add columns (at the end): the earlier ones keep every value
            after = [row[: len(rows[0])] for row in after]
        assert after == rows, table
    # the stored scenes became scene markers (with the score); a damaged record none
    markers = database.execute_sql(
        "SELECT session_id, kind, source, start_time, end_time, start_frame, end_frame, label, confidence "
        "FROM markers ORDER BY id"
    ).fetchall()
    assert markers == [
        ("s-old", "scene", "detected", 0.0, 1.2, 0, 29, None, None),
        ("s-old", "scene", "detected", 1.2, 2.2, 30, 54, None, 7.25),  # the title stays the record's
    ]
    (backup,) = list_backups(db_path, MIGRATION)
    with closing(sqlite3.connect(backup)) as saved:
        assert saved.execute("SELECT value FROM app_settings WHERE key = 'db_version'").fetchone() == ("3",)
        assert saved.execute("SELECT name FROM sqlite_master WHERE name = 'markers'").fetchone() is None
        assert {table: table_rows(saved, table) for table in before} == before
    # a session's markers go with it (ON DELETE CASCADE): deleting sessions needs no change
    from db.maintenance import delete_sessions

    delete_sessions(["s-old"])
    assert database.execute_sql("SELECT count(*) FROM markers").fetchone() == (0,)

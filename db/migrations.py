"""Versioned schema changes. The version lives in app_settings 'db_version'.

Each migration is plain SQL, frozen at the time it was written (never built from the current
models), runs in its own transaction and bumps db_version in that same transaction, so a crash
leaves the database at the previous version, whole. An existing database is backed up first.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import peewee

from db import backend
from db.backup import MIGRATION, backup_database
from db.errors import EnvironmentProblem
from db.fields import utc_now

SCHEMA_V1 = Path(__file__).with_name("schema_v1.sql")
SCHEMA_PG = Path(__file__).with_name("schema_pg.sql")  # PostgreSQL: versions 1-5 in one script
PG_BASELINE = 5


def split_statements(script: str) -> list[str]:
    """Split a SQL script into statements (trigger bodies included), for execution in a transaction.

    sqlite3's executescript() would commit first and run outside our transaction.
    """
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements  # what is left is comments only: complete_statement() is False without ';'


def _create_v1_schema(db: peewee.Database) -> None:
    """The seed's schema: six tables, their indexes, default settings, two views, three triggers."""
    for statement in split_statements(SCHEMA_V1.read_text(encoding="utf-8")):
        db.execute_sql(statement)


def _add_history_archive(db: peewee.Database) -> None:
    """project_history_archive for seed §6.1: project_history's columns plus archived_at.

    id keeps the project_history id (no AUTOINCREMENT); session_id is not UNIQUE here so that a
    session archived twice (history re-created after an archive) never blocks archiving.
    """
    db.execute_sql("""
        CREATE TABLE project_history_archive (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            artwork_name TEXT NOT NULL,
            project_date TEXT NOT NULL,
            output_path TEXT NOT NULL,
            master_filename TEXT NOT NULL,
            master_duration REAL,
            master_resolution TEXT,
            master_fps REAL,
            master_codec TEXT,
            master_size_mb REAL,
            scenes_detected INTEGER,
            scenes_exported INTEGER,
            stills_created INTEGER,
            clips_created INTEGER,
            rd_files_processed INTEGER,
            total_files_created INTEGER,
            total_output_size_mb REAL,
            compression_ratio REAL,
            total_processing_time_seconds REAL,
            gpu_accelerated BOOLEAN,
            average_fps_processed REAL,
            preset_used TEXT,
            encoder_used TEXT,
            completed_successfully BOOLEAN,
            completion_notes TEXT,
            started_at TIMESTAMP,
            completed_at TIMESTAMP,
            metadata TEXT,
            archived_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id)
        )""")
    db.execute_sql("CREATE INDEX idx_history_archive_session ON project_history_archive(session_id)")
    db.execute_sql("CREATE INDEX idx_history_archive_artwork ON project_history_archive(artwork_name)")
    db.execute_sql("CREATE INDEX idx_history_archive_date ON project_history_archive(completed_at)")


def _archive_keeping(db: peewee.Database) -> None:
    """Issue 10: fixity states, the session's own copyright and master hash, retry history, and the
    settings made honest (one removed for having no meaning over SSH, one moved to the presets' flag,
    two retention settings added).

    file_registry: check_state is the last check's verdict (ok, missing, modified, corrupt; NULL:
    never checked since written), checked_at when, check_detail what was wrong. verified and
    file_exists keep the seed's names and now follow each check.
    processing_state: copyright_text and credits belong to the session (a resume never takes a changed
    global setting); existing sessions get the setting's current value, which is what made them.
    operation_log: attempts and error_history, so a retry keeps the earlier failure's details.
    """
    for statement in (
        "ALTER TABLE file_registry ADD COLUMN check_state TEXT",
        "ALTER TABLE file_registry ADD COLUMN checked_at TIMESTAMP",
        "ALTER TABLE file_registry ADD COLUMN check_detail TEXT",
        "CREATE INDEX idx_file_check_state ON file_registry(check_state)",
        "ALTER TABLE processing_state ADD COLUMN master_sha256 TEXT",
        "ALTER TABLE processing_state ADD COLUMN copyright_text TEXT",
        "ALTER TABLE processing_state ADD COLUMN credits TEXT",
        "CREATE INDEX idx_session_master_sha256 ON processing_state(master_sha256)",
        # not through the updated_at trigger: a session's age (resume's limit) must not move
        # IF EXISTS: a seed-era database may lack the trigger (it is made again just below either way)
        "DROP TRIGGER IF EXISTS update_processing_state_timestamp",
        "UPDATE processing_state SET copyright_text = (SELECT value FROM app_settings WHERE key = 'copyright_text')",
        "CREATE TRIGGER update_processing_state_timestamp AFTER UPDATE ON processing_state BEGIN "
        "UPDATE processing_state SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END",
        "ALTER TABLE operation_log ADD COLUMN attempts INTEGER DEFAULT 1",
        "ALTER TABLE operation_log ADD COLUMN error_history TEXT",
        # a row that failed before the upgrade keeps its error in the history: a retry clears error_details
        "UPDATE operation_log SET error_history = json_array(json_object("
        "'at', COALESCE(end_time, timestamp), 'error', error_details)) "
        "WHERE status = 'failed' AND error_details IS NOT NULL",
        # default_preset: the presets' is_default flag is the one truth (db/settings.py shows it as a
        # setting). Before, the flag won where the two disagreed (preset_store read it first), so it still
        # does: a value naming a stored preset moves onto its flag only when no preset is flagged.
        "UPDATE user_presets SET is_default = 1 "
        "WHERE preset_id = (SELECT value FROM app_settings WHERE key = 'default_preset') "
        "AND NOT EXISTS (SELECT 1 FROM user_presets WHERE is_default)",
        "DELETE FROM app_settings WHERE key IN ('default_preset', 'window_geometry')",
        "UPDATE app_settings SET description = 'Print a link to the project folder when a run ends "
        "(a terminal hyperlink: works over SSH)' WHERE key = 'auto_open_output'",
        "UPDATE app_settings SET value = 'textual-dark', description = 'Textual theme of the TUI' "
        "WHERE key = 'ui_theme' AND value = 'default'",
        "UPDATE app_settings SET category = 'interface', description = 'Textual theme of the TUI' "
        "WHERE key = 'ui_theme'",
        "UPDATE app_settings SET description = 'Preferred encoder (auto, x264 or nvenc): the TUI form "
        "and vat run without --encoder' WHERE key = 'encoder_preference'",
        "UPDATE app_settings SET description = 'The vat version that last opened this database (set by vat)' "
        "WHERE key = 'app_version'",
        "INSERT INTO app_settings (key, value, value_type, category, description) VALUES "
        "('log_retention_days', '0', 'integer', 'maintenance', "
        "'Days operation_log rows of completed sessions are kept (0: forever)'), "
        "('abandoned_session_days', '90', 'integer', 'maintenance', "
        "'Days before a failed or never-processed session is removed'), "
        "('retention_last_run', '', 'string', 'system', 'When retention last ran (set by vat)')",
    ):
        db.execute_sql(statement)


def _add_markers(db: peewee.Database) -> None:
    """Issue 12: markers, the points in time a session knows of its master: the master's own chapters
    (kind chapter, source file), the detected scenes (kind scene, source detected; confidence: the
    detector's score at the cut that starts it, where it was kept) and, later, the user's cues. A scene
    marker has no label: the scene's title stays in its record (session_scenes.scene_titles), where
    editing it changes it.

    Times are seconds from the master's first frame (as the scenes'), frames the master's. A session's
    rows go with it (ON DELETE CASCADE: the code that deletes sessions needs no change). The scenes of
    existing sessions become markers here, from their stored records; their masters' chapters are read
    at the next detection (SQL cannot open the master).
    """
    for statement in (
        """CREATE TABLE markers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            master_path TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('chapter', 'scene', 'cue')),
            source TEXT NOT NULL CHECK (source IN ('file', 'detected', 'user')),
            start_time REAL NOT NULL,
            end_time REAL,
            start_frame INTEGER,
            end_frame INTEGER,
            label TEXT,
            confidence REAL,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
        )""",
        "CREATE INDEX idx_markers_session ON markers(session_id, kind, start_time)",
        # a damaged record (no start) is left out, as scenes_of would fail on it
        "INSERT INTO markers (session_id, master_path, kind, source, start_time, end_time, start_frame, "
        "end_frame, label, confidence) "
        "SELECT p.session_id, p.master_path, 'scene', 'detected', json_extract(s.value, '$.start'), "
        "json_extract(s.value, '$.end'), json_extract(s.value, '$.start_frame'), "
        "json_extract(s.value, '$.end_frame'), NULL, "
        "json_extract(s.value, '$.transition_in.score') "
        "FROM processing_state AS p, json_each(p.scenes_data) AS s "
        "WHERE json_valid(p.scenes_data) AND json_type(p.scenes_data) = 'array' "
        "AND json_type(s.value) = 'object' AND json_type(s.value, '$.start') IN ('integer', 'real') "
        "ORDER BY p.id, s.key",
    ):
        db.execute_sql(statement)


def _add_catalogue(db: peewee.Database) -> None:
    """Issue 14: a collection, not a master.

    session_queue: one machine-wide queue of sessions to process (batches, the watch folder, the TUI,
    a second `vat run`), in `position` order; state waiting (its turn to come), to_pick (detected, waits
    for a human's picks), held (paused by the user: skipped until released), running, done, failed
    (reason), skipped (reason: already archived). A session's row goes with it.
    tags: namespaced tags (artist:, series:, year:, theme: or free: namespace '') on a project (the
    session; scene_start_frame NULL) or on one of its scenes (the scene's first frame in the master,
    which survives re-numbering when detection runs again).
    external_ids: a project's ids in other systems (scheme 'inventory', value 'INV-2024-001').
    roots, root_paths: named storage roots and where each machine (host name) mounts them; a stored
    path under any path a root ever had resolves to where the root is now on this machine. A moved
    root keeps its earlier paths (replaced_at set), so that paths written before the move resolve.
    packs: delivery ZIPs made from a project's outputs (with licence, manifest and checksums).
    watched_masters: each file `vat watch` has taken (queued, skipped as content seen before, failed).
    Settings: how many sessions process at once, and the watch folder the TUI starts detached.
    """
    for statement in (
        """CREATE TABLE session_queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL UNIQUE,
            batch_id TEXT,
            position INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'waiting'
                CHECK (state IN ('waiting', 'to_pick', 'held', 'running', 'done', 'failed', 'skipped')),
            source TEXT NOT NULL DEFAULT 'run' CHECK (source IN ('run', 'batch', 'watch', 'tui')),
            reason TEXT,
            added_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
        )""",
        "CREATE INDEX idx_queue_state ON session_queue(state, position)",
        "CREATE INDEX idx_queue_batch ON session_queue(batch_id)",
        """CREATE TABLE tags (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            scene_start_frame INTEGER,
            namespace TEXT NOT NULL DEFAULT '',
            value TEXT NOT NULL,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
        )""",
        # one tag once per project or scene (NULL scene: COALESCE, as NULLs never collide in UNIQUE)
        "CREATE UNIQUE INDEX idx_tags_unique ON tags(session_id, COALESCE(scene_start_frame, -1), namespace, value)",
        "CREATE INDEX idx_tags_value ON tags(namespace, value)",
        """CREATE TABLE external_ids (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            scheme TEXT NOT NULL DEFAULT 'inventory',
            value TEXT NOT NULL,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            UNIQUE (session_id, scheme, value),
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
        )""",
        "CREATE INDEX idx_external_ids_value ON external_ids(value)",
        """CREATE TABLE roots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        )""",
        """CREATE TABLE root_paths (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            root_id INTEGER NOT NULL,
            host TEXT NOT NULL,
            path TEXT NOT NULL,
            added_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            replaced_at TIMESTAMP,
            FOREIGN KEY (root_id) REFERENCES roots(id) ON DELETE CASCADE
        )""",
        "CREATE UNIQUE INDEX idx_root_paths_current ON root_paths(root_id, host) WHERE replaced_at IS NULL",
        """CREATE TABLE packs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            pack_path TEXT NOT NULL,
            file_count INTEGER NOT NULL,
            size_bytes INTEGER NOT NULL,
            sha256 TEXT,
            licence TEXT,
            units TEXT,
            kinds TEXT,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            verified_at TIMESTAMP,
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE CASCADE
        )""",
        "CREATE INDEX idx_packs_session ON packs(session_id)",
        """CREATE TABLE watched_masters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            watch_dir TEXT NOT NULL,
            master_path TEXT NOT NULL UNIQUE,
            master_sha256 TEXT,
            size_bytes INTEGER,
            mtime REAL,
            session_id TEXT,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'skipped', 'failed')),
            reason TEXT,
            seen_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (session_id) REFERENCES processing_state(session_id) ON DELETE SET NULL
        )""",
        "CREATE INDEX idx_watched_sha256 ON watched_masters(master_sha256)",
        "INSERT INTO app_settings (key, value, value_type, category, description) VALUES "
        "('concurrent_sessions', '1', 'integer', 'performance', "
        "'Sessions the queue processes at once (each with parallel_workers operations)'), "
        "('watch_enabled', 'false', 'boolean', 'watch', "
        "'The TUI starts vat watch on watch_folder, detached, when it opens'), "
        "('watch_folder', '', 'string', 'watch', 'The folder vat watch polls for new masters'), "
        "('watch_output', '', 'string', 'watch', 'Where the watch folder''s projects go (empty: the last one used)'), "
        "('watch_preset', '', 'string', 'watch', 'The preset of the watch folder''s sessions (empty: the default)'), "
        "('watch_scenes', 'all', 'string', 'watch', "
        "'all: every scene is processed; pick: detected, then waits for a human to pick'), "
        "('watch_artwork_from', 'name', 'string', 'watch', "
        "'The artwork is named after the master''s file name (name) or its folder (parent)'), "
        "('watch_settle_seconds', '10', 'integer', 'watch', "
        "'Seconds a new master''s size and time must stay unchanged before it is taken'), "
        "('watch_rd_from', '', 'string', 'watch', "
        "'sibling: the folder <master name>_rd beside the master is its R&D folder (empty: none)')",
    ):
        db.execute_sql(statement)


def _add_farm_nodes(db: peewee.Database) -> None:
    """Issue 16: operation_log.node, the machine (render node or coordinator, `host:pid`) that made or is
    making the operation, shown beside it in the TUI and `vat sessions`. Plain SQL both engines take."""
    db.execute_sql("ALTER TABLE operation_log ADD COLUMN node TEXT")


def _create_pg_baseline(db: peewee.Database) -> None:
    """PostgreSQL starts at version 5 in one script (db/schema_pg.sql): SQLite's migrations 1-5 were
    written before PostgreSQL was a choice, and there is no PostgreSQL catalogue at an earlier version
    to upgrade. From 6 on, both engines run the same migrations."""
    db.connection().execute(SCHEMA_PG.read_text(encoding="utf-8"))  # one script: functions hold ";"


Migration = Callable[[peewee.Database], None]

# Target version -> the function that brings the previous version to it. Append only.
MIGRATIONS: dict[int, Migration] = {
    1: _create_v1_schema,
    2: _add_history_archive,
    3: _archive_keeping,
    4: _add_markers,
    5: _add_catalogue,
    6: _add_farm_nodes,
}
LATEST_VERSION = max(MIGRATIONS)
# The same from version 6 on; PostgreSQL's first step is the baseline that stands for 1-5.
PG_MIGRATIONS: dict[int, Migration] = {
    PG_BASELINE: _create_pg_baseline,
    **{v: step for v, step in MIGRATIONS.items() if v > PG_BASELINE},
}


@dataclass(frozen=True)
class MigrationResult:
    from_version: int
    to_version: int
    backup: Path | None  # None for a fresh database or when nothing had to change


def current_version(db: peewee.Database | peewee.DatabaseProxy | None = None) -> int:
    """The schema version of `db` (default: the open database); 0 for an empty file, 1 for a
    seed-era database that has no db_version row."""
    if db is None:
        from db.connection import database  # late: db.connection imports this module

        db = database.obj
    if not db.table_exists("app_settings"):
        return 0
    row = db.execute_sql("SELECT value FROM app_settings WHERE key = 'db_version'").fetchone()
    if row is None:
        return 1
    return int(float(row[0]))  # the seed's own example writes '1.0'


def _set_version(db: peewee.Database, version: int) -> None:
    backend.execute(
        db,
        "INSERT INTO app_settings (key, value, value_type, category, description, modified_at) "
        "VALUES ('db_version', ?, 'integer', 'system', 'Database schema version (set by migrations)', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at",
        # the time bound, not CURRENT_TIMESTAMP: PostgreSQL's would be written in another format
        (str(version), utc_now()),
    )


def migrate(
    target: peewee.Database | peewee.DatabaseProxy, db_path: Path, migrations: dict[int, Migration] | None = None
) -> MigrationResult:
    """Bring the open database at `db_path` to the latest version of `migrations` (default: the engine's:
    MIGRATIONS on SQLite, PG_MIGRATIONS on PostgreSQL, where db_path is db.connection.db_file()'s stand-in,
    the folder of its backups)."""
    db: peewee.Database = target.obj if isinstance(target, peewee.DatabaseProxy) else target
    postgres = backend.backend_of(db) == backend.POSTGRES
    if migrations is None:
        migrations = PG_MIGRATIONS if postgres else MIGRATIONS
    latest = max(migrations)
    start = current_version(db)
    if start > latest:
        raise EnvironmentProblem(
            f"the database {_shown(db, db_path)} is at version {start}, newer than this vat knows ({latest}): "
            "update vat"
        )
    if start == latest:
        return MigrationResult(start, start, None)

    # its own kind of backup: retention's daily backups never rotate the way back from an upgrade away
    backup = _backup_before(db, db_path) if start > 0 else None
    for version in sorted(v for v in migrations if v > start):
        # one writer: a second vat opening the same database waits here, then sees the work done
        with backend.write_transaction(db):
            if current_version(db) >= version:
                continue
            migrations[version](db)
            _set_version(db, version)
    return MigrationResult(start, latest, backup)


def _backup_before(db: peewee.Database, db_path: Path) -> Path:
    """The way back from an upgrade: SQLite's online backup, PostgreSQL's dump (db/pg_backup.py)."""
    if backend.backend_of(db) == backend.POSTGRES:
        from db.pg_backup import dump_catalogue  # late: pg_dump's search is PostgreSQL's alone

        return dump_catalogue(db_path, MIGRATION)
    return backup_database(db.connection(), db_path, kind=MIGRATION)


def _shown(db: peewee.Database, db_path: Path) -> str:
    """The database as a message names it: the file, or the catalogue's URL without its password."""
    return backend.without_password(str(db.database)) if backend.backend_of(db) == backend.POSTGRES else str(db_path)

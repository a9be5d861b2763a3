"""A test's own copy of a module's processed session: its folder copied, its database's paths moved to
the copy, that database made the test's ($VAT_DB). One real `vat run` per module, many tests on it.

The module's run writes SQLite; where the test's database is PostgreSQL (a test marked `backends`),
the copy's rows are loaded into it, column by column, after vat has made its schema there."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from db.backend import is_url

# Every stored path that names a file of the archive (or its master, or R&D folder).
PATH_COLUMNS = (
    ("file_registry", "file_path"),
    ("file_registry", "source_file"),
    ("processing_state", "master_path"),
    ("processing_state", "output_path"),
    ("processing_state", "rd_folder_path"),
    ("processing_state", "process_metadata"),
    ("project_history", "output_path"),
    ("operation_log", "input_file"),
    ("root_paths", "path"),
)

FIRST = ("processing_state", "roots")  # what other tables' rows point at


def relocate(db_file: Path, old: str, new: str) -> None:
    """The copy's database names the copy's files (plain SQL on the real file: paths are text)."""
    with sqlite3.connect(db_file) as con:
        for table, column in PATH_COLUMNS:
            con.execute(f"UPDATE {table} SET {column} = replace({column}, ?, ?)", (old, new))  # noqa: S608
    con.close()


def archive_copy(archived: Path, tmp_path: Path, db_path: Path) -> Path:
    """A copy of the base folder ARCHIVED (its database state.db) in TMP_PATH, known to the test's
    database ($VAT_DB: the file DB_PATH, or a PostgreSQL URL); returns the copy."""
    copy = tmp_path / "copy"
    shutil.copytree(archived, copy, ignore=shutil.ignore_patterns("state.db.locks"))
    relocate(copy / "state.db", str(archived), str(copy))
    location = os.environ.get("VAT_DB", "")
    if is_url(location):
        load_into_postgres(copy / "state.db", location)
        for leftover in copy.glob("state.db*"):
            leftover.unlink()
    else:
        shutil.move(copy / "state.db", db_path)
    return copy


def load_into_postgres(sqlite_file: Path, url: str) -> None:
    """Every row of the SQLite database into the PostgreSQL one at URL (made and migrated by vat first):
    the columns both have, SQLite's 0/1 as booleans, the settings as the SQLite database has them,
    and each id sequence moved past the ids copied."""
    import psycopg

    from db.connection import close_database, open_database

    open_database(url)
    close_database()
    source = sqlite3.connect(sqlite_file)
    with psycopg.connect(url) as target:
        types: dict[str, dict[str, str]] = {}
        for table, column, kind in target.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
        ):
            types.setdefault(table, {})[column] = kind
        names = [r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        tables = [t for t in FIRST if t in names] + sorted(t for t in names if t in types and t not in FIRST)
        for table in tables:
            _copy_table(source, target, table, types[table])
    source.close()


def _copy_table(source: sqlite3.Connection, target: Any, table: str, types: dict[str, str]) -> None:
    columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})") if row[1] in types]
    rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()  # noqa: S608
    flags = [types[c] == "boolean" for c in columns]
    rows = [tuple(bool(v) if flag and v is not None else v for v, flag in zip(row, flags, strict=True)) for row in rows]
    marks = ", ".join(["%s"] * len(columns))
    if table == "app_settings":  # the defaults are there already: take the copy's values
        conflict = "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE app_settings.key <> 'db_version'"
    else:
        conflict = "ON CONFLICT DO NOTHING"
    if rows:
        with target.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {conflict}".encode(),  # noqa: S608
                rows,
            )
    if "id" in columns:
        target.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "  # noqa: S608
            f"WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL HAVING max(id) IS NOT NULL".encode()
        )


def raw_connection() -> Any:
    """A connection to the test's database ($VAT_DB) through the engine's own driver (sqlite3, psycopg),
    not vat's: another process's, as far as vat knows. Its statements take the driver's placeholders
    (db.backend.sql turns SQLite's into psycopg's)."""
    location = os.environ["VAT_DB"]
    if is_url(location):
        import psycopg

        return psycopg.connect(location)
    return sqlite3.connect(location)

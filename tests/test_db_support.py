"""Builders shared by the tests/test_db_*.py modules (no tests here)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import peewee

from db import backend
from db.fields import TIMESTAMP_FORMAT, utc_days_ago
from db.models import ProcessingState, ProjectHistory


def make_session(session_id: str, *, days_ago: float = 0, **fields: Any) -> ProcessingState:
    """A processing_state row last updated `days_ago` days ago (an INSERT fires no update trigger)."""
    stamp = utc_days_ago(days_ago)
    values = dict(
        session_id=session_id,
        artwork_name=f"Artwork {session_id}",
        project_date="24-12-01",
        master_path=f"/masters/{session_id}.mov",
        output_path="/out",
        preset_id="webflow_standard",
        total_operations=10,
        created_at=stamp,
        updated_at=stamp,
    )
    values.update(fields)
    return ProcessingState.create(**values)


def make_history(session_id: str, *, days_ago: float, **fields: Any) -> ProjectHistory:
    values = dict(
        session=session_id,
        artwork_name=f"Artwork {session_id}",
        project_date="24-12-01",
        output_path="/out",
        master_filename=f"{session_id}.mov",
        completed_at=utc_days_ago(days_ago),
        completed_successfully=True,
    )
    values.update(fields)
    return ProjectHistory.create(**values)


def raw(db: peewee.Database, sql: str, params: tuple = ()) -> list[tuple]:
    """A statement written for SQLite (`?` placeholders) on either engine; its rows ([] for a write)."""
    cursor = backend.execute(db, sql, params)
    return cursor.fetchall() if cursor.description is not None else []


@contextmanager
def without_trigger(db: peewee.Database, table: str, trigger: str) -> Iterator[None]:
    """`trigger` off while the block runs (to write what the trigger would overwrite), then on again:
    SQLite drops and recreates it, PostgreSQL disables and enables it."""
    if backend.backend_of(db) == backend.POSTGRES:
        db.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            yield
        finally:
            db.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        return
    (statement,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?", (trigger,)).fetchone()
    db.execute_sql(f"DROP TRIGGER {trigger}")
    try:
        yield
    finally:
        db.execute_sql(statement)


def refuse_updates(db: peewee.Database, table: str, message: str = "refused") -> None:
    """Every UPDATE of `table` fails with `message` from now on (a fault to inject), on either engine."""
    if backend.backend_of(db) == backend.POSTGRES:
        db.execute_sql(
            f"CREATE FUNCTION refuse_{table}() RETURNS TRIGGER LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        db.execute_sql(f"CREATE TRIGGER refuse BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_{table}()")
    else:
        db.execute_sql(f"CREATE TRIGGER refuse BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END")


class WriteLockHolder:
    """A second connection inside a write transaction (as another vat in one): it holds the database's
    write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock of db.backend.write_transaction)
    until commit(); execute() takes statements written for SQLite."""

    def __init__(self, engine: str, db_path: Path):
        self.engine = engine
        if engine == backend.POSTGRES:
            import psycopg

            self.conn: Any = psycopg.connect(os.environ["VAT_DB"])  # not autocommit: a transaction opens
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (backend.WRITE_LOCK_KEY,))
        else:
            self.conn = sqlite3.connect(db_path, isolation_level=None, timeout=60)
            self.conn.execute("BEGIN IMMEDIATE")

    def execute(self, statement: str, params: tuple = ()) -> None:
        self.conn.execute(backend.sql(statement, self.engine), params)

    def commit(self) -> None:
        self.conn.execute("COMMIT") if self.engine == backend.SQLITE else self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def table_rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


def assert_recent(stamp: str, seconds: float = 10) -> None:
    """`stamp` is UTC in CURRENT_TIMESTAMP's format and within `seconds` of now."""
    parsed = datetime.strptime(stamp, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - parsed).total_seconds()) < seconds, stamp


def sqlite_file_ok(path: Path) -> bool:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

"""The one SQLite database vat uses: where it lives, how it is opened, its pragmas.

`database` is created uninitialised so the models can bind to it at import time; open_database()
points it at a file. Peewee keeps one connection per thread, so the runner's worker threads each
get their own (with the same pragmas) just by querying.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from pathlib import Path

import peewee
import platformdirs

from db.errors import EnvironmentProblem
from db.migrations import migrate

log = logging.getLogger("vat.db")

BUSY_TIMEOUT_MS = 10_000  # several workers write at once; wait rather than fail with "locked"
BUSY_TIMEOUT_ENV = "VAT_DB_BUSY_TIMEOUT_MS"  # how long to wait for a database another process locks

PRAGMAS = {
    "journal_mode": "wal",  # readers never block the writer (TUI reads while workers write)
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",  # safe with WAL; a power cut may lose the last commit, never corrupt
}

database = peewee.SqliteDatabase(None)


def db_file() -> Path:
    """The database file: $VAT_DB if set, else state.db in the user data folder."""
    override = os.environ.get("VAT_DB")
    if override:
        return Path(override).expanduser()
    # the same folder as core.dirs.data_dir(), read here so db/ needs nothing from core/
    return Path(platformdirs.user_data_dir("vat", appauthor=False)) / "state.db"


def database_path() -> Path | None:
    """The file `database` is opened on, or None before open_database()."""
    return None if database.deferred else Path(database.database)


def open_database(path: Path | str | None = None) -> peewee.SqliteDatabase:
    """Open (creating if needed) the database and migrate it to the latest schema.

    Safe to call again with another path: this thread's connection is closed first (connections
    that other threads still hold keep pointing at the old file until those threads end).
    """
    path = Path(path) if path is not None else db_file()
    close_database()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot create the folder for the database {path}: {exc.strerror}") from exc

    busy_ms = busy_timeout_ms()
    # sqlite3 takes the timeout in seconds as a float; peewee's stubs say int
    database.init(str(path), pragmas={**PRAGMAS, "busy_timeout": busy_ms}, timeout=busy_ms / 1000)  # type: ignore[arg-type]
    try:
        database.connect(reuse_if_open=True)
        migrate(database, path)
        record_app_version(database)
    except (peewee.DatabaseError, sqlite3.Error, OSError) as exc:
        close_database()
        raise EnvironmentProblem(f"cannot use the database {path}: {exc}") from exc
    return database


def record_app_version(db: peewee.SqliteDatabase) -> None:
    """app_version follows the package: the vat that last opened this database (read-only to users).
    Written only when it differs; a read-only database is still read (the listings work), said in the log."""
    current = package_version()
    if current is None:  # run from a source tree that was never installed
        return
    row = db.execute_sql("SELECT value FROM app_settings WHERE key = 'app_version'").fetchone()
    if row is None or row[0] == current:
        return
    try:
        db.execute_sql(
            "UPDATE app_settings SET value = ?, modified_at = CURRENT_TIMESTAMP WHERE key = 'app_version'", (current,)
        )
    except (peewee.OperationalError, sqlite3.OperationalError) as exc:
        log.warning("cannot record app_version %s in %s: %s", current, db.database, exc)


def package_version() -> str | None:
    """vat's installed version, read from the name of its .dist-info folder (NAME-VERSION.dist-info, PEP 427),
    looked for on sys.path in the order importlib.metadata looks. Not importlib.metadata itself: importing
    it costs every command some 30 ms (the listings and `vat verify` are timed against coreutils)."""
    prefix, suffix = "vat-", ".dist-info"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a folder gone
            continue
        found = [n for n in names if n.startswith(prefix) and n.endswith(suffix)]
        if found:
            return found[0][len(prefix) : -len(suffix)]
    return None


def busy_timeout_ms() -> int:
    try:
        return max(0, int(os.environ.get(BUSY_TIMEOUT_ENV, BUSY_TIMEOUT_MS)))
    except ValueError:
        return BUSY_TIMEOUT_MS


def is_database_fault(exc: BaseException) -> bool:
    """The database file cannot be used (read-only, locked by another process, disk full, I/O error):
    the machine's problem, not a bug (an IntegrityError, say, is a bug and stays a traceback)."""
    return isinstance(exc, (peewee.OperationalError, sqlite3.OperationalError))


def database_problem(exc: BaseException, session_id: str | None = None) -> EnvironmentProblem:
    """One line for a database fault (exit 3), naming the file and, mid-session, how to go on."""
    where = database_path() or db_file()
    text = f"the database {where} cannot be written: {exc}"
    if session_id:
        text += f"; nothing is lost, the session is left resumable: vat --resume {session_id}"
    return EnvironmentProblem(text)


def close_database() -> None:
    """Close this thread's connection, if any."""
    if not database.deferred and not database.is_closed():
        database.close()

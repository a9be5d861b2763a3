"""The one database vat uses: where it lives, how it is opened, its pragmas.

`database` is a proxy the models bind to at import time; open_database() points it at the SQLite file
(the default) or, for a URL `postgresql://...`, at the shared PostgreSQL catalogue (db/backend.py).
Peewee keeps one connection per thread, so the runner's worker threads each get their own (with the
same pragmas) just by querying.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import peewee
import platformdirs

from db import backend
from db.errors import EnvironmentProblem
from db.fields import utc_now
from db.lazy_driver import hand_psycopg_to_peewee
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

sqlite_database = peewee.SqliteDatabase(None)
postgres_database = peewee.PostgresqlDatabase(None)
database = peewee.DatabaseProxy()
database.initialize(sqlite_database)  # unopened (deferred) until open_database()


def db_location() -> str:
    """$VAT_DB as given (a file or a postgresql:// URL), else state.db in the user data folder."""
    override = os.environ.get("VAT_DB")
    if override:
        return override if backend.is_url(override) else str(Path(override).expanduser())
    # the same folder as core.dirs.data_dir(), read here so db/ needs nothing from core/
    return str(Path(platformdirs.user_data_dir("vat", appauthor=False)) / "state.db")


def db_file() -> Path:
    """The SQLite database file (db_location()); for a PostgreSQL URL, the place of the files vat keeps
    beside a database (backups/, the locks of the queue's slots): a folder in the user data folder
    named after the server and database."""
    location = db_location()
    if backend.is_url(location):
        return Path(platformdirs.user_data_dir("vat", appauthor=False)) / "catalogues" / _catalogue_name(location)
    return Path(location)


def _catalogue_name(url: str) -> str:
    """A file name for a catalogue URL: host, port and database, nothing secret."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or ["local"])[0]
    dbname = parts.path.lstrip("/") or (query.get("dbname") or ["postgres"])[0]
    raw = f"{host}_{parts.port or 5432}_{dbname}"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in raw).strip("._") + ".pg"


def is_postgres() -> bool:
    """Whether the open database is the shared PostgreSQL catalogue."""
    return database.obj is postgres_database and not postgres_database.deferred


def shown_location() -> str:
    """The database as it may be shown (doctor, errors, logs): a URL without its password."""
    location = db_location() if database.deferred else str(database.database)
    return backend.without_password(location) if backend.is_url(location) else location


def database_path() -> Path | None:
    """The file `database` is opened on (for PostgreSQL: db_file()'s folder stand-in), or None before
    open_database()."""
    if database.deferred:
        return None
    return db_file() if is_postgres() else Path(database.database)


def open_database(path: Path | str | None = None) -> peewee.Database:
    """Open (creating if needed) the database and migrate it to the latest schema.

    Safe to call again with another path: this thread's connection is closed first (connections
    that other threads still hold keep pointing at the old file until those threads end).
    """
    location = str(path) if path is not None else db_location()
    close_database()
    if backend.is_url(location):
        # postgres:// is libpq's other spelling; peewee takes a URL only as postgresql://
        return _open_postgres("postgresql://" + location.split("://", 1)[1])
    path = Path(location)
    database.initialize(sqlite_database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot create the folder for the database {path}: {exc.strerror}") from exc

    busy_ms = busy_timeout_ms()
    # sqlite3 takes the timeout in seconds as a float; peewee's stubs say int
    sqlite_database.init(str(path), pragmas={**PRAGMAS, "busy_timeout": busy_ms}, timeout=busy_ms / 1000)  # type: ignore[arg-type]
    try:
        database.connect(reuse_if_open=True)
        migrate(sqlite_database, path)
        record_app_version(sqlite_database)
    except (peewee.DatabaseError, sqlite3.Error, OSError) as exc:
        close_database()
        raise EnvironmentProblem(f"cannot use the database {path}: {exc}") from exc
    return sqlite_database


def _open_postgres(url: str) -> peewee.Database:
    """The shared catalogue: UTC timestamps (as SQLite's CURRENT_TIMESTAMP), each connection named
    after its machine and process (pg_stat_activity shows who holds a lock)."""
    import socket

    try:
        hand_psycopg_to_peewee()  # the postgres extra
    except ImportError:
        raise EnvironmentProblem(
            f"VAT_DB names a PostgreSQL database ({backend.without_password(url)}) but psycopg is not "
            "installed: pip install 'vat[postgres]'"
        ) from None
    busy_s = max(1, busy_timeout_ms() // 1000)
    from psycopg.conninfo import conninfo_to_dict

    try:  # the URL's own options (a search_path, say) are kept: UTC is added to them
        given = str(conninfo_to_dict(url).get("options") or "")
    except Exception as exc:  # psycopg.ProgrammingError: a URL it cannot read
        raise EnvironmentProblem(f"VAT_DB: {backend.without_password(url)} is not a PostgreSQL URL: {exc}") from None
    postgres_database.init(
        url,
        prefer_psycopg3=True,  # psycopg 2 may be installed beside it: vat speaks psycopg 3
        options=f"{given} -c timezone=UTC".strip(),
        application_name=f"vat {socket.gethostname()} {os.getpid()}"[:63],
        connect_timeout=busy_s,
    )
    database.initialize(postgres_database)
    try:
        database.connect(reuse_if_open=True)
        migrate(postgres_database, db_file())
        record_app_version(postgres_database)
    except (peewee.DatabaseError, OSError) as exc:
        close_database()
        raise EnvironmentProblem(
            f"cannot use the database {backend.without_password(url)}: {backend.redact(str(exc))}"
        ) from exc
    return postgres_database


def record_app_version(db: peewee.Database) -> None:
    """app_version follows the package: the vat that last opened this database (read-only to users).
    Written only when it differs; a read-only database is still read (the listings work), said in the log."""
    current = package_version()
    if current is None:  # run from a source tree that was never installed
        return
    row = db.execute_sql("SELECT value FROM app_settings WHERE key = 'app_version'").fetchone()
    if row is None or row[0] == current:
        return
    try:
        backend.execute(
            db,
            "UPDATE app_settings SET value = ?, modified_at = ? WHERE key = 'app_version'",
            (current, utc_now()),  # bound: PostgreSQL's CURRENT_TIMESTAMP has another text format
        )
    except (peewee.OperationalError, sqlite3.OperationalError) as exc:
        log.warning("cannot record app_version %s in %s: %s", current, shown_location(), backend.redact(str(exc)))


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
    return isinstance(exc, (peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError))


def database_problem(exc: BaseException, session_id: str | None = None) -> EnvironmentProblem:
    """One line for a database fault (exit 3), naming the file and, mid-session, how to go on."""
    text = f"the database {shown_location()} cannot be written: {backend.redact(str(exc))}"
    if session_id:
        text += f"; nothing is lost, the session is left resumable: vat --resume {session_id}"
    return EnvironmentProblem(text)


def close_database() -> None:
    """Close this thread's connection, if any."""
    if not database.deferred and not database.is_closed():
        database.close()


def write_transaction() -> AbstractContextManager[None]:
    """A transaction that writes, one writer at a time (db/backend.py): BEGIN IMMEDIATE on SQLite."""
    return backend.write_transaction(database)


def execute(statement: str, params: Any = None) -> Any:
    """Run a statement written for SQLite (`?`, `:name`) on the open database, whichever engine it is."""
    return backend.execute(database, statement, params)

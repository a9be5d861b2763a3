"""Backups of a PostgreSQL catalogue: the counterpart of db/backup.py's SQLite copies, named, counted and
pruned with them (backups/ beside db.connection.db_file(), `<stem>_<kind>_<YYYYmmdd_HHMMSS>[_n].<ext>`).

Where a pg_dump that can dump the server is found ($VAT_PG_DUMP, else PATH, else the one the pgserver
wheel bundles; pg_dump refuses a server newer than itself), the backup is its plain SQL script (`.sql`);
otherwise vat writes a logical export of every table's rows (`.json`). Either is written under a
temporary name, checked complete and renamed, so a file named like a backup is always a whole one.
The password of VAT_DB reaches pg_dump through PGPASSWORD, never its command line (`ps` shows that).

Restoring a `.sql` backup (the schema, its functions and triggers, and the rows; without owners or
privileges, so any role may restore it) into a new, empty database, then pointing VAT_DB at it:

    createdb NEW && psql -v ON_ERROR_STOP=1 -d NEW -f BACKUP.sql

Restoring a `.json` backup (rows only). Its shape:

    {"format": "vat-catalogue-export", "format_version": 1, "created_at": "...Z",
     "server_version": "16.2", "db_version": "6",
     "tables": [{"name": "...", "columns": ["...", ...], "rows": [{"column": value, ...}, ...]}, ...],
     "sequences": [{"name": "...", "value": 42}, ...]}

Tables come parents first (a table before those whose foreign keys refer to it); each row is PostgreSQL's
row_to_json() of it, which json_populate_recordset() reads back exactly. So: let the vat that wrote the
export (the same db_version) create the schema in a new database (any command, VAT_DB=NEW), then in one
transaction:

    TRUNCATE <every listed table>;
    -- for each table, in order (the triggers that stamp updated_at must not rewrite the rows):
    ALTER TABLE t DISABLE TRIGGER USER;
    INSERT INTO t SELECT * FROM json_populate_recordset(NULL::t, '<its "rows" as JSON>');
    ALTER TABLE t ENABLE TRIGGER USER;
    -- for each sequence:
    SELECT setval('<name>', <value>);
"""

from __future__ import annotations

import graphlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import peewee

from db import backend
from db.backend import split_password
from db.backup import KEEP_BACKUPS, check_request, prune_backups, reserve_or_fail
from db.errors import EnvironmentProblem

log = logging.getLogger("vat.db")

PG_DUMP_ENV = "VAT_PG_DUMP"  # the pg_dump to use (then only that one); else PATH, then the pgserver wheel's
SQL_EXT = "sql"
JSON_EXT = "json"
EXPORT_FORMAT = "vat-catalogue-export"
EXPORT_VERSION = 1
DUMP_COMPLETE = "-- PostgreSQL database dump complete"  # pg_dump's last line: a script cut short lacks it


class DumpFailed(RuntimeError):
    """pg_dump ran and failed (its message, password-free): the logical export takes over."""


def dump_catalogue(db_path: Path, kind: str, keep: int = KEEP_BACKUPS) -> Path:
    """Back up the open PostgreSQL catalogue into backups/ beside `db_path` (db.connection.db_file()):
    pg_dump's script where a fit pg_dump is found and works, else the logical export; then delete all but
    the newest `keep` backups of `kind`. Returns the backup. EnvironmentProblem when neither can be made."""
    from db.connection import postgres_database  # here: db.connection imports the migrations, which import this

    check_request(keep, kind)
    if postgres_database.deferred:
        raise EnvironmentProblem("the database is not open (call db.open_database() first)")
    url = str(postgres_database.database)
    shown = backend.without_password(url)
    try:
        server_version = int(postgres_database.connection().info.server_version)
    except peewee.PeeweeException as exc:  # the server gone: peewee's wrap of psycopg's OperationalError
        raise EnvironmentProblem(f"cannot back up the database {shown}: {backend.redact(str(exc))}") from exc
    tool = find_pg_dump(server_version)
    if tool is not None:
        target = reserve_or_fail(db_path, kind, SQL_EXT, shown)
        try:
            run_pg_dump(tool, url, target)
        except DumpFailed as exc:
            target.unlink(missing_ok=True)
            log.warning("pg_dump %s could not back up %s (%s); writing a logical export instead", tool, shown, exc)
            tool = None
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    if tool is None:
        import psycopg  # installed: the catalogue is open through it

        target = reserve_or_fail(db_path, kind, JSON_EXT, shown)
        try:
            export_rows(url, dict(postgres_database.connect_params), target)
        except (psycopg.Error, OSError) as exc:
            target.unlink(missing_ok=True)  # never leave an empty file that looks like a backup
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else backend.redact(str(exc))
            raise EnvironmentProblem(f"cannot back up the database {shown} into {target.parent}: {why}") from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    log.info("backup of %s written: %s", shown, target)
    prune_backups(db_path, keep, kind)
    return target


def find_pg_dump(server_version: int) -> Path | None:
    """The first pg_dump able to dump a server of `server_version` (psycopg's number: 160002 for 16.2):
    of the same major version or newer. $VAT_PG_DUMP alone where set; else PATH's, then the pgserver
    wheel's. None: no fit one (said in the log)."""
    wanted = server_version // 10000
    chosen = os.environ.get(PG_DUMP_ENV)
    candidates = [Path(chosen)] if chosen else [Path(p) for p in (shutil.which("pg_dump"), _pgserver_tool()) if p]
    for tool in candidates:
        major = dump_major_version(tool)
        if major is not None and major >= wanted:
            return tool
        log.info("pg_dump %s cannot dump a PostgreSQL %d server (its version: %s)", tool, wanted, major or "unknown")
    return None


def _pgserver_tool(name: str = "pg_dump") -> str | None:
    """The pgserver wheel's bundled program, found without importing pgserver (it starts nothing, but
    its import is slow and warns)."""
    try:
        spec = importlib.util.find_spec("pgserver")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "pginstall" / "bin" / name
    return str(path) if path.is_file() else None


def dump_major_version(tool: Path) -> int | None:
    """The major version `tool --version` states ("pg_dump (PostgreSQL) 16.2" -> 16), None if it cannot say."""
    try:
        done = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", done.stdout)
    return int(match[1]) if done.returncode == 0 and match else None


def run_pg_dump(tool: Path, url: str, target: Path) -> None:
    """pg_dump's plain SQL script of the whole database into `target`, through a temporary name."""
    conninfo, password = split_password(url)
    env = {"PGCONNECT_TIMEOUT": "10", **os.environ, "PGAPPNAME": "vat backup"}  # a server gone: no endless wait
    if password is not None:
        env["PGPASSWORD"] = password
    partial = target.with_name(f".{target.name}.partial")
    command = [
        str(tool),
        "--no-password",  # never a prompt on the terminal: PGPASSWORD, ~/.pgpass or nothing
        "--format=plain",
        "--no-owner",
        "--no-privileges",
        f"--file={partial}",
        f"--dbname={conninfo}",
    ]
    try:
        partial.touch(mode=0o600)  # the whole catalogue: readable by its owner only (pg_dump keeps the mode)
        try:
            done = subprocess.run(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
        except OSError as exc:  # not executable after all
            raise DumpFailed(exc.strerror or str(exc)) from exc
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            errors = [line for line in lines if "error:" in line]  # not its "Command was: ..." after it
            said = (errors or lines or [f"exit status {done.returncode}"])[0]
            raise DumpFailed(backend.redact(said.strip()))
        if not _ends_with(partial, DUMP_COMPLETE):
            raise DumpFailed("its script ends early")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _ends_with(path: Path, marker: str) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(max(0, path.stat().st_size - 4096))
            return marker.encode() in f.read()
    except OSError:
        return False


def export_rows(url: str, connect_params: dict[str, Any], target: Path) -> None:
    """Every table's rows as JSON (the shape in this module's docstring) into `target`, all read in one
    snapshot, through a temporary name; streamed, so a large operation_log never sits in memory whole."""
    import psycopg
    from psycopg import sql

    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.touch(mode=0o600)  # the whole catalogue: readable by its owner only
        with psycopg.connect(url, **connect_params) as conn, partial.open("w", encoding="utf-8") as out:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # one snapshot for every table
            conn.read_only = True
            version = conn.execute("SHOW server_version").fetchone()
            header = {
                "format": EXPORT_FORMAT,
                "format_version": EXPORT_VERSION,
                "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "server_version": version[0] if version else None,
                "db_version": _db_version(conn),
            }
            out.write(json.dumps(header)[:-1] + ', "tables": [')
            for i, table in enumerate(ordered_tables(conn)):
                columns = [
                    row[0]
                    for row in conn.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
                        (table,),
                    )
                ]
                out.write(
                    ("," if i else "") + f'\n{{"name": {json.dumps(table)}, "columns": {json.dumps(columns)}, "rows": ['
                )
                with conn.cursor(name=f"vat_export_{i}") as cursor:  # server-side: fetched in batches
                    cursor.execute(sql.SQL("SELECT row_to_json(t)::text FROM {} t").format(sql.Identifier(table)))
                    for n, (row,) in enumerate(cursor):
                        out.write(("," if n else "") + "\n" + row)
                out.write("]}")
            sequences = conn.execute(
                "SELECT quote_ident(sequencename), last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL ORDER BY sequencename"
            ).fetchall()
            out.write('],\n"sequences": ' + json.dumps([{"name": name, "value": value} for name, value in sequences]))
            out.write("}\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def ordered_tables(conn: Any) -> list[str]:
    """The tables of the current schema that vat's role may read (a table of another application, in the
    same database, that is not: left out, rather than failing as pg_dump does), each after the tables
    its foreign keys refer to (the order to insert them back in); by name where no reference orders them."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND has_table_privilege(c.oid, 'SELECT') ORDER BY c.relname"
        )
    ]
    graph: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in conn.execute(
        "SELECT c.relname, p.relname FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE k.contype = 'f' AND n.nspname = current_schema()"
    ):
        if child in graph and parent in graph and child != parent:  # a table referring to itself: its own order
            graph[child].add(parent)
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:  # tables referring to each other: a restore must defer the checks anyway
        return names


def _db_version(conn: Any) -> str | None:
    exists = conn.execute("SELECT to_regclass('app_settings') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT value FROM app_settings WHERE key = 'db_version'").fetchone()
    return str(row[0]) if row else None

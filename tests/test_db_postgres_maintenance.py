"""`vat db` on the shared PostgreSQL catalogue: its backups restore into a fresh database with the same rows
(pg_dump's script through psql, the logical export through the steps db/pg_backup.py documents), are pruned
per kind with the SQLite ones' rules, an upgrade is backed up first, VACUUM reports the database's size.
Passwords: tests/test_db_passwords.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import peewee
import pytest

from db import maintenance, pg_backup
from db.backup import MANUAL, MIGRATION, RETENTION, backups_dir, list_backups
from db.connection import close_database, db_file, open_database
from db.models import OperationLog, UserPreset
from tests.helpers import vat
from tests.servers import Postgres
from tests.test_db_support import make_history, make_session

psycopg = pytest.importorskip("psycopg")
from psycopg import sql  # noqa: E402  (after the skip: psycopg is the postgres extra)

ON_POSTGRES = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def fill_catalogue() -> None:
    """Rows in most tables, with the characters a careless dump or export mangles (quotes, %, ?, :name)."""
    UserPreset.create(
        preset_id="mine",
        preset_name="Mine 'quoted' 100% ?:x",
        stills_hq_settings={"q": 1},
        stills_web_settings={},
        video_settings={"crf": 18.5},
    )
    make_session("s1", status="completed", preset_id="mine")
    make_session("s2", days_ago=40, status="failed")
    make_history("s1", days_ago=1, metadata={"note": 'first "show"'})
    for n, sid in enumerate(("s1", "s2"), 1):
        OperationLog.create(
            session=sid, operation_type="clip", operation_name=f"clip:{n}", sequence_number=n, status="completed"
        )


def contents(url: str) -> dict[str, object]:
    """Every table's rows (as PostgreSQL's JSON of each, sorted) and the sequences' positions."""
    with psycopg.connect(url) as conn:
        tables = {
            table: sorted(
                row[0]
                for row in conn.execute(sql.SQL("SELECT row_to_json(t)::text FROM {} t").format(sql.Identifier(table)))
            )
            for table in pg_backup.ordered_tables(conn)
        }
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
        ).fetchall()
    return {"tables": tables, "sequences": sorted(sequences)}


def restore_export(url: str, path: Path) -> None:
    """The restore db/pg_backup.py's docstring gives for a `.json` backup, step by step."""
    export = json.loads(path.read_text(encoding="utf-8"))
    assert export["format"] == pg_backup.EXPORT_FORMAT
    with psycopg.connect(url) as conn:  # one transaction
        names = [sql.Identifier(table["name"]) for table in export["tables"]]
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(names)))
        for table in export["tables"]:
            name = sql.Identifier(table["name"])
            conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(name))
            conn.execute(
                sql.SQL("INSERT INTO {} SELECT * FROM json_populate_recordset(NULL::{}, %s::json)").format(name, name),
                (json.dumps(table["rows"]),),
            )
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(name))
        for sequence in export["sequences"]:
            conn.execute("SELECT setval(%s, %s)", (sequence["name"], sequence["value"]))


def ours(folder: Path) -> list[Path]:
    """This test's catalogue's files in backups/ (every catalogue of the session's data folder shares it)."""
    return [p for p in folder.iterdir() if db_file().stem in p.name]


def server_version(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.info.server_version)


@ON_POSTGRES
def test_a_pg_dump_backup_restores_into_a_fresh_database(db: peewee.Database, postgres_server: Postgres) -> None:
    url = os.environ["VAT_DB"]
    psql = pg_backup._pgserver_tool("psql")
    if pg_backup.find_pg_dump(server_version(url)) is None or psql is None:
        pytest.skip("no pg_dump and psql fit for this server")
    fill_catalogue()

    path = maintenance.backup()

    assert path.parent == backups_dir(db_file())
    assert re.fullmatch(rf"{re.escape(db_file().stem)}_backup_\d{{8}}_\d{{6}}(_\d+)?\.sql", path.name)
    assert ours(path.parent) == [path]  # nothing left under a temporary name
    fresh = postgres_server.create_database()
    try:
        done = subprocess.run(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", fresh, "-f", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert contents(fresh) == contents(url)
        assert len(contents(fresh)["tables"]["operation_log"]) == 2  # type: ignore[index]
    finally:
        postgres_server.drop_database(fresh)


@ON_POSTGRES
def test_without_a_fit_pg_dump_the_logical_export_restores_the_rows(
    db: peewee.Database, postgres_server: Postgres, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(pg_backup.PG_DUMP_ENV, str(tmp_path / "no-pg_dump"))
    url = os.environ["VAT_DB"]
    fill_catalogue()

    path = maintenance.backup()

    assert path.suffix == ".json" and ours(path.parent) == [path]
    export = json.loads(path.read_text(encoding="utf-8"))
    names = [table["name"] for table in export["tables"]]
    assert names.index("processing_state") < names.index("operation_log")  # parents first
    fresh = postgres_server.create_database()
    try:
        open_database(fresh)  # the schema, made by this vat: the export's db_version
        close_database()
        restore_export(fresh, path)
        assert contents(fresh) == contents(url)
    finally:
        close_database()
        postgres_server.drop_database(fresh)


@ON_POSTGRES
def test_backups_are_pruned_per_kind_whatever_their_format(
    db: peewee.Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    retention = maintenance.backup(kind=RETENTION, keep=2)
    monkeypatch.setenv(pg_backup.PG_DUMP_ENV, str(tmp_path / "no-pg_dump"))
    made = [maintenance.backup(keep=2) for _ in range(2)]  # logical exports
    monkeypatch.delenv(pg_backup.PG_DUMP_ENV)
    made.append(maintenance.backup(keep=2))  # pg_dump's, where one fits; else another export

    assert list_backups(db_file(), MANUAL) == made[1:]
    assert not made[0].exists()
    assert list_backups(db_file(), RETENTION) == [retention]  # another kind's never counted


@ON_POSTGRES
def test_an_upgrade_of_the_catalogue_is_backed_up_first(db: peewee.Database) -> None:
    db.execute_sql("ALTER TABLE operation_log DROP COLUMN node")  # the catalogue as version 5 left it
    db.execute_sql("UPDATE app_settings SET value = '5' WHERE key = 'db_version'")
    close_database()

    open_database()

    (backup,) = list_backups(db_file(), MIGRATION)
    text = backup.read_text(encoding="utf-8")
    if backup.suffix == ".sql":  # pg_dump's COPY rows: tab-separated
        assert re.search(r"^db_version\t5\t", text, re.MULTILINE)
    else:
        (settings,) = [t for t in json.loads(text)["tables"] if t["name"] == "app_settings"]
        assert {"key": "db_version", "value": "5"}.items() <= next(
            r for r in settings["rows"] if r["key"] == "db_version"
        ).items()
    assert "node" in [c.name for c in db.get_columns("operation_log")]


@ON_POSTGRES
def test_vacuum_reports_the_database_size(db: peewee.Database) -> None:
    make_session("s1")
    result = maintenance.optimize()
    size = db.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]
    assert result.done == "vacuumed and analysed"
    assert result.bytes_before > 0 and result.bytes_after == size
    assert [row[0] for row in db.execute_sql("SELECT session_id FROM processing_state")] == ["s1"]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@ON_POSTGRES
def test_vat_db_commands_work_on_the_catalogue(db: peewee.Database) -> None:
    make_session("old", days_ago=200, status="failed")  # abandoned: retention backs up, then removes it
    close_database()

    backup = vat("db", "backup")
    vacuum = vat("db", "vacuum")
    cleanup = vat("db", "cleanup")

    assert backup.returncode == 0, backup.stderr
    assert re.search(r"backup written: \S+_backup_\S+\.(sql|json)$", backup.stdout.strip())
    assert vacuum.returncode == 0, vacuum.stderr
    assert re.fullmatch(r"database vacuumed and analysed: [\d,]+ -> [\d,]+ bytes", vacuum.stdout.strip())
    assert cleanup.returncode == 0, cleanup.stderr
    assert re.search(r"backup written first: \S+_retention_\S+\.(sql|json)", cleanup.stdout)
    assert "removed 1 abandoned sessions" in cleanup.stdout
    assert len(list_backups(db_file(), RETENTION)) == 1


def test_a_pg_dump_older_than_the_server_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = pg_backup._pgserver_tool()
    if tool is None:
        pytest.skip("the pgserver wheel's pg_dump is not installed")
    major = pg_backup.dump_major_version(Path(tool))
    assert major is not None
    monkeypatch.setenv(pg_backup.PG_DUMP_ENV, tool)
    assert pg_backup.find_pg_dump(major * 10000 + 2) == Path(tool)
    assert pg_backup.find_pg_dump((major - 1) * 10000) == Path(tool)  # a newer pg_dump dumps an older server
    assert pg_backup.find_pg_dump((major + 1) * 10000) is None  # it refuses a newer one

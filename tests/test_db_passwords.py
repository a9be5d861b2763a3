"""A password in VAT_DB or VAT_BROKER never reaches `vat doctor`, an error message (a command's, a detached
worker's), a log file or pg_dump's command line; pg_dump still logs in with it (PGPASSWORD).

The test PostgreSQL server trusts every local connection; password_catalogue makes it ask one role for
its password, so a wrong one is refused as on a studio's server.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from core.pipeline import background
from db import backend, maintenance, pg_backup
from db.connection import close_database, open_database
from tests.helpers import vat
from tests.servers import Postgres, Redis, Unavailable
from tests.test_db_support import make_session

psycopg = pytest.importorskip("psycopg")

PASSWORD = "s3cret-XYZ"
BROKER_PASSWORD = "br0ker-PW"


def test_pg_dump_gets_no_password_on_its_command_line() -> None:
    assert pg_backup.split_password("postgresql://u:p%40ss@db.example:5433/cat?sslmode=require") == (
        "postgresql://u@db.example:5433/cat?sslmode=require",
        "p@ss",
    )
    assert pg_backup.split_password("postgresql://u@h/cat?password=pw&host=%2Ftmp") == (
        "postgresql://u@h/cat?host=%2Ftmp",
        "pw",
    )
    assert pg_backup.split_password("postgresql:///cat?host=/tmp") == ("postgresql:///cat?host=/tmp", None)
    assert pg_backup.split_password("postgresql://:pw@/cat?host=/tmp") == ("postgresql:///cat?host=/tmp", "pw")


@pytest.fixture
def password_catalogue(postgres_server: Postgres) -> Iterator[str]:
    """A database owned by a role that logs in with a password (the test server trusts everyone else:
    one pg_hba.conf line, first, makes it ask that role), as its URL with the password."""
    role = f"vat_pw_{os.getpid()}"
    postgres_server.admin(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    postgres_server.admin(f'CREATE DATABASE "{role}" OWNER {role}')
    hba = Path(postgres_server.server.pgdata) / "pg_hba.conf"
    original = hba.read_text()
    with hba.open("r+") as f:  # rewritten in place: the file keeps the server's owner
        f.write(f"local all {role} scram-sha-256\n{original}")
    postgres_server.admin("SELECT pg_reload_conf()")
    try:
        yield urlunsplit(urlsplit(postgres_server.url(role))._replace(netloc=f"{role}:{PASSWORD}@"))
    finally:
        with hba.open("w") as f:
            f.write(original)
        postgres_server.admin("SELECT pg_reload_conf()")
        postgres_server.admin(f'DROP DATABASE IF EXISTS "{role}" WITH (FORCE)')
        postgres_server.admin(f"DROP ROLE IF EXISTS {role}")


def written_logs(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file() and p.suffix != ".lock")


def test_pg_dump_logs_in_with_the_password_and_where_it_fails_the_export_takes_over(
    password_catalogue: str,
    postgres_server: Postgres,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("VAT_DB", password_catalogue)
    database = open_database()
    try:
        if pg_backup.find_pg_dump(int(database.connection().info.server_version)) is None:
            pytest.skip("no pg_dump fit for this server")
        make_session("s1")
        assert maintenance.backup().suffix == ".sql"  # PGPASSWORD reached pg_dump
        # another application's table in the same database, which vat's role may not read: pg_dump stops
        with psycopg.connect(postgres_server.url(urlsplit(password_catalogue).path.lstrip("/"))) as admin:
            admin.execute("CREATE TABLE other_application (x INTEGER)")

        export = maintenance.backup()
    finally:
        close_database()

    assert export.suffix == ".json"
    tables = [table["name"] for table in json.loads(export.read_text(encoding="utf-8"))["tables"]]
    assert "processing_state" in tables and "other_application" not in tables
    assert "permission denied" in caplog.text and "logical export" in caplog.text
    assert PASSWORD not in caplog.text


def test_doctor_shows_the_catalogue_without_its_password(
    password_catalogue: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VAT_DB", password_catalogue)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # this run's log files only

    done = vat("-vv", "doctor")
    listed = vat("-vv", "sessions")

    line = next(line for line in done.stdout.splitlines() if "database:" in line)
    assert line.lstrip().startswith("ok") and ":***@" in line, done.stdout
    assert re.search(r"PostgreSQL \d+\.\d+, reachable, schema version \d+", line)
    assert done.returncode == 0, done.stdout + done.stderr
    assert listed.returncode == 0, listed.stderr
    logs = written_logs(tmp_path / "state")
    assert "vat.db" in logs or "peewee" in logs  # the run wrote the log the password must stay out of
    for text in (done.stdout, done.stderr, listed.stdout, listed.stderr, logs):
        assert PASSWORD not in text


def test_a_wrong_password_is_one_line_without_it(
    password_catalogue: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wrong = password_catalogue.replace(PASSWORD, "wr0ng-PASS")
    monkeypatch.setenv("VAT_DB", wrong)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    worker = background.start_detached("26-12-02_Show_0000abcd")  # as the TUI starts one: its own log
    (process,) = [p for p in background._children if p.pid == worker]
    listed = vat("sessions")
    doctor = vat("doctor")
    assert process.wait(60) == 3
    worker_log = background.worker_log_path("26-12-02_Show_0000abcd").read_text()

    assert listed.returncode == 3 and listed.stdout == ""
    (line,) = listed.stderr.splitlines()
    assert line.startswith("vat: error: cannot use the database postgresql://") and ":***@" in line
    assert "password authentication failed" in line
    assert doctor.returncode == 3 and re.search(r"FAIL\s+database: .*:\*\*\*@", doctor.stdout)
    assert "vat: error: cannot use the database postgresql://" in worker_log and ":***@" in worker_log
    for text in (listed.stderr, doctor.stdout, doctor.stderr, worker_log, written_logs(tmp_path / "state")):
        assert "wr0ng-PASS" not in text


def test_db_option_takes_a_url_and_never_shows_its_password(tmp_path: Path) -> None:
    done = vat("--db", f"postgresql://vat:{PASSWORD}@127.0.0.1:1/catalogue", "sessions")  # nothing listens on 1

    assert done.returncode == 3 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("vat: error: cannot use the database postgresql://vat:***@127.0.0.1:1/catalogue: ")
    assert PASSWORD not in line


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[int]:
    redis = pytest.importorskip("redis")
    try:
        server = Redis(tmp_path / "redis")
    except Unavailable as exc:
        pytest.skip(f"no Redis server: {exc}")
    try:
        redis.Redis(port=server.port).config_set("requirepass", BROKER_PASSWORD)
        yield server.port
    finally:
        server.stop()


def test_doctor_shows_the_broker_without_its_password(
    redis_with_password: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAT_BROKER", f"redis://:{BROKER_PASSWORD}@127.0.0.1:{redis_with_password}/0")
    answers = vat("doctor")
    monkeypatch.setenv("VAT_BROKER", f"redis://:wr0ng-PASS@127.0.0.1:{redis_with_password}/0")
    refused = vat("doctor")

    assert answers.returncode == 0 and refused.returncode == 0  # vat works on one box without a broker
    shown = f"redis://:***@127.0.0.1:{redis_with_password}/0"
    assert re.search(rf"ok\s+broker: {re.escape(shown)}: answers PING", answers.stdout), answers.stdout
    assert re.search(rf"no\s+broker: {re.escape(shown)}: does not answer", refused.stdout), refused.stdout
    for text in (answers.stdout, answers.stderr, refused.stdout, refused.stderr):
        assert BROKER_PASSWORD not in text and "wr0ng-PASS" not in text


def test_log_records_never_carry_a_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from core.logs import LOG_FILE_NAME, setup_logging, stop_logging

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    setup_logging()
    try:
        log = logging.getLogger("vat.test")
        log.info("opening %s", f"postgresql://u:{PASSWORD}@db.example/cat")
        try:
            raise RuntimeError(f"broker redis://:{BROKER_PASSWORD}@farm:6379/0 is gone")
        except RuntimeError:
            log.exception("the farm stopped")
    finally:
        stop_logging()
    (written,) = (tmp_path / "state").rglob(LOG_FILE_NAME)
    text = written.read_text()
    assert "postgresql://u:***@db.example/cat" in text and "redis://:***@farm:6379/0 is gone" in text
    assert PASSWORD not in text and BROKER_PASSWORD not in text


def test_every_spelling_of_a_password_in_a_url_is_hidden() -> None:
    """In the user part (with "@", "/" or "?" in it, unescaped), or as a password= parameter."""
    cases = {
        "postgresql://u:p@ss@h/db": "postgresql://u:***@h/db",
        "redis://:s3c/ret@127.0.0.1:6390/0": "redis://:***@127.0.0.1:6390/0",
        "postgresql://u:p?w@h/db": "postgresql://u:***@h/db",
        "postgresql://u@h/db?sslmode=require&password=SEKRIT&x=1": "postgresql://u@h/db?sslmode=require&password=***&x=1",
        "postgresql://u:pw@[::1]:5432/db?host=/tmp": "postgresql://u:***@[::1]:5432/db?host=/tmp",
    }
    for url, shown in cases.items():
        assert backend.without_password(url) == shown
        assert backend.redact(f"cannot use {url}: refused") == f"cannot use {shown}: refused"
    assert backend.without_password("postgresql:///cat?host=/tmp") == "postgresql:///cat?host=/tmp"

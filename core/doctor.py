"""`vat doctor`: can vat work here? ffmpeg, encoders, database, broker, folders.

The database and the broker are shown without their passwords (db.backend): doctor's output is what
users paste into a bug report."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core import dirs
from core.errors import VatError
from core.media import encoders, ffmpeg, nvidia


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def _writable(path: Path) -> tuple[bool, str]:
    try:
        dirs.ensure(path)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".vat-doctor-"):
            pass
    except OSError as exc:
        return False, f"{path}: {exc.strerror or exc}"
    return True, str(path)


def run_checks() -> list[Check]:
    checks: list[Check] = []
    try:
        found = ffmpeg.find_ffmpeg()
        checks.append(Check("ffmpeg", True, f"{found.path} ({found.source}), version {ffmpeg.version()}"))
    except (VatError, OSError) as exc:
        checks.append(Check("ffmpeg", False, str(exc)))
        found = None
    if found is not None:
        have = encoders.available_encoders()
        for name in encoders.CHECKED_ENCODERS:
            checks.append(
                Check(
                    f"encoder {name}",
                    name in have,
                    "available" if name in have else "missing",
                    required=name == "libx264",
                )
            )
        works, why = encoders.nvenc_status()
        if nvidia.NO_ENGINE in why:  # the hardware's answer, not a setup to fix
            why += "; clips use x264"
        checks.append(Check("nvenc works here", works, why, required=False))
        vmaf = "libvmaf" in encoders.available_filters()
        checks.append(Check("filter libvmaf", vmaf, "available" if vmaf else "missing", required=False))
    checks.append(_database_check())
    broker = _broker_check()
    if broker is not None:
        checks.append(broker)
    for label, folder in (
        ("data folder", dirs.data_dir()),
        ("cache folder", dirs.cache_dir()),
        ("log folder", dirs.log_dir()),
    ):
        ok, detail = _writable(folder)
        checks.append(Check(label, ok, detail))
    return checks


def _database_check() -> Check:
    """The database VAT_DB names (the SQLite file, or the shared PostgreSQL catalogue): its engine and,
    for PostgreSQL, the server's version; opened and migrated as any command would (reachable)."""
    import sqlite3

    from db import connection, migrations

    shown = connection.shown_location()
    try:
        connection.open_database()
        version = migrations.current_version()
        if connection.is_postgres():
            server = connection.database.execute_sql("SHOW server_version").fetchone()[0]
            engine = f"PostgreSQL {server}, reachable"
        else:
            engine = f"SQLite {sqlite3.sqlite_version}"
    except VatError as exc:  # EnvironmentProblem: its message names the database without a password
        return Check("database", False, str(exc))
    except Exception as exc:  # the server went away between the open and the query
        from db.backend import redact

        if not connection.is_database_fault(exc):
            raise
        return Check("database", False, f"{shown}: {redact(str(exc))}")
    return Check("database", True, f"{shown} ({engine}, schema version {version})")


PING_TIMEOUT_S = 3


def _broker_check() -> Check | None:
    """The render farm's broker (VAT_BROKER), when one is named: does it answer a PING? Not required:
    vat works on one box without it. Asked through kombu (Celery's messaging, the farm extra), imported
    only here, as the farm itself connects."""
    from core.farm.config import BROKER_ENV, BROKER_SCHEMES  # the farm's own names for them
    from db.backend import redact, without_password

    url = os.environ.get(BROKER_ENV)
    if not url:
        return None

    shown = without_password(url)
    if not url.startswith(BROKER_SCHEMES):
        return Check("broker", False, f"{shown}: vat checks Redis brokers only (redis://host:port/N)", required=False)
    try:
        from kombu import Connection
    except ImportError:
        return Check("broker", False, f"{shown}: the farm is not installed: pip install 'vat[farm]'", required=False)
    timeouts = {"socket_timeout": PING_TIMEOUT_S, "socket_connect_timeout": PING_TIMEOUT_S}
    try:
        with Connection(url, connect_timeout=PING_TIMEOUT_S, transport_options=timeouts) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
            connection.default_channel.client.ping()  # the redis transport's client: a real PING
    except Exception as exc:  # kombu's OperationalError, redis' errors, a malformed URL: said, not raised
        return Check("broker", False, f"{shown}: does not answer: {redact(str(exc))}", required=False)
    return Check("broker", True, f"{shown}: answers PING", required=False)


def can_work(checks: list[Check]) -> bool:
    return all(c.ok for c in checks if c.required)

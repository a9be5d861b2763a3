"""Locks that hold across machines: PostgreSQL session advisory locks, for the shared catalogue.

The same interface as core/pipeline/lock.py's FileLock. Each held lock has a connection of its own
(autocommit, never peewee's per-thread connection, which vat closes and reopens): the lock lives as long
as that connection, so when its process dies, even by SIGKILL, the kernel closes the socket and the
server drops the lock at once, as a flock's kernel drops it. A machine that vanishes (power cut,
network gone) is noticed by the server's TCP keepalives, which each lock connection asks to be short.

A lock is known by two int4 keys made from its name (pg_try_advisory_lock(int, int)): pg_locks shows
them as classid/objid with objsubid 2, apart from db/backend.WRITE_LOCK_KEY's single bigint key (objsubid 1).
The holder is the application_name of the holding connection: "vat <host> <pid> <owner>".

Session advisory locks need a real session: a pooler in transaction mode (pgbouncer) in front of the
catalogue would lose them between statements.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from typing import Any

from core.errors import BadInput, EnvironmentProblem

# as FileLock's: a taker meeting a holder that is just letting go (a resume taking over) waits this long
BUSY_GRACE_SECONDS = 0.5

# the server notices a vanished machine after idle + interval * count seconds (its TCP keepalives)
KEEPALIVE_OPTIONS = "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
# a catalogue-wide idle timeout would end an idle lock connection, and so its lock (idle_session_timeout
# is PostgreSQL 14's: set once connected, where the server knows it)
NO_IDLE_TIMEOUT = "-c idle_in_transaction_session_timeout=0"

APPLICATION_NAME_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1: longer names are cut by the server
HOST_BYTES = 32  # of those, at most this for the host name: the owner needs room too

# Locks this process holds, by name: taking one again only counts (as FileLock's _held).
_held: dict[str, list[Any]] = {}  # name -> [connection, count]
_held_guard = threading.Lock()

_HOLDER_SQL = """
SELECT a.application_name, l.pid FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = %s::oid AND l.objid = %s::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def operation_lock_name(session_id: str, key: str) -> str:
    """The lock of one operation of a session, taken by whoever makes it (a render node, the local pool)."""
    return f"op:{session_id}:{key}"


_MINE_SQL = """
SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
  AND classid = %s::oid AND objid = %s::oid AND pid = pg_backend_pid())
"""


def lock_keys(name: str) -> tuple[int, int]:
    """Two keys in 0..2**31-1 (as int4 and as pg_locks' oid columns alike) from the name's SHA-256."""
    digest = hashlib.sha256(name.encode()).digest()
    return (
        int.from_bytes(digest[0:4], "big") & 0x7FFFFFFF,
        int.from_bytes(digest[4:8], "big") & 0x7FFFFFFF,
    )


def this_machine() -> str:
    """The host name as a lock's application_name gives it (cut to HOST_BYTES)."""
    return socket.gethostname().encode()[:HOST_BYTES].decode(errors="ignore")


def application_name(owner: str = "") -> str:
    """'vat <host> <pid> <owner>' within PostgreSQL's 63 bytes. An owner too long (a session id with
    a long artwork name) keeps its start and its end, joined by '~': full_owner() finds it again."""
    head = f"vat {this_machine()} {os.getpid()}"
    room = APPLICATION_NAME_BYTES - len(head.encode()) - 1
    text = owner.encode("ascii", errors="replace").decode()  # the server shows printable ASCII only
    if not text:
        return head
    if len(text) > room:
        cut = max(room - 1, 0)
        text = text[: cut - cut // 2] + "~" + text[len(text) - cut // 2 :] if cut else ""
    return f"{head} {text}".rstrip()


def full_owner(shown: str, candidates: list[str]) -> str:
    """The one owner among `candidates` that application_name() gave as `shown` (shortened, or its
    other characters made '?'); `shown` itself when none or several could be."""
    if "~" not in shown and "?" not in shown:
        return shown
    start, cut, end = shown.rpartition("~")
    found = []
    for candidate in candidates:
        text = candidate.encode("ascii", errors="replace").decode()
        if text == shown or (cut and len(text) >= len(shown) and text.startswith(start) and text.endswith(end)):
            found.append(candidate)
    return found[0] if len(found) == 1 else shown


def catalogue_url() -> str:
    """The PostgreSQL catalogue: the one open in this process, else $VAT_DB."""
    from db import connection

    if connection.is_postgres():
        return str(connection.postgres_database.database)
    return connection.db_location()


def connect(owner: str = "") -> Any:
    """A connection of the lock's own (psycopg is imported only here: a SQLite vat never loads it)."""
    import psycopg

    from db.backend import redact, without_password

    url = catalogue_url()
    try:
        conn = psycopg.connect(
            url,
            autocommit=True,
            application_name=application_name(owner),
            options=f"{KEEPALIVE_OPTIONS} {NO_IDLE_TIMEOUT}",
            connect_timeout=10,
        )
        try:
            if conn.info.server_version >= 140000:
                conn.execute(b"SET idle_session_timeout = 0")
        except psycopg.Error:
            conn.close()  # not left open behind the error
            raise
        return conn
    except psycopg.Error as exc:
        raise EnvironmentProblem(
            f"cannot lock in the database {without_password(url)}: {redact(str(exc)).strip()}"
        ) from None


class AdvisoryLock:
    def __init__(self, name: str, owner: str = ""):
        self.name = name
        self.owner = owner  # put in the connection's application_name, for the message a second taker gets
        self.keys = lock_keys(name)
        self._taken = False

    # --- what a second taker is told ---------------------------------------------------------
    def _holders(self) -> list[tuple[str, int]]:
        """(application_name, backend pid) of each connection holding the lock (at most one)."""
        from db import connection

        if connection.is_postgres():  # the open catalogue's connection: no new one per listing row
            rows = connection.database.execute_sql(_HOLDER_SQL, self.keys).fetchall()
        else:
            with connect() as conn:
                rows = conn.execute(_HOLDER_SQL.encode(), self.keys).fetchall()
        return [(row[0] or "", int(row[1])) for row in rows]

    def holder(self) -> str:
        """'<host> <pid> <owner>' of the holder (its application_name less 'vat '), '' if none."""
        names = [name for name, _ in self._holders()]
        return names[0].removeprefix("vat ") if names else ""

    def holder_parts(self) -> tuple[str, int | None, str]:
        """(host, pid on that host, owner) of the holder; ('', None, '') if none."""
        host, pid, owner = (self.holder().split(" ", 2) + ["", ""])[:3]
        return host, int(pid) if pid.isdigit() else None, owner

    def holder_host(self) -> str:
        return self.holder_parts()[0]

    def holder_pid(self) -> int | None:
        """The holding vat's process id on its own machine (holder_host())."""
        return self.holder_parts()[1]

    def busy_message(self) -> str:
        return f"{self.name} is held by {self.holder() or 'another process'}"

    # --- taking and giving back --------------------------------------------------------------
    def acquire(self) -> "AdvisoryLock":
        with _held_guard:
            if self.name in _held:
                _held[self.name][1] += 1
                self._taken = True
                return self
        conn = connect(self.owner)
        give_up = time.monotonic() + BUSY_GRACE_SECONDS
        try:
            while not conn.execute(b"SELECT pg_try_advisory_lock(%s, %s)", self.keys).fetchone()[0]:
                if time.monotonic() >= give_up:
                    raise BadInput(self.busy_message())
                time.sleep(0.05)
        except BaseException:
            conn.close()
            raise
        with _held_guard:
            _held[self.name] = [conn, 1]
        self._taken = True
        return self

    def release(self) -> None:
        if not self._taken:
            return
        self._taken = False
        with _held_guard:
            entry = _held.get(self.name)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _held[self.name]
        conn = entry[0]
        try:
            # given back before this returns: a closed connection's backend lets go only once it has
            # ended, a moment later, and whoever looks at once would still see the lock held
            conn.execute(b"SELECT pg_advisory_unlock(%s, %s)", self.keys)
        except Exception:  # the connection was already gone, and the lock with it
            pass
        finally:
            conn.close()
        self.after_release()

    def after_release(self) -> None:
        pass

    def still_held(self) -> bool:
        """This process still holds the lock: asked on the lock's own connection (a dropped connection
        took the lock with it, and another process may hold it now)."""
        with _held_guard:
            entry = _held.get(self.name) if self._taken else None
        if entry is None:
            return False
        try:
            return bool(entry[0].execute(_MINE_SQL.encode(), self.keys).fetchone()[0])
        except Exception:  # the connection is gone, and the lock with it
            return False

    def is_held_elsewhere(self) -> bool:
        """True while a live connection holds the lock (this process's own included, as a flock's)."""
        return bool(self._holders())

    def __enter__(self) -> "AdvisoryLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def held_here(name: str) -> int:
    """How many holds this process has on the lock (0: none)."""
    with _held_guard:
        entry = _held.get(name)
        return int(entry[1]) if entry else 0


def project_lock_name(root: str | os.PathLike[str]) -> str:
    """A project folder's lock name, the same on every machine although each mounts the storage
    elsewhere: '<storage root>/<path under it>' (core/catalogue/roots.py), else the folder's real path.

    Its real path is tried first (a symlinked spelling of a root's folder), then the path as given (a
    root whose path on this machine is itself a symlink), then the real paths of this machine's roots."""
    from core.catalogue import roots

    given = os.path.abspath(root)
    real = os.path.realpath(root)
    snapshot = roots.resolver()
    found = snapshot.portable(real) or snapshot.portable(given) or _under_real_root(snapshot, real)
    return f"project {found or real}"


def _under_real_root(snapshot: Any, real: str) -> str | None:
    from core.catalogue.roots import this_host

    host = this_host()
    best: tuple[int, str] | None = None
    for (root_id, on), path in snapshot.current.items():
        base = os.path.realpath(path) if on == host else None
        if base is None or not (real == base or real.startswith(base.rstrip(os.sep) + os.sep)):
            continue
        rest = real[len(base) :].lstrip(os.sep)
        name = snapshot.names.get(root_id, str(root_id))
        if best is None or len(base) > best[0]:
            best = (len(base), f"{name}/{rest}" if rest else name)
    return best[1] if best else None

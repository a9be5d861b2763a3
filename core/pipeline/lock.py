"""Locks live with what they protect: a session's lock beside the database that records it, a project
folder's lock inside that folder. Both are flocks: the kernel drops them when the process dies (even
by SIGKILL), so a session left 'processing' by a dead process is resumable and its folder free.

A lock file is removed when its holder releases it. Removing a file that another process may be
about to lock is the classic race (it would lock the removed file while a third creates a new one),
so a taker checks after flock that the path still names the file it locked, and tries again if not;
the holder unlinks only while it still holds the lock.

With the shared PostgreSQL catalogue the session and project locks are the database's advisory locks
(core/pipeline/db_locks.py): they hold across machines, and the server drops them when their process
dies as the kernel drops a flock. The queue's and the watch's locks stay flocks on every backend: they
guard this machine's processes.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import BadInput, EnvironmentProblem

# A lister (is_held_elsewhere) holds a shared lock for microseconds: a taker that meets one waits
# this long before calling the lock busy.
BUSY_GRACE_SECONDS = 0.5

# Locks this process holds, by path: taking one again (vat run holds the session and its project
# folder, then process() takes them too) only counts, it never blocks on itself.
_held: dict[str, list] = {}  # path -> [fd, count]
_held_guard = threading.Lock()


class FileLock:
    def __init__(self, path: Path, owner: str = ""):
        self.path = Path(path)
        self.owner = owner  # written after the pid, for the message a second taker gets
        self._taken = False

    # --- what a second taker is told ---------------------------------------------------------
    def holder(self) -> str:
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""

    def holder_pid(self) -> int | None:
        first = self.holder().split(" ", 1)[0]
        return int(first) if first.isdigit() else None

    def busy_message(self) -> str:
        raise NotImplementedError

    # --- taking and giving back --------------------------------------------------------------
    def _key(self) -> str:
        return os.path.realpath(self.path)  # one lock however its path is spelt

    def acquire(self) -> "FileLock":
        key = self._key()
        with _held_guard:
            if key in _held:
                _held[key][1] += 1
                self._taken = True
                return self
        fd = self._lock_file()
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.owner}".strip().encode())
        with _held_guard:
            _held[key] = [fd, 1]
        self._taken = True
        return self

    def _lock_file(self) -> int:
        give_up = time.monotonic() + BUSY_GRACE_SECONDS
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except FileNotFoundError:
                continue  # the folder was removed as we made the file: make both again
            except OSError as exc:
                raise EnvironmentProblem(f"{self.path}: cannot make the lock file ({exc.strerror})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() < give_up:
                    time.sleep(0.05)
                    continue
                raise BadInput(self.busy_message()) from None
            if _same_file(fd, self.path):
                return fd
            os.close(fd)  # its holder removed it between our open and flock: lock the new one

    def release(self) -> None:
        if not self._taken:
            return
        self._taken = False
        key = self._key()
        with _held_guard:
            entry = _held.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _held[key]
        fd = entry[0]
        try:
            if _same_file(fd, self.path):
                self.path.unlink()  # while still holding it: a taker that opened it sees it is gone
        except OSError:
            pass
        os.close(fd)  # closing drops the flock
        self.after_release()

    def after_release(self) -> None:
        pass

    def is_held_elsewhere(self) -> bool:
        """True while a live process holds the lock (for listing sessions as running)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def __enter__(self) -> "FileLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)


def session_lock_dir() -> Path:
    """`<database>.locks/` beside the database file: every process using that database, whatever its
    user data folder, sees the same locks. For a PostgreSQL catalogue a folder of this machine's (beside
    db_file()'s stand-in): only the queue's and the watch's locks live there."""
    from db.connection import database_path, db_file

    db = database_path() or db_file()
    return db.absolute().with_name(db.name + ".locks")


class CatalogueLock(FileLock):
    """A flock on SQLite; on PostgreSQL the catalogue's advisory lock `name` (self.shared)."""

    def __init__(self, path: Path, owner: str, name: Callable[[], str]):
        super().__init__(path, owner)
        self.shared = _advisory(name, owner)

    def holder(self) -> str:
        if self.shared is None:
            return super().holder()
        _, pid, owner = self.shared.holder_parts()
        return f"{pid or ''} {owner}".strip()  # as a lock file reads: "<pid> <owner>"

    def holder_host(self) -> str:
        """The machine the holder runs on: '' for a lock file (this machine's)."""
        return self.shared.holder_host() if self.shared is not None else ""

    def holder_process(self) -> str:
        """'<pid>', on PostgreSQL '<pid> on <host>' (a pid means little without its machine); '' if none."""
        if self.shared is None:
            return str(self.holder_pid() or "")
        host, pid, _ = self.shared.holder_parts()
        return f"{pid} on {host}" if pid else ""

    def acquire(self) -> "FileLock":
        if self.shared is None:
            return super().acquire()
        try:
            self.shared.acquire()
        except BadInput:
            raise BadInput(self.busy_message()) from None  # the wording of the lock files' message
        self._taken = True
        return self

    def release(self) -> None:
        if self.shared is None:
            return super().release()
        if not self._taken:
            return
        self._taken = False
        from core.pipeline.db_locks import held_here

        if held_here(self.shared.name) == 1:
            self.after_release()  # while still held: no other machine's writer can be starting in it
        self.shared.release()

    def is_held_elsewhere(self) -> bool:
        if self.shared is None:
            return super().is_held_elsewhere()
        return self.shared.is_held_elsewhere()


def _advisory(name: Callable[[], str], owner: str) -> Any:
    """The AdvisoryLock for `name()` when the open catalogue is PostgreSQL, else None (psycopg unloaded)."""
    from db.connection import is_postgres

    if not is_postgres():
        return None
    from core.pipeline.db_locks import AdvisoryLock

    return AdvisoryLock(name(), owner)


def _project_lock_name(root: Path) -> str:
    from core.pipeline.db_locks import project_lock_name

    return project_lock_name(root)


def _session_shown_as(shown: str) -> str:
    """The session id that a lock's application_name shortened to `shown` (core/pipeline/db_locks.py)."""
    from core.pipeline.db_locks import full_owner
    from db.models import ProcessingState

    if "~" not in shown and "?" not in shown:
        return shown
    tail = shown.rpartition("~")[2].rpartition("?")[2]
    rows = ProcessingState.select(ProcessingState.session_id).where(ProcessingState.session_id.endswith(tail))
    return full_owner(shown, [row.session_id for row in rows])


class SessionLock(CatalogueLock):
    """One process per session."""

    def __init__(self, session_id: str):
        super().__init__(session_lock_dir() / f"{session_id}.lock", session_id, lambda: f"session {session_id}")
        self.session_id = session_id

    def busy_message(self) -> str:
        by = self.holder_process() or "another process"
        return f"session {self.session_id} is being processed by process {by}; wait for it or stop it first"


PROJECT_LOCK_NAME = ".vat.lock"


class ProjectLock(CatalogueLock):
    """One writer per project folder: two sessions writing one folder would overwrite each other's files."""

    def __init__(self, root: Path, session_id: str):
        super().__init__(Path(root) / PROJECT_LOCK_NAME, session_id, lambda: _project_lock_name(root))
        self.root = Path(root)

    def busy_message(self) -> str:
        pid, _, session = self.holder().partition(" ")
        if session and self.shared is not None:
            session = _session_shown_as(session)
        by = f"session {session}" if session else "another session"
        process = (self.holder_process() if self.shared is not None else pid) or "?"
        return f"{self.root}: project folder is being written by {by} (process {process}); wait for it or stop it first"

    def after_release(self) -> None:
        try:
            self.root.rmdir()  # only if the session left it empty (stopped before any output)
        except OSError:
            pass


class _StaleLock(FileLock):
    def busy_message(self) -> str:
        return f"{self.path} is held"


def sweep_stale_locks() -> int:
    """Remove the session lock files that no process holds (left by a process killed after its
    session ended, when no resume comes to take them over), and the queue's (slots/, batches/,
    runners/: core/pipeline/queue_runner.py) left the same way. Returns how many went."""
    folder = session_lock_dir()
    removed = 0
    found = [*folder.glob("*.lock"), *folder.glob("*/*.lock")] if folder.is_dir() else []
    for path in found:
        lock = _StaleLock(path)
        if lock.is_held_elsewhere() or os.path.realpath(path) in _held:
            continue
        try:
            with _StaleLock(path):
                removed += 1
        except BadInput:
            continue  # taken meanwhile: its holder removes it
    return removed


def holder_pid(session_id: str) -> int | None:
    """The pid of the process working on the session (on PostgreSQL: on whichever machine), or None."""
    lock = SessionLock(session_id)
    if not lock.is_held_elsewhere():
        return None
    return lock.holder_pid()


def _this_machine() -> str:
    from core.pipeline.db_locks import this_machine

    return this_machine()


def local_holder_pid(session_id: str) -> int | None:
    """holder_pid(), only when that process runs on this machine: the one a signal can reach."""
    lock = SessionLock(session_id)
    if not lock.is_held_elsewhere():
        return None
    host = lock.holder_host()
    if lock.shared is not None and host != _this_machine():
        return None
    return lock.holder_pid()

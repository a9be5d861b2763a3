"""Locks live with what they protect: a session's lock beside the database that records it, a project
folder's lock inside that folder. Both are flocks: the kernel drops them when the process dies (even
by SIGKILL), so a session left 'processing' by a dead process is resumable and its folder free.

A lock file is removed when its holder releases it. Removing a file that another process may be
about to lock is the classic race (it would lock the removed file while a third creates a new one),
so a taker checks after flock that the path still names the file it locked, and tries again if not;
the holder unlinks only while it still holds the lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

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
    user data folder, sees the same locks."""
    from db.connection import database_path, db_file

    db = database_path() or db_file()
    return db.absolute().with_name(db.name + ".locks")


class SessionLock(FileLock):
    """One process per session."""

    def __init__(self, session_id: str):
        super().__init__(session_lock_dir() / f"{session_id}.lock", session_id)
        self.session_id = session_id

    def busy_message(self) -> str:
        pid = self.holder_pid()
        return (
            f"session {self.session_id} is being processed by process {pid or 'another process'}; "
            "wait for it or stop it first"
        )


PROJECT_LOCK_NAME = ".vat.lock"


class ProjectLock(FileLock):
    """One writer per project folder: two sessions writing one folder would overwrite each other's files."""

    def __init__(self, root: Path, session_id: str):
        super().__init__(Path(root) / PROJECT_LOCK_NAME, session_id)
        self.root = Path(root)

    def busy_message(self) -> str:
        pid, _, session = self.holder().partition(" ")
        by = f"session {session}" if session else "another session"
        return (
            f"{self.root}: project folder is being written by {by} (process {pid or '?'}); wait for it or stop it first"
        )

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
    lock = SessionLock(session_id)
    if not lock.is_held_elsewhere():
        return None
    return lock.holder_pid()

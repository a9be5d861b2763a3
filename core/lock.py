"""One process per session: an flock on a file in the data folder. The kernel drops the lock when
the process dies (even by SIGKILL), so a session left 'processing' by a dead process is resumable."""

from __future__ import annotations

import fcntl
import os

from core import dirs
from core.errors import BadInput


class SessionLock:
    def __init__(self, session_id: str):
        self.path = dirs.ensure(dirs.data_dir() / "locks") / f"{session_id}.lock"
        self._fd: int | None = None

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "another process"
        except OSError:
            return "another process"

    def acquire(self) -> "SessionLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BadInput(f"session {self.path.stem} is being processed by process {self.holder()}; "
                           "wait for it or stop it first") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def is_held_elsewhere(self) -> bool:
        """True while a live process holds the session (for listing sessions as running)."""
        if not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def __enter__(self) -> "SessionLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def holder_pid(session_id: str) -> int | None:
    lock = SessionLock(session_id)
    if not lock.is_held_elsewhere():
        return None
    text = lock.holder()
    return int(text) if text.isdigit() else None

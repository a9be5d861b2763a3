"""The watcher as a service: one `vat watch` per watched folder (its lock), and the TUI's start of it,
detached like the TUI's workers (own process session, log in the worker log folder), so that it
outlives the terminal. Cheap to import and to call: the TUI calls ensure_started() as it opens."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from core import dirs
from core.pipeline.background import reap, spawn_detached
from core.pipeline.lock import FileLock, session_lock_dir

log = logging.getLogger(__name__)


def folder_key(folder: Path) -> str:
    """One name for a folder however its path is spelt (relative, through a link, with a slash)."""
    return os.path.realpath(os.path.expanduser(folder))


class WatchLock(FileLock):
    """One watcher per folder, beside the database's session locks (the watched folder may be a share
    this machine cannot write to, or one where flock does not reach the other machines)."""

    def __init__(self, folder: Path):
        key = folder_key(folder)
        name = hashlib.sha256(key.encode()).hexdigest()[:16]
        super().__init__(session_lock_dir() / f"watch-{name}.lock", key)
        self.folder = key

    def busy_message(self) -> str:
        return f"{self.folder}: already watched by pid {self.holder_pid() or '?'}"


def watcher_pid(folder: Path) -> int | None:
    """The pid of the live `vat watch` on this folder, if any."""
    lock = WatchLock(folder)
    return lock.holder_pid() if lock.is_held_elsewhere() else None


def watch_log_path() -> Path:
    """Where a watcher started by the TUI writes its events (JSON lines) and errors."""
    return dirs.ensure(dirs.log_dir() / "workers") / "watch.log"


def watch_command(settings: dict) -> list[str]:
    """`vat watch FOLDER` with the watch_* settings as its options."""
    command = [sys.executable, "-m", "tui.cli", "watch", str(settings["watch_folder"]), "--json"]
    if settings.get("watch_output"):
        command += ["--out", str(settings["watch_output"])]
    if settings.get("watch_preset"):
        command += ["--preset", str(settings["watch_preset"])]
    command += ["--scenes", str(settings.get("watch_scenes") or "all")]
    command += ["--artwork-from", str(settings.get("watch_artwork_from") or "name")]
    command += ["--settle", str(settings.get("watch_settle_seconds", 10))]
    if settings.get("watch_rd_from"):
        command += ["--rd-from", str(settings["watch_rd_from"])]
    return command


SETTINGS = (
    "watch_enabled",
    "watch_folder",
    "watch_output",
    "watch_preset",
    "watch_scenes",
    "watch_artwork_from",
    "watch_settle_seconds",
    "watch_rd_from",
)

_started: list[subprocess.Popen] = []  # polled on the next call, so a watcher that ended is reaped


def ensure_started() -> int | None:
    """With watch_enabled on and watch_folder set, start `vat watch` on it detached, unless a watcher
    already holds that folder; its pid, or None when none was started."""
    from db.settings import get_setting

    reap(_started)
    if not get_setting("watch_enabled"):
        return None
    settings = {key: get_setting(key) for key in SETTINGS}
    folder = str(settings["watch_folder"] or "").strip()
    if not folder:
        return None
    if watcher_pid(Path(folder)) is not None or any(folder in proc.args for proc in _started):  # type: ignore[operator]
        return None
    proc = spawn_detached(watch_command(settings), watch_log_path())
    _started.append(proc)
    log.info("started vat watch on %s (pid %d)", folder, proc.pid)
    return proc.pid

"""Processing detached from the terminal: the TUI starts `vat --resume SESSION` in its own process
session, so closing the TUI or losing the SSH connection (SIGHUP) does not stop the work; the TUI
then only watches the database. Cancelling sends SIGTERM, which pauses the session cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core import dirs
from core.pipeline.lock import holder_pid, local_holder_pid
from core.pipeline.progress import session_fraction


def _worker_log(session_id: str) -> Path:
    return dirs.log_dir() / "workers" / f"{session_id}.log"


def worker_log_path(session_id: str) -> Path:
    """The session's worker log (its events and stderr; only the one process working on the session
    writes it, so it is never rotated), its folder made."""
    dirs.ensure(_worker_log(session_id).parent)
    return _worker_log(session_id)


def remove_worker_log(session_id: str) -> None:
    """When the session goes (deleted, cleaned up), its worker log goes with it."""
    try:
        _worker_log(session_id).unlink(missing_ok=True)
    except OSError:
        pass  # an unwritable log folder: nothing more to do about it here


def spawn_detached(command: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start COMMAND in its own process session, so that closing the terminal (SIGHUP) or the TUI does
    not reach it, its stdout and stderr appended to LOG_PATH. The caller keeps the Popen in a list of
    its children and passes that to reap() before each start, so a finished one is not left a zombie."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
            env={**os.environ, **(env or {})},
        )


def reap(children: list[subprocess.Popen]) -> None:
    """Drop the finished ones from CHILDREN, reaping them (polled, not left as zombies)."""
    children[:] = [proc for proc in children if proc.poll() is None]


# Workers started by this process: polled so that finished ones are reaped, not left as zombies
# (a zombie of ours would otherwise linger until the TUI exits).
_children: list[subprocess.Popen] = []


def _reap() -> None:
    reap(_children)


def start_detached(
    session_id: str, workers: int | None = None, detect_only: bool = False, broker: str | None = None
) -> int:
    """Start the headless resume of a session in the background (with `detect_only`, only its scene
    detection: core.pipeline.detached_detection; with `broker`, on the render farm); returns its pid."""
    command = [sys.executable, "-m", "tui.cli", "--resume", session_id, "--json"]
    if detect_only:
        command.append("--detect-only")
    if workers:
        command += ["--workers", str(workers)]
    if broker:
        command.append("--farm")  # the broker by the environment: a password never on a command line
    env = {"VAT_BROKER": broker} if broker else None
    proc = spawn_detached(command, worker_log_path(session_id), env)
    _reap()
    _children.append(proc)
    return proc.pid


def running_pid(session_id: str) -> int | None:
    """The pid of the live process working on the session, if any."""
    _reap()
    return holder_pid(session_id)


def started_alive(session_id: str) -> bool:
    """Whether a worker this process started for the session is still running (true from its start,
    before it has taken the session's lock and shows in running_pid)."""
    _reap()
    return any(isinstance(proc.args, list) and session_id in proc.args for proc in _children)


def request_stop(session_id: str) -> bool:
    """Ask the process working on the session to pause it. False when none is running."""
    _reap()
    pid = local_holder_pid(session_id)  # a process on another machine (PostgreSQL) is not ours to signal
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


@dataclass(frozen=True)
class Snapshot:
    """A session's progress as the database holds it (what the processing screen shows)."""

    status: str
    total: int
    done: int
    failed: dict
    running: dict
    fraction: float
    eta_seconds: float | None
    current: str | None
    alive: bool
    pausing: bool = False  # alive, and the process is the one that is pausing (not one resuming)


def snapshot(session_id: str) -> Snapshot | None:
    from db.models import INITIALIZED, ProcessingState

    row = ProcessingState.get_or_none(ProcessingState.session_id == session_id)
    if row is None:
        return None
    details = row.operation_details or {}
    total = row.total_operations or details.get("total") or 0
    pid = running_pid(session_id)
    return Snapshot(
        status=row.status or INITIALIZED,
        total=total,
        done=row.completed_operations or 0,
        failed=details.get("failed") or {},
        running=details.get("running") or {},
        fraction=session_fraction(row.status, total, row.completed_operations, details) or 0.0,
        eta_seconds=details.get("eta_seconds"),
        current=row.current_operation,
        alive=pid is not None,
        pausing=is_pausing(row.status, pid, details),
    )


def is_pausing(status: str | None, pid: int | None, details: dict | None) -> bool:
    """A live process on a paused session is pausing only if it is the one that ran (and recorded
    the pause): a process started by a resume holds the session before it marks it processing again,
    and that one is running, not pausing."""
    return status == "paused" and pid is not None and (details or {}).get("pid") == pid

"""A `vat watch --json` child process for the tests (its events as they come, its stop), and the
stop of everything a watch test may have left running: whatever happens in a test, no watcher or
queue runner outlives it, not even when the test process itself is killed."""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.pipeline import queue_runner, watch_service
from core.pipeline.lock import FileLock, session_lock_dir
from tests.helpers import ROOT, VAT, VatProcess, json_events

POLL = "0.1"
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent dies
WAIT = 30.0  # seconds an expected event may take on a loaded machine (a failure, not the usual time)


_watchers: list[VatProcess] = []  # every watcher a test starts: stopped after it, whatever happened


class Watcher:
    """A running `vat watch --json`: its events as they come, and its stop."""

    def __init__(self, *args: str | Path, queue_only: bool = True):
        command = [*VAT, "watch", *map(str, args), "--json", "--poll", POLL, *(["--queue-only"] * queue_only)]
        self.proc = VatProcess(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=os.environ.copy(),
            preexec_fn=die_with_parent,
        )
        _watchers.append(self.proc)
        self.events: list[dict[str, Any]] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)

    def wait_for(self, event: str, name: str | None = None) -> dict[str, Any]:
        give_up = time.monotonic() + WAIT
        while time.monotonic() < give_up:
            for found in self.events:
                if found["event"] == event and (name is None or Path(found.get("path", "")).name == name):
                    return found
            try:
                self.events += json_events(self._lines.get(timeout=0.2))
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    break
        self.proc.kill()
        raise AssertionError(f"no {event} {name or ''} event; got {self.events}\n{self.proc.stderr.read()}")

    def named(self, event: str) -> list[str]:
        return [Path(e["path"]).name for e in self.events if e["event"] == event]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=WAIT)
        self.wait_for("stopped")
        return code


def die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies (killed, a pytest worker lost), so that not
    even a test run killed from outside leaves a watcher polling a deleted folder."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def released(lock: FileLock) -> Callable[[], int | None]:
    return lambda: None if lock.is_held_elsewhere() else 0


def stop_process(pid: int, poll: Callable[[], int | None]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        give_up = time.monotonic() + WAIT
        while poll() is None and time.monotonic() < give_up:
            time.sleep(0.05)


def stop_everything_started() -> None:
    """Whatever a test left running is stopped: its watchers (SIGTERM, then SIGKILL), the ones the
    TUI started detached (ensure_started), and the queue runners a watcher started (found by their
    runner locks beside the test's database)."""
    started = [*_watchers, *watch_service._started, *queue_runner._children]
    _watchers.clear()
    for proc in started:
        stop_process(proc.pid, proc.poll)
    runners = session_lock_dir() / "runners"
    for path in runners.glob("*.lock") if runners.is_dir() else []:
        lock = FileLock(path, "runner")  # held while its runner lives
        pid = lock.holder_pid()
        if pid is not None and lock.is_held_elsewhere():
            stop_process(pid, released(lock))

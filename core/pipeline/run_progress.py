"""The runner's progress: what the bars, `--json` events and the session's row show of a run.

RunProgress is Runner's half that counts: each operation's work (frames: core.pipeline.progress), what
is finished, running or skipped, the overall fraction (never going backwards), the time left, and the
writes of it to processing_state (or, on a render node, to the operation's own row: core/farm).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.events import FfmpegProgress, RunEvent
from core.pipeline import records
from core.pipeline.plan import Operation
from core.pipeline.progress import eta_seconds

log = logging.getLogger("core.pipeline.runner")
PROGRESS_WRITE_INTERVAL = 0.5  # seconds between progress writes to processing_state


@dataclass
class RunSummary:
    status: str  # completed, failed, paused
    total: int
    done: int = 0
    skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0


class RunProgress:
    """Set up by Runner.__init__ (these are its attributes)."""

    session_id: str
    summary: RunSummary
    on_event: Callable[[RunEvent], None]
    _lock: threading.Lock
    _running: dict[str, dict]
    _work: dict[str, float]
    _total_work: float
    _finished_work: float
    _skipped_work: float
    _overall: float
    _started: float
    _last_write: float

    # progress -------------------------------------------------------------------------------
    def _fraction(self) -> float:
        """Overall progress, never lower than already shown: an operation that is cancelled drops
        out of the running ones, and what is shown must not go backwards meanwhile."""
        now = min(1.0, (self._finished_work + self._running_work()) / self._total_work)
        self._overall = max(self._overall, now)
        return self._overall

    def _running_work(self) -> float:
        return sum((r.get("fraction") or 0.0) * self._work.get(k, 1.0) for k, r in self._running.items())

    def _finished(self, op: Operation, skipped: bool = False) -> None:
        """`op` is made, failed or skipped (under the lock, or before the pool starts)."""
        self._finished_work += self._work.get(op.key, 1.0)
        if skipped:
            self._skipped_work += self._work.get(op.key, 1.0)

    def _shown(self) -> tuple[float, float | None]:
        """The overall fraction and the time left, read just before an event is sent (after its
        database write, not before: the other threads' events sent meanwhile may have shown more, and
        what is shown must not go backwards)."""
        with self._lock:
            return self._fraction(), self._eta()

    def _eta(self) -> float | None:
        """Seconds left: the work left at the speed this run has measured (the work a resume skipped
        took no time here, so it is no part of the speed)."""
        running = self._running_work()
        left = self._total_work - self._finished_work - running
        done_here = self._finished_work - self._skipped_work + running
        elapsed = time.monotonic() - self._started
        return eta_seconds(left, done_here, self._total_work - self._skipped_work, elapsed)

    def _details(self) -> dict:
        s = self.summary
        fraction = self._fraction()
        eta = self._eta()
        return {
            "pid": os.getpid(),
            "running": dict(self._running),
            "done": s.done,
            "skipped": s.skipped,
            "failed": dict(s.failed),
            "total": s.total,
            "fraction": round(fraction, 4),
            "eta_seconds": round(eta, 1) if eta is not None else None,
        }

    def _progress_fields(self, current: str | None) -> dict:
        s = self.summary
        fields = {"completed_operations": s.done + s.skipped, "operation_details": self._details()}
        if current:
            fields["current_operation"] = current
        return fields

    def _on_ffmpeg(self, key: str, started: float) -> Callable[[FfmpegProgress], None]:
        def show(event: FfmpegProgress) -> None:
            if event.fraction is None:
                return  # nothing to tell (out_time is N/A until ffmpeg has written a frame)
            with self._lock:
                # ffmpeg's out_time can step back (streams end at different times, the -ss skip):
                # an operation's bar only moves forward
                shown = (self._running.get(key) or {}).get("fraction") or 0.0
                fraction = max(shown, event.fraction)
                self._running[key] = {"fraction": fraction, "fps": event.fps}
                overall = self._fraction()
                remaining = self._eta()
                now = time.monotonic()
                write = now - self._last_write >= PROGRESS_WRITE_INTERVAL
                if write:
                    self._last_write = now
                    details = self._details()
            eta = None
            if fraction > 0.01:
                spent = time.monotonic() - started
                eta = spent * (1 - fraction) / fraction
            self.on_event(
                RunEvent(
                    "progress",
                    key,
                    fraction=fraction,
                    fps=event.fps,
                    eta=eta,
                    overall=round(overall, 4),
                    remaining=_rounded(remaining),
                )
            )
            if write:
                try:
                    self._write_progress(key, {"operation_details": details})
                except Exception:  # a busy database must not fail an encode; the next write catches up
                    log.debug("progress write skipped", exc_info=True)

        return show

    def _verifying(self, op: Operation) -> None:
        """The encode is made (100%); its verification decodes it all, which takes a while on a long
        clip: said at once, so that a bar at 100% is not taken for a stalled one."""
        with self._lock:
            self._running[op.key] = {**(self._running.get(op.key) or {}), "fraction": 1.0, "stage": "verifying"}
            self._last_write = time.monotonic()
            details = self._details()
        self._write_progress(op.key, {"operation_details": details})
        self.on_event(RunEvent("verifying", op.key, fraction=1.0, overall=round(self._shown()[0], 4)))

    def _write_progress(self, key: str | None, fields: dict) -> None:
        """Where the run's progress goes (the session's row: processing_state); `key` is the operation
        it is about, if any. A render node writes its one operation's row instead (core/farm)."""
        records.update_session(self.session_id, **fields)

    def _finished_fields(self, key: str) -> dict:
        """The session's progress written with a finished operation's records, in their transaction."""
        return self._progress_fields(key)


def _rounded(seconds: float | None) -> float | None:
    return round(seconds, 1) if seconds is not None else None

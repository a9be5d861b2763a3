"""Scene detection detached from the terminal, as processing is (core.pipeline.background).

The TUI records a request in the session (process_metadata["detect_request"]: detector, threshold,
minimum length, whether to carry the picks over) and starts `vat --resume SESSION --detect-only`
in its own process session. That process holds the session lock, writes its progress to the
session's row a few times a second (current_operation "scene_detection", operation_details), and
ends by marking the request done, failed (with the message) or cancelled (SIGTERM). The TUI only
reads the database, so a dropped SSH connection or a closed terminal loses nothing, and a new TUI
finds the detection live from Sessions.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from core.events import DetectProgress
from core.pipeline import background
from db.models import ProcessingState

OPERATION = "scene_detection"
REQUEST, DONE, FAILED, CANCELLED = "detect_request", "detect_done", "detect_failed", "detect_cancelled"
WRITE_INTERVAL_S = 0.25  # progress rows written at most 4 times a second (the screen polls as often)


def _update_meta(session_id: str, change: Callable[[dict], None]) -> None:
    from db.connection import write_transaction

    # read then write: the worker's progress and the screen's cancel never overwrite each other
    with write_transaction():
        row = ProcessingState.get(ProcessingState.session_id == session_id)
        meta = dict(row.process_metadata or {})
        change(meta)
        ProcessingState.update(process_metadata=meta).where(ProcessingState.id == row.id).execute()


def request(session_id: str, detector: str, threshold: float, min_len: int, carry: bool = False) -> str:
    """Record what to detect; returns the request's id (what the screen waits for)."""
    request_id = uuid.uuid4().hex[:12]

    def change(meta: dict) -> None:
        meta[REQUEST] = {
            "id": request_id,
            "detector": detector,
            "threshold": float(threshold),
            "min_len": int(min_len),
            "carry": bool(carry),
        }
        for key in (DONE, FAILED, CANCELLED):
            meta.pop(key, None)

    _update_meta(session_id, change)
    return request_id


def pending(row: ProcessingState) -> dict | None:
    return (row.process_metadata or {}).get(REQUEST)


def start(session_id: str) -> int:
    return background.start_detached(session_id, detect_only=True)


def finish(session_id: str, request_id: str | None, *, error: str | None = None, cancelled: bool = False) -> None:
    """The worker's last word: the request is done, failed (why) or cancelled."""

    def change(meta: dict) -> None:
        if (meta.get(REQUEST) or {}).get("id") == request_id:
            meta.pop(REQUEST, None)
        if error is not None:
            meta[FAILED] = {"id": request_id, "message": error}
        else:
            meta[CANCELLED if cancelled else DONE] = request_id

    _update_meta(session_id, change)


class ProgressWriter:
    """on_progress for detect(): the latest progress into the session's row, throttled."""

    def __init__(self, session_id: str):
        self.session_id = session_id
        self.last = float("-inf")

    def __call__(self, event: DetectProgress) -> None:
        now = time.monotonic()
        done = event.total_frames is not None and event.frame >= event.total_frames
        if now - self.last < WRITE_INTERVAL_S and not done:
            return
        self.last = now
        details = {
            "phase": OPERATION,
            "frame": event.frame,
            "total": event.total_frames,
            "fps": event.fps,
            "fraction": event.fraction,
        }
        ProcessingState.update(current_operation=OPERATION, operation_details=details).where(
            ProcessingState.session_id == self.session_id
        ).execute()

    def clear(self) -> None:
        ProcessingState.update(current_operation=None, operation_details=None).where(
            (ProcessingState.session_id == self.session_id) & (ProcessingState.current_operation == OPERATION)
        ).execute()


@dataclass(frozen=True)
class Watch:
    """A detection as the database shows it (what the detection screen draws)."""

    alive: bool  # a live process holds the session
    frame: int
    total: int | None
    fps: float | None
    done: bool
    cancelled: bool
    error: str | None
    pending: bool  # the request is still open (a process that died leaves it so)


def watch(session_id: str, request_id: str | None) -> Watch | None:
    row = ProcessingState.get_or_none(ProcessingState.session_id == session_id)
    if row is None:
        return None
    meta = row.process_metadata or {}
    details = (row.operation_details or {}) if row.current_operation == OPERATION else {}
    failed = meta.get(FAILED) or {}
    return Watch(
        alive=background.running_pid(session_id) is not None,
        frame=int(details.get("frame") or 0),
        total=details.get("total"),
        fps=details.get("fps"),
        done=meta.get(DONE) == request_id,
        cancelled=meta.get(CANCELLED) == request_id,
        error=failed.get("message") if failed.get("id") == request_id else None,
        pending=(meta.get(REQUEST) or {}).get("id") == request_id,
    )

"""The queue as a person reads it (the TUI's Queue screen): each entry's state as it stands now, its
progress, and the whole queue's progress with an ETA. No Textual here; the clock is a parameter.

The database is the truth, but a row can lag behind its session: an entry marked running whose worker
has gone shows what became of its session (done, failed, paused, interrupted), not "running"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.pipeline import background
from core.pipeline.session_queue import entries
from db.models import (
    COMPLETED,
    FAILED,
    QUEUE_DONE,
    QUEUE_FINISHED,
    QUEUE_HELD,
    QUEUE_RUNNING,
    QUEUE_TO_PICK,
    QUEUE_WAITING,
    ProcessingState,
)

# A worker just started by a runner needs a moment (Python start, plan) before it holds the session's
# lock: meanwhile its entry still counts as running.
START_GRACE_SECONDS = 20.0
MIN_RATE_FRACTION = 0.02  # a running session's own rate is noise before this much of it is done
MIN_RATE_SECONDS = 5.0

# What each shown state is called on screen
LABELS = {QUEUE_TO_PICK: "to pick", QUEUE_WAITING: "waiting", QUEUE_HELD: "held"}
PENDING_SHOWN = ("waiting", "to pick", "held")
FINISHED_SHOWN = ("done", "failed", "skipped")


@dataclass(frozen=True)
class QueueRow:
    session_id: str
    position: int
    stored: str  # the entry's state as stored (waiting, to_pick, held, running, done, failed, skipped)
    shown: str  # as it stands now: waiting, to pick, held, running, paused, interrupted, done, failed, skipped
    artwork: str
    master: str  # the master's file name
    source: str
    added_at: datetime | None
    reason: str  # why it failed or was skipped
    fraction: float | None  # a running session's progress (0..1)
    eta_seconds: float | None  # a running session's own ETA, as its worker measures it
    started_at: datetime | None
    master_seconds: float | None  # the master's duration: what the queue's ETA weighs sessions by
    processing_seconds: float | None  # a finished session's processing time, over all its runs
    finished_at: datetime | None = None  # when its entry finished (done, failed, skipped)

    @property
    def pending(self) -> bool:
        return self.shown in PENDING_SHOWN

    @property
    def finished(self) -> bool:
        return self.shown in FINISHED_SHOWN


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else (now - moment).total_seconds()


def _shown_state(stored: str, status: str | None, alive: bool, recently_started: bool) -> str:
    if alive:
        return "running"
    if stored == QUEUE_RUNNING:
        if recently_started:
            return "running"
        if status == COMPLETED:
            return "done"
        if status == FAILED:
            return "failed"
        return "paused" if status == "paused" else "interrupted"
    return LABELS.get(stored, stored)


def _processing_seconds(session: ProcessingState, started: datetime | None, finished: datetime | None) -> float | None:
    runs = (session.process_metadata or {}).get("runs") or []
    seconds = sum(float(run.get("seconds") or 0) for run in runs if isinstance(run, dict))
    if seconds > 0:
        return seconds
    if started is not None and finished is not None and finished > started:
        return (finished - started).total_seconds()
    return None


def queue_rows(now: datetime) -> list[QueueRow]:
    """The queue in order, each entry as it stands at `now` (an aware UTC datetime)."""
    queued = entries()
    sessions = {
        s.session_id: s
        for s in ProcessingState.select().where(ProcessingState.session_id.in_([e.session_id for e in queued]))
    }
    rows = []
    for entry in queued:
        session = sessions.get(entry.session_id)
        if session is None:  # deleted as we read: gone with its entry (ON DELETE CASCADE)
            continue
        live = entry.state in (QUEUE_RUNNING, QUEUE_WAITING, QUEUE_HELD, QUEUE_TO_PICK)
        snap = background.snapshot(entry.session_id) if live else None
        alive = snap is not None and snap.alive
        age = _age(entry.started_at, now)
        shown = _shown_state(entry.state, session.status, alive, age is not None and age < START_GRACE_SECONDS)
        reason = entry.reason or ""
        if shown == "failed" and not reason:
            reason = session.error_message or ""
        duration = ((session.process_metadata or {}).get("media") or {}).get("duration")
        rows.append(
            QueueRow(
                session_id=entry.session_id,
                position=entry.position,
                stored=entry.state,
                shown=shown,
                artwork=session.artwork_name,
                master=Path(session.master_path).name,
                source=entry.source,
                added_at=entry.added_at,
                reason=reason,
                fraction=snap.fraction if snap is not None and shown == "running" else None,
                eta_seconds=snap.eta_seconds if snap is not None and alive else None,
                started_at=entry.started_at,
                master_seconds=float(duration) if isinstance(duration, (int, float)) and duration > 0 else None,
                processing_seconds=_processing_seconds(session, entry.started_at, entry.finished_at)
                if entry.state == QUEUE_DONE or shown == "done"
                else None,
                finished_at=entry.finished_at,
            )
        )
    return rows


@dataclass(frozen=True)
class QueueProgress:
    total: int
    done: int
    failed: int
    skipped: int
    running: list[tuple[str, float]]  # (artwork, fraction) of each running session
    left: int  # waiting and running sessions: what the ETA covers
    eta_seconds: float | None  # None: not measured yet (or nothing left)


def seconds_per_master_second(rows: list[QueueRow], now: datetime) -> float | None:
    """How long this queue takes per second of master: from the sessions it has done, else from the
    running ones' progress so far; None until one is measured."""
    done = [r for r in rows if r.shown == "done" and r.processing_seconds and r.master_seconds]
    if done:
        return sum(r.processing_seconds or 0 for r in done) / sum(r.master_seconds or 0 for r in done)
    rates = []
    for r in rows:
        elapsed = _age(r.started_at, now)
        if r.shown == "running" and r.master_seconds and r.fraction and elapsed:
            if r.fraction >= MIN_RATE_FRACTION and elapsed >= MIN_RATE_SECONDS:
                rates.append(elapsed / (r.fraction * r.master_seconds))
    return sum(rates) / len(rates) if rates else None


def current_run(rows: list[QueueRow]) -> list[QueueRow]:
    """The entries of the queue's current run: those added since the queue last had nothing unfinished
    in it (every entry added before had finished by then); when all are finished, the last run. An
    entry that waits for a person (to pick, held) keeps its run open until it finishes or is removed."""
    ordered = sorted(rows, key=lambda r: (r.added_at is None, r.added_at or datetime.min))
    start = 0
    all_finished_by: datetime | None = None  # when every entry so far had finished
    one_unfinished = False
    for index, row in enumerate(ordered):
        if index and not one_unfinished and all_finished_by is not None and row.added_at is not None:
            if row.added_at >= all_finished_by:
                start = index  # the queue had emptied before this one came: a new run starts
        end = row.finished_at if row.stored in QUEUE_FINISHED else None
        if end is None:
            one_unfinished = True
        else:
            all_finished_by = end if all_finished_by is None else max(all_finished_by, end)
    current = {r.session_id for r in ordered[start:]}
    return [r for r in rows if r.session_id in current]


def queue_progress(rows: list[QueueRow], now: datetime, concurrent: int = 1) -> QueueProgress:
    """The queue's current run (current_run): how many of its sessions are finished, the running ones'
    fractions, and the time left for the running and waiting ones (held, paused and to-pick entries
    wait for a person: not counted). The pace is measured over every finished session shown."""
    rate = seconds_per_master_second(rows, now)
    rows = current_run(rows)
    running = [r for r in rows if r.shown == "running"]
    waiting = [r for r in rows if r.shown in ("waiting", "interrupted")]  # an interrupted one is taken again
    left_each: list[float | None] = []
    for r in running:
        if r.eta_seconds is not None:
            left_each.append(r.eta_seconds)
        elif rate is not None and r.master_seconds:
            left_each.append((1.0 - (r.fraction or 0.0)) * r.master_seconds * rate)
        else:
            left_each.append(None)
    for r in waiting:
        left_each.append(r.master_seconds * rate if rate is not None and r.master_seconds else None)
    eta: float | None = None
    if left_each and all(s is not None for s in left_each):
        known = [s for s in left_each if s is not None]
        eta = max(max(known), sum(known) / max(1, concurrent))
    return QueueProgress(
        total=len(rows),
        done=sum(r.shown == "done" for r in rows),
        failed=sum(r.shown == "failed" for r in rows),
        skipped=sum(r.shown == "skipped" for r in rows),
        running=[(r.artwork, r.fraction or 0.0) for r in running],
        left=len(left_each),
        eta_seconds=eta,
    )

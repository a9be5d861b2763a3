"""Processing started from the TUI goes through the machine's one queue (core/pipeline/session_queue):
the session is put in line (source "tui"); when nothing is processing or waiting ahead of it and a
slot is free (concurrent_sessions) it starts at once, detached, as it always has; otherwise it waits
its turn, the user is told whom it is queued behind, and a queue runner is started so that the line
moves on without the TUI. No Textual here: the screens notify and switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from core.pipeline import background
from core.pipeline import session_queue as queue
from core.pipeline.queue_runner import concurrency
from db.models import QUEUE_FINISHED, QUEUE_RUNNING, QUEUE_WAITING, ProcessingState

START_GRACE_SECONDS = 20.0  # a worker a runner has just started holds no lock yet: still busy


@dataclass(frozen=True)
class Queued:
    """Why a session did not start at once: what is ahead of it, the first named."""

    artwork: str  # the session's own
    first_artwork: str
    first_session: str
    others: int

    def message(self) -> str:
        more = f" and {self.others} more" if self.others else ""
        return (
            f"{self.artwork} is queued behind {self.first_artwork} ({self.first_session}){more}: "
            "it starts when a slot is free (see the Queue, Q)."
        )


def _busy(session_id: str, now: datetime) -> bool:
    """Whether the session is processing now: a live worker, or a queue entry just set running."""
    if background.running_pid(session_id) is not None or background.started_alive(session_id):
        return True
    entry = queue.entry_of(session_id)
    return (
        entry is not None
        and entry.state == QUEUE_RUNNING
        and entry.started_at is not None
        and (now - entry.started_at).total_seconds() < START_GRACE_SECONDS
    )


def processing_now(except_session: str, now: datetime) -> list[str]:
    """Sessions processing now, in the queue or not (a `vat run --now`); a scene detection does not
    count (it is not processing)."""
    candidates = [e.session_id for e in queue.entries([QUEUE_RUNNING])]
    candidates += [
        s.session_id
        for s in ProcessingState.select(ProcessingState.session_id).where(
            ProcessingState.status.in_(["processing", "paused"])
        )
    ]
    return [s for s in dict.fromkeys(candidates) if s != except_session and _busy(s, now)]


def process_or_queue(session_id: str, now: datetime | None = None) -> Queued | None:
    """Put the session in line and start it now if it may (None), else leave it waiting (Queued)."""
    now = now or datetime.now(timezone.utc)
    entry = queue.entry_of(session_id)
    if entry is not None and entry.state in QUEUE_FINISHED:
        queue.remove(session_id)  # processed again: to the end of the line, not to its old place
        entry = None
    # decided before it is written: a runner never sees it waiting when it starts here at once
    waiting_ahead = [
        e.session_id
        for e in queue.entries([QUEUE_WAITING])
        if e.session_id != session_id and (entry is None or e.position < entry.position)
    ]
    running = processing_now(session_id, now)
    if not waiting_ahead and len(running) < concurrency():
        queue.enqueue(session_id, source="tui", state=QUEUE_RUNNING)
        queue.set_state(session_id, QUEUE_RUNNING)  # its start time
        if background.running_pid(session_id) is None:
            background.start_detached(session_id)
        return None
    queue.enqueue(session_id, source="tui")  # one already in line keeps its place
    ahead = running + waiting_ahead
    first = ProcessingState.get_or_none(ProcessingState.session_id == ahead[0])
    mine = ProcessingState.get(ProcessingState.session_id == session_id)
    move_queue_on()
    return Queued(mine.artwork_name, first.artwork_name if first else ahead[0], ahead[0], len(ahead) - 1)


def move_queue_on() -> int | None:
    """Start a detached queue runner (`vat queue run`) so that waiting sessions are taken in turn
    without the TUI; None when runners already fill the slots or nothing waits."""
    from core.pipeline.queue_runner import start_detached_runner

    return start_detached_runner()

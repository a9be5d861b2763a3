"""The machine's one queue of sessions (session_queue): what batches, the watch folder, the TUI and a
second `vat run` put in line, in `position` order. This module only keeps the rows; who takes the next
one and how many run at once is the queue runner's (core/pipeline/queue_runner.py).

A pending entry (waiting, to_pick, held) may be reordered, held, released or removed; removing an
entry leaves its session in place (it is only no longer in line)."""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from db.connection import write_transaction
from db.models import (
    QUEUE_DONE,
    QUEUE_FAILED,
    QUEUE_FINISHED,
    QUEUE_HELD,
    QUEUE_PENDING,
    QUEUE_RUNNING,
    QUEUE_SKIPPED,
    QUEUE_TO_PICK,
    QUEUE_WAITING,
    QueueEntry,
    utc_now,
)

SOURCES = ("run", "batch", "watch", "tui")
# process_metadata key of a "detect now, pick later" session (`--scenes pick`, the watch folder's
# watch_scenes pick): it is detected, then its entry waits as to_pick for a human's selection
PICK_LATER = "pick_later"
STATES = (QUEUE_WAITING, QUEUE_TO_PICK, QUEUE_HELD, QUEUE_RUNNING, QUEUE_DONE, QUEUE_FAILED, QUEUE_SKIPPED)


def _next_position() -> int:
    top = QueueEntry.select(peewee.fn.MAX(QueueEntry.position)).scalar()
    return (top or 0) + 1


def enqueue(
    session_id: str, *, source: str = "run", batch_id: str | None = None, state: str = QUEUE_WAITING
) -> QueueEntry:
    """Put a session at the end of the line (or, already in it, back to `state` where it stands)."""
    if source not in SOURCES or state not in STATES:
        raise ValueError(f"queue: unknown source {source!r} or state {state!r}")
    with write_transaction():  # two writers never take the same position
        entry = QueueEntry.get_or_none(QueueEntry.session == session_id)
        if entry is not None:
            entry.state, entry.reason, entry.finished_at = state, None, None
            entry.save()
            return entry
        return QueueEntry.create(
            session=session_id, source=source, batch_id=batch_id, state=state, position=_next_position()
        )


def entry_of(session_id: str) -> QueueEntry | None:
    return QueueEntry.get_or_none(QueueEntry.session == session_id)


def entries(states: Iterable[str] | None = None, batch_id: str | None = None) -> list[QueueEntry]:
    """The queue in order (running and pending first by position, then the finished ones by position)."""
    query = QueueEntry.select()
    if states is not None:
        query = query.where(QueueEntry.state.in_(list(states)))
    if batch_id is not None:
        query = query.where(QueueEntry.batch_id == batch_id)
    return list(query.order_by(QueueEntry.position))


def ahead_of(session_id: str) -> list[QueueEntry]:
    """The entries that run before this one: those running now and those waiting earlier in line."""
    entry = entry_of(session_id)
    if entry is None:
        return []
    return list(
        QueueEntry.select()
        .where(
            (QueueEntry.state == QUEUE_RUNNING)
            | ((QueueEntry.state == QUEUE_WAITING) & (QueueEntry.position < entry.position))
        )
        .where(QueueEntry.session != session_id)
        .order_by(QueueEntry.position)
    )


def set_state(session_id: str, state: str, reason: str | None = None) -> None:
    """Record what became of an entry: running sets its start, a finished state its end and reason."""
    if state not in STATES:
        raise ValueError(f"queue: unknown state {state!r}")
    values: dict = {QueueEntry.state: state, QueueEntry.reason: reason}
    if state == QUEUE_RUNNING:
        values[QueueEntry.started_at] = utc_now()
        values[QueueEntry.finished_at] = None
    elif state in QUEUE_FINISHED:
        values[QueueEntry.finished_at] = utc_now()
    QueueEntry.update(values).where(QueueEntry.session == session_id).execute()


def move(session_id: str, steps: int) -> bool:
    """Move a pending entry `steps` places among the pending ones (negative: earlier); False if it cannot."""
    with write_transaction():
        pending = entries(QUEUE_PENDING)
        index = next((i for i, e in enumerate(pending) if e.session_id == session_id), None)
        if index is None:
            return False
        target = max(0, min(len(pending) - 1, index + steps))
        if target == index:
            return False
        positions = [e.position for e in pending]
        moved = pending.pop(index)
        pending.insert(target, moved)
        for entry, position in zip(pending, positions, strict=True):  # the same positions, handed out in the new order
            if entry.position != position:
                QueueEntry.update(position=position).where(QueueEntry.id == entry.id).execute()
        return True


def hold(session_id: str) -> bool:
    """A waiting entry is passed over until released."""
    return bool(
        QueueEntry.update(state=QUEUE_HELD)
        .where((QueueEntry.session == session_id) & (QueueEntry.state == QUEUE_WAITING))
        .execute()
    )


def release(session_id: str) -> bool:
    return bool(
        QueueEntry.update(state=QUEUE_WAITING)
        .where((QueueEntry.session == session_id) & (QueueEntry.state == QUEUE_HELD))
        .execute()
    )


def remove(session_id: str) -> bool:
    """Take an entry out of line (not a running one: pause it first). The session itself stays."""
    return bool(
        QueueEntry.delete().where((QueueEntry.session == session_id) & (QueueEntry.state != QUEUE_RUNNING)).execute()
    )


def clear_finished() -> int:
    """Forget the finished entries (their sessions stay, in Sessions and History)."""
    return int(QueueEntry.delete().where(QueueEntry.state.in_(QUEUE_FINISHED)).execute())

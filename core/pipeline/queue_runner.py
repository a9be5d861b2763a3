"""Who takes the next session of the machine's queue (core/pipeline/session_queue.py) and how many run
at once. Every process that works the queue (a `vat run` batch, a second `vat run`, `vat queue run`, a
plain `vat --resume`, a runner the TUI or `vat watch` starts detached) shares one limit, the
concurrent_sessions setting, through slot locks: slot N is the flock `<database>.locks/slots/N.lock`,
held while a session is processed. The kernel drops a dead process's slot, so a kill frees it.

Taking the next entry happens while holding a free slot, inside an IMMEDIATE transaction, and the
session's own lock is taken before the entry is marked running: two takers never take one entry.
An entry left `running` by a process that died (its session's lock is free) is taken first.

Who intends to take an entry: a `vat run` in a terminal holds its batch's lock and processes its own
entries; the others (runners) hold a runner lock while alive and take any entry that no live batch
owns. Processing itself is the caller's (the CLI's: detect if needed, then the worker pool)."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core import dirs
from core.errors import BadInput
from core.pipeline import session_queue
from core.pipeline.background import reap, spawn_detached
from core.pipeline.lock import FileLock, SessionLock, session_lock_dir
from db.connection import write_transaction
from db.models import QUEUE_HELD, QUEUE_RUNNING, QUEUE_TO_PICK, QUEUE_WAITING, QueueEntry
from db.settings import get_setting

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often a process waiting its turn looks again


class _NamedLock(FileLock):
    """A lock that is only ever tried (never waited for): a busy one is simply not ours."""

    def busy_message(self) -> str:
        return f"{self.path} is held by process {self.holder_pid() or '?'}"

    def try_acquire(self) -> bool:
        if os.path.realpath(self.path) in _held_paths():
            return False  # this process holds it already (a second runner in one process)
        if self.is_held_elsewhere():
            return False
        try:
            self.acquire()
        except BadInput:
            return False
        return True


def _held_paths() -> set[str]:
    from core.pipeline import lock

    return set(lock._held)


class SlotLock(_NamedLock):
    def __init__(self, number: int):
        super().__init__(session_lock_dir() / "slots" / f"{number}.lock", f"slot {number}")


class BatchLock(_NamedLock):
    """Held by the `vat run` that made a batch, while it runs: its entries are its own to process."""

    def __init__(self, batch_id: str):
        super().__init__(session_lock_dir() / "batches" / f"{batch_id}.lock", batch_id)


class RunnerLock(_NamedLock):
    """Held by each runner (`vat queue run`, a plain resume) while it lives."""

    def __init__(self, pid: int | None = None):
        super().__init__(session_lock_dir() / "runners" / f"{pid or os.getpid()}.lock", "runner")


def concurrency() -> int:
    return max(1, int(get_setting("concurrent_sessions") or 1))


def take_slot() -> SlotLock | None:
    """A free slot, held; None when concurrent_sessions sessions are processing."""
    for number in range(concurrency()):
        slot = SlotLock(number)
        if slot.try_acquire():
            return slot
    return None


@contextlib.contextmanager
def slot_if_queued(session_id: str) -> Iterator[None]:
    """A queued session processed outside a runner (a named `vat --resume`, the TUI's worker) holds a
    free slot while it runs, so that the runners count it; none free, it runs all the same (it was
    asked for now)."""
    slot = take_slot() if session_queue.entry_of(session_id) is not None else None
    try:
        yield
    finally:
        if slot is not None:
            slot.release()


def slots_in_use() -> int:
    return sum(SlotLock(n).is_held_elsewhere() for n in range(concurrency()))


def _live_lock_files(folder: str) -> int:
    path = session_lock_dir() / folder
    files = path.glob("*.lock") if path.is_dir() else []
    return sum(_NamedLock(p).is_held_elsewhere() for p in files)


def runners_alive() -> int:
    return _live_lock_files("runners")


def batch_is_live(batch_id: str | None) -> bool:
    return bool(batch_id) and BatchLock(str(batch_id)).is_held_elsewhere()


def is_stale(entry: QueueEntry) -> bool:
    """Running, but no live process works on its session (killed): it is taken again, first."""
    return entry.state == QUEUE_RUNNING and not SessionLock(entry.session_id).is_held_elsewhere()


def _candidates(batch_id: str | None) -> list[QueueEntry]:
    """What a taker may take, in order: entries left running by a dead process, then the waiting."""
    pending = session_queue.entries([QUEUE_RUNNING, QUEUE_WAITING], batch_id=batch_id)
    stale = [e for e in pending if is_stale(e)]
    waiting = [e for e in pending if e.state == QUEUE_WAITING]
    chosen = stale + waiting
    if batch_id is None:  # a runner leaves a live batch's entries to the `vat run` that made it
        chosen = [e for e in chosen if not batch_is_live(e.batch_id)]
    return [e for e in chosen if not SessionLock(e.session_id).is_held_elsewhere()]


def takeable() -> list[QueueEntry]:
    """The entries a runner would take now (slots aside)."""
    return _candidates(None)


@dataclass
class Claim:
    """An entry taken: its slot and its session's lock are held until released."""

    entry: QueueEntry
    slot: SlotLock | None  # None: taken outside the limit (a plain `vat --resume`, like --now)
    session_lock: SessionLock
    released: bool = field(default=False)

    @property
    def session_id(self) -> str:
        return self.entry.session_id

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.session_lock.release()
            if self.slot is not None:
                self.slot.release()


def take_next(batch_id: str | None = None, first_only: bool = False, use_slot: bool = True) -> Claim | None:
    """Take the next entry (of `batch_id` only, when given) and a slot, or None. `first_only`: only the
    first candidate (a `vat run` takes its own in order, the first being the one at its turn).
    Without `use_slot` the entry is taken outside the concurrency limit (a plain `vat --resume`)."""
    slot = take_slot() if use_slot else None
    if use_slot and slot is None:
        return None
    try:
        with write_transaction():
            candidates = _candidates(batch_id)
            if first_only:  # a `vat run`: its next entry, once no one's ahead of it waits to go first
                candidates = [e for e in candidates[:1] if not waiting_ahead(e.session_id)]
            for entry in candidates:
                lock = SessionLock(entry.session_id)
                if lock.is_held_elsewhere():
                    continue
                try:
                    lock.acquire()
                except BadInput:
                    continue
                session_queue.set_state(entry.session_id, QUEUE_RUNNING)
                entry.state = QUEUE_RUNNING
                return Claim(entry, slot, lock)
    except BaseException:
        if slot is not None:
            slot.release()
        raise
    if slot is not None:
        slot.release()
    return None


def waiting_ahead(session_id: str) -> list[QueueEntry]:
    """The waiting entries before this one (of other batches) that someone intends to run: their
    batch's `vat run` is alive, or (entries of no batch) a runner is. An entry nobody is there to run
    (its `vat run` was killed) does not hold a `vat run` up: it waits for a resume or a runner."""
    entry = session_queue.entry_of(session_id)
    if entry is None:
        return []
    runner = runners_alive() > 0
    return [
        e
        for e in session_queue.ahead_of(session_id)
        if e.state == QUEUE_WAITING and e.batch_id != entry.batch_id and (runner or batch_is_live(e.batch_id))
    ]


def blocker(session_id: str) -> str | None:
    """The session a `vat run`'s entry waits behind: the nearest one before it that is to run first,
    else one that is running; None when it may go."""
    waiting = waiting_ahead(session_id)
    if waiting:
        return waiting[-1].session_id
    running = [e for e in session_queue.ahead_of(session_id) if e.state == QUEUE_RUNNING and not is_stale(e)]
    return running[0].session_id if running else None


# --- what became of an entry ------------------------------------------------------------------


def needs_pick(process_metadata: dict | None, selected: list | None) -> bool:
    """Detected or not, a session whose scenes a person is to choose: no selection and none asked for."""
    return selected is None and "requested_selection" not in (process_metadata or {})


def mark_started(session_id: str) -> None:
    """A session processed outside a runner (a named `vat --resume`, the TUI's worker) moves its entry too."""
    if session_queue.entry_of(session_id) is not None:
        session_queue.set_state(session_id, QUEUE_RUNNING)


def mark_ended(session_id: str, state: str, reason: str | None = None) -> None:
    entry = session_queue.entry_of(session_id)
    if entry is not None:
        if state == QUEUE_WAITING and entry.state == QUEUE_HELD:
            return  # paused from the Queue screen: held there until released, not taken again

        one_line = " ".join((reason or "").split())[:500] or None
        session_queue.set_state(session_id, state, one_line)


def selection_given(session_id: str) -> bool:
    """A to-pick entry whose scenes were chosen (the TUI's picker) waits for its turn again."""
    return bool(
        QueueEntry.update(state=QUEUE_WAITING, reason=None)
        .where((QueueEntry.session == session_id) & (QueueEntry.state == QUEUE_TO_PICK))
        .execute()
    )


# --- running the queue --------------------------------------------------------------------------


def run_queue(
    process: Callable[[Claim], str],
    *,
    cancel: threading.Event,
    batch_id: str | None = None,
    on_wait: Callable[[str | None], None] | None = None,
    first_only: bool = False,
    use_slot: bool = True,
) -> list[str]:
    """Take entries and `process` each (it returns the entry's new state) until none is left to take
    (or, with `batch_id`, until the batch has none waiting or running); wait for a slot meanwhile.
    Stops after the session that `cancel` interrupted. Returns the sessions processed."""
    done: list[str] = []
    told: object = ()
    while not cancel.is_set():
        claim = take_next(batch_id, first_only=first_only, use_slot=use_slot)
        if claim is None:
            if batch_id is None and not takeable():
                return done
            if batch_id is not None and not session_queue.entries([QUEUE_RUNNING, QUEUE_WAITING], batch_id):
                return done
            if on_wait is not None:
                ahead = _waiting_behind(batch_id)
                if ahead != told:
                    told = ahead
                    on_wait(ahead)
            cancel.wait(POLL_SECONDS)
            continue
        told = ()
        try:
            state = process(claim)
        finally:
            claim.release()
        done.append(claim.session_id)
        if state == QUEUE_WAITING:  # paused (interrupted): it waits at its place
            return done
    return done


def _waiting_behind(batch_id: str | None) -> str | None:
    if batch_id is None:
        running = session_queue.entries([QUEUE_RUNNING])
        return running[0].session_id if running else None
    own = session_queue.entries([QUEUE_WAITING, QUEUE_RUNNING], batch_id)
    return blocker(own[0].session_id) if own else None


# --- a runner in the background -----------------------------------------------------------------


def runner_log_path() -> Path:
    folder = dirs.log_dir() / "workers"
    dirs.ensure(folder)
    return folder / "queue.log"


_children: list[subprocess.Popen] = []


def start_detached_runner() -> int | None:
    """Start `vat queue run --json` in its own process session (it outlives the terminal and the TUI),
    logging to the worker-log folder; its pid. None when nothing waits or enough runners are alive
    to fill the free slots."""
    reap(_children)
    waiting = len(takeable())
    alive = max(runners_alive(), len(_children))  # a child just started holds no runner lock yet
    if waiting == 0 or alive >= min(waiting, concurrency()):
        return None
    proc = spawn_detached([sys.executable, "-m", "tui.cli", "queue", "run", "--json"], runner_log_path())
    _children.append(proc)
    return proc.pid

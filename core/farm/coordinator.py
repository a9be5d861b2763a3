"""The render farm's coordinator: a session's operations sent to the farm instead of the local pool.

FarmRunner is the local Runner (core/pipeline/runner.py) but for the pool's operations: it records the
session's toolchain and its fingerprint (process_metadata["farm"]: a node of other versions does not
take them), sends one Celery task per operation still to make (core/farm/app.py, routed by encoder and
fingerprint: core/farm/routing.py), then follows the render nodes through the catalogue alone, twice a
second (ten times near the end: an operation being checked, or the run's last ones running): their
operation_log rows (status, progress, node), aggregated into processing_state as the local runner
writes it (each running operation's fraction and node: the TUI and `vat sessions` show them). The
contact sheet and the final operations (process log, manifest) are made here afterwards, as
the local runner makes them.

An operation whose row says processing while nobody holds its lock any more lost its node (killed,
powered off): it is sent again at once, rather than after the broker's visibility timeout (hours, for
encodes). Operations that no node takes for long are sent again too (a broker restarted without its
queue), and the coordinator says which queue waits for a node.

The coordinator can go (Ctrl-C, SIGHUP, a dropped SSH connection) and come back: the farm keeps
working, the session is left paused, and `vat --resume --farm SESSION` follows it again; what was made
meanwhile is skipped, what is being made is followed, not sent again. A task delivered twice makes one
output: the node's per-operation lock and its check of the registry make the second one a no-op.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.events import RunEvent
from core.farm import follow
from core.farm.broker import broker_problem, check_broker, is_broker_fault
from core.pipeline import records
from core.pipeline.execute import Context
from core.pipeline.plan import Operation
from core.pipeline.runner import Runner, RunSummary, _rounded
from core.pipeline.schedule import longest_first
from db.backend import without_password
from db.connection import write_transaction
from db.fields import utc_now
from db.models import OperationLog, ProcessingState

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often the catalogue is read
# ... and when an end is near (an operation at 90% or being checked, or the run's last ones running, none
# waiting): the run's end, and the contact sheet and final files after it, are not a poll late
FAST_POLL_SECONDS = 0.1
NEAR_END = 0.9
LOCK_CHECK_SECONDS = 2.0  # how often the running operations' locks are looked at (their nodes alive)
UNCLAIMED_SECONDS = 120.0  # a queue whose operations no node has taken for this long is sent again
UNCLAIMED_MOST_SECONDS = 1800.0  # ... and again after twice as long each time, up to this


@dataclass
class FarmSummary(RunSummary):
    """A run on the farm; `left`: the operations still queued or being made when the coordinator went."""

    left: int = 0


class FarmRunner(Runner):
    summary: FarmSummary

    def __init__(
        self,
        session_id: str,
        plan: list[Operation],
        *,
        broker: str,
        workers: int,
        cancel: threading.Event,
        on_event: Callable[[RunEvent], None] | None = None,
        finalizers: dict[str, Callable[[Operation, Path, Context], None]] | None = None,
        only: set[str] | None = None,
    ):
        super().__init__(
            session_id, plan, workers=workers, cancel=cancel, on_event=on_event, finalizers=finalizers, only=only
        )
        self.broker = broker
        self.summary = FarmSummary("processing", len(plan))
        self.fingerprint = ""
        self._ops: dict[str, tuple[int, Operation]] = {}
        self._state: dict[str, str] = {}  # key -> queued, running, done, failed
        self._queue: dict[str, str] = {}  # key -> the queue its task went to
        self._taken: dict[str, float] = {}  # queue -> when a node last took (or ended) one of its operations
        self._wait: dict[str, float] = {}  # queue -> how long its operations may wait for a node now
        self._current: str | None = None
        self._written: object = None  # the progress last written to processing_state
        self._before: dict[str, tuple] = {}  # the session's operation_log rows as this run began

    # the farm's part ---------------------------------------------------------------------------
    def _make(self, work: list[tuple[int, Operation]]) -> None:
        if not work:
            return
        from core.farm.app import make_app
        from core.farm.routing import fingerprint, toolchain

        app = make_app(self.broker)
        check_broker(app, self.broker)
        tools = toolchain()
        self.fingerprint = fingerprint(tools)
        self._record(tools)
        for sequence, op in work:
            self._ops[op.key] = (sequence, op)
        rows = follow.open_rows(self.session_id)
        processing = [key for key in self._ops if (rows.get(key) or _NO_ROW).status == "processing"]
        alive = follow.held(self.session_id, processing)
        to_send = []
        for sequence, op in longest_first(work):
            if op.key in alive:  # being made by a node since an earlier coordinator: followed, not sent
                self._queue[op.key] = self._queue_of(op)
                self._state[op.key] = "queued"
            else:
                to_send.append((sequence, op))
        self._send(app, to_send)
        self._follow(app)

    def _queue_of(self, op: Operation) -> str:
        from core.farm.routing import queue_for

        return str(queue_for(op, self.fingerprint))

    def _record(self, tools: Any) -> None:
        """The session's toolchain and fingerprint, for the nodes and for whoever reads the session; its
        broker too when the URL has no password (the TUI's resume of the session: tui/farm_resume.py)."""
        with write_transaction():
            row = ProcessingState.get(ProcessingState.session_id == self.session_id)
            meta = dict(row.process_metadata or {})
            meta["farm"] = {"toolchain": tools, "fingerprint": self.fingerprint}
            if without_password(self.broker) == self.broker:  # one with a password is never stored
                meta["farm"]["broker"] = self.broker
            ProcessingState.update(process_metadata=meta).where(ProcessingState.id == row.id).execute()

    def run(self) -> RunSummary:
        self._before = follow.row_marks(self.session_id)  # before the run reads the registry
        return super().run()

    def _send(self, app: Any, items: list[tuple[int, Operation]], reset: str = "unchanged") -> None:
        """One task per operation, in the order given. First their rows are set pending (`reset`):
        "unchanged": those no node has touched since this run began (an earlier run's `completed` or
        `failed` must not be read as this run's; a row that moved meanwhile is a node's work on an
        earlier coordinator's task, followed as it is); "all": every one (their nodes are gone);
        "none": none (they are pending already)."""
        from core.farm.app import OPERATION_TASK

        if not items:
            return
        if reset != "none":
            self._mark_pending(items, None if reset == "all" else self._before)
        now = time.monotonic()
        try:
            with app.producer_or_acquire() as producer:
                for sequence, op in items:
                    queue = self._queue_of(op)
                    app.send_task(
                        OPERATION_TASK,
                        args=[self.session_id, op.key, sequence, self.fingerprint],
                        queue=queue,
                        producer=producer,
                    )
                    self._queue[op.key] = queue
                    self._state[op.key] = "queued"
                    self._taken.setdefault(queue, now)
        except Exception as exc:
            if is_broker_fault(exc):
                raise broker_problem(self.broker, exc) from None
            raise

    def _mark_pending(self, items: list[tuple[int, Operation]], unchanged_since: dict | None) -> None:
        """A new row is made with no attempt yet (a node's run of it is its first)."""
        with write_transaction():  # read and written with no node writing between
            rows = follow.row_marks(self.session_id)
            for sequence, op in items:
                mark = rows.get(op.key)
                if mark is None:
                    OperationLog.create(
                        session=self.session_id,
                        operation_name=op.key,
                        operation_type=op.kind,
                        sequence_number=sequence,
                        status="pending",
                        progress=0.0,
                        input_file=str(op.source) if op.source else None,
                        attempts=0,
                    )
                elif unchanged_since is None or unchanged_since.get(op.key) == mark:
                    OperationLog.update(
                        status="pending", progress=0.0, node=None, sequence_number=sequence, timestamp=utc_now()
                    ).where(OperationLog.id == mark[0]).execute()

    def _follow(self, app: Any) -> None:
        """Until every operation sent is made or failed, or the coordinator is asked to go."""
        locks_checked = 0.0
        while True:
            self._apply(follow.open_rows(self.session_id))  # read after the rows were written pending
            now = time.monotonic()
            if now - locks_checked >= LOCK_CHECK_SECONDS:
                locks_checked = now
                self._send_lost(app)
                self._send_unclaimed(app, now)
            self._write_state()
            if not self._open() or self.cancel.wait(self._poll_seconds()):
                break
        self.summary.left = len(self._open())
        if not self.cancel.is_set():
            self._confirm()

    def _poll_seconds(self) -> float:
        with self._lock:
            near = any((r.get("fraction") or 0.0) >= NEAR_END for r in self._running.values())
        last = self._state and not any(state == "queued" for state in self._state.values())
        return FAST_POLL_SECONDS if near or last else POLL_SECONDS

    def _open(self) -> list[str]:
        return [key for key, state in self._state.items() if state in ("queued", "running")]

    def _apply(self, rows: dict[str, follow.Row]) -> None:
        """Each followed operation's row as it is now, told as the local runner tells it."""
        followed = self._open() + [k for k, s in self._state.items() if s == "failed"]
        # made between two polls (never seen running): its node read from its row, for the done event
        made_by = follow.nodes_of(self.session_id, [key for key in followed if key not in rows])
        for key in followed:
            row = rows.get(key)
            state = self._state[key]
            if row is None:  # no longer among the open rows: made (or found made) by a node
                self._ended(key, None, made_by.get(key))
            elif row.status == "failed":
                if state != "failed":
                    self._ended(key, row.error or "failed on a render node")
            elif row.status == "processing":
                if state != "running":
                    self._begin(key, row)
                self._progress(key, row)
            elif state != "queued":  # pending again: given back by its node (stopped), or a retry after a failure
                self._begin(key, row)

    def _begin(self, key: str, row: follow.Row) -> None:
        with self._lock:
            self._unfail(key)
            self._state[key] = "running" if row.status == "processing" else "queued"
            self._taken[self._queue[key]] = time.monotonic()
            self._running.pop(key, None)
            if row.status == "processing":
                self._running[key] = {"fraction": row.progress, "fps": None, "node": row.node}
                self._current = key
        if row.status == "processing":
            self.on_event(RunEvent("start", key, node=row.node))

    def _unfail(self, key: str) -> None:
        """A failed operation taken again (a retry) or made after all: no longer counted as failed (under
        the lock)."""
        if self._state[key] == "failed":
            self.summary.failed.pop(key, None)
            self._finished_work -= self._work.get(key, 1.0)

    def _progress(self, key: str, row: follow.Row) -> None:
        with self._lock:
            shown = self._running.get(key) or {}
            fraction = max(shown.get("fraction") or 0.0, min(1.0, row.progress))  # only forward
            if fraction == shown.get("fraction") and row.node == shown.get("node"):
                return
            self._running[key] = {**shown, "fraction": fraction, "node": row.node}
            overall, remaining = self._fraction(), self._eta()
        self.on_event(
            RunEvent(
                "progress",
                key,
                fraction=fraction,
                overall=round(overall, 4),
                remaining=_rounded(remaining),
                node=row.node,
            )
        )

    def _ended(self, key: str, error: str | None, node: str | None = None) -> None:
        _, op = self._ops[key]
        with self._lock:
            self._unfail(key)
            node = (self._running.pop(key, None) or {}).get("node") or node
            self._state[key] = "done" if error is None else "failed"
            self._taken[self._queue[key]] = time.monotonic()
            if error is None:
                self.summary.done += 1
            else:
                self.summary.failed[key] = error
            self._finished(op)
            overall, remaining = self._fraction(), self._eta()
        self.on_event(
            RunEvent(
                "done" if error is None else "failed",
                key,
                output=str(op.output) if error is None else None,
                error=error,
                overall=round(overall, 4),
                remaining=_rounded(remaining),
                node=node,
            )
        )

    def _send_lost(self, app: Any) -> None:
        """The operations whose node is gone (row processing, lock free) are sent again."""
        running = [key for key, state in self._state.items() if state == "running"]
        if not running:
            return
        alive = follow.held(self.session_id, running)
        gone = [key for key in running if key not in alive]
        if not gone:
            return
        rows = follow.open_rows(self.session_id)  # read again: a node that ended meanwhile let go too
        lost = [key for key in gone if (rows.get(key) or _NO_ROW).status == "processing"]
        taken = follow.held(self.session_id, lost)  # and a node that took it meanwhile holds it: not lost
        lost = [key for key in lost if key not in taken]
        for key in lost:
            with self._lock:
                node = (self._running.pop(key, None) or {}).get("node")
            log.warning("%s: its render node %s is gone; sent to the farm again", key, node or "?")
            self.on_event(RunEvent("requeued", key, node=node))
        self._send(app, [self._ops[key] for key in lost], reset="all")

    def _send_unclaimed(self, app: Any, now: float) -> None:
        """A queue whose operations wait while none of its operations runs and no node has taken one for
        long: said (which queue, so which worker to start), and its operations sent again, in case the
        broker lost them."""
        for queue in sorted(set(self._queue.values())):
            keys = [k for k, q in self._queue.items() if q == queue]
            waiting = [k for k in keys if self._state[k] == "queued"]
            if not waiting or any(self._state[k] == "running" for k in keys):
                continue
            wait = self._wait.get(queue, UNCLAIMED_SECONDS)
            if now - self._taken.get(queue, now) < wait:
                continue
            self._wait[queue] = min(UNCLAIMED_MOST_SECONDS, wait * 2)
            waiting = self._made_meanwhile(waiting)
            if not waiting:
                continue
            message = (
                f"no render node has taken an operation of queue {queue} for {wait:.0f} s: is a "
                "`vat farm worker` of this vat and ffmpeg running for it? Sent again."
            )
            log.warning("%s", message)
            self.on_event(RunEvent("stalled", error=message))
            self._send(app, [self._ops[key] for key in waiting], reset="none")
            self._taken[queue] = now

    def _made_meanwhile(self, keys: list[str]) -> list[str]:
        """Of the operations still pending, those not made after all: a node that took an earlier copy of
        the task (from an earlier coordinator) after this one set its row pending made it, and skipped
        the copy sent now, leaving the row pending. Read from the registry, as a resume reads it."""
        registry = records.registered_outputs(self.session_id)
        left = []
        for key in keys:
            if records.is_done(self._ops[key][1], registry):
                self._ended(key, None)
            else:
                left.append(key)
        return left

    def _details(self) -> dict:
        details = super()._details()
        details["farm"] = {
            "fingerprint": self.fingerprint,
            "queued": sum(1 for state in self._state.values() if state == "queued"),
        }
        return details

    def _write_state(self) -> None:
        """processing_state as the local runner keeps it, written when something changed."""
        with self._lock:
            fields = self._progress_fields(self._current)
        shown = {**fields, "operation_details": {**fields["operation_details"], "eta_seconds": None}}
        if shown == self._written:  # the ETA alone moves every time: not worth a write
            return
        self._written = shown
        records.update_session(self.session_id, **fields)

    def _confirm(self) -> None:
        """What the nodes said they made, checked against the registry as a resume checks it: each output
        registered with this plan's parameters and its content unchanged. One that is not (a node that
        planned the session otherwise) is a failure here, made again by the next run."""
        done = [key for key, state in self._state.items() if state == "done"]
        if not done:
            return
        registry = records.registered_outputs(self.session_id)
        for key in done:
            _, op = self._ops[key]
            if records.is_done(op, registry):
                continue
            message = "made on the farm, but not registered as this plan makes it: the next run makes it again"
            with self._lock:
                self.summary.done -= 1
                self.summary.failed[key] = message
                self._state[key] = "failed"
            self.on_event(RunEvent("failed", key, error=message))


_NO_ROW = follow.Row("", 0.0, None, None)

"""One operation of a session, made on a render node exactly as the local pool makes it.

The node rebuilds the session's plan as a resume does (core/pipeline/session.plan_for: the master and
the project folder found through the storage roots, so a node that mounts the shared storage elsewhere
finds them; kept between the session's tasks while its row, its master and its R&D folder are
unchanged: node_plans.py), takes the operation's lock in the catalogue (held elsewhere: another live node makes it),
skips an output already made (a task delivered twice yields one output and one registry row), removes
what a node killed while making this output left, then makes it with the local pool's Runner:
temporary name, verification, SHA-256, atomic rename, and its registry and log rows in one transaction.
On a running node a made video is handed to the node's checks (node_checks.py) with its lock, and the
task ends: the node's slot takes its next task while this output is checked, as the local pool's
verification stage overlaps them; the lock is given back once the output is registered.
The progress of the operation goes to its own operation_log row (with the node's name); the session's
row is the coordinator's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from core.catalogue.roots import resolve
from core.errors import BadInput, Cancelled
from core.farm import node_plans
from core.pipeline import execute, records
from core.pipeline.db_locks import AdvisoryLock, operation_lock_name
from core.pipeline.execute import Context
from core.pipeline.plan import Operation
from core.pipeline.report import finalizers
from core.pipeline.runner import Made, Runner
from core.pipeline.schedule import threads_per_job
from core.pipeline.session import local_out_root
from core.pipeline.verify_stage import VerifyStage
from db import connection
from db.models import OperationLog, ProcessingState

log = logging.getLogger(__name__)

OUTCOMES = ("done", "checking", "skipped", "busy", "failed", "gone", "lost")

# the operations this process is making: the catalogue's lock counts a second taking by the same
# process (as a flock does), and two threads of one node must not make the same output
_making: set[str] = set()
_making_guard = threading.Lock()


class TransientFault(Exception):
    """The catalogue or the shared storage cannot be reached now: the task is tried again later
    (core/farm/app.py), unlike an operation that fails on its own (recorded as failed)."""


def node_name() -> str:
    """This render node as operation_log.node records it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lock_name(session_id: str, key: str) -> str:
    return operation_lock_name(session_id, key)  # the local pool's too


def run_operation(
    session_id: str,
    key: str,
    sequence: int,
    node: str,
    *,
    cancel: threading.Event | None = None,
    slots: int = 1,
    checks: VerifyStage | None = None,
) -> str:
    """Make one operation of the session: "done", "skipped" (made already), "busy" (another node is
    making it), "failed" (recorded as the local pool records it), "gone" (no such session or
    operation now) or "lost" (its lock went while it was made: not registered, its row pending).
    `slots`: the operations this node makes at once (the cores an encode gets).
    `checks`: the node's check stage (node_checks.py): a made video is checked there, its lock held
    until it is registered, and "checking" said at once; without, it is checked here.
    Raises Cancelled when `cancel` is set first (the operation is left pending: the task goes back),
    TransientFault when the catalogue or the storage cannot be reached."""
    cancel = cancel or threading.Event()
    name = lock_name(session_id, key)
    with _making_guard:
        if name in _making:
            return "busy"
        _making.add(name)
    held = Held()
    held.undo.append(partial(_done_making, name))
    try:
        return _guarded(lambda: _run(session_id, key, sequence, node, cancel, slots, checks, held))
    finally:
        if not held.handed:
            held.release()


def _done_making(name: str) -> None:
    with _making_guard:
        _making.discard(name)


class Held:
    """What a task holds (the operation's lock, its name among those being made): given back when it
    ends, or, once its output is `handed` to the node's checks, when the check has registered it."""

    def __init__(self) -> None:
        self.undo: list[Callable[[], None]] = []
        self.handed = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            undo, self.undo = self.undo, []
        for step in reversed(undo):
            step()


def _guarded(step: Callable[[], str]) -> str:
    """A database fault is the catalogue out of reach (a network, a restart): this thread's connection
    is dropped (the next task connects afresh) and the task is tried again."""
    try:
        return step()
    except Exception as exc:
        if not connection.is_database_fault(exc):
            raise
        try:
            connection.close_database()
        except Exception:  # already broken: nothing to close cleanly
            pass
        raise TransientFault(f"the catalogue cannot be reached: {_shown(exc)}") from exc


def _shown(exc: BaseException) -> str:
    from db.backend import redact

    return redact(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _run(
    session_id: str,
    key: str,
    sequence: int,
    node: str,
    cancel: threading.Event,
    slots: int,
    checks: VerifyStage | None,
    held: Held,
) -> str:
    session = ProcessingState.get_or_none(ProcessingState.session_id == session_id)
    if session is None:
        log.warning("%s: no such session in the catalogue", session_id)
        return "gone"
    master = _check_storage(session)
    plan = node_plans.plan_of(session, master)
    op = next((op for op in plan if op.key == key), None)
    if op is None:
        log.warning("%s: no operation %s in its plan now", session_id, key)
        return "gone"
    lock = AdvisoryLock(lock_name(session_id, key), owner=session_id)
    try:
        lock.acquire()
    except BadInput:
        log.info("%s %s: being made by %s", session_id, key, lock.holder() or "another node")
        return "busy"
    held.undo.append(lock.release)  # given back by run_operation, or by the check it hands over
    if records.is_done(op, records.registered_outputs(session_id)):
        _mark_made(session_id, key)
        return "skipped"
    for path in leftover_temporaries(op.output):  # a node killed while making it; ours now (the lock)
        path.unlink(missing_ok=True)
    root = resolve(session.output_path)
    runner = NodeRunner(session_id, op, node, cancel, slots, finalizers(session, root, plan))
    return runner.make(sequence, checks, held)


def _check_storage(session: ProcessingState) -> Path:
    """The master and the folder the project folder is in, as this node mounts them: briefly gone
    (a share remounting) is tried again, not recorded as the operation's failure."""
    master = resolve(session.master_path)
    out_root = local_out_root(session)
    for what, path, ok in (("master", master, master.is_file()), ("output folder", out_root, out_root.is_dir())):
        if not ok:
            raise TransientFault(f"the {what} {path} cannot be reached from this node")
    return master


def _mark_made(session_id: str, key: str) -> None:
    """An operation found made already: its row, if a coordinator set it pending after the output was
    registered (a resume racing an earlier task), says completed, so that the coordinator sees it made
    at once rather than at its stall check minutes later. Any other state is a node's or a run's own."""
    OperationLog.update(status="completed", progress=1.0).where(
        (OperationLog.session == session_id) & (OperationLog.operation_name == key) & (OperationLog.status == "pending")
    ).execute()


def leftover_temporaries(output: Path) -> list[Path]:
    """The temporary files of this output (execute.temporary_path, and a master copy's chapters file
    beside its temporary) that a killed process left; no other output's."""
    prefix = f".{output.stem}.vat-part-"
    try:
        names = os.listdir(output.parent)
    except OSError:
        return []
    return [
        output.parent / name
        for name in names
        if name.startswith(prefix)
        and name.endswith((output.suffix, output.suffix + ".ffmeta"))
        and execute.is_temporary(output.parent / name)
    ]


class NodeRunner(Runner):
    """The local pool's Runner for one operation: the same making, checking and recording; the
    progress written to the operation's own row, never the session's (the coordinator's)."""

    def __init__(
        self,
        session_id: str,
        op: Operation,
        node: str,
        cancel: threading.Event,
        slots: int,
        final: dict[str, Callable[[Operation, Path, Context], None]],
    ):
        super().__init__(session_id, [op], workers=1, cancel=cancel, finalizers=final)
        self.op = op
        self.node = node
        self.slots = max(1, slots)
        self._earlier = records.rows_by_key(session_id)  # as run() reads it: the rows this one may replace
        self.held: Held | None = None  # with the node's checks: what the check gives back (make())

    def _guarded(self, step: Callable[[], None], key: str) -> None:
        """A database fault is kept for make() to raise; unlike the local pool's, it does not set the
        cancel event, which is the node's: its other operations go on."""
        try:
            step()
        except Exception as exc:
            if not connection.is_database_fault(exc):
                raise
            self.database_fault = exc

    def _threads(self) -> int:
        return threads_per_job(self.slots)  # the node's other slots encode beside this one

    def _write_progress(self, key: str | None, fields: dict) -> None:
        fraction = (self._running.get(key) or {}).get("fraction") if key else None
        if key is None or fraction is None:
            return
        OperationLog.update(progress=round(float(fraction), 4)).where(
            (OperationLog.session == self.session_id)
            & (OperationLog.operation_name == key)
            & (OperationLog.status == "processing")
        ).execute()

    def _finished_fields(self, key: str) -> dict:
        return {}

    def _verifying(self, op: Operation) -> None:
        super()._verifying(op)
        if self.held is not None:  # handed to the node's checks next: from now on they give the lock back
            self.held.handed = True

    def _staged_check(self, made: Made) -> None:
        """On the node's checks: never dropped (its task is acknowledged already), and the lock given
        back once the output is registered (or its failure recorded)."""
        try:
            made.measure.take()
            self._check(made)
        finally:
            if self.held is not None:
                self.held.release()

    def make(self, sequence: int, checks: VerifyStage | None = None, held: Held | None = None) -> str:
        self.held = held if checks is not None else None
        self._guarded(partial(self._run_one, sequence, self.op, checks), self.op.key)
        if self.held is not None and self.held.handed:
            return "checking"
        if self.database_fault is not None:
            raise self.database_fault  # the catalogue went away mid-operation: tried again (_guarded above)
        if self.summary.done:
            return "done"
        if self.op.key in self.not_made_here:
            return "lost"  # its lock went while it was made (core/pipeline/runner.py): not registered
        if self.summary.failed:
            return "failed"
        raise Cancelled("cancelled")  # the node is stopping: the operation is left pending

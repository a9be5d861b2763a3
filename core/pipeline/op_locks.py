"""The per-operation locks of a run on the shared catalogue: one maker per output across machines.

A render node takes the advisory lock `op:<session>:<key>` (db_locks.operation_lock_name) before it
makes an operation, and what a killed node left of that output is removed under it. The local pool
takes the same lock around making and registering each operation, so that a node taking a task still
queued in the broker (its coordinator gone) while a plain `vat --resume` runs leaves that operation to
the run instead of removing its live temporary as a killed node's; and the run leaves to a node what a
node is making. On SQLite (one machine, no farm) there is nothing to take.
"""

from __future__ import annotations

import threading
from pathlib import Path

from core.errors import BadInput, EnvironmentProblem
from core.pipeline import execute
from core.pipeline.db_locks import AdvisoryLock, operation_lock_name
from core.pipeline.plan import Operation
from db.connection import is_postgres


class OperationLocks:
    def __init__(self, session_id: str):
        self.session_id = session_id
        self.enabled = is_postgres()
        self._held: dict[str, AdvisoryLock] = {}
        self._guard = threading.Lock()

    def take(self, key: str) -> str | None:
        """None once the operation's lock is held here (or there are none: SQLite); else who holds it."""
        if not self.enabled:
            return None
        lock = AdvisoryLock(operation_lock_name(self.session_id, key), owner=self.session_id)
        try:
            lock.acquire()
        except BadInput:
            return lock.holder() or "another process"
        with self._guard:
            self._held[key] = lock
        return None

    def still_ours(self, key: str) -> bool:
        """The lock taken for `key` is still held (its connection did not drop); True without locks."""
        with self._guard:
            lock = self._held.get(key)
        return lock is None or lock.still_held()

    def give_back(self, key: str) -> None:
        """Released, once (a second call does nothing)."""
        with self._guard:
            lock = self._held.pop(key, None)
        if lock is not None:
            lock.release()


def remove_strays(session_id: str, root: Path, plan: list[Operation]) -> int:
    """Temporary files a killed process left in the project folder (a SIGKILL gives no chance to clean
    up), removed under the folder's lock. On the shared catalogue a temporary of an operation of the plan
    is removed only under that operation's lock too: held, its output is being made now (by a render
    node, or a run elsewhere), and its temporary is no stray."""
    makers: dict[tuple[Path, str], list[Operation]] = {}
    for op in plan:
        makers.setdefault((op.output.parent, op.output.stem), []).append(op)
    shared = is_postgres()
    removed = 0
    for path in root.rglob(".*.vat-part*") if root.is_dir() else []:
        if not execute.is_temporary(path):
            continue
        maker = _maker_of(path, makers) if shared else None
        lock = AdvisoryLock(operation_lock_name(session_id, maker.key), owner=session_id) if maker else None
        try:
            if lock is not None:
                lock.acquire()
        except (BadInput, EnvironmentProblem):  # being made; or the catalogue out of reach: the next run's
            continue
        try:
            path.unlink(missing_ok=True)
            removed += 1
        finally:
            if lock is not None:
                lock.release()
    return removed


def _maker_of(path: Path, makers: dict[tuple[Path, str], list[Operation]]) -> Operation | None:
    """The operation whose temporary `path` is (execute.temporary_path: `.<stem>.vat-part-*<suffix>`, and
    a master copy's chapters file beside it, `...<suffix>.ffmeta`)."""
    name = path.name
    stem = name[1 : name.find(".vat-part")]
    for op in makers.get((path.parent, stem), []):
        if name.endswith((op.output.suffix, op.output.suffix + ".ffmeta")):
            return op
    return None

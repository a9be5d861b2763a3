"""What the farm's coordinator reads of the catalogue: the session's operation_log rows as the render
nodes leave them, and which of their per-operation locks a node still holds.

A node takes the advisory lock `op:<session>:<key>` (core/pipeline/db_locks.py) before it writes an
operation's row `processing` and gives it back after the row says how it ended; the lock lives with the
node's connection, so a node that dies (even by SIGKILL) drops it at once. A row `processing` whose lock
nobody holds is therefore an operation whose node is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from db.models import OperationLog

DONE_STATES = ("completed", "skipped")  # a node that finds the output made already may say skipped

# one query for every lock the coordinator follows (db_locks' own holder query asks for one lock)
_HELD_SQL = (
    "SELECT l.classid::bigint, l.objid::bigint FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@dataclass(frozen=True)
class Row:
    status: str
    progress: float
    node: str | None
    error: str | None


def open_rows(session_id: str) -> dict[str, Row]:
    """The session's rows that are not done (pending, processing, failed), by operation key. What a
    coordinator follows and finds here no more has been made (completed, or skipped as made already):
    the rows left shrink as the farm works, where reading every row twice a second would not."""
    query = OperationLog.select(
        OperationLog.operation_name,
        OperationLog.status,
        OperationLog.progress,
        OperationLog.node,
        OperationLog.error_details,
    ).where((OperationLog.session == session_id) & OperationLog.status.not_in(DONE_STATES))
    return {
        r.operation_name: Row(r.status or "", float(r.progress or 0.0), r.node, r.error_details)
        for r in query.namedtuples()
    }


def nodes_of(session_id: str, keys: list[str]) -> dict[str, str]:
    """The node named in each of these operations' rows (those that have one)."""
    if not keys:
        return {}
    query = OperationLog.select(OperationLog.operation_name, OperationLog.node).where(
        (OperationLog.session == session_id) & OperationLog.operation_name.in_(keys) & OperationLog.node.is_null(False)
    )
    return {r.operation_name: str(r.node) for r in query.namedtuples()}


def row_marks(session_id: str) -> dict[str, tuple]:
    """Every row of the session by key: (id, status, timestamp), what tells whether a node touched it."""
    query = OperationLog.select(
        OperationLog.id, OperationLog.operation_name, OperationLog.status, OperationLog.timestamp
    )
    return {r.operation_name: (r.id, r.status, r.timestamp) for r in query.where(OperationLog.session == session_id)}


def held(session_id: str, keys: Iterable[str]) -> set[str]:
    """The keys among `keys` whose per-operation lock a live connection holds (one look at pg_locks)."""
    from core.farm.operation import lock_name  # the node's own name for it
    from core.pipeline.db_locks import lock_keys
    from db.connection import database

    wanted = {lock_keys(lock_name(session_id, key)): key for key in keys}
    if not wanted:
        return set()
    rows = database.execute_sql(_HELD_SQL).fetchall()
    return {wanted[(int(a), int(b))] for a, b in rows if (int(a), int(b)) in wanted}


def in_flight(session_id: str) -> dict[str, str]:
    """The operations a render node is making now (row processing, lock held): key -> node. A local run
    of the session must wait for them: it would remove their temporaries and make them a second time."""
    running = {key: row.node or "?" for key, row in open_rows(session_id).items() if row.status == "processing"}
    alive = held(session_id, running)
    return {key: node for key, node in running.items() if key in alive}


def refuse_while_farmed(session_id: str) -> None:
    """A local run of a session whose operations render nodes are making now would remove their
    temporaries and make them twice: refused (exit 2). Only the shared catalogue has a farm."""
    from core.errors import Busy
    from db.connection import is_postgres

    if not is_postgres():
        return
    farmed = in_flight(session_id)
    if farmed:
        key, node = next(iter(farmed.items()))
        raise Busy(
            f"session {session_id}: {len(farmed)} operation(s) are being made on the render farm (first "
            f"{key} on {node}): follow them with vat --resume --farm {session_id}, or wait for them"
        )

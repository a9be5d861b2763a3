"""An operation's lock lost while it is made (its connection dropped: a network blip, a server that ended
the session): the maker no longer owns the output, so it does not put it in place; and the coordinator
does not take a node that has just taken an operation for a lost one. Real PostgreSQL, real Redis."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import psycopg
import pytest

from core.farm import follow, routing
from core.farm.operation import lock_name, node_name, run_operation
from core.media import ffmpeg
from core.pipeline.db_locks import lock_keys
from db.models import OperationLog
from tests.farm_support import hold_elsewhere, let_go, slowed_ffmpeg
from tests.servers import Redis
from tests.test_farm_node import KEY, catalogue, log_row, new_session, redis_server, rows_of, the_op, wait_for

__all__ = ["catalogue", "redis_server"]  # the fixtures, used by name


def queued(server: Redis, queue: str) -> int:
    """The tasks waiting in `queue` (the Redis transport keeps each queue as a list of that name)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(f"LLEN {queue}\r\n".encode())
        reply = conn.recv(64)
    assert reply.startswith(b":"), reply
    return int(reply[1:].strip())


def drop_lock_connection(url: str, name: str) -> int:
    """The server ends the connection holding the lock `name` (as a dropped network would): how many."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            b"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            b"AND objsubid = 2 AND classid = %s::oid AND objid = %s::oid",
            lock_keys(name),
        ).fetchall()
    return len(rows)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_node_that_loses_its_lock_mid_encode_does_not_register_the_output(
    catalogue: str, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    monkeypatch.setenv("VAT_FFMPEG", str(slowed_ffmpeg(tmp_path, 0.3)))
    ffmpeg.find_ffmpeg(refresh=True)
    outcome: list[str] = []
    node = node_name()
    making = threading.Thread(target=lambda: outcome.append(run_operation(session.session_id, KEY, sequence, node)))
    try:
        making.start()
        assert wait_for(lambda: any(".vat-part" in p.name for p in op.output.parent.glob(".*")), 30)
        assert drop_lock_connection(catalogue, lock_name(session.session_id, KEY)) == 1
        making.join(60)
    finally:
        making.join(60)
        monkeypatch.undo()
        ffmpeg.find_ffmpeg(refresh=True)
    assert outcome == ["lost"]
    assert not op.output.exists() and rows_of(session.session_id, KEY) == []
    assert not [p for p in op.output.parent.iterdir() if ".vat-part" in p.name]
    row = log_row(session.session_id, KEY)
    assert row is not None and (row.status, row.node) == ("pending", node)  # for the next maker


def test_the_coordinator_does_not_send_again_an_operation_a_node_has_just_taken(
    catalogue: str, redis_server: Redis, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its node gone (row processing, lock free), and a new node takes it between the coordinator's look
    at the locks and its second look at the rows: followed, not reset and sent a second time."""
    from core.farm.app import make_app
    from core.farm.coordinator import FarmRunner

    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    fingerprint = routing.fingerprint(routing.toolchain())
    queue = routing.queue_for(op, fingerprint)
    OperationLog.create(
        session=session.session_id,
        operation_name=KEY,
        operation_type=op.kind,
        sequence_number=sequence,
        status="processing",
        node="render-1:1",  # gone: it holds no lock
        attempts=1,
    )
    runner = FarmRunner(session.session_id, [op], broker=redis_server.url(0), workers=1, cancel=threading.Event())
    events: list[str] = []
    runner.on_event = lambda event: events.append(event.kind)
    runner.fingerprint = fingerprint
    runner._ops[KEY] = (sequence, op)
    runner._state[KEY] = "running"
    runner._queue[KEY] = queue
    taker: list[object] = []
    reread = follow.open_rows

    def a_node_takes_it_meanwhile(session_id: str) -> dict[str, follow.Row]:
        if not taker:
            taker.append(hold_elsewhere(lock_name(session.session_id, KEY)))
            OperationLog.update(node="render-2:2", attempts=2).where(OperationLog.operation_name == KEY).execute()
        return reread(session_id)

    monkeypatch.setattr(follow, "open_rows", a_node_takes_it_meanwhile)
    app = make_app(redis_server.url(0))
    try:
        runner._send_lost(app)
    finally:
        app.close()
        for proc in taker:
            let_go(proc)  # type: ignore[arg-type]
    assert taker and "requeued" not in events
    row = log_row(session.session_id, KEY)
    assert row is not None and (row.status, row.node) == ("processing", "render-2:2")
    assert queued(redis_server, queue) == 0  # nothing sent

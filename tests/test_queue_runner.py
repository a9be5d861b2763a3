"""The queue's taker: a slot per session processing (concurrent_sessions), the next entry taken once, an
entry a dead process left running taken first, a live `vat run`'s batch left to it."""

from __future__ import annotations

import peewee
import pytest

from core.pipeline import queue_runner, session_queue
from core.pipeline.lock import SessionLock
from db.settings import set_setting
from tests.test_db_support import make_session

# the database's behaviour: on SQLite and on PostgreSQL
pytestmark = pytest.mark.backends


def queued(*names: str, batch_id: str | None = None) -> None:
    for name in names:
        make_session(name)
        session_queue.enqueue(name, source="batch" if batch_id else "tui", batch_id=batch_id)


def test_the_next_entry_is_taken_once_and_only_with_a_free_slot(db: peewee.SqliteDatabase) -> None:
    queued("a", "b", "c")
    first = queue_runner.take_next()
    assert first is not None and first.session_id == "a"
    assert session_queue.entry_of("a").state == "running"  # type: ignore[union-attr]
    assert queue_runner.take_next() is None  # concurrent_sessions 1: its one slot is held
    set_setting("concurrent_sessions", 2)
    second = queue_runner.take_next()
    assert second is not None and second.session_id == "b"  # not "a" again: it is being worked on
    assert queue_runner.take_next() is None
    first.release()
    second.release()
    # released without an end recorded (as when their process dies): taken again, before c
    assert [e.session_id for e in queue_runner.takeable()] == ["a", "b", "c"]


def test_an_entry_left_running_by_a_dead_process_goes_first(db: peewee.SqliteDatabase) -> None:
    queued("a", "b", "c")
    session_queue.set_state("b", "running")  # its process was killed: no one holds its lock
    assert queue_runner.is_stale(session_queue.entry_of("b"))  # type: ignore[arg-type]
    claim = queue_runner.take_next()
    assert claim is not None and claim.session_id == "b"
    claim.release()


def test_a_live_batch_keeps_its_entries_and_a_session_being_processed_is_not_taken(
    db: peewee.SqliteDatabase,
) -> None:
    queued("x", "y", batch_id="b1")
    queued("z")
    with queue_runner.BatchLock("b1"):
        # held in this process: the lock file is held, as it is for another process's runner
        assert [e.session_id for e in queue_runner.takeable()] == ["z"]
    with SessionLock("x"):  # a named `vat --resume x` works on it outside the queue
        assert [e.session_id for e in queue_runner.takeable()] == ["y", "z"]
    assert [e.session_id for e in queue_runner.takeable()] == ["x", "y", "z"]


def test_a_to_pick_entry_waits_again_once_its_scenes_are_chosen(db: peewee.SqliteDatabase) -> None:
    queued("p")
    session_queue.set_state("p", "to_pick", "waits for its scenes to be picked")
    assert queue_runner.takeable() == [] and queue_runner.start_detached_runner() is None  # nothing waits
    assert queue_runner.selection_given("p")
    assert [e.session_id for e in queue_runner.takeable()] == ["p"]


def test_the_sessions_list_marks_a_session_waiting_for_its_picks(db: peewee.SqliteDatabase) -> None:
    from tui.session_records import session_rows

    queued("p", "w")
    session_queue.set_state("p", "to_pick")
    labels = {row.session_id: row.label for row in session_rows()}
    assert labels["p"] == "to pick" and labels["w"] == "queued"


def test_a_queued_session_resumed_by_name_holds_a_slot_while_it_runs(db: peewee.SqliteDatabase) -> None:
    queued("n", "m")
    with queue_runner.slot_if_queued("n"):
        assert queue_runner.take_next() is None  # its one slot is taken: the runners wait
    claim = queue_runner.take_next()
    assert claim is not None
    claim.release()

"""The queue's rows: order, reordering among the pending, hold and release, removal, and tags."""

from __future__ import annotations

import threading

import peewee
import pytest

from core.catalogue.tags import add_tags, parse_tag, tags_of
from core.errors import BadInput
from core.pipeline import session_queue as queue
from db.connection import close_database
from db.models import ProcessingState
from tests.test_db_support import make_session

# the database's behaviour: on SQLite and on PostgreSQL
pytestmark = pytest.mark.backends


def order() -> list[str]:
    return [entry.session_id for entry in queue.entries()]


def test_entries_keep_their_order_and_move_among_the_pending(db: peewee.SqliteDatabase) -> None:
    for name in ("a", "b", "c", "d"):
        make_session(name)
        queue.enqueue(name, source="batch", batch_id="b1")
    queue.set_state("a", "running")
    assert [e.session_id for e in queue.ahead_of("c")] == ["a", "b"]
    assert queue.move("d", -2) and order() == ["a", "d", "b", "c"]
    assert not queue.move("a", 1)  # a running entry stays where it is
    assert not queue.move("d", -1)  # already first among the pending
    assert queue.hold("b") and [e.session_id for e in queue.ahead_of("c")] == ["a", "d"]
    released = queue.release("b") and queue.entry_of("b")
    assert released and released.state == "waiting"
    assert not queue.remove("a") and queue.remove("c")
    assert order() == ["a", "d", "b"] and ProcessingState.get_or_none(session_id="c") is not None


def test_writers_at_once_each_get_a_place_of_their_own(db: peewee.Database) -> None:
    """Positions are read then written: several writers at once (threads: a connection each, as
    processes would have) never take the same place, on PostgreSQL's READ COMMITTED too."""
    names = [f"w{t}-{n}" for t in range(4) for n in range(12)]
    for name in names:
        make_session(name)
    start = threading.Barrier(4)

    def writer(t: int) -> None:
        start.wait()
        for n in range(12):
            queue.enqueue(f"w{t}-{n}")
        close_database()  # this thread's connection

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    positions = [entry.position for entry in queue.entries()]
    assert sorted(positions) == list(range(1, len(names) + 1))


def test_a_session_deleted_leaves_the_queue(db: peewee.SqliteDatabase) -> None:
    make_session("y")
    queue.enqueue("y")
    ProcessingState.delete().where(ProcessingState.session_id == "y").execute()
    assert queue.entries() == []


def test_tags_are_namespaced_once_per_project_or_scene(db: peewee.SqliteDatabase) -> None:
    make_session("s")
    assert parse_tag(" Artist: Jane Doe ") == ("artist", "Jane Doe")
    assert parse_tag("night") == ("", "night") and parse_tag("a b:c") == ("", "a b:c")
    assert add_tags("s", ["artist:Jane", "night", "artist:Jane"]) == 2
    assert add_tags("s", ["theme:sea"], scene_start_frame=30) == 1
    assert tags_of("s") == ["artist:Jane", "night"] and tags_of("s", 30) == ["theme:sea"]
    with pytest.raises(BadInput, match="empty"):
        add_tags("s", ["year:2024", "artist:"])
    assert tags_of("s") == ["artist:Jane", "night"]  # nothing written when one is refused

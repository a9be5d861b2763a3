"""The Queue screen and the TUI's side of the machine's one queue: the entries in order with their states,
reorder, hold and release, remove (the session stays), a failure's reason, the whole queue's progress,
80x24; processing from the picker waits behind a running session; "to pick" sessions in Sessions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from core.pipeline import session_queue as queue
from core.pipeline.background import running_pid, started_alive
from core.pipeline.lock import SessionLock
from core.pipeline.queue_runner import runners_alive, take_slot
from core.pipeline.queue_view import queue_progress, queue_rows
from db.models import ProcessingState, QueueEntry
from tests.helpers import ROOT, local_time_zone
from tests.picker_flows import notices
from tests.test_db_support import make_session
from tests.tui_flows import detected_session, screen_is
from tests.tui_screen_host import ScreenHost, cells
from tui.app import VatApp, create_app
from tui.queue_start import process_or_queue
from tui.screens.confirm import ConfirmScreen
from tui.screens.home import SessionsScreen
from tui.screens.picker import PickerScreen
from tui.screens.queue import QueueScreen
from tui.widgets.vim_table import VimTable

UTC = timezone.utc
NOW = datetime(2025, 3, 14, 10, 22, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Added times are shown in local time: UTC here, whatever this machine's zone."""
    with local_time_zone("UTC"):
        yield


def add(
    session_id: str, state: str, *, source: str = "batch", minutes: int = 0, meta: dict | None = None, **fields: Any
) -> None:
    """A session in the queue, added `minutes` after the first, with a 60-second master."""
    metadata = {"media": {"duration": 60.0}, **(meta or {})}
    make_session(session_id, artwork_name=f"Work {session_id.upper()}", process_metadata=metadata, **fields)
    queue.enqueue(session_id, source=source, state=state)
    QueueEntry.update(added_at=NOW - timedelta(hours=1) + minutes * MINUTE).where(
        QueueEntry.session == session_id
    ).execute()


@pytest.fixture
def line(db: peewee.SqliteDatabase) -> Iterator[None]:
    """One entry in every state; a's worker alive (its lock held, as a detached worker holds it)."""
    add(
        "a",
        "running",
        minutes=0,
        status="processing",
        operation_details={"fraction": 0.42, "eta_seconds": 90.0},
    )
    QueueEntry.update(started_at=NOW - 2 * MINUTE).where(QueueEntry.session == "a").execute()
    add("b", "waiting", minutes=1, status="initialized")
    add("c", "to_pick", source="watch", minutes=2, status="initialized", scenes_data=[])
    add("d", "held", minutes=3, status="initialized")
    add("e", "done", minutes=4, status="completed", meta={"runs": [{"seconds": 120.0}]})
    add("f", "failed", minutes=5, status="failed")
    queue.set_state("f", "failed", "/masters/f.mov: not a video file")
    lock = SessionLock("a").acquire()
    lock.path.write_text("4242")  # the pid shown is fixed
    try:
        yield
    finally:
        lock.release()


def queue_app() -> ScreenHost:
    return ScreenHost(lambda: QueueScreen(now=lambda: NOW))


def table(app: ScreenHost | VatApp) -> VimTable:
    return app.screen.query_one(VimTable)


def shown(app: ScreenHost) -> list[tuple[str, str]]:
    """(artwork, state) of every row, top to bottom."""
    t = table(app)
    return [(cells(t.get_row_at(i))[2], cells(t.get_row_at(i))[1]) for i in range(t.row_count)]


def stored_order() -> list[str]:
    return [e.session_id for e in queue.entries()]


def text(app: ScreenHost, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def cursor_on(pilot: Pilot, session_id: str) -> None:
    table(pilot.app).select_key(session_id)  # type: ignore[arg-type]
    await pilot.pause()


# --- the list ------------------------------------------------------------------------------------------------


async def test_the_queue_is_listed_in_order_with_each_state_and_a_failure_reason(line: None) -> None:
    app = queue_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, QueueScreen)
        assert shown(app) == [
            ("Work A", "running 42%"),
            ("Work B", "waiting"),
            ("Work C", "to pick"),
            ("Work D", "held"),
            ("Work E", "done"),
            ("Work F", "failed"),
        ]
        assert cells(table(app).get_row_at(2))[3:] == ["c.mov", "watch", "2025-03-14 09:24"]
        # 1 of 6 done; the ETA: a's own 90 s, then b at this queue's pace (120 s per 60 s of master)
        assert text(app, "#queue-summary").splitlines() == ["1/6 done · 1 failed · ETA 3:30", "running: Work A 42%"]
        await cursor_on(pilot, "f")
        assert "Failed: /masters/f.mov: not a video file" in text(app, "#queue-details")


def test_the_eta_is_unknown_until_a_session_is_measured(db: peewee.SqliteDatabase) -> None:
    add("a", "waiting", status="initialized")
    add("b", "waiting", minutes=1, status="initialized")
    progress = queue_progress(queue_rows(NOW), NOW)
    assert (progress.done, progress.total, progress.left, progress.eta_seconds) == (0, 2, 2, None)
    queue.set_state("a", "done")
    ProcessingState.update(process_metadata={"media": {"duration": 60.0}, "runs": [{"seconds": 30.0}]}).where(
        ProcessingState.session_id == "a"
    ).execute()
    assert queue_progress(queue_rows(NOW), NOW).eta_seconds == 30.0  # b: 60 s of master at half real time


def test_the_header_counts_the_queue_s_current_run_not_every_entry_ever_finished(
    db: peewee.SqliteDatabase,
) -> None:
    def finished(session_id: str, state: str, minutes: int) -> None:
        queue.set_state(session_id, state)
        at = NOW - timedelta(hours=1) + minutes * MINUTE
        QueueEntry.update(finished_at=at).where(QueueEntry.session == session_id).execute()

    add("old1", "waiting", status="completed")
    add("old2", "waiting", minutes=1, status="failed")
    finished("old1", "done", 5)
    finished("old2", "failed", 10)  # the queue empty from here
    add("new1", "waiting", minutes=20, status="completed")
    finished("new1", "done", 25)
    add("new2", "waiting", minutes=21, status="initialized")
    progress = queue_progress(queue_rows(NOW), NOW)
    assert (progress.done, progress.failed, progress.total) == (1, 0, 2)
    finished("new2", "done", 30)  # all finished: the last run still
    assert (queue_progress(queue_rows(NOW), NOW).done, queue_progress(queue_rows(NOW), NOW).total) == (2, 2)
    add("held", "held", minutes=2, status="initialized")  # an old one never finished: its run goes on
    progress = queue_progress(queue_rows(NOW), NOW)
    assert (progress.done, progress.failed, progress.total) == (3, 1, 5)


def test_a_running_entry_whose_worker_is_gone_shows_what_became_of_it(db: peewee.SqliteDatabase) -> None:
    add("a", "running", status="completed")
    add("b", "running", minutes=1, status="failed", error_message="2 operations failed")
    add("c", "running", minutes=2, status="processing")
    rows = queue_rows(NOW)
    assert [(r.shown, r.reason) for r in rows] == [("done", ""), ("failed", "2 operations failed"), ("interrupted", "")]


async def test_reorder_moves_a_pending_entry_and_the_database_follows(line: None) -> None:
    app = queue_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, QueueScreen)
        await cursor_on(pilot, "d")
        await pilot.press("K")
        assert stored_order() == ["a", "b", "d", "c", "e", "f"]
        await pilot.press("shift+up")
        assert stored_order() == ["a", "d", "b", "c", "e", "f"]
        assert [name for name, _state in shown(app)][:4] == ["Work A", "Work D", "Work B", "Work C"]
        assert table(app).selected_key == "d", "the cursor follows the entry"
        await pilot.press("K")  # first of the pending already: the running one stays first
        assert stored_order()[:2] == ["a", "d"]
        await pilot.press("J", "shift+down")
        assert stored_order() == ["a", "b", "c", "d", "e", "f"]
        await cursor_on(pilot, "a")
        await pilot.press("J")
        assert stored_order()[0] == "a" and any("Only a pending entry" in n for n in app.notices)


async def test_p_holds_and_releases_a_waiting_entry(line: None) -> None:
    app = queue_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, QueueScreen)
        await cursor_on(pilot, "b")
        await pilot.press("p")
        assert queue.entry_of("b").state == "held"  # type: ignore[union-attr]
        assert ("Work B", "held") in shown(app)
        await pilot.press("p")
        assert queue.entry_of("b").state == "waiting"  # type: ignore[union-attr]
        assert ("Work B", "waiting") in shown(app)


async def test_remove_asks_and_takes_only_the_entry_out(line: None) -> None:
    app = queue_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, QueueScreen)
        await cursor_on(pilot, "b")
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert "b" in stored_order()
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert stored_order() == ["a", "c", "d", "e", "f"]
        assert "Work B" not in [name for name, _state in shown(app)]
        await cursor_on(pilot, "a")
        await pilot.press("x")  # processing: not even asked
        assert isinstance(app.screen, QueueScreen) and "a" in stored_order()
    assert ProcessingState.get_or_none(ProcessingState.session_id == "b") is not None, "the session stays"


async def test_c_clears_the_finished_entries(line: None) -> None:
    app = queue_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, QueueScreen)
        await pilot.press("c")
        assert stored_order() == ["a", "b", "c", "d"]
        assert len(shown(app)) == 4


LOCK_HOLDER = """
import sys, time
from core.pipeline.lock import SessionLock
SessionLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(60)  # a worker at work, until SIGTERM (its default: it ends)
"""


async def test_p_on_a_running_entry_asks_then_pauses_its_worker_and_holds_it(db: peewee.SqliteDatabase) -> None:
    add("run", "running", status="processing", operation_details={"fraction": 0.1})
    worker = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, "run"], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=os.environ.copy()
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "held"
        app = queue_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await screen_is(pilot, QueueScreen)
            assert shown(app) == [("Work RUN", "running 10%")]
            await pilot.press("p")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await pilot.pause()
            assert worker.wait(timeout=20) == -signal.SIGTERM
            assert queue.entry_of("run").state == "held"  # type: ignore[union-attr]
            assert any("Pausing Work RUN" in n for n in app.notices)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_the_queue_at_80x24(snap_compare: Callable[..., bool], line: None) -> None:
    async def on_the_failed_one(pilot: Pilot) -> None:
        await cursor_on(pilot, "f")

    assert snap_compare(queue_app(), terminal_size=(80, 24), run_before=on_the_failed_one)


# --- the TUI adds to the queue --------------------------------------------------------------------------------


async def test_processing_from_the_picker_waits_behind_a_running_session(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    busy = make_session("busy", artwork_name="Slow Work", status="processing", total_operations=4)
    queue.enqueue(busy.session_id, source="run", state="running")
    mine = detected_session(cut_video, tmp_path / "out", "Evening Tide")
    lock = SessionLock(busy.session_id).acquire()  # as its detached worker holds it while it runs,
    slot = take_slot()  # with the queue's one slot (concurrent_sessions 1)
    assert slot is not None
    try:
        app = create_app(cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await screen_is(pilot, SessionsScreen)
            await app.push_screen(PickerScreen(mine.session_id))
            await screen_is(pilot, PickerScreen)
            await pilot.press("ctrl+r")
            screen = await screen_is(pilot, QueueScreen)
            assert table(app).selected_key == mine.session_id
            assert any("Evening Tide is queued behind Slow Work (busy)" in n for n in notices(app)), notices(app)
            assert [(r.session_id, r.shown) for r in screen.rows] == [("busy", "running"), (mine.session_id, "waiting")]
        entry = queue.entry_of(mine.session_id)
        assert entry is not None and (entry.state, entry.source) == ("waiting", "tui")
        assert running_pid(mine.session_id) is None and not started_alive(mine.session_id), "nothing started"
        assert ProcessingState.get(ProcessingState.session_id == mine.session_id).status == "initialized"
        give_up = time.monotonic() + 20
        while runners_alive() == 0 and time.monotonic() < give_up:  # a runner starts in about a second
            time.sleep(0.1)
        assert runners_alive() == 1  # a queue runner waits for the slot, to take it once busy is done
    finally:
        queue.hold(mine.session_id)  # the waiting runner finds nothing to take and ends
        slot.release()
        lock.release()


def test_a_session_waiting_ahead_goes_first_even_with_a_slot_free(db: peewee.SqliteDatabase) -> None:
    """Nothing processes, but one waits in line (for a runner): the TUI's session queues behind it."""
    add("first", "waiting", status="paused")
    add("mine", "done", minutes=1, status="failed")  # processed before: back in line at the end
    queued = process_or_queue("mine", NOW)
    assert queued is not None and (queued.first_session, queued.others) == ("first", 0)
    assert "Work MINE is queued behind Work FIRST (first)" in queued.message()
    assert stored_order() == ["first", "mine"] and queue.entry_of("mine").state == "waiting"  # type: ignore[union-attr]
    assert not started_alive("mine") and not started_alive("first")


async def test_a_to_pick_session_shows_as_such_and_opens_the_picker(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    session = detected_session(cut_video, tmp_path / "out", "Later Picks")
    queue.enqueue(session.session_id, source="watch", state="to_pick")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await screen_is(pilot, SessionsScreen)
        row = cells(home.query_one(VimTable).get_row_at(0))
        assert row[:2] == ["Later Picks", "to pick"]
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_queue_opens_from_sessions_and_the_palette(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, SessionsScreen)
        await pilot.press("Q")
        await screen_is(pilot, QueueScreen)
        assert "The queue is empty" in str(app.screen.query_one("#queue-summary", Static).render())
        await pilot.press("escape")
        await screen_is(pilot, SessionsScreen)
        assert "Queue" in [command.title for command in app.get_system_commands(app.screen)]
        await pilot.press("ctrl+p")
        await screen_is(pilot, CommandPalette)
        await pilot.press(*"Queue", "enter")
        await screen_is(pilot, QueueScreen)

"""q (issue 13): asks while work vat started here runs (scene detection too, not only processing) and
says it goes on; otherwise quits at once, and never waits for a thumbnail or preview being decoded.
bench/quit.py measures the quit time in a real terminal."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import peewee
import pytest

from core.pipeline.background import running_pid
from tests.media import make_cut_video
from tests.tui_flows import new_session, screen_is, text_of, until
from tui.app import create_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.detection import DetectionScreen
from tui.screens.home import SessionsScreen
from tui.worker_threads import READ_ONLY_WORKERS


def test_quitting_does_not_wait_for_a_decode_but_does_for_a_write(db: peewee.SqliteDatabase) -> None:
    """A read-only worker still busy (a thumbnail decode of seconds) does not hold the exit; a worker
    that writes (creating a session) is waited for. asyncio.run ends the way `vat` ends."""
    release = threading.Event()
    wrote: list[bool] = []

    def decoding() -> None:
        release.wait(10.0)  # a long decode

    def writing() -> None:
        time.sleep(0.5)
        wrote.append(True)

    async def run() -> int | None:
        app = create_app(cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await screen_is(pilot, SessionsScreen)
            assert "making thumbnails" in READ_ONLY_WORKERS
            app.screen.run_worker(decoding, thread=True, name="making thumbnails", exit_on_error=False)
            app.screen.run_worker(writing, thread=True, name="creating the session", exit_on_error=False)
            await pilot.pause(0.05)
            await pilot.press("q")
        return app.return_code

    started = time.monotonic()
    code = asyncio.run(run())
    took = time.monotonic() - started
    release.set()
    assert code == 0
    assert wrote == [True], "a writing worker is finished before vat exits"
    assert took < 5.0, f"quitting waited {took:.1f} s for a decode"


LONG_SCENES = [500, 500, 500]


@pytest.fixture(scope="module")
def long_master(media_dir: Path) -> Path:
    path = media_dir / "long_detect.mp4"
    return path if path.exists() else make_cut_video(path, LONG_SCENES, size=(320, 180), audio=False)


@pytest.mark.slow  # a detached detection process, end to end
async def test_q_asks_while_a_detection_started_here_runs(
    db: peewee.SqliteDatabase, long_master: Path, tmp_path: Path
) -> None:
    session = new_session(long_master, tmp_path / "out", "Long Night")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.query("#sessions"), "the sessions list")
        await pilot.press("enter")  # no scenes yet: detects them, in a detached process
        await screen_is(pilot, DetectionScreen)
        await until(pilot, lambda: session.session_id in app.started_here, "the detection started")
        pid = await until(pilot, lambda: running_pid(session.session_id), "the detached worker")
        os.kill(pid, signal.SIGSTOP)  # still running, however fast the machine decodes
        try:
            await pilot.press("q")
            question = await screen_is(pilot, ConfirmScreen)
            text = text_of(question, "#question")
            assert "scene detection of 'Long Night'" in text and "goes on in the background" in text
            await pilot.press("escape")  # cancels the quit
            await screen_is(pilot, DetectionScreen)
            assert app.return_code is None
        finally:
            os.kill(pid, signal.SIGCONT)
        await pilot.press("c")  # cancel the detection: nothing of ours runs any more
        await until(pilot, lambda: not app.running_started_here(), "the detection process gone", timeout=60)
        await screen_is(pilot, SessionsScreen)
        await pilot.press("q")  # nothing running: at once
        assert not isinstance(app.screen, ConfirmScreen)
    assert app.return_code == 0

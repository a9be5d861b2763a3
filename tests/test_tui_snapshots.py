"""Snapshots of every screen of the TUI at 80x24 and 120x40 (History, Presets and Settings have their own
files). Deterministic: rows written through the db models with fixed timestamps, local time is UTC,
no blinking cursor, animations off (conftest), the form's date and NVENC status given to the screen,
media made by the tests, paths relative to a folder the test makes, no live worker process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input, Select

from core.pipeline.background import worker_log_path
from core.pipeline.lock import SessionLock
from core.pipeline.session import detect, detection_parameters, save_selection
from db.models import ProcessingState
from db.settings import set_setting
from tests.helpers import local_time_zone
from tests.transition_media import Footage
from tests.tui_flows import until
from tui.app import VatApp, create_app
from tui.screens.detection import DetectionProgress, DetectionScreen
from tui.screens.home import SessionsScreen
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen
from tui.screens.processing import ProcessingScreen
from tui.widgets.detection_graph import DetectionGraph
from tui.widgets.picture import Picture

SIZES = [(80, 24), (120, 40)]
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")

UTC = timezone.utc
# Waits on background work (a folder listing, thumbnails, a failed detection) poll the real condition
# for up to this long: under xdist or a loaded CI runner a few seconds is not enough, a hang still fails.
SLOW_WAIT_S = 60.0

NOW = datetime(2025, 3, 14, 10, 22, tzinfo=UTC)
TODAY = date(2025, 3, 14)
NO_NVENC = (False, "[h264_nvenc @ 0x55d1] Cannot load libcuda.so.1")  # as ffmpeg says it, prefix included


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Local times (updated column, log clock) are shown in UTC, whatever this machine's zone."""
    with local_time_zone("UTC"):
        yield


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a folder of the test's own, so that paths on screen are short and the same everywhere."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def vat() -> VatApp:
    return create_app(cursor_blink=False)


def add_session(
    session_id: str,
    artwork: str,
    status: str,
    updated: datetime,
    *,
    total: int = 24,
    done: int = 0,
    current: str | None = None,
    details: dict | None = None,
    scenes: list | None = None,
    master: str | None = None,
    error: str | None = None,
) -> ProcessingState:
    return ProcessingState.create(
        session_id=session_id,
        artwork_name=artwork,
        project_date="25-03-10",
        master_path=master or f"/masters/{session_id}.mov",
        output_path="/archive",
        preset_id="webflow_standard",
        total_operations=total,
        completed_operations=done,
        current_operation=current,
        operation_details=details,
        scenes_data=scenes,
        status=status,
        error_message=error,
        created_at=updated - timedelta(hours=2),
        updated_at=updated,
    )


@contextmanager
def worker_alive(session_id: str, pid: int = 4242) -> Iterator[None]:
    """The session's lock held, as a running worker holds it (the pid it shows is fixed)."""
    lock = SessionLock(session_id).acquire()
    lock.path.write_text(str(pid))
    try:
        yield
    finally:
        lock.release()


# --- Sessions (home) -------------------------------------------------------------------------------------

SCENE = {"index": 1, "start_frame": 0, "end_frame": 29, "start": 0.0, "end": 1.2, "midpoint_frame": 15}
RUNNING = {
    "pid": 4242,
    "running": {
        "clip:s005": {"fraction": 0.42, "fps": 187.3},
        "clip:g01": {"fraction": 0.8, "fps": 95.0},
        "still_hq:s006": {"fraction": 0.0, "fps": None},
    },
    "done": 9,
    "skipped": 0,
    "failed": {"rd_video:sketch.mov": "Invalid data found when processing input"},
    "total": 24,
    "fraction": 0.4717,
    "eta_seconds": 83.0,
}


@pytest.fixture
def sessions(db: peewee.SqliteDatabase) -> Iterator[None]:
    """One session in every state; the running one holds its lock as a live worker would."""
    add_session("s-new", "Quiet Rooms", "initialized", NOW - timedelta(minutes=5), total=0)
    add_session("s-pick", "Harbour at Dawn", "initialized", NOW - timedelta(minutes=20), total=0, scenes=[SCENE])
    add_session(
        "s-run", "Morning Light", "processing", NOW - timedelta(minutes=1), done=9, current="clip:s005", details=RUNNING
    )
    add_session("s-int", "Night Swim", "processing", NOW - timedelta(hours=3), done=14, current="clip:s011")
    add_session("s-paused", "Salt Marsh, Winter", "paused", NOW - timedelta(days=1), done=6, current="still_web:s004")
    add_session("s-failed", "Glass House", "failed", NOW - timedelta(days=2), done=22, current="rd_video:sketch.mov")
    add_session(
        "s-done",
        "An Artwork With A Very Long Name Indeed",
        "completed",
        NOW - timedelta(days=3),
        done=24,
        current="manifest",
    )
    with worker_alive("s-run"):
        yield


@sizes
def test_sessions_empty(snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]) -> None:
    assert snap_compare(vat(), terminal_size=size)


@sizes
def test_sessions_in_every_state(snap_compare: Callable[..., bool], sessions: None, size: tuple[int, int]) -> None:
    assert snap_compare(vat(), terminal_size=size)


@sizes
def test_delete_confirmation(snap_compare: Callable[..., bool], sessions: None, size: tuple[int, int]) -> None:
    async def delete_third(pilot: Pilot) -> None:
        await pilot.press("j", "j", "d")  # third row: Harbour at Dawn (picking scenes)

    assert snap_compare(vat(), terminal_size=size, run_before=delete_third)


@sizes
def test_sessions_help(snap_compare: Callable[..., bool], sessions: None, size: tuple[int, int]) -> None:
    assert snap_compare(vat(), terminal_size=size, press=["question_mark"])


@sizes
def test_detection_error_goes_back_to_sessions(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, here: Path, size: tuple[int, int]
) -> None:
    """A master that cannot be read: detection fails, the notification says why, Sessions is back."""
    add_session("s-gone", "Quiet Rooms", "initialized", NOW, total=0, master="missing.mov")

    async def detect_missing(pilot: Pilot) -> None:
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(pilot.app.screen, SessionsScreen) and pilot.app.screen.query("Toast"),
            "detection to fail",
            SLOW_WAIT_S,
        )

    assert snap_compare(vat(), terminal_size=size, run_before=detect_missing)


@sizes
def test_unexpected_error_message(snap_compare: Callable[..., bool], sessions: None, size: tuple[int, int]) -> None:
    """What VatApp.report_error shows for an error that is not the user's to fix: a modal to read."""

    async def fail(pilot: Pilot) -> None:
        assert isinstance(pilot.app, VatApp)
        pilot.app.report_error(RuntimeError("database disk image is malformed"), during="making thumbnails")
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=fail)


# --- New session -----------------------------------------------------------------------------------------


def new_session_screen() -> NewSessionScreen:
    return NewSessionScreen(on=TODAY, nvenc=NO_NVENC)


async def open_form(pilot: Pilot) -> NewSessionScreen:
    await pilot.app.push_screen(new_session_screen())
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, NewSessionScreen)
    return screen


@sizes
def test_new_session_blank(snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]) -> None:
    set_setting("last_output_directory", "/srv/archive")
    assert snap_compare(vat(), terminal_size=size, run_before=open_form)


@sizes
def test_new_session_with_errors(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]
) -> None:
    async def submit_bad_values(pilot: Pilot) -> None:
        screen = await open_form(pilot)
        for name, value in {
            "master": "/nonexistent/master.mov",
            "rd": "/nonexistent/research",
            "artwork": "  ",
            "date": "25-13-40",
            "output": "/dev/null/archive",
        }.items():
            screen.query_one(f"#{name}", Input).value = value
        await pilot.pause(0.4)  # the as-you-type checks (0.3 s after the last change)
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "fields to fix" in str(screen.query_one("#form-status").render())

    assert snap_compare(vat(), terminal_size=size, run_before=submit_bad_values)


@sizes
def test_file_picker(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, here: Path, size: tuple[int, int]
) -> None:
    media = here / "media"
    (media / "rushes").mkdir(parents=True)
    (media / ".cache").mkdir()
    for name in ("master.mp4", "master_v2.mov", "notes.txt", "rushes/take1.mov"):
        (media / name).write_bytes(b"")
    set_setting("last_master_directory", "media")
    # The output field's default is the working folder, whose tail shows beside the dialog: a fixed one
    # keeps the picture the same under any temporary folder (xdist's popen-gwN ones are longer).
    set_setting("last_output_directory", "/srv/archive")

    async def browse(pilot: Pilot) -> None:
        await open_form(pilot)
        await pilot.press("ctrl+o")
        tree = pilot.app.screen.query_one(DirectoryTree)
        await until(pilot, lambda: len(tree.root.children) == 3, "the folder tree's three entries", SLOW_WAIT_S)
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=browse)


# --- Detection -------------------------------------------------------------------------------------------


@sizes
def test_detection_in_progress(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]
) -> None:
    add_session("s-detect", "Harbour at Dawn", "initialized", NOW, total=0, master="/masters/harbour_master.mov")

    async def at_frame_60(pilot: Pilot) -> None:
        await pilot.app.push_screen(DetectionScreen("s-detect", "adaptive", 3.0, 15, start_worker=False))
        await pilot.pause()
        pilot.app.screen.post_message(DetectionProgress(60, 150, 312.0))
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=at_frame_60)


# --- Scene picker and its dialogs ------------------------------------------------------------------------


@pytest.fixture
def picked(db: peewee.SqliteDatabase, cut_video: Path) -> str:
    """The cut video's five scenes detected; scenes 1, 2, 3 and 5 marked, 2-3 grouped, cursor on 3."""
    session = add_session("s-pick", "Harbour at Dawn", "initialized", NOW, total=0, master=str(cut_video))
    detect(session, *detection_parameters("adaptive", None, None))
    session = ProcessingState.get(ProcessingState.session_id == "s-pick")
    save_selection(session, [1, 2, 3, 5], [(2, 3)], cursor=2)
    return "s-pick"


async def open_picker(pilot: Pilot) -> PickerScreen:
    await pilot.app.push_screen(PickerScreen("s-pick"))
    screen = pilot.app.screen
    assert isinstance(screen, PickerScreen) and screen.store is not None
    store = screen.store
    frames = [scene.midpoint_frame for scene in screen.scenes]
    await until(pilot, lambda: all(store.cached(frame) is not None for frame in frames), "the thumbnails", SLOW_WAIT_S)
    await pilot.pause(0.1)  # their ThumbnailReady messages
    return screen


@sizes
def test_picker(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    assert snap_compare(vat(), terminal_size=size, run_before=open_picker)


@pytest.fixture
def picked_transitions(db: peewee.SqliteDatabase, transition_footage: Footage) -> str:
    """The transition footage detected with the default detector: cuts, dissolves, fades through black
    and white; scenes 1, 2, 3 and 5 marked, 2-3 grouped, cursor on 3 (it begins with a dissolve)."""
    session = add_session("s-pick", "Harbour at Dawn", "initialized", NOW, total=0, master=str(transition_footage.path))
    detect(session, *detection_parameters("transitions", None, None))
    session = ProcessingState.get(ProcessingState.session_id == "s-pick")
    save_selection(session, [1, 2, 3, 5], [(2, 3)], cursor=2)
    return "s-pick"


def test_picker_with_transitions(snap_compare: Callable[..., bool], picked_transitions: str) -> None:
    """80x24 over SSH: how each scene begins in the list, the transitions in and out in the panel."""
    assert snap_compare(vat(), terminal_size=(80, 24), run_before=open_picker)


@sizes
def test_picker_detection_graph(
    snap_compare: Callable[..., bool], picked_transitions: str, size: tuple[int, int]
) -> None:
    """d: every frame's score, the threshold line, the cuts, the gradual transitions' spans shaded and
    the cursor's scene (3, which begins with a dissolve) under the list."""

    async def graph(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("d")
        shown = pilot.app.screen.query_one(DetectionGraph)
        await until(pilot, lambda: shown.scores is not None, "the detection statistics", SLOW_WAIT_S)
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=graph)


@sizes
def test_picker_tall_rows(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    async def tall(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("v")

    assert snap_compare(vat(), terminal_size=size, run_before=tall)


@sizes
def test_picker_grid(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    """o: the contact sheet, the cursor on scene 3 (in group g1 with 2)."""

    async def grid(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("o")
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=grid)


@sizes
def test_picker_range(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    """A range 3-5 (shift+down twice from scene 3): its rows drawn with ┃, the status saying so."""

    async def ranged(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("J", "J")

    assert snap_compare(vat(), terminal_size=size, run_before=ranged)


@pytest.fixture(scope="module")
def hour_long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three scenes over an hour (1 fps, tiny): the list's times take hours, their widest form."""
    from tests.media import make_cut_video

    return make_cut_video(
        tmp_path_factory.mktemp("long") / "long.mp4", [1200, 1300, 1250], fps=1, size=(64, 36), audio=False
    )


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_picker_tall_rows_of_an_hour_long_master(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, hour_long_video: Path
) -> None:
    """80x24, tall rows, times with hours: the group column stays (begins goes: the third line says it)."""
    session = add_session("s-pick", "Harbour at Dawn", "initialized", NOW, total=0, master=str(hour_long_video))
    detect(session, *detection_parameters("adaptive", None, None))
    session = ProcessingState.get(ProcessingState.session_id == "s-pick")
    save_selection(session, [1, 2, 3], [(2, 3)], cursor=2)

    async def tall(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("v")

    assert snap_compare(vat(), terminal_size=(80, 24), run_before=tall)


@sizes
def test_preview(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    async def preview(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("p")
        pictures = pilot.app.screen.query(Picture)
        await until(
            pilot,
            lambda: all(picture.image is not None for picture in pictures),
            "the preview frames to be decoded",
            SLOW_WAIT_S,
        )
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=preview)


@sizes
def test_jump_dialog_with_error(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    async def jump(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("slash", "9", "enter")

    assert snap_compare(vat(), terminal_size=size, run_before=jump)


@sizes
def test_redetect_dialog(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    async def redetect(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("t")
        await pilot.pause()
        pilot.app.screen.query_one("#detector", Select).value = "content"  # its own threshold scale
        await pilot.pause()

    assert snap_compare(vat(), terminal_size=size, run_before=redetect)


@sizes
def test_picker_help(snap_compare: Callable[..., bool], picked: str, size: tuple[int, int]) -> None:
    async def help_(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press("question_mark")

    assert snap_compare(vat(), terminal_size=size, run_before=help_)


# --- Processing ------------------------------------------------------------------------------------------

T0 = NOW.timestamp()


def write_worker_log(session_id: str, events: list[dict], stderr: str = "") -> None:
    lines = [json.dumps({"time": T0 + i, **event}) for i, event in enumerate(events)]
    worker_log_path(session_id).write_text("\n".join(lines) + "\n" + stderr)


LOG_START: list[dict] = [
    {"event": "message", "text": "Morning Light: 24 operations with preset webflow_standard, encoder x264"},
    {"event": "plan", "total": 24, "done": 0},
    {"event": "start", "key": "master_copy"},
    {"event": "progress", "key": "master_copy", "fraction": 0.5, "fps": 400.0},
    {"event": "done", "key": "master_copy", "output": "/archive/25-03-10_Morning_Light/masters/Morning_Light.mov"},
    {"event": "start", "key": "still_hq:s001"},
    {"event": "done", "key": "still_hq:s001"},
    {"event": "skipped", "key": "still_web:s001"},
    {"event": "start", "key": "rd_video:sketch.mov"},
    {"event": "failed", "key": "rd_video:sketch.mov", "error": "Invalid data found when processing input"},
    {"event": "start", "key": "clip:s005"},
    {"event": "start", "key": "clip:g01"},
]


def processing_session(session_id: str, status: str, **fields: Any) -> None:
    values: dict[str, Any] = dict(done=9, current="clip:s005", details=RUNNING)
    values.update(fields)
    add_session(session_id, "Morning Light", status, NOW, **values)


async def watch(pilot: Pilot, session_id: str) -> None:
    await pilot.app.push_screen(ProcessingScreen(session_id))
    await pilot.pause()


@sizes
def test_processing_running(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]
) -> None:
    processing_session("p-run", "processing")
    write_worker_log("p-run", LOG_START)
    with worker_alive("p-run"):
        assert snap_compare(vat(), terminal_size=size, run_before=lambda pilot: watch(pilot, "p-run"))


@sizes
def test_processing_interrupted(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]
) -> None:
    """The worker is gone (killed with the terminal, say): what was recorded, and r to resume."""
    processing_session("p-int", "processing")
    write_worker_log("p-int", LOG_START, stderr="Killed\n")
    assert snap_compare(vat(), terminal_size=size, run_before=lambda pilot: watch(pilot, "p-int"))


@sizes
def test_processing_completed(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]
) -> None:
    details = {**RUNNING, "running": {}, "done": 24, "failed": {}, "fraction": 1.0, "eta_seconds": None}
    processing_session("p-done", "completed", done=24, current="manifest", details=details)
    events = [e for e in LOG_START if e.get("key") != "rd_video:sketch.mov"]
    events += [
        {"event": "done", "key": "clip:s005"},
        {"event": "done", "key": "clip:g01"},
        {"event": "finished", "status": "completed", "done": 24, "total": 24, "failed": 0},
        {"event": "result", "text": "/archive/25-03-10_Morning_Light"},
    ]
    write_worker_log("p-done", events)
    assert snap_compare(vat(), terminal_size=size, run_before=lambda pilot: watch(pilot, "p-done"))


@sizes
def test_processing_failed(snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]) -> None:
    failed = {
        "rd_video:sketch.mov": "Invalid data found when processing input",
        "clip:s005": "verification failed: 38 frames decoded, 40 expected",
    }
    details = {**RUNNING, "running": {}, "done": 22, "failed": failed, "fraction": 1.0, "eta_seconds": None}
    processing_session("p-failed", "failed", done=22, current="clip:s005", details=details, error="2 operations failed")
    events = LOG_START + [
        {"event": "failed", "key": "clip:s005", "error": failed["clip:s005"]},
        {"event": "done", "key": "clip:g01"},
        {"event": "finished", "status": "failed", "done": 22, "total": 24, "failed": 2},
    ]
    write_worker_log("p-failed", events)
    assert snap_compare(vat(), terminal_size=size, run_before=lambda pilot: watch(pilot, "p-failed"))


@sizes
def test_cancel_processing_confirmation(
    snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]
) -> None:
    processing_session("p-run", "processing")
    write_worker_log("p-run", LOG_START)

    async def cancel(pilot: Pilot) -> None:
        await watch(pilot, "p-run")
        await pilot.press("c")

    with worker_alive("p-run"):
        assert snap_compare(vat(), terminal_size=size, run_before=cancel)


# --- NO_COLOR --------------------------------------------------------------------------------------------


async def test_no_color_turns_every_colour_to_grey(sessions: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = vat()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        svg = app.export_screenshot()
    terminal = svg.split("clip-terminal)", 1)[1]  # the screen's cells, not the window frame's buttons
    colours = set(re.findall(r"#([0-9a-f]{6})\b", terminal, re.I))
    colours |= set(re.findall(r"\.terminal-[\w-]*r\d+ \{ fill: #([0-9a-f]{6})", svg, re.I))  # text colours
    assert colours
    colours.discard("c5c8c6")  # the SVG export's own default foreground, not a colour of the app
    coloured = {c for c in colours if len({c[0:2], c[2:4], c[4:6]}) > 1}
    assert not coloured

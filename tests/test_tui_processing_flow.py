"""Processing from the TUI, end to end: the real app (Pilot, or `vat` in tmux), the real database, the
real ffmpeg and real detached workers. The user relies on this: the work runs in its own process, so
cancelling pauses it cleanly, quitting or losing the terminal does not stop it, and a paused session
resumes from the Sessions screen with complete outputs and no duplicate records."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

import peewee
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, RichLog, Static

from core.pipeline import session_queue as queue
from core.pipeline.background import request_stop, running_pid, start_detached
from core.pipeline.fixity import CHECKSUMS_NAME as CHECKSUMS
from db.connection import open_database
from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory
from db.settings import set_setting
from tests.helpers import ROOT
from tests.media import make_cut_video
from tui.app import VatApp, create_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.history import HistoryScreen
from tui.screens.home import SessionsScreen
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen
from tui.screens.processing import ProcessingScreen
from tui.widgets.vim_table import VimTable

SIZE = (80, 24)
TIMEOUT = 120.0  # seconds: generous, the machine running the tests may be busy
SLOW_SCENES = [250, 250, 250]  # with archive_hq and one worker: a few seconds of encoding


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_video(media_dir: Path) -> Path:
    """Three long scenes at 640x360, no audio: enough work to cancel or quit in the middle of it."""
    return make_cut_video(media_dir / "slow.mp4", SLOW_SCENES, size=(640, 360), audio=False)


@pytest.fixture(autouse=True)
def no_worker_outlives_the_test(db_path: Path) -> Iterator[None]:
    """Whatever a test leaves running is stopped (SIGTERM pauses; SIGKILL if it does not end)."""
    yield
    open_database()
    for session_id in [s.session_id for s in ProcessingState.select(ProcessingState.session_id)]:
        stop_worker(session_id)


def stop_worker(session_id: str) -> None:
    request_stop(session_id)
    if wait_until(lambda: running_pid(session_id) is None, 30.0):
        return
    pid = running_pid(session_id)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: running_pid(session_id) is None, 10.0)


@pytest.fixture
def db() -> peewee.Database:
    return open_database()


@pytest.fixture
def one_worker(db: peewee.Database) -> None:
    """Operations one after another (the detached worker reads this setting): the work lasts longer."""
    set_setting("parallel_workers", 1)


# --- helpers ---------------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    """Outside the app: poll `condition` until it holds (True) or the time is up (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


async def pause_until(pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Inside the app: let it run (timers, polls, workers) until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        await pilot.pause(0.2)


def session(session_id: str) -> ProcessingState:
    return ProcessingState.get(ProcessingState.session_id == session_id)


def only_session() -> ProcessingState:
    rows = list(ProcessingState.select())
    assert len(rows) == 1, [r.session_id for r in rows]
    return rows[0]


def finished(session_id: str) -> bool:
    """Completed, and the worker has let go of the session (it records the history before that)."""
    return session(session_id).status == "completed" and running_pid(session_id) is None


def working(session_id: str) -> bool:
    return running_pid(session_id) is not None


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".vat-part" in p.name]


def files_under(root: Path) -> list[str]:
    """The outputs in the folder (not checksums.sha256, their list)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS)


def expected_files(slug: str, stills: list[int], clips: list[str], hq: str) -> list[str]:
    """The archive of a session with the given scenes (stills, thumbnails) and clip tags."""
    tags = [f"s{n:03d}" for n in stills]
    return sorted(
        [f"{slug}_process_log.txt", "manifest.json", f"masters/{slug}_master.mp4", "index.html"]
        + [f"{slug}_contact_sheet.png", f"{slug}_contact_sheet.pdf"]
        + [f"editorial/{slug}.{ext}" for ext in ("edl", "otio", "fcpxml", "xml")]
        + [f"clips/{slug}_{tag}.mp4" for tag in clips]
        + [f"stills/hq/{slug}_{t}_hq.{hq}" for t in tags]
        + [f"stills/web/{slug}_{t}_web.jpg" for t in tags]
        + [f"thumbnails/{slug}_{t}_thumb.jpg" for t in tags]
    )


def assert_no_duplicate_records(session_id: str) -> None:
    """A resume redoes nothing twice on record: one log row per operation, one registry row per file."""
    names = Counter(r.operation_name for r in OperationLog.select().where(OperationLog.session == session_id))
    paths = Counter(r.file_path for r in FileRegistry.select().where(FileRegistry.session == session_id))
    assert [n for n, c in names.items() if c > 1] == []
    assert [p for p, c in paths.items() if c > 1] == []


def assert_complete_slow_archive(session_id: str) -> Path:
    """Every output of a slow_video session (all scenes, archive_hq), registered once, no temporaries."""
    row = session(session_id)
    root = Path(row.output_path)
    scenes = list(range(1, len(SLOW_SCENES) + 1))
    assert files_under(root) == expected_files("Slow_Work", scenes, [f"s{n:03d}" for n in scenes], "tiff")
    registered = {r.file_path for r in FileRegistry.select().where(FileRegistry.session == session_id)}
    assert registered == {str(root / p) for p in files_under(root)}
    assert row.completed_operations == row.total_operations == len(files_under(root))
    assert_no_duplicate_records(session_id)
    return root


def slow_session(slow_video: Path, out: Path) -> str:
    """A session made through core's API, as the New session form and the picker leave it: scenes
    detected, every scene marked, not started."""
    from core.pipeline.session import (
        SessionOptions,
        check_options,
        create_session,
        detect,
        detection_parameters,
        select,
    )

    row = create_session(
        check_options(
            SessionOptions(master=slow_video, artwork="Slow Work", out=out, preset_id="archive_hq", encoder="x264")
        )
    )
    detect(row, *detection_parameters("adaptive", None, None))
    select(row, None, None)
    assert len(row.scenes_data) == len(SLOW_SCENES)
    return row.session_id


def table_cells(table: DataTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


def state_text(app: App) -> str:
    return str(app.screen.query_one("#state", Static).render())


async def start_from_the_sessions_screen(pilot: Pilot, session_id: str) -> None:
    """enter on the session (it waits for its scenes to be picked) opens the picker; ctrl+r processes."""
    app = pilot.app
    await pause_until(pilot, lambda: isinstance(app.screen, SessionsScreen), "the Sessions screen")
    assert table_cells(app.screen.query_one(DataTable), 0)[:2] == ["Slow Work", "picking scenes"]
    await pilot.press("enter")
    assert isinstance(app.screen, PickerScreen)
    await pilot.press("ctrl+r")
    await pause_until(pilot, lambda: isinstance(app.screen, ProcessingScreen), "the Processing screen")
    await pause_until(pilot, lambda: working(session_id), "the background worker")
    assert isinstance(app, VatApp) and session_id in app.started_here
    entry = queue.entry_of(session_id)  # nothing ahead: in the machine's queue, and started at once
    assert entry is not None and (entry.state, entry.source) == ("running", "tui")


# --- 1. the whole job from the keyboard -----------------------------------------------------------


@pytest.mark.slow
async def test_the_whole_job_from_the_keyboard_at_80x24(cut_video: Path, tmp_path: Path) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pause_until(pilot, lambda: isinstance(app.screen, SessionsScreen), "the Sessions screen")
        await pilot.press("n")
        assert isinstance(app.screen, NewSessionScreen)
        # the master has the focus; tab goes master → R&D → artwork → date → copyright → credits →
        # tags → inventory → preset → output
        await pilot.press(*str(cut_video), "tab", "tab", *"Flow Work", *["tab"] * 7)
        assert app.focused is not None and app.focused.id == "output"
        await pilot.press("ctrl+a", "ctrl+k", *str(tmp_path), "ctrl+s")

        await pause_until(pilot, lambda: isinstance(app.screen, PickerScreen), "detection and the picker")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        session_id = picker.session_id
        assert len(picker.scenes) == 5
        assert "5 scenes" in str(picker.query_one("#picker-title", Static).render())
        # nothing saved yet means every scene is marked: clear, mark 2-4 and group them, then mark 1
        await pilot.press("x", "j", "space", "space", "space", "k", "g", "home", "space")
        assert "4/5 marked (1-4) · groups: g1 2-4" in str(picker.query_one("#picker-status", Static).render())
        await pilot.press("ctrl+r")

        await pause_until(pilot, lambda: isinstance(app.screen, ProcessingScreen), "the Processing screen")
        processing = app.screen
        assert session(session_id).selected_scenes == [1, 2, 3, 4]
        assert session(session_id).grouped_scenes == [[2, 4]]
        await pause_until(pilot, lambda: finished(session_id), "the session to complete")
        await pause_until(
            pilot,
            lambda: "24 done · 0 failed · 0 remaining of 24" in str(processing.query_one("#counts", Static).render()),
            "the final counts on screen",
        )
        # the worker lets go of the session a moment after recording its end
        await pause_until(
            pilot, lambda: state_text(app) == "Completed. Every output is verified and recorded.", "the completed state"
        )
        log_text = "\n".join(line.text for line in processing.query_one(RichLog).lines)
        assert "done  clip:g01" in log_text and "finished: completed (24/24 done, 0 failed)" in log_text

        root = tmp_path / f"{date.today():%y-%m-%d}_Flow_Work"
        assert Path(session(session_id).output_path) == root
        assert files_under(root) == expected_files("Flow_Work", [1, 2, 3, 4], ["s001", "g01"], "png")
        assert temporaries(root) == []

        await pilot.press("escape")
        assert isinstance(app.screen, SessionsScreen)
        assert table_cells(app.screen.query_one(DataTable), 0)[:3] == ["Flow Work", "completed", "100%"]
        await pilot.press("H")
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen.query_one(VimTable)
        assert history.row_count == 1 and "Flow Work" in table_cells(history, 0)
        assert ProjectHistory.get().session_id == session_id

        # the work this TUI started has finished: q quits at once, without a question
        await pilot.press("escape", "q")
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.return_code == 0


# --- 2. resuming a paused session from the Sessions screen ---------------------------------------


def pause_midway(session_id: str) -> None:
    """Start the session's worker and stop it after a few operations, as an interrupted run leaves it."""
    start_detached(session_id)
    assert wait_until(lambda: (session(session_id).completed_operations or 0) >= 3), "no progress"
    assert request_stop(session_id)
    assert wait_until(lambda: running_pid(session_id) is None), "the worker did not stop"
    row = session(session_id)
    assert row.status == "paused" and 3 <= (row.completed_operations or 0) < row.total_operations


@pytest.mark.slow
async def test_enter_resumes_a_paused_session_in_the_background(
    slow_video: Path, tmp_path: Path, one_worker: None
) -> None:
    session_id = slow_session(slow_video, tmp_path)
    pause_midway(session_id)
    made_before = identities(r.file_path for r in FileRegistry.select())

    app = create_app(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pause_until(pilot, lambda: isinstance(app.screen, SessionsScreen), "the Sessions screen")
        assert table_cells(app.screen.query_one(DataTable), 0)[:2] == ["Slow Work", "paused"]
        await pilot.press("enter")
        assert isinstance(app.screen, ProcessingScreen) and app.screen.session_id == session_id
        assert isinstance(app, VatApp) and session_id in app.started_here
        await pause_until(pilot, lambda: finished(session_id), "the resumed session to complete")
        await pause_until(pilot, lambda: state_text(app).startswith("Completed"), "the completed state")

    assert_complete_slow_archive(session_id)
    assert identities(made_before) == made_before  # made before the pause: kept, not made again


def identities(paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Inode and modification time of each file: both change when an output is made again."""
    return {p: (os.stat(p).st_ino, os.stat(p).st_mtime_ns) for p in paths}


# --- 3. cancelling from the Processing screen ----------------------------------------------------


@pytest.mark.slow
async def test_c_pauses_cleanly_and_r_resumes(slow_video: Path, tmp_path: Path, one_worker: None) -> None:
    session_id = slow_session(slow_video, tmp_path)
    root = Path(session(session_id).output_path)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await start_from_the_sessions_screen(pilot, session_id)
        # cancel while a clip other than the last is being encoded: there is a temporary file to clean
        # up, and work left to do after it
        await pause_until(
            pilot, lambda: clip_under_way(root, but_not=f"s{len(SLOW_SCENES):03d}"), "a clip being encoded"
        )
        pid = running_pid(session_id)
        assert pid is not None
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert isinstance(app.screen, ProcessingScreen)
        await pause_until(pilot, lambda: running_pid(session_id) is None, "the worker to end")
        row = session(session_id)
        assert row.status == "paused" and (row.completed_operations or 0) < row.total_operations
        assert wait_until(lambda: not pid_alive(pid), 10.0), "the worker process is still there"
        assert wait_until(lambda: processes_using(root) == [], 10.0), processes_using(root)  # its ffmpeg too
        await pause_until(pilot, lambda: state_text(app).startswith("Paused"), "the paused state on screen")
        assert temporaries(root) == []

        await pilot.press("r")
        await pause_until(pilot, lambda: finished(session_id), "the resumed session to complete")
        await pause_until(pilot, lambda: state_text(app).startswith("Completed"), "the completed state")

    assert_complete_slow_archive(session_id)


def clip_under_way(root: Path, but_not: str) -> bool:
    return any(p.parent.name == "clips" and but_not not in p.name for p in temporaries(root))


def processes_using(root: Path) -> list[str]:
    """Live processes that name a path under `root` in their arguments or hold a file open there."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            files = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:
            continue  # gone meanwhile, or another user's
        if pid_alive(int(proc.name)) and (str(root) in args or any(f.startswith(str(root)) for f in files)):
            found.append(f"{proc.name}: {args[:200]}")
    return found


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# --- 4. quitting while the work runs --------------------------------------------------------------


@pytest.mark.slow
async def test_quitting_while_work_runs_asks_and_leaves_it_running(
    slow_video: Path, tmp_path: Path, one_worker: None
) -> None:
    session_id = slow_session(slow_video, tmp_path)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await start_from_the_sessions_screen(pilot, session_id)
        worker = running_pid(session_id)
        assert worker is not None
        os.kill(worker, signal.SIGSTOP)  # still running, however fast this machine encodes
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        assert "processing of 'Slow Work'" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("ctrl+q")  # again: no second question on top of the first
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
        await pilot.press("n")  # Stay
        assert isinstance(app.screen, ProcessingScreen)
        assert app.return_code is None

        await pilot.press("escape")  # back to Sessions, where q is quit
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert app.return_code == 0
        assert working(session_id), "the work must still be running when vat has closed"
        os.kill(worker, signal.SIGCONT)

    assert wait_until(lambda: finished(session_id)), f"status {session(session_id).status}"
    assert_complete_slow_archive(session_id)


@pytest.mark.slow
async def test_quitting_with_nothing_running_exits_at_once(slow_video: Path, tmp_path: Path, one_worker: None) -> None:
    session_id = slow_session(slow_video, tmp_path)
    pause_midway(session_id)  # a session that could run, but does not
    app = create_app(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pause_until(pilot, lambda: isinstance(app.screen, SessionsScreen), "the Sessions screen")
        await pilot.press("q")
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.return_code == 0
    assert session(session_id).status == "paused"


# --- 5. the terminal disappears --------------------------------------------------------------------


class Tmux:
    """`vat` in a tmux server of its own (socket in the test's folder), at 80x24."""

    def __init__(self, folder: Path):
        self.socket = str(folder / "tmux.sock")

    def __call__(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start_vat(self) -> int:
        env = [f"-e{k}={os.environ[k]}" for k in ("VAT_DB", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")]
        self("new-session", "-d", "-x", "80", "-y", "24", "-c", str(ROOT), *env, sys.executable, "-m", "tui.cli")
        return int(self("display-message", "-p", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self("capture-pane", "-p")

    def shows(self, text: str) -> bool:
        return text in self.screen()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
async def test_the_work_survives_the_terminal_being_killed(slow_video: Path, tmp_path: Path, one_worker: None) -> None:
    session_id = slow_session(slow_video, tmp_path)
    tmux = Tmux(tmp_path)
    tui_pid = tmux.start_vat()
    try:
        assert wait_until(lambda: tmux.shows("picking scenes"), 60.0), tmux.screen()
        tmux("send-keys", "Enter")
        assert wait_until(lambda: tmux.shows("Scene picker"), 60.0), tmux.screen()
        tmux("send-keys", "C-r")
        assert wait_until(lambda: working(session_id), 60.0), tmux.screen()
        assert wait_until(lambda: tmux.shows("Running in the background"), 60.0), tmux.screen()
        worker = running_pid(session_id)
        assert worker is not None
        assert worker != tui_pid and os.getsid(worker) != os.getsid(tui_pid)  # its own process session
        # work is left for after the terminal is gone (the worker marks it as soon as it holds the lock)
        assert wait_until(lambda: session(session_id).status == "processing", 10.0), session(session_id).status

        tmux("kill-server")  # the terminal is gone: the TUI gets SIGHUP, as when an SSH connection drops
        assert wait_until(lambda: not pid_alive(tui_pid), 30.0), "the TUI outlived its terminal"
        assert working(session_id) and session(session_id).status == "processing"
    finally:
        subprocess.run(["tmux", "-S", tmux.socket, "kill-server"], capture_output=True, timeout=30)
        if pid_alive(tui_pid):
            os.kill(tui_pid, signal.SIGKILL)

    # vat opened again shows the work (still running or finished) and watches it without restarting it
    app = create_app(cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pause_until(pilot, lambda: isinstance(app.screen, SessionsScreen), "the Sessions screen")
        assert table_cells(app.screen.query_one(DataTable), 0)[1] in ("running", "completed")
        await pilot.press("enter")
        assert isinstance(app.screen, ProcessingScreen)
        await pause_until(pilot, lambda: finished(session_id), "the session to complete")
        await pause_until(pilot, lambda: state_text(app).startswith("Completed"), "the completed state")
        assert app.started_here == set()
    assert_complete_slow_archive(session_id)

"""`vat watch`: a folder fed while the watcher runs, stopped and restarted; what it refuses and skips.

The watcher runs as the real command in a child process (stopped with SIGTERM, as a service manager
does); what it queued is read back from the real database. Processing is the queue runner's and is
not run here (--queue-only)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from core.pipeline.master_hash import sha256_file
from core.pipeline.watch_scan import Seen, Settler, video_files
from core.pipeline.watch_service import WatchLock, ensure_started, watch_log_path, watcher_pid
from db.models import ProcessingState, QueueEntry, WatchedMaster
from db.settings import set_setting
from tests.helpers import vat
from tests.media import make_cut_video
from tests.tui_flows import until
from tests.watch_process import WAIT, Watcher, stop_everything_started
from tui.app import VatApp


@pytest.fixture(scope="module")
def masters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three different tiny masters (their content hashes differ)."""
    folder = tmp_path_factory.mktemp("masters")
    return {
        name: make_cut_video(folder / f"{name}.mp4", frames, audio=False)
        for name, frames in (("a", [10, 8]), ("b", [9, 9]), ("c", [8, 11]))
    }


@pytest.fixture(autouse=True)
def nothing_outlives_the_test(db_path: Path) -> Iterator[None]:
    """No watcher or queue runner a test started runs on after it, whatever happened in it."""
    yield
    stop_everything_started()


def copy_in_two_steps(source: Path, target: Path, pause: float) -> None:
    """A master arriving as a slow copy does: half of it, a pause, the rest."""
    data = source.read_bytes()
    with open(target, "wb") as out:
        out.write(data[: len(data) // 2])
        out.flush()
        os.fsync(out.fileno())
        time.sleep(pause)
        out.write(data[len(data) // 2 :])


def sessions_by_artwork() -> dict[str, ProcessingState]:
    return {row.artwork_name: row for row in ProcessingState.select()}


@pytest.mark.slow  # two watcher processes and a settle: about 10 s
def test_a_watch_folder_fed_while_running_and_restarted(
    tmp_path: Path, masters: dict[str, Path], db: peewee.SqliteDatabase
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    (inbox / "Alpha_rd").mkdir()  # Alpha's R&D folder, beside it (--rd-from sibling)
    (inbox / "Alpha_rd" / "making-of.mp4").write_bytes(masters["c"].read_bytes())  # R&D, never a master
    options = ("--out", out, "--preset", "archive_hq", "--rd-from", "sibling", "--scenes", "all")

    first = Watcher(inbox, *options, "--settle", "2")  # well past the pause, even on a loaded machine
    first.wait_for("watching")
    copy_in_two_steps(masters["a"], inbox / "Alpha.mp4", pause=0.7)  # growing: not taken before it settles
    taken = first.wait_for("taken", "Alpha.mp4")
    assert taken["size"] == masters["a"].stat().st_size  # taken whole, once
    first.wait_for("queued", "Alpha.mp4")
    shutil.copyfile(masters["b"], inbox / "Beta.mp4")
    first.wait_for("queued", "Beta.mp4")
    assert first.stop() == 0
    assert first.named("taken") == ["Alpha.mp4", "Beta.mp4"]
    assert first.named("failed") == []

    second = Watcher(inbox, *options, "--settle", "0")
    second.wait_for("watching")
    shutil.copyfile(masters["c"], inbox / "Gamma.mp4")
    second.wait_for("queued", "Gamma.mp4")
    assert second.stop() == 0
    assert second.named("taken") == ["Gamma.mp4"]  # Alpha and Beta were not even hashed again

    found = sessions_by_artwork()
    assert sorted(found) == ["Alpha", "Beta", "Gamma"]
    queued = QueueEntry.select().order_by(QueueEntry.position)
    assert [(e.session_id, e.source, e.state) for e in queued] == [
        (found[name].session_id, "watch", "waiting") for name in ("Alpha", "Beta", "Gamma")
    ]
    for name, master in (("Alpha", "a"), ("Beta", "b"), ("Gamma", "c")):
        session = found[name]
        assert Path(session.master_path) == inbox / f"{name}.mp4"
        assert session.master_sha256 == sha256_file(masters[master])
        assert Path(session.output_path).parent == out
        assert session.preset_id == "archive_hq"
        assert session.process_metadata["requested_selection"]["scenes"] is None  # every scene, unattended
        assert "pick_later" not in session.process_metadata
        row = WatchedMaster.get(WatchedMaster.master_sha256 == session.master_sha256)
        assert (row.state, row.session_id, Path(row.master_path)) == (
            "queued",
            session.session_id,
            inbox / f"{name}.mp4",
        )
    assert found["Alpha"].rd_folder_path == str(inbox / "Alpha_rd")
    assert found["Beta"].rd_folder_path is None and found["Gamma"].rd_folder_path is None


@pytest.mark.backends
@pytest.mark.slow  # a watcher process, a second one refused, several masters: about 7 s
def test_failures_duplicates_and_a_second_watcher(
    tmp_path: Path, masters: dict[str, Path], db: peewee.SqliteDatabase
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "archive"
    (inbox / "Series 1").mkdir(parents=True)
    watcher = Watcher(inbox, "--out", out, "--settle", "0", "--artwork-from", "parent", "--scenes", "pick")
    watcher.wait_for("watching")
    pid = watcher.proc.pid

    refused = vat("watch", inbox, "--settle", "0")
    assert refused.returncode == 2
    assert f"already watched by pid {pid}" in refused.stderr
    assert f"watched by pid {pid}" in vat("watch", inbox, "--status", check=True).stdout

    (inbox / "broken.mp4").write_text("not a video\n")
    shutil.copyfile(masters["a"], inbox / "Series 1" / "take1.mp4")
    shutil.copyfile(masters["a"], inbox / "Series 1" / "take1 copy.mp4")  # the same content again
    failed = watcher.wait_for("failed", "broken.mp4")
    assert "broken.mp4" in failed["reason"] and "\n" not in failed["reason"]
    watcher.wait_for("queued", "take1 copy.mp4")  # sorted first: the other is the copy now
    skipped = watcher.wait_for("skipped", "take1.mp4")
    assert "same content as" in skipped["reason"] and "take1 copy.mp4" in skipped["reason"]

    (inbox / "Series 2").mkdir()  # artwork from the folder: one master per folder (one project folder)
    shutil.copyfile(masters["b"], inbox / "Series 2" / "take2.mp4")
    watcher.wait_for("queued", "take2.mp4")  # by now broken.mp4 has been polled again and again
    assert watcher.named("failed") == ["broken.mp4"]  # not retried while unchanged
    with open(inbox / "broken.mp4", "a") as changed:
        changed.write("still not a video\n")
    watcher.events = [e for e in watcher.events if e["event"] != "failed"]
    watcher.wait_for("failed", "broken.mp4")  # changed: tried again
    assert watcher.stop() == 0
    assert "not watched" in vat("watch", inbox, "--status", check=True).stdout

    row = WatchedMaster.get(WatchedMaster.master_path == str(inbox / "broken.mp4"))
    assert row.state == "failed" and "broken.mp4" in (row.reason or "") and row.session_id is None
    sessions = list(ProcessingState.select())
    assert [s.artwork_name for s in sessions] == ["Series 1", "Series 2"]  # artwork from the folder
    for session in sessions:  # picked later: no selection decided up front
        assert "requested_selection" not in session.process_metadata
        assert session.process_metadata["pick_later"] is True
    assert QueueEntry.select().count() == 2


@pytest.mark.slow  # two watcher processes: about 4 s
def test_a_copy_is_not_hashed_again_after_a_restart_and_its_session_is_told_as_it_is_now(
    tmp_path: Path, masters: dict[str, Path], db: peewee.SqliteDatabase
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    shutil.copyfile(masters["a"], inbox / "L8.mp4")
    shutil.copyfile(masters["a"], inbox / "L8 copy.mp4")
    first = Watcher(inbox, "--out", out, "--settle", "0")
    queued = first.wait_for("queued", "L8 copy.mp4")  # sorted first
    skipped = first.wait_for("skipped", "L8.mp4")
    assert first.stop() == 0
    session = queued["session"]
    assert skipped["reason"] == f"same content as {inbox / 'L8 copy.mp4'}, session {session}: queued"

    vat("queue", "hold", session, check=True)  # what the session is now is what a later skip says
    shutil.copyfile(masters["a"], inbox / "L8 again.mp4")
    second = Watcher(inbox, "--out", out, "--settle", "0")
    again = second.wait_for("skipped", "L8 again.mp4")
    assert second.stop() == 0
    assert second.named("taken") == ["L8 again.mp4"]  # neither the master nor its first copy hashed again
    assert again["reason"] == (
        f"same content as {inbox / 'L8 copy.mp4'}, session {session}: held in the queue: vat queue release {session}"
    )
    rows = {Path(r.master_path).name: (r.state, r.session_id) for r in WatchedMaster.select()}
    assert rows == {
        "L8 copy.mp4": ("queued", session),
        "L8.mp4": ("skipped", session),
        "L8 again.mp4": ("skipped", session),
    }
    assert QueueEntry.select().count() == 1 and ProcessingState.select().count() == 1


def test_the_tui_starts_one_watcher_detached_when_enabled(tmp_path: Path, db: peewee.SqliteDatabase) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert ensure_started() is None  # watch_enabled is off by default
    set_setting("watch_enabled", True)
    assert ensure_started() is None  # no watch_folder: nothing to watch
    set_setting("watch_folder", str(inbox))
    set_setting("watch_settle_seconds", 0)
    pid = ensure_started()
    assert pid is not None
    try:
        give_up = time.monotonic() + WAIT
        while watcher_pid(inbox) != pid and time.monotonic() < give_up:
            time.sleep(0.05)
        assert watcher_pid(inbox) == pid
        assert os.getsid(pid) == pid  # its own process session: closing the terminal does not stop it
        assert ensure_started() is None  # one watcher per folder
    finally:
        stop_and_wait(pid, inbox)


def stop_and_wait(pid: int, folder: Path) -> None:
    os.kill(pid, signal.SIGTERM)
    give_up = time.monotonic() + WAIT
    while watcher_pid(folder) is not None and time.monotonic() < give_up:
        time.sleep(0.05)
    assert watcher_pid(folder) is None


async def test_the_tui_opening_starts_the_watcher_which_outlives_it(tmp_path: Path, db: peewee.SqliteDatabase) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    set_setting("watch_enabled", True)
    set_setting("watch_folder", str(inbox))
    app = VatApp(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pid = await until(pilot, lambda: watcher_pid(inbox), "vat watch started by the TUI")
    try:
        give_up = time.monotonic() + WAIT
        while f'"dir": "{inbox}"' not in watch_log_path().read_text() and time.monotonic() < give_up:
            time.sleep(0.05)
        assert f'{{"event": "watching", "dir": "{inbox}"' in watch_log_path().read_text()  # its events, logged
        assert watcher_pid(inbox) == pid  # the TUI has closed; the watcher runs on
    finally:
        stop_and_wait(pid, inbox)


@pytest.mark.slow  # a real vat run first: about 6 s
def test_a_master_archived_by_vat_run_is_not_queued_again_nor_its_folder_taken(
    tmp_path: Path, masters: dict[str, Path], db: peewee.SqliteDatabase
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    vat("run", masters["a"], "--artwork", "Earlier", "--out", out, "--preset", "preview_fast", check=True)
    earlier = ProcessingState.get(ProcessingState.artwork_name == "Earlier")
    archive = {p: p.read_bytes() for p in Path(earlier.output_path).rglob("*") if p.is_file()}
    shutil.copyfile(masters["a"], inbox / "Again.mp4")
    # new content under the archived one's name, the same day: its project folder is taken
    shutil.copyfile(masters["b"], inbox / "Earlier.mp4")
    watcher = Watcher(inbox, "--out", out, "--settle", "0")
    skipped = watcher.wait_for("skipped", "Again.mp4")
    queued = watcher.wait_for("queued", "Earlier.mp4")
    assert watcher.stop() == 0
    assert watcher.named("failed") == []
    assert skipped["reason"] == (
        f"same content as {masters['a']}, session {earlier.session_id}: completed in {earlier.output_path}"
    )
    row = WatchedMaster.get(WatchedMaster.master_path == str(inbox / "Again.mp4"))
    assert (row.state, row.session_id) == ("skipped", earlier.session_id)

    # archived beside it under a numbered name: nothing overwritten, both kept
    renamed = ProcessingState.get(ProcessingState.session_id == queued["session"])
    assert queued["artwork"] == renamed.artwork_name == "Earlier (2)"
    assert Path(renamed.output_path) == Path(earlier.output_path).with_name(Path(earlier.output_path).name + "_2")
    assert (
        queued["renamed"]
        == f"{Path(earlier.output_path).name} holds session {earlier.session_id} (completed) of another master"
    )
    assert Path(renamed.master_path) == inbox / "Earlier.mp4"
    assert {p: p.read_bytes() for p in Path(earlier.output_path).rglob("*") if p.is_file()} == archive
    assert ProcessingState.get(ProcessingState.id == earlier.id).status == "completed"
    entries = QueueEntry.select().where(QueueEntry.source == "watch")
    assert [(e.session_id, e.state) for e in entries] == [(renamed.session_id, "waiting")]


def test_a_file_being_copied_is_never_ready() -> None:
    now = [0.0]
    settler = Settler(settle=2.0, clock=lambda: now[0])
    path = Path("/in/A.mp4")
    for size in range(1, 5):  # growing on every poll, long past the settle time
        assert settler.ready({path: Seen(size, float(size))}) == []
        now[0] += 3.0
    assert settler.ready({path: Seen(5, 5.0)}) == []  # its last change: seen first now
    now[0] += 1.0
    assert settler.ready({path: Seen(5, 5.0)}) == []  # unchanged, but not for 2 s yet
    now[0] += 1.0
    assert settler.ready({path: Seen(5, 5.0)}) == [(path, Seen(5, 5.0))]
    settler.handled(path, Seen(5, 5.0))
    now[0] += 10.0
    assert settler.ready({path: Seen(5, 5.0)}) == []  # handled: only a change brings it back
    assert settler.ready({path: Seen(6, 6.0)}) == []
    now[0] += 2.0
    assert settler.ready({path: Seen(6, 6.0)}) == [(path, Seen(6, 6.0))]


def test_what_the_scan_passes_over(tmp_path: Path) -> None:
    for name in ("A.MOV", "sub/B.mkv", "A_rd/clip.mp4", ".hidden/C.mp4", ".D.mp4.part", "notes.txt", "out/E.mp4"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = video_files(tmp_path, skip_rd=True, exclude=[tmp_path / "out"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found) == ["A.MOV", "sub/B.mkv"]
    with_rd = video_files(tmp_path, skip_rd=False)
    assert (tmp_path / "A_rd" / "clip.mp4") in with_rd and (tmp_path / "out" / "E.mp4") in with_rd


def test_watch_needs_a_folder(tmp_path: Path) -> None:
    missing = vat("watch", tmp_path / "nowhere")
    assert missing.returncode == 2 and "nowhere: watch folder does not exist" in missing.stderr
    unset = vat("watch")
    assert unset.returncode == 2 and "watch_folder" in unset.stderr


def test_the_lock_is_one_per_folder_however_spelt(tmp_path: Path, db: peewee.SqliteDatabase) -> None:
    (tmp_path / "in").mkdir()
    assert WatchLock(tmp_path / "in" / ".." / "in").path == WatchLock(tmp_path / "in").path
    assert WatchLock(tmp_path / "in").path != WatchLock(tmp_path).path


@pytest.mark.backends
@pytest.mark.slow  # a watcher, then a detached queue runner processing what it queued: about 10 s
def test_what_the_watcher_queues_is_archived_by_the_runner_it_starts(
    tmp_path: Path, masters: dict[str, Path], db: peewee.SqliteDatabase
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    watcher = Watcher(inbox, "--out", out, "--settle", "0", queue_only=False)
    watcher.wait_for("watching")
    shutil.copyfile(masters["a"], inbox / "Gamma.mp4")
    watcher.wait_for("queued", "Gamma.mp4")

    def finished() -> QueueEntry | None:
        entry = QueueEntry.get_or_none()
        return entry if entry is not None and entry.state in ("done", "failed") else None

    give_up = time.monotonic() + 3 * WAIT
    while (entry := finished()) is None and time.monotonic() < give_up:
        time.sleep(0.2)
    assert entry is not None and entry.state == "done", entry and entry.reason
    session = ProcessingState.get(ProcessingState.session_id == entry.session_id)
    assert session.status == "completed" and session.artwork_name == "Gamma"
    done = watcher.wait_for("finished", "Gamma.mp4")  # the watcher says so
    assert (done["session"], done["status"], done["out"]) == (session.session_id, "completed", session.output_path)
    shutil.copyfile(masters["a"], inbox / "Gamma copy.mp4")
    skipped = watcher.wait_for("skipped", "Gamma copy.mp4")
    assert skipped["reason"].endswith(f"session {session.session_id}: completed in {session.output_path}")
    assert watcher.stop() == 0
    assert vat("verify", session.session_id).returncode == 0  # every output there and intact

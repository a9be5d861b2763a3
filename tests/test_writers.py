"""Two writers, one project folder: locks live with what they protect (the database, the folder),
temporary names are unique per process, an existing project folder is refused unless --replace."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from core.errors import BadInput
from tests.helpers import decode_rgb, start_vat, vat
from tests.test_resume import count, kill_after, read_until

ARGS = ["--artwork", "Two Writers", "--date", "26-11-23", "--workers", "1", "--json"]
FOLDER = "26-11-23_Two_Writers"


def rows() -> tuple[Any, Any]:
    from db.connection import open_database
    from db.models import FileRegistry, ProcessingState

    open_database()
    return ProcessingState, FileRegistry


def lock_files(db_path: Path, root: Path) -> list[Path]:
    locks = db_path.with_name(db_path.name + ".locks")
    # files only: the queue's lock folders (slots/, batches/, runners/) stay, empty, once released
    found = [p for p in locks.rglob("*") if p.is_file()] if locks.is_dir() else []
    return found + [p for p in root.rglob(".vat.lock")]


def assert_all_decodable_and_registered(root: Path, session_id: str) -> None:
    _, FileRegistry = rows()
    registered = {r.file_path for r in FileRegistry.select().where(FileRegistry.session == session_id)}
    on_disk = {str(p) for p in root.rglob("*") if p.is_file() and p.name != "checksums.sha256"}
    assert registered == on_disk
    clips = sorted((root / "clips").iterdir())
    assert clips
    for clip in clips:
        assert len(decode_rgb(clip)) > 0, f"{clip} does not decode"


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_second_run_into_a_folder_being_written_is_refused_naming_the_holder(
    cut_video: Path, tmp_path: Path, db_path: Path
) -> None:
    out = tmp_path / "out"
    first = start_vat("run", cut_video, "--out", out, *ARGS)
    try:
        read_until(first, count("start"))
        first.send_signal(signal.SIGSTOP)  # alive and writing, however fast the work is
        ProcessingState, _ = rows()
        holder = ProcessingState.get().session_id
        second = vat("run", cut_video, "--out", out, *ARGS)
        assert second.returncode == 2
        line = second.stderr.strip().splitlines()[-1]
        assert "being written by session" in line and holder in line and str(first.pid) in line
        first.send_signal(signal.SIGCONT)
        first.stdout.read()
        assert first.wait(timeout=120) == 0
    finally:
        first.kill()
        first.wait()
    assert ProcessingState.select().count() == 1, "the refused run recorded a session"
    assert_all_decodable_and_registered(out / FOLDER, holder)
    assert lock_files(db_path, out) == []


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_two_runs_started_together_one_completes_the_other_is_refused(cut_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [start_vat("run", cut_video, "--out", out, *ARGS) for _ in range(2)]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=180)
        results.append((proc.returncode, stdout, stderr))
    assert sorted(code for code, _, _ in results) == [0, 2], results
    ProcessingState, _ = rows()
    winner = ProcessingState.get(ProcessingState.status == "completed").session_id
    refused = next(stderr for code, _, stderr in results if code == 2)
    assert winner in refused.strip().splitlines()[-1]
    assert_all_decodable_and_registered(out / FOLDER, winner)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_one_session_resumed_under_two_data_folders_is_refused(
    cut_video: Path, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session lock lives beside the database, not in the user data folder."""
    out = tmp_path / "out"
    kill_after(start_vat("run", cut_video, "--out", out, *ARGS), lambda ev: count("done")(ev) >= 2)
    ProcessingState, _ = rows()
    session_id = ProcessingState.get().session_id
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-a"))
    first = start_vat("--resume", session_id, "--json")
    try:
        read_until(first, count("start"))
        first.send_signal(signal.SIGSTOP)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-b"))
        second = vat("--resume", session_id)
        assert second.returncode == 2
        assert "being processed by process" in second.stderr and session_id in second.stderr
        first.send_signal(signal.SIGCONT)
        first.stdout.read()
        assert first.wait(timeout=120) == 0
    finally:
        first.kill()
        first.wait()
    assert_all_decodable_and_registered(out / FOLDER, session_id)
    assert lock_files(db_path, out) == []


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_rerun_into_an_existing_project_folder_needs_replace(cut_video: Path, tmp_path: Path, db_path: Path) -> None:
    out = tmp_path / "out"
    root = out / FOLDER
    vat("run", cut_video, "--out", out, *ARGS, check=True)
    ProcessingState, FileRegistry = rows()
    earlier = ProcessingState.get().session_id
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}

    again = vat("run", cut_video, "--out", out, *ARGS)
    assert again.returncode == 2
    line = again.stderr.strip().splitlines()[-1]
    assert f"already holds session {earlier}" in line and "--replace" in line
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == before
    assert ProcessingState.select().count() == 1

    replaced = vat("run", cut_video, "--out", out, *ARGS, "--replace", "--scenes", "1-2")
    assert replaced.returncode == 0, replaced.stderr
    newer = ProcessingState.get(ProcessingState.session_id != earlier)
    old = ProcessingState.get(ProcessingState.session_id == earlier)
    assert newer.status == "completed" and old.process_metadata["replaced_by"] == newer.session_id
    assert FileRegistry.select().where(FileRegistry.session == earlier).count() == 0
    assert_all_decodable_and_registered(root, newer.session_id)  # scenes 3-5 of the earlier run are gone
    assert sorted(p.name for p in (root / "clips").iterdir()) == ["Two_Writers_s001.mp4", "Two_Writers_s002.mp4"]
    assert lock_files(db_path, out) == []


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_replacing_a_paused_session_retires_it(cut_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start_vat("run", cut_video, "--out", out, *ARGS)
    read_until(proc, count("done"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    ProcessingState, _ = rows()
    earlier = ProcessingState.get().session_id
    refused = vat("run", cut_video, "--out", out, *ARGS)
    assert refused.returncode == 2 and f"vat --resume {earlier}" in refused.stderr
    vat("run", cut_video, "--out", out, *ARGS, "--replace", check=True)
    old = ProcessingState.get(ProcessingState.session_id == earlier)
    assert old.status == "failed" and "replaced by" in old.error_message
    resumed = vat("--resume", earlier)
    assert resumed.returncode == 2 and "was replaced by session" in resumed.stderr
    assert vat("--resume").stdout.strip() == "nothing to resume"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_lock_files_of_a_killed_session_go_when_it_ends(cut_video: Path, tmp_path: Path, db_path: Path) -> None:
    out = tmp_path / "out"
    kill_after(start_vat("run", cut_video, "--out", out, *ARGS), count("done"))
    assert lock_files(db_path, out), "a SIGKILLed process cannot remove its lock files"
    # one left by a process killed after its session ended, that no resume will take over
    (db_path.with_name(db_path.name + ".locks") / "26-11-22_Old_0badf00d.lock").write_text("999999 old")
    vat("--resume", check=True)
    assert lock_files(db_path, out) == []


def test_temporary_names_are_unique_per_process_and_call(tmp_path: Path) -> None:
    from core.pipeline.execute import is_temporary, temporary_path

    final = tmp_path / "clips" / "a_s001.mp4"
    first, second = temporary_path(final), temporary_path(final)
    assert first != second and first.parent == final.parent and first.suffix == ".mp4"
    assert f"-{os.getpid()}-" in first.name and is_temporary(first)


def _hammer(lock_path: str, inside: str, rounds: int, errors: Any, entered: Any) -> None:
    from core.pipeline.lock import FileLock

    class Lock(FileLock):
        def busy_message(self) -> str:
            return "busy"

    for _ in range(rounds):
        lock = Lock(Path(lock_path))
        try:
            lock.acquire()
        except BadInput:
            continue
        try:
            fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # fails if another holder is inside
            os.close(fd)
            with entered.get_lock():
                entered.value += 1
            os.unlink(inside)
        except FileExistsError:
            errors.value += 1
        finally:
            lock.release()


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_lock_files_are_removed_without_letting_two_holders_in(tmp_path: Path) -> None:
    """Holders unlink the file on release while others are taking it: never two holders at once."""
    errors, entered = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    lock_path, inside = tmp_path / "x.lock", tmp_path / "inside"
    workers = [
        multiprocessing.Process(target=_hammer, args=(str(lock_path), str(inside), 1000, errors, entered))
        for _ in range(3)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert entered.value > 300 and errors.value == 0
    assert not lock_path.exists()


def test_a_taker_never_holds_a_lock_file_removed_under_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race itself, made certain: between a taker's open and its flock, the holder releases
    (unlinks) the file and a third process makes and locks a new one. The taker must see that the path
    names another file now and go for that one (busy), never hold the removed one."""
    import fcntl

    from core.pipeline import lock as locks

    path = tmp_path / "x.lock"
    real_flock = fcntl.flock
    third: dict[str, int] = {}

    def flock_after_the_swap(fd: int, operation: int) -> None:
        if not third:
            path.unlink()  # the holder released it
            third["fd"] = os.open(path, os.O_RDWR | os.O_CREAT)  # a third process takes the new file
            real_flock(third["fd"], fcntl.LOCK_EX)
        return real_flock(fd, operation)

    class Lock(locks.FileLock):
        def busy_message(self) -> str:
            return "busy"

    path.write_text("")
    monkeypatch.setattr(locks.fcntl, "flock", flock_after_the_swap)
    monkeypatch.setattr(locks, "BUSY_GRACE_SECONDS", 0.1)
    try:
        with pytest.raises(BadInput, match="busy"):
            Lock(path).acquire()
    finally:
        os.close(third["fd"])

"""Database faults (read-only file, locked at start, locked mid-run, full disk) and an ffmpeg that is
not one: one line, exit 3, the session stays resumable and nothing is lost.

Tests run as root, where file modes do not stop writes: a read-only bind mount and a tiny tmpfs do.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import start_vat, vat
from tests.test_resume import count, read_until

ARGS = ["--artwork", "Db Fault", "--date", "26-11-23", "--workers", "1", "--json"]
FOLDER = "26-11-23_Db_Fault"


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here ({done.stderr.strip() or done.returncode})")


def umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@contextlib.contextmanager
def exclusive_lock(db: Path) -> Iterator[None]:
    """Another process's write lock on the database (BEGIN EXCLUSIVE), held until the block ends."""
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def one_error_line(stderr: str) -> str:
    """The one error line (a resume says what it resumes first, on stderr too)."""
    errors = [line for line in stderr.splitlines() if line.startswith("vat: error:")]
    assert "Traceback" not in stderr, stderr
    assert len(errors) == 1 and stderr.strip().splitlines()[-1] == errors[0], stderr
    return errors[0]


def rows() -> tuple[Any, Any]:
    from db.connection import open_database
    from db.models import FileRegistry, ProcessingState

    open_database()
    return ProcessingState, FileRegistry


def paused_session(cut_video: Path, out: Path) -> str:
    """A session stopped (SIGTERM) after a few outputs: what a fault must leave intact."""
    proc = start_vat("run", cut_video, "--out", out, *ARGS)
    read_until(proc, lambda ev: count("done")(ev) >= 3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    ProcessingState, FileRegistry = rows()
    from db.connection import close_database

    session_id = ProcessingState.get().session_id
    close_database()
    return session_id


def assert_finishes_complete(out: Path, session_id: str) -> None:
    done = vat("--resume")
    assert done.returncode == 0, done.stderr
    ProcessingState, FileRegistry = rows()
    session = ProcessingState.get(ProcessingState.session_id == session_id)
    assert session.status == "completed"
    registered = {r.file_path for r in FileRegistry.select().where(FileRegistry.session == session_id)}
    assert registered == {str(p) for p in (out / FOLDER).rglob("*") if p.is_file() and p.name != "checksums.sha256"}
    assert all(r.verified for r in FileRegistry.select())


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_read_only_database_file(cut_video: Path, tmp_path: Path, db_path: Path) -> None:
    out = tmp_path / "out"
    session_id = paused_session(cut_video, out)
    before = db_path.read_bytes()
    mount("--bind", str(db_path), str(db_path))
    try:
        mount("-o", "remount,bind,ro", str(db_path))
        resumed = vat("--resume")
        assert resumed.returncode == 3
        line = one_error_line(resumed.stderr)
        assert str(db_path) in line and "readonly" in line
        fresh = vat("run", cut_video, "--out", tmp_path / "other", *ARGS)
        assert fresh.returncode == 3
        assert str(db_path) in one_error_line(fresh.stderr)
        assert not (tmp_path / "other").exists() or not any((tmp_path / "other").rglob("*"))
    finally:
        umount(db_path)
    assert db_path.read_bytes() == before
    assert_finishes_complete(out, session_id)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_database_locked_at_start(
    cut_video: Path, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    session_id = paused_session(cut_video, out)
    monkeypatch.setenv("VAT_DB_BUSY_TIMEOUT_MS", "300")
    with exclusive_lock(db_path):
        resumed = vat("--resume")
        assert resumed.returncode == 3
        line = one_error_line(resumed.stderr)
        assert str(db_path) in line and "locked" in line
        fresh = vat("run", cut_video, "--out", tmp_path / "other", *ARGS)
        assert fresh.returncode == 3
        assert "locked" in one_error_line(fresh.stderr)
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").rglob("*"))
    ProcessingState, _ = rows()
    assert ProcessingState.select().count() == 1
    assert_finishes_complete(out, session_id)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_database_locked_mid_run(
    cut_video: Path, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("VAT_DB_BUSY_TIMEOUT_MS", "300")
    proc = start_vat("run", cut_video, "--out", out, *ARGS)
    try:
        read_until(proc, lambda ev: count("done")(ev) >= 2)
        with exclusive_lock(db_path):
            stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 3, stderr
    ProcessingState, _ = rows()
    session_id = ProcessingState.get().session_id
    line = one_error_line(stderr)
    assert "locked" in line and f"vat --resume {session_id}" in line
    assert [p for p in (out / FOLDER).rglob("*") if ".vat-part" in p.name] == []
    monkeypatch.delenv("VAT_DB_BUSY_TIMEOUT_MS")
    assert_finishes_complete(out, session_id)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_full_disk_under_the_database(cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk))
    try:
        db = disk / "state.db"
        monkeypatch.setenv("VAT_DB", str(db))
        out = tmp_path / "out"
        proc = start_vat("run", cut_video, "--out", out, *ARGS)
        try:
            read_until(proc, lambda ev: count("done")(ev) >= 2)
            filler = disk / "filler"
            with open(filler, "wb") as fh:  # every byte left, so the next commit cannot grow the log
                with contextlib.suppress(OSError):
                    while True:
                        fh.write(b"\0" * 65536)
                        fh.flush()
            stdout, stderr = proc.communicate(timeout=120)
        finally:
            proc.kill()
            proc.wait()
        assert proc.returncode == 3, stderr
        line = one_error_line(stderr)
        assert str(db) in line and ("full" in line or "disk" in line)
        filler.unlink()
        ProcessingState, _ = rows()
        session_id = ProcessingState.get().session_id
        assert ProcessingState.get().status in ("processing", "paused")
        assert_finishes_complete(out, session_id)
    finally:
        from db.connection import close_database

        close_database()
        umount(disk)


@pytest.mark.parametrize("kind", ["false", "text"])
def test_vat_ffmpeg_that_is_not_an_ffmpeg(
    cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    if kind == "false":
        fake = Path("/bin/false")
    else:
        fake = tmp_path / "ffmpeg"
        fake.write_text("these are notes, not a program\n")
        fake.chmod(0o755)
    monkeypatch.setenv("VAT_FFMPEG", str(fake))
    out = tmp_path / "out"
    done = vat("run", cut_video, "--out", out, *ARGS)
    assert done.returncode == 3
    line = one_error_line(done.stderr)
    assert f"VAT_FFMPEG={fake}" in line and "not an ffmpeg" in line
    assert not out.exists() or not any(out.rglob("*"))
    ProcessingState, _ = rows()
    assert ProcessingState.select().count() == 0

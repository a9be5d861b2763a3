"""Honest logs: nothing over the TUI, SQL only when asked, one safe vat.log for every process, worker
logs gone with their session, ffmpeg failures that can be reproduced, an unwritable folder said once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from core import dirs, logs
from core.media import ffmpeg
from tests.helpers import ROOT, vat
from tui.app import create_app


@pytest.fixture
def log_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A log folder of this test's own (the isolated home's is shared by every test)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield dirs.log_dir()
    logs.stop_logging()


def _terminal_handlers(stream: object) -> list[logging.Handler]:
    return [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler) and h.stream is stream
    ]


async def test_verbose_records_go_to_the_file_not_over_the_tui(
    log_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.setup_logging(1)
    stderr = sys.stderr
    assert len(_terminal_handlers(stderr)) == 1  # -v outside the TUI: debug lines on stderr
    app = create_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert _terminal_handlers(stderr) == []
        logging.getLogger("vat.test").debug("while the TUI runs")
        await pilot.press("q")
    assert len(_terminal_handlers(stderr)) == 1  # back once the terminal is ours again
    logs.stop_logging()
    assert "while the TUI runs" not in capsys.readouterr().err
    assert "DEBUG vat.test: while the TUI runs" in (log_home / "vat.log").read_text()


def test_sql_statements_are_logged_only_with_vv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for flags, sql_logged in ((["-v"], False), (["-vv"], True)):
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / flags[0]))
        vat(*flags, "sessions", check=True)
        text = (dirs.log_dir() / "vat.log").read_text()
        assert ("DEBUG peewee:" in text) is sql_logged, text[-2000:]


WRITER = """
import logging, sys
from core.logs import SharedRotatingFileHandler
handler = SharedRotatingFileHandler(sys.argv[1], max_bytes=4000, backup_count=1000)
handler.setFormatter(logging.Formatter("%(message)s"))
log = logging.getLogger("w"); log.addHandler(handler); log.setLevel(logging.INFO)
for i in range(400):
    log.info("%s %04d %s", sys.argv[2], i, "x" * 40)
"""


def test_several_processes_share_the_rotating_log_without_losing_a_record(tmp_path: Path) -> None:
    path = tmp_path / "vat.log"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"p{n}"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        for n in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * 4
    files = sorted(tmp_path.glob("vat.log*"))
    lines = [line for f in files if not f.name.endswith(".lock") for line in f.read_text().splitlines()]
    assert sorted(lines) == sorted(f"p{n} {i:04d} {'x' * 40}" for n in range(4) for i in range(400))
    # one rotation at a time, each on the current file: every rotated file was filled to the limit
    # (less than one record short), none rotated again by a process still writing an older one
    rotated = [f.stat().st_size for f in files if f.suffix[1:].isdigit()]
    assert rotated and all(4000 - 50 <= size <= 4000 for size in rotated), sorted(rotated)


def test_an_unwritable_log_folder_is_said_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the log folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    done = vat("sessions")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "log" in line]
    assert len(said) == 1 and said[0].startswith("vat: cannot write the log in "), done.stderr


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_an_ffmpeg_failure_logs_the_whole_command_and_what_ffmpeg_said(tmp_path: Path) -> None:
    # ten audio channels: more than the AAC encoder takes, so the clip's encode fails in ffmpeg itself
    master = tmp_path / "ten channels.mkv"
    pan = "pan=10c|" + "|".join(f"c{n}=c0" for n in range(10))
    ffmpeg.run(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x96:r=25:d=1",
            "-f",
            "lavfi",
            "-i",
            f"sine=d=1,{pan}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "pcm_s16le",
            ffmpeg.file_arg(master),
        ]
    )
    done = vat("run", master, "--artwork", "Tenchannels", "--out", tmp_path / "out", "--preset", "social_1080")
    assert done.returncode == 1 and "clip:s001" in done.stderr
    text = (dirs.log_dir() / "vat.log").read_text()
    record = text[text.rindex("operation clip:s001 failed") :]
    command = record.splitlines()[1]
    assert command.startswith("command: ") and "'file:" + str(master) + "'" in command and "-c:a aac" in command
    assert "Conversion failed!" in record  # the stderr tail follows the command


def test_a_deleted_session_takes_its_worker_log_with_it(db: peewee.SqliteDatabase) -> None:
    from core.pipeline.background import worker_log_path
    from tests.test_db_support import make_session
    from tui.session_records import delete_session

    for sid in ("gone", "kept"):
        make_session(sid, status="paused")
        worker_log_path(sid).write_text('{"event": "plan", "total": 10, "done": 0}\n')
    delete_session("gone")
    assert not worker_log_path("gone").exists() and worker_log_path("kept").exists()


def test_db_cleanup_removes_the_worker_logs_of_the_sessions_it_removes(db: peewee.SqliteDatabase) -> None:
    from core.pipeline.background import worker_log_path
    from tests.test_db_support import make_session

    make_session("stale", days_ago=100, status="failed")  # abandoned (abandoned_session_days: 90)
    make_session("recent", days_ago=1, status="failed")
    for sid in ("stale", "recent"):
        worker_log_path(sid).write_text("worker output\n")
    vat("db", "cleanup", check=True)
    assert not worker_log_path("stale").exists() and worker_log_path("recent").exists()

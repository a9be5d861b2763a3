"""The end of a batch as a person reads it: each pending session's hint is a command that moves it on
(tried here), a row whose --group or --scenes does not fit its master fails (exit 1) naming them, the
summary comes last (after the bars, after Ctrl-C, SIGTERM or SIGHUP, even during scene detection), and
`vat queue` numbers its entries 1..N and shows an entry whose process died as interrupted."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.helpers import ROOT, VAT, json_events, start_vat
from tests.media import make_cut_video
from tests.test_resume import read_until

FAST = ["--preset", "preview_fast", "--workers", "1", "--date", "26-12-01"]


@pytest.fixture(scope="module")
def reels(media_dir: Path) -> list[Path]:
    """Two small masters of three scenes each."""
    made = []
    for index in range(2):
        path = media_dir / "summary" / f"reel{index + 1}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        made.append(path if path.exists() else make_cut_video(path, [20 + 5 * index, 20, 25]))
    return made


@pytest.fixture(scope="module")
def slow_reels(media_dir: Path) -> list[Path]:
    """Two masters long enough to stop in the middle of their detection or processing."""
    made = []
    for index in range(2):
        path = media_dir / "summary" / f"long{index + 1}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        made.append(path if path.exists() else make_cut_video(path, [50] * 12, size=(640, 360)))
    return made


def here(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    from db.connection import close_database
    from tui.cli.main import main

    code = main([str(arg) for arg in args])
    close_database()
    out, err = capsys.readouterr()
    return code, out, err


def entry_state(session_id: str) -> str:
    from core.pipeline import session_queue
    from db.connection import open_database

    open_database()
    entry = session_queue.entry_of(session_id)
    assert entry is not None
    return entry.state


def hints_of(out: str) -> dict[str, str]:
    """`  STATE  SESSION: HINT` lines after the summary line: {session: hint}."""
    lines = out[out.index("summary:") :].splitlines()[1:]
    return {m[1]: m[2] for m in (re.match(r"\s+(?:to pick|waiting|held)\s+(\S+): (.*)", ln) for ln in lines) if m}


@pytest.mark.slow  # two sessions processed by the hinted commands
def test_the_hint_of_each_pending_session_is_a_command_that_moves_it_on(
    reels: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = here(capsys, "run", *reels, "--artwork-from", "name", "--scenes", "pick", "--out", tmp_path, *FAST)
    assert code == 0, err
    picked, held = hints_of(out)  # both wait to be picked
    assert hints_of(out)[picked] == f"vat --resume {picked} --scenes SPEC, or its picker in the TUI"

    from core.pipeline import queue_runner, session_queue
    from core.pipeline import session as sessions
    from db.connection import open_database
    from db.queries import get_session
    from tui.cli.queue_summary import summarise
    from tui.cli.run_view import RunView

    open_database()
    session = get_session(held)
    assert session is not None
    sessions.select(session, "all", [])  # chosen in the TUI's picker: it waits for its turn, then is held
    queue_runner.selection_given(held)
    assert session_queue.hold(held)
    with RunView(json_lines=False) as view:
        assert summarise(view, session_queue.entries(), [], interrupted=False) == 0
    hints = hints_of(capsys.readouterr().out)
    assert hints[held] == f"vat queue release {held}"

    command = shlex.split(hints[picked].split(",")[0].replace("SPEC", "1,3"))
    assert command[0] == "vat" and here(capsys, *command[1:])[0] == 0
    assert entry_state(picked) == "done"
    assert here(capsys, *shlex.split(hints[held])[1:])[0] == 0
    assert entry_state(held) == "waiting"
    with RunView(json_lines=False) as view:
        summarise(view, [e for e in session_queue.entries() if e.session_id == held], [], interrupted=False)
    assert hints_of(capsys.readouterr().out)[held] == "vat --resume continues it"
    assert here(capsys, "--resume")[0] == 0
    assert entry_state(held) == "done"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_row_whose_group_does_not_fit_its_master_fails_the_batch(
    reels: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "groups.csv"
    batch.write_text(f"master,artwork,scenes,groups\n{reels[0]},Grouped,1,9-12\n")
    code, out, err = here(capsys, "run", "--batch", batch, "--out", tmp_path / "out", "--json", *FAST)
    assert code == 1, err
    events = json_events(out)
    assert events[-1]["event"] == "summary"  # last
    summary = events[-1]
    assert summary["to_pick"] == [] and len(summary["failed"]) == 1
    failed = summary["failed"][0]
    assert "--group '9-12'" in failed["reason"] and "only 3 scenes" in failed["reason"]
    assert entry_state(failed["session"]) == "failed"
    # what the reason says to do works: the detection was kept, the scenes are chosen again
    assert f"vat --resume {failed['session']} --scenes SPEC" in failed["reason"]
    assert here(capsys, "--resume", failed["session"], "--scenes", "1-2")[0] == 0
    assert entry_state(failed["session"]) == "done"

    text = tmp_path / "scenes.csv"  # the text summary says so too
    text.write_text(f"master,artwork,scenes\n{reels[1]},Listed,2-7\n")
    code, out, _ = here(capsys, "run", "--batch", text, "--out", tmp_path / "out", *FAST)
    assert code == 1 and "summary: 0 done, 1 failed, 0 skipped\n" in out
    assert re.search(r"failed\s+\S+: --scenes '2-7': the master has only 3 scenes", out)

    # one master alone: bad input, exit 2, as before
    code, _, err = here(
        capsys, "run", reels[0], "--artwork", "Alone", "--group", "9-12", "--out", tmp_path / "o", *FAST
    )
    assert code == 2 and "--group '9-12'" in err and "only 3 scenes" in err


def test_vat_queue_numbers_entries_in_order_and_shows_a_dead_runner_s_entry_as_interrupted(
    reels: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = here(capsys, "run", *reels, "--artwork-from", "name", "--scenes", "pick", "--out", tmp_path, *FAST)
    assert code == 0, err
    from core.pipeline import queue_runner, session_queue
    from core.pipeline import session as sessions
    from db.connection import open_database
    from db.models import QueueEntry
    from db.queries import get_session

    open_database()
    first, second = (e.session_id for e in session_queue.entries())
    assert session_queue.move(second, -1)  # the ids' order is no longer the queue's
    session = get_session(first)
    assert session is not None
    sessions.select(session, "all", [])
    queue_runner.selection_given(first)
    session_queue.set_state(first, "running")  # as a killed `vat run` leaves it: no process holds it
    QueueEntry.update(started_at=datetime.now(timezone.utc) - timedelta(minutes=5)).where(
        QueueEntry.session == first
    ).execute()

    listed = json.loads(here(capsys, "queue", "--json")[1])
    assert [(r["position"], r["session_id"], r["state"]) for r in listed] == [
        (1, second, "to_pick"),
        (2, first, "interrupted"),
    ]
    assert listed[1]["stored_state"] == "running" and listed[1]["reason"] == "vat --resume continues it"
    table = here(capsys, "queue")[1]
    assert "interrupted" in table
    numbers = [line.split("│")[1].strip() for line in table.splitlines() if line.count("│") > 3]
    assert [n for n in numbers if n.isdigit()] == ["1", "2"]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_the_summary_is_the_last_event_after_sigterm_during_detection(slow_reels: list[Path], tmp_path: Path) -> None:
    proc = start_vat("run", *slow_reels, "--artwork-from", "name", "--out", tmp_path, "--json", *FAST)
    read_until(proc, lambda ev: ev[-1]["event"] == "detect")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    events = json_events(out)
    assert events[-1]["event"] == "summary" and events[-1]["interrupted"]
    waiting = events[-1]["waiting"]
    assert len(waiting) == 2 and all(events[-1]["hints"][s] == "vat --resume continues it" for s in waiting)


def _in_a_terminal(args: list[str], stop_after: bytes, sig: signal.Signals) -> tuple[int, str]:
    """vat with its stdout and stderr on a pseudo-terminal (Rich draws its bars); `sig` once `stop_after`
    was written. Its exit code and all it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    proc = subprocess.Popen([*VAT, *args], stdin=follower, stdout=follower, stderr=follower, env=env, cwd=ROOT)
    os.close(follower)
    out, sent, deadline = bytearray(), False, time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the child has gone: the terminal is closed
                    break
                if not chunk:
                    break
                out += chunk
            if not sent and stop_after in out:
                proc.send_signal(sig)
                sent = True
            if proc.poll() is not None and not ready:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(leader)
    return proc.returncode, out.decode(errors="replace")


@pytest.mark.slow  # a session processed, the next one stopped
def test_in_a_terminal_the_summary_comes_last_and_no_bar_is_drawn_after_it(
    slow_reels: list[Path], tmp_path: Path
) -> None:
    args = ["run", *map(str, slow_reels), "--artwork-from", "name", "--out", str(tmp_path), *FAST]
    # the first session done, the second one's own line (its turn): SIGHUP, as when SSH drops
    code, out = _in_a_terminal(args, b"done: ", signal.SIGHUP)
    assert code == 130, out[-2000:]
    first_done = out.index("done: ")  # the first session's bars went with it, before the next one's turn
    next_turn = out.find("session ", first_done)
    assert "all operations" not in out[first_done : next_turn if next_turn > 0 else out.index("summary:")]
    after = out[out.index("summary:") :]
    assert after.startswith("summary: 1 done, 0 failed, 0 skipped, 1 waiting"), after
    assert "vat --resume continues it" in after
    assert "━" not in after and "%" not in after, after  # no bar after the summary


def test_a_finished_session_leaves_no_bar_behind() -> None:
    from rich.console import Console

    from core.events import RunEvent
    from tui.cli.run_view import RunView

    view = RunView(json_lines=False)
    view.console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with view:
        assert view.progress is not None
        view.run_event(RunEvent("plan", total=1, done=0, overall=0.0))
        view.run_event(RunEvent("start", "clip:s001"))
        view.run_event(RunEvent("progress", "clip:s001", fraction=0.5, overall=0.5))
        assert len(view.progress.tasks) == 2  # all operations, and the clip
        view.run_event(RunEvent("done", "clip:s001", overall=1.0))
        view.run_event(RunEvent("finished", status="completed", total=1, done=1, failed=0))
        assert view.progress.tasks == []  # not "all operations 100%" for ever

"""The command line's options wherever a user puts them: before or after the command, or refused in one
line where they do not apply; `vat resume` as `vat --resume`; every command's help with its defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import json_events, vat
from tui.cli.parser import parse


def session_of(events: list[dict]) -> str:
    said = next(e["text"] for e in events if e["event"] == "message" and e["text"].startswith("session "))
    return re.match(r"session (\S+):", said).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_json_workers_and_db_reach_run_before_or_after_the_command(
    cut_video: Path, tmp_path: Path, db_path: Path, where: str
) -> None:
    other = tmp_path / "other.db"
    options: list[str | Path] = ["--json", "--workers", "2", "--db", str(other)]
    run: list[str | Path] = ["run", cut_video, "--artwork", f"Put {where}", "--out", tmp_path / "o", "--scenes", "1"]
    done = vat(*(options + run if where == "before" else run + options), check=True)
    lines = done.stdout.splitlines()
    assert lines and all(line.startswith("{") for line in lines), done.stdout  # JSON lines only, no bars
    events = [json.loads(line) for line in lines]
    assert {"event": "message", "text": "2 operation(s) at a time"} in [
        {k: e[k] for k in ("event", "text")} for e in events if e["event"] == "message"
    ]
    assert events[-1]["event"] == "result" and events[-1]["status"] == "completed"
    # the session went into --db's database, whichever side of `sessions` --db is on
    assert f"Put {where}" in vat("sessions", "--db", other, check=True).stdout
    assert f"Put {where}" in vat("--db", other, "sessions", "-v", check=True).stdout
    assert f"Put {where}" not in vat("sessions", check=True).stdout  # VAT_DB's database: not there


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_resume_subcommand_is_the_resume_option(cut_video: Path, tmp_path: Path) -> None:
    run = vat("run", cut_video, "--artwork", "Resumed", "--out", tmp_path / "o", "--scenes", "1", "--json", check=True)
    events = json_events(run.stdout)
    sid = session_of(events)
    # a completed session with its outputs as made: both forms say so, in the same words
    flag, command = vat("--resume", sid, check=True), vat("resume", sid, check=True)
    assert command.stdout == flag.stdout and "already completed" in command.stdout
    # an output deleted: the subcommand makes it again, with the session options it shares with run
    still = next(e["output"] for e in events if e["event"] == "done" and e["key"] == "still_web:s001")
    Path(still).unlink()
    again = vat("resume", sid, "--workers", "2", "--json", check=True)
    lines = [line for line in again.stdout.splitlines() if line.startswith("{")]
    resumed = [json.loads(line) for line in lines]
    assert any(e.get("text") == "2 operation(s) at a time" for e in resumed)
    assert any(e["event"] == "done" and e["key"] == "still_web:s001" for e in resumed)
    assert resumed[-1]["event"] == "result" and resumed[-1]["status"] == "completed"
    assert vat("resume", "no-such-session").returncode == 2


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--json", "completion", "bash"], "--json"),
        (["db", "backup", "--json"], "--json"),
        (["--workers", "2", "doctor"], "--workers"),
        (["history", "--workers", "2"], "--workers"),
        (["--scenes", "1", "presets"], "--scenes"),
        (["--detect-only", "run", "x.mov", "--artwork", "A"], "--detect-only"),
        (["detect", "x.mov", "--json"], "--json"),
        (["--resume", "S", "run", "x.mov", "--artwork", "A"], "--resume"),
        (["resume", "--detect-only"], "--detect-only"),
    ],
)
def test_an_option_where_it_does_not_apply_is_one_line_exit_2(argv: list[str], option: str) -> None:
    done = vat(*argv)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("vat: error: ") and option in done.stderr


def test_help_explains_the_arguments_and_their_defaults() -> None:
    run = vat("run", "--help", check=True).stdout
    flat = " ".join(run.split())
    for shown in (
        "(default: transitions)",
        "(default: the encoder_preference setting)",
        "master video file",
        "--json",
        "--workers",
        "(default: the parallel_workers setting)",
        "--db",
    ):
        assert shown in flat, shown
    detect = " ".join(vat("detect", "--help", check=True).stdout.split())
    assert "(default: table)" in detect and "(default: transitions)" in detect
    assert "frame numbers count from 0" in detect and "PySceneDetect" in detect
    resume = " ".join(vat("resume", "--help", check=True).stdout.split())
    for shown in ("SESSION", "--detect-only", "--scenes", "--group", "--json", "--workers"):
        assert shown in resume, shown
    top = " ".join(vat("--help", check=True).stdout.split())
    assert "resume" in top and "--resume [SESSION]" in top


def test_options_that_add_up_count_on_both_sides_of_the_command() -> None:
    args = parse(["-v", "--group", "1-2", "run", "m.mov", "--artwork", "A", "--group", "3-4", "-v", "-v"])
    assert (args.command, args.verbose, args.group) == ("run", 3, ["1-2", "3-4"])
    args = parse(["resume", "S1", "--group", "5-6"])
    assert (args.resume, args.group, args.verbose) == ("S1", ["5-6"], 0)
    assert parse(["--resume"]).resume == "" and parse(["sessions"]).group is None


def test_the_session_may_follow_resume_s_options() -> None:
    """`vat --resume --farm SESSION` (what vat itself prints after a farm run is stopped) reads as
    `vat --resume SESSION --farm`: the session is not taken for a command."""
    for argv in (
        ["--resume", "--farm", "S1"],
        ["--resume", "--broker", "redis://127.0.0.1:6379/0", "--farm", "S1"],
        ["--resume", "--json", "--workers", "2", "S1", "--farm"],
    ):
        args = parse(argv)
        assert (args.resume, args.farm, args.command) == ("S1", True, None), argv
    assert parse(["--resume", "--farm"]).resume == ""  # the most recent session, as before


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_detect_numbers_frames_from_0_in_the_table_csv_and_json(cut_video: Path) -> None:
    found = json.loads(vat("detect", cut_video, "--format", "json", check=True).stdout)["scenes"]
    frames = [(s["index"], s["start_frame"], s["end_frame"]) for s in found]
    assert frames[0][:2] == (1, 0)
    rows = vat("detect", cut_video, "--format", "csv", check=True).stdout.splitlines()[1:]
    assert [tuple(int(v) for v in (r.split(",")[0], *r.split(",")[3:5])) for r in rows] == frames
    table = vat("detect", cut_video, check=True).stdout
    cells = [line.strip("│ ").split("│") for line in table.splitlines() if line.startswith("│")]
    assert [(int(c[0]), int(c[3]), int(c[4])) for c in cells] == frames
    assert "frames count from 0" in table

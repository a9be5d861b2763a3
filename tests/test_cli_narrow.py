"""The listings at 80 columns (issue 14, tester M2): a session id or a path is what a user copies into
the next command, so it is never cut with an ellipsis: whole on one line where it fits, else folded over
lines; the other columns wrap, and a spare one is left out first.

A terminal of 80 columns is what Rich is told it is (TTY_COMPATIBLE, COLUMNS); its styles are taken out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import vat

# measured among the longest (a real run per module, then each test on it): make test runs them,
# test-fast stays under 3 minutes
pytestmark = pytest.mark.slow


DATE = "26-11-30"
LONG = "The_Harbour_At_Dusk_Seen_From_The_Old_Lighthouse"  # an id longer than 80 columns allow


@dataclass(frozen=True)
class Listed:
    db: Path
    root: Path  # the storage root's path
    short_id: str  # Harbour's session: processed, packed
    long_id: str  # LONG's: detected, waiting for its scenes to be picked
    folder: str  # Harbour's project folder
    pack: str  # Harbour's pack


@pytest.fixture(scope="module")
def listed(cut_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Listed:
    base = tmp_path_factory.mktemp("narrow")
    db, root = base / "state.db", base / "archive"
    root.mkdir()
    vat("--db", db, "roots", "add", "NAS", root, check=True)
    common: list[str | Path] = ["--out", root, "--date", DATE, "--workers", "1"]
    vat("--db", db, "run", cut_video, *common, "--artwork", "Harbour", "--scenes", "1", check=True)
    vat("--db", db, "run", cut_video, *common, "--artwork", LONG, "--scenes", "pick", check=True)
    vat("--db", db, "pack", root / f"{DATE}_Harbour", "--kinds", "still_web", check=True)
    sessions = {row["artwork_name"]: row for row in json.loads(vat("--db", db, "sessions", "--json").stdout)}
    short = sessions["Harbour"]["session_id"]
    [pack] = json.loads(vat("--db", db, "pack", short, "--list", "--json").stdout)["packs"]
    return Listed(db, root, short, sessions[LONG]["session_id"], sessions["Harbour"]["output_path"], pack["path"])


def at_80_columns(
    listed: Listed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    from db.connection import close_database
    from tui.cli.main import main

    for name, value in (("TTY_COMPATIBLE", "1"), ("COLUMNS", "80"), ("NO_COLOR", "1")):
        monkeypatch.setenv(name, value)
    code = main(["--db", str(listed.db), *args])
    close_database()
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # bold headings, italic titles
    assert code == 0, out
    assert max(len(line) for line in out.splitlines()) <= 80
    return out


def column_texts(out: str) -> list[str]:
    """Each table column's text, top to bottom, its lines joined without their padding: a value folded
    over lines reads whole again."""
    rows = []
    for line in out.splitlines():
        if "│" in line:
            cells = line.split("│")
            rows.append(cells[1:-1] if line.startswith("│") else cells)  # vat find draws no outer edge
    return ["".join(cell.strip() for cell in column) for column in zip(*rows, strict=False)]


COMMANDS = {
    "sessions": (["sessions"], lambda x: [x.short_id, x.long_id]),
    "queue": (["queue"], lambda x: [x.short_id, x.long_id]),
    "history": (["history"], lambda x: [x.folder]),
    "pack --list": (["pack", "SHORT", "--list"], lambda x: [x.pack]),
    "roots list": (["roots", "list"], lambda x: [str(x.root)]),
    "find": (["find", "Harbour"], lambda x: [x.short_id, x.folder]),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_no_id_or_path_is_cut_at_80_columns(
    listed: Listed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    args, wanted = COMMANDS[command]
    out = at_80_columns(listed, monkeypatch, capsys, *(listed.short_id if a == "SHORT" else a for a in args))
    assert "…" not in out
    columns = column_texts(out)
    for value in wanted(listed):
        assert any(value in text for text in columns), f"{value} not whole in:\n{out}"


@pytest.mark.parametrize("command", ["sessions", "queue"])
def test_an_id_that_fits_stays_on_one_line(
    listed: Listed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = at_80_columns(listed, monkeypatch, capsys, command)
    assert any(listed.short_id in line for line in out.splitlines()), out  # copied with one double-click


def test_a_session_waiting_for_its_scenes_says_to_pick(
    listed: Listed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = at_80_columns(listed, monkeypatch, capsys, "sessions")
    assert "to pick" in out and "initialized" not in out

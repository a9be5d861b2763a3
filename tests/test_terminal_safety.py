"""Names chosen by a user or a file never reach the terminal as control characters or Rich markup:
they are shown escaped (\\x1b, \\r, \\x07) and literally ([bold]), while stored data and JSON keep them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable

from core.text import terminal_safe
from tests.helpers import json_events, vat

HOSTILE = "\x1b[2J\r\x07[bold]"  # clear screen, overwrite the line, bell, Rich markup
SHOWN = "\\x1b[2J\\r\\x07[bold]"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline


def assert_clean(*outputs: str) -> None:
    for text in outputs:
        assert not RAW_CONTROL.search(text), f"raw control characters in {text!r}"


def test_terminal_safe_escapes_controls_and_keeps_the_rest() -> None:
    assert terminal_safe(f"a{HOSTILE}é — ©\t\n\x9b\x7f\u202e") == f"a{SHOWN}é — ©\\t\\n\\x9b\\x7f\\u202e"


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_run_sessions_history_and_errors_show_names_escaped(cut_video: Path, tmp_path: Path) -> None:
    master = tmp_path / f"master{HOSTILE}.mp4"
    shutil.copy(cut_video, master)
    artwork = f"Art{HOSTILE}x"
    out = tmp_path / "out"
    done = vat("run", master, "--artwork", artwork, "--date", "26-01-02", "--out", out, "--scenes", "1")
    assert done.returncode == 0, done.stderr
    assert_clean(done.stdout, done.stderr)
    assert f"master{SHOWN}.mp4 -> " in done.stderr  # the session line names the master

    listed = vat("sessions", check=True)
    assert_clean(listed.stdout, listed.stderr)
    assert f"Art{SHOWN}x" in listed.stdout
    history = vat("history", check=True)
    assert_clean(history.stdout, history.stderr)
    assert f"Art{SHOWN}x" in history.stdout

    again = vat(
        "run",
        master,
        "--artwork",
        artwork,
        "--date",
        "26-01-02",
        "--out",
        tmp_path / "out_json",
        "--scenes",
        "1",
        "--json",
    )
    messages = [e["text"] for e in json_events(again.stdout) if e["event"] == "message"]
    message = next(text for text in messages if " -> " in text)
    assert f"master{HOSTILE}.mp4" in message  # JSON carries the name as it is (escaped by JSON itself)
    assert any("already archived" in text and artwork in text for text in messages)
    skipped = vat("run", master, "--artwork", "Other", "--out", tmp_path / "out3", "--skip-archived", check=True)
    assert_clean(skipped.stdout, skipped.stderr)
    assert f"already archived: Art{SHOWN}x (26-01-02)" in skipped.stdout  # the earlier artwork, escaped

    text_master = tmp_path / f"notes{HOSTILE}.mp4"
    text_master.write_text("not a video\n" * 10)
    failed = vat("run", text_master, "--artwork", artwork, "--out", tmp_path / "out2")
    assert failed.returncode == 2
    assert_clean(failed.stdout, failed.stderr)
    # VatError keeps its message on one line by folding whitespace, the \r among it
    assert failed.stderr.strip() == f"vat: error: {tmp_path}/notes\\x1b[2J \\x07[bold].mp4: not a media file"


async def test_tui_sessions_list_shows_names_escaped_and_literal(cut_video: Path, tmp_path: Path) -> None:
    from db.connection import open_database
    from tests.tui_flows import new_session, text_of, until
    from tests.tui_screen_host import cells
    from tui.app import create_app

    open_database()
    master = tmp_path / f"master{HOSTILE}.mp4"
    shutil.copy(cut_video, master)
    session = new_session(master, tmp_path / "out", f"Art{HOSTILE}x")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.screen.query("#sessions"), "the sessions list")
        table = app.screen.query_one("#sessions", DataTable)
        await until(pilot, lambda: table.row_count == 1, "the session listed")
        assert cells(table.get_row_at(0))[0] == f"Art{SHOWN}x"
        await until(pilot, lambda: "master" in text_of(app.screen, "#details"), "the details")
        assert text_of(app.screen, "#details").startswith(f"{session.session_id} · master{SHOWN}.mp4")

"""The Processing screen's log (tui.worker_log) shows every event a real run writes as a sentence, or
nothing where the screen shows it elsewhere: never the raw JSON line (issue 13: "verifying" was)."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from core.pipeline.session import process, select
from tests.tui_flows import detected_session
from tui.cli.run_view import RunView
from tui.worker_log import format_line


def test_every_event_of_a_real_run_reads_as_a_sentence(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = detected_session(cut_video, tmp_path / "out", "Logged")
    select(session, "1-2", [])
    capsys.readouterr()
    with RunView(json_lines=True) as view:  # what `vat --resume --json` writes to the worker log
        summary = process(session, workers=1, on_event=view.run_event)
    assert summary.status == "completed"
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    kinds = {json.loads(line)["event"] for line in lines}
    assert {"plan", "start", "progress", "verifying", "done", "finished"} <= kinds
    shown = {json.loads(line)["event"]: format_line(line) for line in lines}
    for kind, text in shown.items():
        if text is not None:
            assert "{" not in text.plain and '"' not in text.plain, (kind, text.plain)
    assert shown["progress"] is None  # the running rows show it
    for line in lines:
        event = json.loads(line)
        if event["event"] == "verifying":
            text = format_line(line)
            assert text is not None and text.plain.endswith(f"verifying {event['key']}")


def test_an_event_kind_the_screen_does_not_know_is_still_a_sentence() -> None:
    text = format_line('{"event": "rehashing", "time": 1796195693.5, "key": "master", "fraction": 1.0}')
    assert text is not None and text.plain.endswith("rehashing master")


def test_the_cli_error_line_reads_as_an_error_sentence() -> None:
    line = "vat: error: session abc is being processed by process 19430; wait for it or stop it first\n"
    text = format_line(line)
    assert text is not None
    assert text.plain == "Error: Session abc is being processed by process 19430; wait for it or stop it first"
    assert "vat: error" not in text.plain

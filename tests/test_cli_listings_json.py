"""The listings' --json (vat sessions, history, presets, doctor): one JSON document with the table's rows,
complete and typed (numbers as numbers, times as ISO 8601); and `vat history --archived` / `--failed`."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from typing import Any

import peewee
import pytest

from db import maintenance
from db.models import FileRegistry
from tests.helpers import ROOT, VAT, vat
from tests.test_db_support import make_history, make_session


def as_json(*args: str) -> Any:
    done = vat(*args, "--json")
    assert done.returncode in (0, 3), done.stderr
    return json.loads(done.stdout)


def test_sessions_json_is_the_table_typed(db: peewee.SqliteDatabase) -> None:
    make_session("s-old", days_ago=2, status="paused", total_operations=8, completed_operations=2)
    make_session("s-new", days_ago=1, status="initialized", total_operations=0, current_operation="detect")
    rows = as_json("sessions")
    assert [r["session_id"] for r in rows] == ["s-new", "s-old"]  # the table's order: newest first
    old = rows[1]
    assert old["status"] == "paused" and old["running"] is False
    assert old["total_operations"] == 8 and old["completed_operations"] == 2 and old["progress_percent"] == 25.0
    assert rows[0]["progress_percent"] is None and rows[0]["current_operation"] == "detect"
    assert datetime.fromisoformat(old["updated_at"]).utcoffset() is not None
    assert old["preset_id"] == "webflow_standard" and old["output_path"] == "/out" and old["error_message"] is None
    table = vat("sessions", check=True).stdout
    assert "25%" in table and "s-old" in table and "s-new" in table


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_history_json_archived_and_failed(db: peewee.SqliteDatabase) -> None:
    for sid in ("kept", "checked-bad", "old"):
        make_session(sid, status="completed")
    make_history(
        "kept",
        days_ago=3,
        scenes_detected=5,
        scenes_exported=4,
        total_files_created=12,
        total_output_size_mb=3.5,
        total_processing_time_seconds=61.0,
        compression_ratio=2.5,
    )
    make_history("checked-bad", days_ago=2, completed_successfully=False)
    make_history("old", days_ago=200)
    FileRegistry.create(
        session="checked-bad", file_path="/out/a.mp4", file_type="clip", file_category="clips", check_state="modified"
    )
    FileRegistry.create(
        session="kept", file_path="/out/b.mp4", file_type="clip", file_category="clips", check_state="ok"
    )
    assert maintenance.archive_history() == 1

    rows = as_json("history")
    assert [r["session_id"] for r in rows] == ["checked-bad", "kept"]
    kept = rows[1]
    assert kept["scenes_detected"] == 5 and kept["scenes_exported"] == 4 and kept["total_files_created"] == 12
    assert kept["total_output_size_mb"] == 3.5 and kept["total_processing_time_seconds"] == 61.0
    assert kept["completed_successfully"] is True and rows[0]["completed_successfully"] is False
    assert datetime.fromisoformat(kept["completed_at"]).utcoffset() is not None

    archived = as_json("history", "--archived")
    assert [r["session_id"] for r in archived] == ["old"]
    assert datetime.fromisoformat(archived[0]["archived_at"])
    assert "Artwork old" in vat("history", "--archived", check=True).stdout
    assert "Artwork old" not in vat("history", check=True).stdout

    assert [r["session_id"] for r in as_json("history", "--failed")] == ["checked-bad"]
    failed_table = vat("history", "--failed", check=True).stdout
    assert "Artwork checked-bad" in failed_table and "Artwork kept" not in failed_table
    assert as_json("history", "--archived", "--failed") == []


def test_presets_json_is_the_table_typed() -> None:
    rows = as_json("presets")
    assert [r["id"] for r in rows][0] == "webflow_standard"
    first = rows[0]
    assert first["default"] is True and first["builtin"] is True and first["usage_count"] == 0
    assert first["last_used_at"] is None and isinstance(first["description"], str)
    assert as_json("presets", "list") == rows


def test_doctor_json_has_every_check_and_the_same_exit_code() -> None:
    table = vat("doctor")
    done = vat("doctor", "--json")
    assert done.returncode == table.returncode
    document = json.loads(done.stdout)
    assert document["can_work"] is (done.returncode == 0)
    names = [c["name"] for c in document["checks"]]
    assert names and all(f"{name}:" in table.stdout for name in names)
    assert all(isinstance(c["ok"], bool) and isinstance(c["required"], bool) for c in document["checks"])


def test_a_listing_whose_reader_has_gone_ends_quietly_with_141() -> None:
    # `vat presets --json | head -c 1`: the reader may close before vat writes
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [*VAT, "presets", "--json"], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT
        )
    finally:
        os.close(write_end)
    assert done.stderr == "", done.stderr  # no BrokenPipeError traceback
    assert done.returncode == 141

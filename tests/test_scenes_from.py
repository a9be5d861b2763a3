"""`vat run --scenes-from FILE`: a scene list instead of a detection. Each format round trip through
the real commands: vat's own `vat detect --format json` (transition spans kept), a CSV written by the
real `scenedetect` CLI (with and without its timecode-list row), an EDL and an OTIO file written by
`vat export` from a 29.97 DF master with a start timecode (a picked selection's gaps come back as the
scenes they were). Bad files exit 2 with one line naming the file, and nothing is written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.pipeline import session as sessions
from core.pipeline.session_scenes import select
from db.connection import close_database, open_database
from db.models import OperationLog, ProcessingState
from tests.editorial_media import RATES, make_timecode_master
from tests.helpers import vat

SCENE_LINE = re.compile(r"^([* ]) *(\d+)  (\d+-\d+) +([\d.]+-[\d.]+) +(\S+)", re.MULTILINE)
SCENE_KEYS = ("index", "start_frame", "end_frame", "transition_in")


def _scenes(records: list[dict]) -> list[tuple]:
    return [tuple(r.get(k) for k in SCENE_KEYS) for r in records]


def _times(records: list[dict]) -> list[tuple[float, float]]:
    return [(r["start"], r["end"]) for r in records]


def _run(master: Path, listing: Path, out: Path) -> ProcessingState:
    vat("run", master, "--artwork", "Listed", "--out", out, "--scenes", "1", "--scenes-from", listing, check=True)
    open_database()
    try:
        (row,) = ProcessingState.select()
        log = OperationLog.get(
            (OperationLog.session == row.session_id) & (OperationLog.operation_name == "scene_detection")
        )
        assert log.settings_used["detector"] == f"file:{listing.name}"
        assert log.settings_used["scenes_from"] == str(listing.absolute())
        return row
    finally:
        close_database()


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_detect_json_round_trip_keeps_scenes_and_transition_spans(tmp_path: Path, trim_footage) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "scenes.json"
    listing.write_text(vat("detect", trim_footage.path, "--format", "json", check=True).stdout)
    detected = json.loads(listing.read_text())
    spans = [r["transition_in"] for r in detected["scenes"][1:]]
    assert any(t["first_frame"] < t["last_frame"] for t in spans)  # a gradual transition to carry
    row = _run(trim_footage.path, listing, tmp_path / "out")
    assert _scenes(row.scenes_data) == _scenes(detected["scenes"])
    assert _times(row.scenes_data) == pytest.approx(_times(detected["scenes"]), abs=1e-6)
    assert row.process_metadata["detector"] == "file:scenes.json"
    assert row.status == "completed" and row.selected_scenes == [1]


@pytest.mark.parametrize("timecode_list_row", [True, False], ids=["with-timecode-list", "skip-cuts"])
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_pyscenedetect_list_scenes_csv(tmp_path: Path, cut_video: Path, timecode_list_row: bool) -> None:
    """The real CLI's CSV: its Start Frame and End Frame count from 1, both in the scene."""
    scenedetect = shutil.which("scenedetect", path=str(Path(sys.executable).parent))
    assert scenedetect is not None
    command = [scenedetect, "-i", str(cut_video), "-o", str(tmp_path), "detect-content", "list-scenes", "-f", "s.csv"]
    subprocess.run([*command, *([] if timecode_list_row else ["--skip-cuts"])], check=True, capture_output=True)
    listing = tmp_path / "s.csv"
    assert listing.read_text().startswith("Timecode List") == timecode_list_row
    row = _run(cut_video, listing, tmp_path / "out")
    # tests/conftest.py SCENES: cuts at 30, 55, 95, 120 of 150 frames
    assert [(r["start_frame"], r["end_frame"]) for r in row.scenes_data] == [
        (0, 29),
        (30, 54),
        (55, 94),
        (95, 119),
        (120, 149),
    ]
    assert row.scenes_data[1]["start"] == pytest.approx(1.2)


@pytest.mark.parametrize("fmt", ["edl", "otio"])
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_vat_export_round_trip_at_2997_drop_frame(tmp_path: Path, fmt: str) -> None:
    """A picked selection's export (scenes 2 and 4 of 4, from 00:00:59;28 across the dropped labels):
    its ranges come back exactly, and its gaps as the scenes they were."""
    name, rate, timecode = next(r for r in RATES if r[0] == "2997df")
    master = make_timecode_master(tmp_path / "master.mov", rate, timecode)
    open_database()
    try:
        options = sessions.SessionOptions(master=master, artwork="Night Piece", out=tmp_path / "first")
        row = sessions.create_session(sessions.check_options(options))
        sessions.detect(row, *sessions.detection_parameters("content", None, 10))
        select(row, "2,4", [])
        original = ProcessingState.get_by_id(row.id).scenes_data
        session_id = row.session_id
        assert len(original) == 4
    finally:
        close_database()
    listing = tmp_path / f"picked.{fmt}"
    vat("export", session_id, "--format", fmt, "-o", listing, check=True)
    done = vat(
        "run", master, "--artwork", "Again", "--out", tmp_path / "again", "--scenes", "1", "--scenes-from", listing
    )
    assert done.returncode == 0, done.stderr
    open_database()
    try:
        again = ProcessingState.get(ProcessingState.artwork_name == "Again")
    finally:
        close_database()
    frames = [(r["start_frame"], r["end_frame"]) for r in again.scenes_data]
    assert frames == [(r["start_frame"], r["end_frame"]) for r in original]
    assert again.process_metadata["detector"] == f"file:picked.{fmt}"
    # the process log: each scene's source timecode, from 00:00:59;28 (;00 and ;01 of minute 1 skipped)
    log = (Path(again.output_path) / "Again_process_log.txt").read_text()
    assert f"scenes from the file picked.{fmt}" in log
    rows = {int(m[2]): m.groups() for m in SCENE_LINE.finditer(log)}
    assert rows[1] == ("*", "1", "0-19", "0.000-0.667", "00:00:59;28-00:01:00;20")
    assert rows[2][0] == " " and rows[2][2] == "20-43" and rows[2][4] == "00:01:00;20-00:01:01;14"


def _bad_files(folder: Path) -> dict[str, tuple[str, str]]:
    """name -> (content, what the error must say); cut_video has 150 frames."""
    return {
        "malformed.json": ('{"scenes": [{"start_frame": 0}', "not a scene list"),
        "overlap.csv": ("Scene Number,Start Frame,End Frame\n1,1,40\n2,31,150\n", "overlap"),
        "beyond.csv": ("Scene Number,Start Frame,End Frame\n1,1,100\n2,101,151\n", "beyond the master's last frame"),
        "other.json": ('{"frames": 99, "scenes": [{"start_frame": 0, "end_frame": 98}]}', "99 frames"),
        "garbage.edl": ("TITLE: x\n001  AX V C 99:99 nonsense\n", "EDL"),
    }


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_bad_scene_lists_exit_2_with_nothing_written(tmp_path: Path, cut_video: Path) -> None:
    out = tmp_path / "out"
    for name, (content, says) in _bad_files(tmp_path).items():
        listing = tmp_path / name
        listing.write_text(content)
        done = vat("run", cut_video, "--artwork", "Bad", "--out", out, "--scenes-from", listing)
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and says in lines[0], (name, done.stderr)
        assert vat("detect", cut_video, "--scenes-from", listing).returncode == 2, name
    listing = tmp_path / "fine.csv"
    listing.write_text("Scene Number,Start Frame,End Frame\n1,1,150\n")
    done = vat("run", cut_video, "--artwork", "Bad", "--out", out, "--scenes-from", listing, "--min-scene-len", "5")
    assert done.returncode == 2 and "--min-scene-len do not apply" in done.stderr, done.stderr
    assert not out.exists()
    open_database()
    try:
        assert ProcessingState.select().count() == 0
    finally:
        close_database()


def test_gaps_become_scenes_of_their_own(tmp_path: Path, cut_video: Path) -> None:
    listing = tmp_path / "holes.csv"
    listing.write_text("Scene Number,Start Frame,End Frame\n1,11,30\n2,56,95\n")
    shown = json.loads(vat("detect", cut_video, "--scenes-from", listing, "--format", "json", check=True).stdout)
    got = [(s["start_frame"], s["end_frame"]) for s in shown["scenes"]]
    assert got == [(0, 9), (10, 29), (30, 54), (55, 94), (95, 149)]

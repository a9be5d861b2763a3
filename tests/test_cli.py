"""The command line as a user types it: doctor, detect's formats, db maintenance, listings, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenedetect import FrameTimecode, SceneManager, StatsManager, open_video

from core.scenes import default_threshold, make_detector
from db.migrations import LATEST_VERSION
from tests.conftest import SCENES
from tests.helpers import vat
from tests.media import cut_starts


def test_version() -> None:
    done = vat("--version")
    assert done.returncode == 0 and done.stdout.startswith("vat ")


def test_doctor_reports_the_ffmpeg_in_use_and_can_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAT_FFMPEG", raising=False)
    done = vat("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    ffmpeg_line = next(line for line in done.stdout.splitlines() if "ffmpeg:" in line)
    assert "version" in ffmpeg_line and ("(bundled)" in ffmpeg_line or "(PATH)" in ffmpeg_line)
    for name in (
        "libx264",
        "libx265",
        "libsvtav1",
        "libwebp",
        "h264_nvenc",
        "nvenc works here",
        "libvmaf",
        "database",
        "data folder",
        "cache folder",
        "log folder",
    ):
        assert name in done.stdout
    assert f"schema version {LATEST_VERSION}" in done.stdout


def test_doctor_says_when_vat_cannot_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAT_FFMPEG", str(tmp_path / "no-ffmpeg"))
    done = vat("doctor")
    assert done.returncode == 3
    assert "FAIL" in done.stdout and "VAT_FFMPEG" in done.stdout


def test_detect_json_is_one_object_with_inclusive_ends(cut_video: Path) -> None:
    done = vat("detect", cut_video, "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["fps"], found["frames"], found["duration"]) == (25.0, 150, 6.0)
    starts = cut_starts(SCENES)
    assert [s["start_frame"] for s in found["scenes"]] == starts
    assert [s["end_frame"] for s in found["scenes"]] == [s - 1 for s in starts[1:]] + [149]
    assert found["scenes"][0] == {"index": 1, "start_frame": 0, "end_frame": 29, "start": 0.0, "end": 1.2}
    first_cut = found["scenes"][1]["transition_in"]
    assert {k: first_cut[k] for k in ("kind", "first_frame", "last_frame")} == {
        "kind": "cut",
        "first_frame": 30,
        "last_frame": 30,
    }
    assert first_cut["score"] == found["transitions"][0]["score"]
    assert [t["boundary_frame"] for t in found["transitions"]] == starts[1:]


@pytest.mark.parametrize("detector", ["adaptive", "content"])
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_detect_json_gives_each_cuts_score(cut_video: Path, detector: str) -> None:
    """Each cut's score is the detector's metric at the boundary, as PySceneDetect's stats file has it
    (adaptive: adaptive_ratio, content: content_val), the same from the cache as from decoding."""
    video = open_video(str(cut_video))
    stats = StatsManager()
    manager = SceneManager(stats)
    manager.add_detector(make_detector(detector, default_threshold(detector), 15))
    manager.detect_scenes(video)
    key = "adaptive_ratio (w=2)" if detector == "adaptive" else "content_val"
    runs = [json.loads(vat("detect", cut_video, "--format", "json", "--detector", detector, check=True).stdout)]
    runs.append(json.loads(vat("detect", cut_video, "--format", "json", "--detector", detector, check=True).stdout))
    for found in runs:
        for t in found["transitions"]:
            theirs = stats.get_metrics(FrameTimecode(t["boundary_frame"], video.frame_rate), [key])[0]
            assert t["score"] == pytest.approx(theirs, rel=0.02) and t["score"] >= default_threshold(detector)
    assert runs[0]["transitions"] == runs[1]["transitions"]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_detect_csv_and_table(cut_video: Path) -> None:
    csv_out = vat("detect", cut_video, "--format", "csv", "--detector", "content").stdout.splitlines()
    assert csv_out[0] == (
        "scene,start_timecode,end_timecode,start_frame,end_frame,duration,"
        "transition,transition_first_frame,transition_last_frame"
    )
    assert csv_out[1] == "1,00:00:00.000,00:00:01.200,0,29,1.200,,,"
    assert csv_out[2] == "2,00:00:01.200,00:00:02.200,30,54,1.000,cut,30,30"
    table = vat("detect", cut_video).stdout
    assert "00:00:03.800" in table and "5 scenes" in table


def test_detect_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.mov"
    bad.write_text("nope")
    done = vat("detect", bad)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and str(bad) in done.stderr


def test_db_commands(tmp_path: Path, db_path: Path) -> None:
    vat("presets", check=True)  # creates the database
    backup = vat("db", "backup", check=True).stdout
    assert "backup written" in backup and (db_path.parent / "backups").is_dir()
    assert "vacuumed" in vat("db", "vacuum", check=True).stdout
    assert "removed 0" in vat("db", "cleanup", check=True).stdout


def test_db_option_overrides_the_location(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "my.db"
    vat("--db", other, "presets", check=True)
    assert other.exists()


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_listings_after_a_run(cut_video: Path, tmp_path: Path) -> None:
    vat("run", cut_video, "--artwork", "Listed", "--out", tmp_path / "o", "--scenes", "1", check=True)
    assert "Listed" in vat("sessions", check=True).stdout
    assert "Listed" in vat("history", check=True).stdout
    presets = vat("presets", check=True).stdout
    assert "webflow_standard" in presets and "archive_hq" in presets


def test_doctor_finds_the_filters_of_the_bundled_ffmpeg_and_lines_up_its_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAT_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # the bundled imageio-ffmpeg, which has libvmaf
    done = vat("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if ": " in line and not line.startswith("vat ")]
    vmaf = next(line for line in lines if "filter libvmaf" in line)
    assert vmaf.split()[:3] == ["ok", "filter", "libvmaf:"], vmaf
    marks = {line.split()[0] for line in lines}
    assert "ok" in marks and marks <= {"ok", "no", "FAIL"}
    # every check's name starts in the same column whatever its mark
    assert len({len(line) - len(line.lstrip()) + len(line.split()[0]) for line in lines}) == 1, lines

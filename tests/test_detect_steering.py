"""Steering detection (issue 12): --min-scene-len in frames or seconds, a window of the master
(--start/--end), the detectors' own options (PySceneDetect's names), kept with the session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scenedetect import ContentDetector, FrameTimecode, SceneManager, StatsManager, open_video

from core.detection import cache as detect_cache
from core.detection import metrics as detect_metrics
from core.detection.options import DetectorOptions, Window, parse_scene_length, position_seconds
from core.errors import BadInput
from core.media import framesource
from core.scenes import detect_scenes
from tests.conftest import SCENES
from tests.helpers import vat
from tests.media import cut_starts

CUTS = cut_starts(SCENES)[1:]  # [30, 55, 95, 120] of 150 frames at 25 fps


def detect_json(master: Path, *args: str) -> dict:
    done = vat("detect", master, "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def starts(found: dict) -> list[int]:
    return [s["start_frame"] for s in found["scenes"]]


@pytest.mark.parametrize(
    ("start", "end"),
    [("1.48", "00:00:05:00"), ("00:00:01.480", "5"), ("00:00:01:12", "5s")],
)
def test_a_window_keeps_the_masters_frame_numbers_and_numbers_scenes_from_1(
    cut_video: Path, start: str, end: str
) -> None:
    found = detect_json(cut_video, "--detector", "content", "--start", start, "--end", end)
    # 1.48 s is frame 37, 5 s frame 125: the window is frames 37-124 (those from --start to before --end)
    assert found["window"] == {"first_frame": 37, "last_frame": 124}
    assert [s["index"] for s in found["scenes"]] == [1, 2, 3, 4]
    assert starts(found) == [37, 55, 95, 120]
    assert found["scenes"][0]["start"] == pytest.approx(1.48) and found["scenes"][-1]["end"] == pytest.approx(5.0)
    assert [t["boundary_frame"] for t in found["transitions"]] == [55, 95, 120]


@pytest.mark.parametrize("detector", ["transitions", "adaptive", "content", "histogram", "hash", "threshold"])
def test_a_window_cut_from_the_cache_equals_a_window_decoded(cut_video: Path, detector: str) -> None:
    window = Window("1.48", "5")
    decoded = detect_scenes(cut_video, detector, window=window)  # no cache yet: the window alone is decoded
    assert not decoded.from_cache
    again = detect_scenes(cut_video, detector, window=window)  # the window's own cache
    whole = detect_scenes(cut_video, detector)  # the whole master, cached
    cut_out = detect_scenes(cut_video, detector, window=window)  # the window cut from the whole master's cache
    assert again.from_cache and cut_out.from_cache
    assert decoded.to_dict() == again.to_dict() == cut_out.to_dict()
    assert decoded.first_frame == 37 and decoded.frames == 88 and whole.frames == 150
    if detector != "threshold":  # no fade in this window
        assert decoded.transitions and all(37 < t.boundary <= 124 for t in decoded.transitions)


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_min_scene_len_in_seconds_is_frames_at_the_masters_rate(cut_video: Path) -> None:
    assert (
        starts(detect_json(cut_video, "--min-scene-len", "0.6s"))
        == starts(detect_json(cut_video, "--min-scene-len", "15"))
        == [0, *CUTS]
    )
    # 1.2 s = 30 frames: the cuts 25 frames after another are too soon
    longer = starts(detect_json(cut_video, "--detector", "adaptive", "--min-scene-len", "1.2s"))
    assert longer == starts(detect_json(cut_video, "--detector", "adaptive", "--min-scene-len", "30")) == [0, 30, 95]
    assert parse_scene_length("0.6s").frames(29.97) == 18 and parse_scene_length("15").frames(29.97) == 15


def test_timecodes_and_seconds() -> None:
    assert position_seconds("00:01:02:12", 25.0) == pytest.approx(62.48)
    assert position_seconds("00:00:01:00", 30000 / 1001) == pytest.approx(30 / (30000 / 1001))  # 30 frames NDF
    assert position_seconds("01:00:00.250", 25.0) == pytest.approx(3600.25)
    assert position_seconds("12.5", 25.0) == position_seconds("12.5s", 25.0) == 12.5
    with pytest.raises(BadInput):
        position_seconds("00:00:01:25", 25.0)  # frame 25 of a 25-frame second


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_luma_only_scores_the_luma_change_and_is_cached_apart(cut_video: Path) -> None:
    plain = detect_json(cut_video, "--detector", "content")
    luma = detect_json(cut_video, "--detector", "content", "--luma-only")
    # PySceneDetect's own ContentDetector(luma_only=True): its content_val at each cut
    video = open_video(str(cut_video))
    stats = StatsManager()
    manager = SceneManager(stats)
    manager.add_detector(ContentDetector(threshold=30.0, luma_only=True))
    manager.detect_scenes(video)
    for t in luma["transitions"]:
        theirs = stats.get_metrics(FrameTimecode(t["boundary_frame"], video.frame_rate), ["content_val"])[0]
        assert t["score"] == pytest.approx(theirs, rel=0.02)
    assert [t["score"] for t in luma["transitions"]] != [t["score"] for t in plain["transitions"]]
    # a metric made with other weights is another cache file: neither replays the other's scores
    fingerprint = detect_cache.master_fingerprint(cut_video)
    suffix = DetectorOptions(luma_only=True).metric_suffix("content")
    assert suffix == "-w0,0,1,0"
    for name in ("content_val", "content_val" + suffix):
        assert detect_cache.cache_path(fingerprint, name, framesource.TARGET_WIDTH).exists()
    assert DetectorOptions(window_width=4, min_content_val=10).metric_suffix("adaptive") == ""
    assert detect_metrics.METRIC_OF["content"] == "content_val"


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_decision_options_change_the_cuts_on_cached_scores(cut_video: Path) -> None:
    assert starts(detect_json(cut_video, "--detector", "adaptive")) == [0, *CUTS]
    # every cut's content score is far below 200: none passes
    assert starts(detect_json(cut_video, "--detector", "adaptive", "--min-content-val", "200")) == [0]
    wide = detect_json(cut_video, "--detector", "adaptive", "--window-width", "4")
    assert starts(wide) == [0, *CUTS]
    assert [t["score"] for t in wide["transitions"]] != [
        t["score"] for t in detect_json(cut_video, "--detector", "adaptive")["transitions"]
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--min-scene-len", "1.5x"], "--min-scene-len"),
        (["--min-scene-len", "-3"], "--min-scene-len"),
        (["--start", "ten"], "--start"),
        (["--start", "5", "--end", "00:00:02:00"], "--end"),
        (["--end", "00:00:01:30"], "frame 30"),
        (["--weights", "1,1,1"], "--weights"),
        (["--kernel-size", "4"], "--kernel-size"),
        (["--window-width", "0", "--detector", "adaptive"], "--window-width"),
        (["--window-width", "3", "--detector", "content"], "not of content"),
        (["--fade-bias", "2", "--detector", "threshold"], "--fade-bias"),
        (["--luma-only", "--detector", "hash"], "--luma-only"),
        (["--start", "100"], "no frame in the window"),
    ],
)
def test_bad_values_are_one_line_exit_2(cut_video: Path, args: list[str], says: str) -> None:
    done = vat("detect", cut_video, *args)
    assert done.returncode == 2, done.stdout
    assert done.stderr.strip().count("\n") == 0 and says in done.stderr


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_session_keeps_its_options_and_detects_again_with_them(cut_video: Path, tmp_path: Path) -> None:
    done = vat(
        "run",
        cut_video,
        "--artwork",
        "Window",
        "--date",
        "26-12-02",
        "--out",
        tmp_path / "out",
        "--scenes",
        "1",
        "--detector",
        "content",
        "--start",
        "00:00:01:12",
        "--end",
        "5",
        "--min-scene-len",
        "0.6s",
        "--luma-only",
    )
    assert done.returncode == 0, done.stderr
    from core.pipeline import session as sessions
    from db.connection import open_database
    from db.models import ProcessingState

    open_database()
    row = ProcessingState.get()
    steering = row.process_metadata["detection_options"]
    assert steering == {
        "options": {"luma_only": True},
        "window": {"start": "00:00:01:12", "end": "5"},
        "min_scene_len": "0.6s",
    }
    assert row.min_scene_length == 15
    stored = [(s["index"], s["start_frame"], s["end_frame"]) for s in row.scenes_data]
    assert stored == [(1, 37, 54), (2, 55, 94), (3, 95, 119), (4, 120, 124)]
    # what a resume after a kill during detection runs: the same options, from the session
    ProcessingState.update(scenes_data=None).where(ProcessingState.id == row.id).execute()
    row = ProcessingState.get_by_id(row.id)
    again = sessions.detect(row, *sessions.detection_parameters("content", row.scene_threshold, row.min_scene_length))
    assert [(s.index, s.start_frame, s.end_frame) for s in again.scenes] == stored
    assert again.from_cache  # the same metric (luma only), cached by the run
    assert [t.score for t in again.transitions] == [
        s["transition_in"]["score"] for s in ProcessingState.get_by_id(row.id).scenes_data[1:]
    ]
    scores = [t.score for t in again.transitions]
    assert None not in scores and np.isfinite(np.array(scores, dtype=float)).all()

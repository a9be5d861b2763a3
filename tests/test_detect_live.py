"""The live threshold's core (core.detection.live): a session's cached statistics loaded once give every
frame's score and, at any threshold and minimum length, exactly detect_scenes' detection, without
reading the master again; where there are no statistics it says why instead of decoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from core.detection import live
from core.detection.options import Window
from core.scenes import detect_scenes
from tests.tui_flows import detected_session


def test_derive_gives_detect_scenes_result_without_the_master(cut_video: Path, tmp_path: Path) -> None:
    master = tmp_path / "cuts.mp4"
    shutil.copy(cut_video, master)
    detect_scenes(master, "transitions")  # decodes once: the statistics cached
    loaded = live.load(master, "transitions")
    assert isinstance(loaded, live.LiveStatistics)
    expected = {
        (threshold, min_len): detect_scenes(master, "transitions", threshold, min_len)
        for threshold, min_len in ((3.0, 15), (12.0, 15), (14.0, 4), (16.0, 0), (25.0, 15))
    }
    # the cut video's cuts score 15.1, 13.7, 11.6, 20.2: the thresholds above keep 4, 3, 3, 2 and 0 of them
    assert [len(d.scenes) for d in expected.values()] == [5, 4, 3, 2, 1]
    master.unlink()  # nothing below reads it: derived from the statistics alone
    for (threshold, min_len), want in expected.items():
        got = loaded.derive(threshold, min_len)
        assert got == want
        assert [t.score for t in got.transitions] == [t.score for t in want.transitions]
    # every frame's decision score, the same the detection gives its boundaries
    assert len(loaded.scores) == loaded.frames == 150
    boundaries = expected[(3.0, 15)].transitions
    assert [round(float(loaded.scores[t.boundary]), 6) for t in boundaries] == [t.score for t in boundaries]
    assert np.nanmax(loaded.scores) == pytest.approx(20.2, abs=0.1)


def test_single_detector_and_window_derive_alike(cut_video: Path) -> None:
    window = Window("1", "5")
    detect_scenes(cut_video, "content")
    for detector, options_window in (("content", None), ("content", window)):
        loaded = live.load(cut_video, detector, window=options_window)
        assert isinstance(loaded, live.LiveStatistics)
        assert loaded.windowed == (options_window is not None)
        for threshold in (8.0, 30.0, 55.0, 60.0):
            want = detect_scenes(cut_video, detector, threshold, 15, window=options_window)
            assert want.from_cache
            assert loaded.derive(threshold, 15) == want


def test_no_statistics_says_why(cut_video: Path, tmp_path: Path, cache_home: Path) -> None:
    assert "learned" in live.load(cut_video, "transnetv2").reason  # type: ignore[union-attr]
    assert "file" in live.load(cut_video, "file:scenes.csv").reason  # type: ignore[union-attr]
    missing = live.load(tmp_path / "gone.mp4", "transitions")
    assert isinstance(missing, live.NoStatistics) and "gone.mp4" in missing.reason
    master = tmp_path / "fresh.mp4"
    shutil.copy(cut_video, master)
    never = live.load(master, "transitions")  # never detected here: nothing cached, and nothing decoded
    assert isinstance(never, live.NoStatistics) and "cache" in never.reason
    assert not any(cache_home.rglob("*.npz"))


def test_for_session_reads_the_session_detector(db: object, cut_video: Path, tmp_path: Path) -> None:
    session = detected_session(cut_video, tmp_path / "out", detector="transitions")
    loaded = live.for_session(session)
    assert isinstance(loaded, live.LiveStatistics) and loaded.detector == "transitions"
    stored = [(s["start_frame"], s["end_frame"]) for s in session.scenes_data]
    assert session.scene_threshold is not None and session.min_scene_length is not None
    derived = loaded.derive(session.scene_threshold, session.min_scene_length)
    assert [(s.start_frame, s.end_frame) for s in derived.scenes] == stored


def test_adaptive_replay_at_once_equals_process_frame() -> None:
    """metrics.replay decides the adaptive detector (and transitions' cuts) over the whole record at
    once; PySceneDetect's own process_frame, fed frame by frame, gives the same cuts."""
    from core.detection import metrics
    from core.detection.options import DetectorOptions
    from core.scenes import make_detector

    rng = np.random.default_rng(13)
    compared = 0
    for trial in range(12):
        n = int(rng.integers(0, 300))
        metric = np.abs(rng.normal(4.0, rng.uniform(0.1, 3.0), n))
        if n:
            spikes = rng.integers(0, n, max(1, n // 25))
            metric[spikes] = rng.uniform(10, 80, len(spikes))
            metric[0] = 0.0 if trial % 2 else np.nan  # a first frame's score, or none
            if trial % 3 == 0:
                metric[rng.integers(0, n, 3)] = np.nan  # frames without a score are not buffered
            if trial % 4 == 0:
                metric[: min(n, 20)] = 0.0  # a still window: 255 or 0
        for threshold in (0.5, 2.0, 3.0, 6.0):
            for min_len in (0, 1, 15):
                for options in (DetectorOptions(), DetectorOptions(window_width=1, min_content_val=0.0)):
                    fast = metrics.replay(
                        make_detector("adaptive", threshold, min_len, options), "adaptive", metric, 25
                    )
                    slow = metrics.replay_frames(
                        make_detector("adaptive", threshold, min_len, options), "adaptive", metric, 25
                    )
                    assert fast == slow, (trial, threshold, min_len, options)
                    compared += bool(slow)
    assert compared > 50  # most cases do find cuts

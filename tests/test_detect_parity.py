"""Parity with PySceneDetect: vat's per-frame scores against those of PySceneDetect's own SceneManager.

The reference is PySceneDetect used as its documentation shows: open_video (OpenCV's decoder, full-size
BGR frames), a SceneManager with a StatsManager and the same detector with the same parameters, its
automatic downscale. vat decodes with PyAV and shrinks the planes itself (core.media.framesource);
detect_scenes caches each detector's per-frame metric, which is what is compared here.

The rules (issue 12): the mean relative difference of the per-frame scores is at most 2%, and the cuts
are equal wherever no score sits within 3% of the threshold. The footage: tests/transition_media.py's
TEST_PLAN (moving, grainy shots; cuts, dissolves, fades through black and white, a flash) at 512x288,
which both pipelines shrink to 256x144, so the order of shrinking and colour conversion matters.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scenedetect import FrameTimecode, SceneDetector, SceneManager, StatsManager, open_video

from core import scenes
from core.detection import cache as detect_cache
from core.detection import metrics as detect_metrics
from core.media import framesource
from tests.transition_media import Footage, make_transition_video

SIZE = (512, 288)  # shrunk by both to 256x144 (factor 2)
MAX_MEAN_RELATIVE = 0.02
NEAR_THRESHOLD = 0.03
MIN_SCENE_LEN = 15


@pytest.fixture(scope="session")
def parity_footage(media_dir: Path) -> Footage:
    return make_transition_video(media_dir / "parity_512x288.mp4", size=SIZE)


def _score_key(detector: SceneDetector, name: str) -> str:
    """The per-frame score the detector compares with its threshold, as its StatsManager names it."""
    if name == "adaptive":
        return detector.get_metrics()[-1]  # adaptive_ratio (w=2)
    return detector.get_metrics()[0]  # content_val, hash_dist, hist_diff, average_rgb


def _threshold(detector: SceneDetector, name: str) -> float:
    """The value the score is compared with (histogram: its internal correlation, 1 - threshold)."""
    if name == "adaptive":
        return float(detector.adaptive_threshold)
    if name == "threshold":
        return float(detector.threshold)
    return float(detector._threshold)


def _reference(path: Path, name: str) -> tuple[np.ndarray, list[int], float]:
    """PySceneDetect's own run: every frame's score, the cut frames, the threshold."""
    video = open_video(str(path))
    stats = StatsManager()
    manager = SceneManager(stats)
    detector = scenes.make_detector(name, scenes.default_threshold(name), MIN_SCENE_LEN)
    manager.add_detector(detector)
    manager.detect_scenes(video)
    key = _score_key(detector, name)
    values = np.full(video.frame_number, np.nan)
    for i in range(len(values)):
        timecode = FrameTimecode(i, video.frame_rate)
        if stats.metrics_exist(timecode, [key]):
            value = stats.get_metrics(timecode, [key])[0]
            values[i] = np.nan if value is None else float(value)
    cuts = [start.frame_num for start, _ in manager.get_scene_list()][1:]
    return values, cuts, _threshold(detector, name)


def _vat(path: Path, name: str) -> tuple[np.ndarray, list[int]]:
    """vat's run (detect_scenes, decoding): every frame's score from its cache, the cut frames."""
    detection = scenes.detect_scenes(path, name, min_scene_len=MIN_SCENE_LEN)
    assert not detection.from_cache
    fingerprint = detect_cache.master_fingerprint(path)
    stats = detect_cache.load(
        detect_cache.cache_path(fingerprint, detect_metrics.METRIC_OF[name], framesource.TARGET_WIDTH)
    )
    assert stats is not None
    values = stats.metric
    if name == "adaptive":  # the cache holds the content score: the ratio is the detector's, replayed
        detector = scenes.make_detector(name, scenes.default_threshold(name), MIN_SCENE_LEN)
        ratios = StatsManager()
        detector.stats_manager = ratios
        detect_metrics.replay_frames(detector, name, values, detection.fps)  # process_frame: it sets the ratios
        key = _score_key(detector, name)
        rate = Fraction(detection.fps).limit_denominator(100000)
        values = np.full(len(values), np.nan)
        for i in range(len(values)):
            timecode = FrameTimecode(i, rate)
            if ratios.metrics_exist(timecode, [key]):
                values[i] = float(ratios.get_metrics(timecode, [key])[0])
    return values, [s.start_frame for s in detection.scenes][1:]


def mean_relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Mean of |ours - theirs| / |theirs| over the frames both score (a zero reference is skipped)."""
    assert len(ours) == len(theirs)
    both = ~np.isnan(ours) & ~np.isnan(theirs) & (np.abs(theirs) > 1e-9)
    assert both.sum() > 0.9 * len(theirs)
    return float(np.mean(np.abs(ours[both] - theirs[both]) / np.abs(theirs[both])))


def unexplained_cut_differences(
    ours: list[int], theirs: list[int], scores: list[np.ndarray], threshold: float, reach: int
) -> list[int]:
    """Cuts found by one pipeline only with no score (of either) within 3% of the threshold in the
    `reach` frames either side (a detector's minimum length can move a cut that far)."""
    near = np.zeros(len(scores[0]), bool)
    for values in scores:
        near |= np.abs(np.nan_to_num(values, nan=np.inf) - threshold) <= NEAR_THRESHOLD * abs(threshold)
    return [c for c in sorted(set(ours) ^ set(theirs)) if not near[max(0, c - reach) : c + reach + 1].any()]


@pytest.mark.parametrize("name", ["content", "adaptive", "histogram", "threshold", "hash"])
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_scores_and_cuts_match_pyscenedetects_scene_manager(parity_footage: Footage, name: str) -> None:
    theirs, their_cuts, threshold = _reference(parity_footage.path, name)
    ours, our_cuts = _vat(parity_footage.path, name)
    assert len(ours) == len(theirs) == parity_footage.frames
    assert their_cuts, "the footage must give the detector cuts to compare"
    assert mean_relative_difference(ours, theirs) <= MAX_MEAN_RELATIVE
    assert unexplained_cut_differences(our_cuts, their_cuts, [ours, theirs], threshold, MIN_SCENE_LEN) == []


def test_the_cut_rule_catches_a_moved_cut() -> None:
    """The rule itself: a cut away from any near-threshold score counts; one near such a score not."""
    scores = np.full(100, 1.0)
    scores[40] = 2.95  # within 3% of 3.0
    assert unexplained_cut_differences([10, 50], [10, 80], [scores], 3.0, 15) == [80]
    assert mean_relative_difference(np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 5.0])) == pytest.approx(0.2 / 3)


def test_small_frames_equal_pyscenedetects_when_nothing_is_shrunk(transition_footage: Footage) -> None:
    """At 256x144 neither pipeline shrinks: vat's plane conversion gives PySceneDetect's pixels."""
    video = open_video(str(transition_footage.path))
    theirs = [video.read() for _ in range(60)]
    ours = []
    for frame in framesource.frames(transition_footage.path):
        ours.append(frame.image)
        if len(ours) == 60:
            break
    diff = np.abs(np.stack(ours).astype(int) - np.stack(theirs).astype(int))
    assert diff.mean() < 0.05 and diff.max() <= 2

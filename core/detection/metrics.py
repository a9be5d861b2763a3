"""Record what a PySceneDetect detector computes from each frame, and replay its decision on the record.

Recording taps the detector's own metric as it runs on decoded frames: the content score
(`_calculate_frame_score`, shared by the content and adaptive detectors, whose default weights and
kernel are the same), and, through a stats-manager stand-in, the hash distance, the histogram
correlation and the threshold detector's mean brightness. Nothing is computed twice.

Replaying gives exactly the cuts a decoding run gives. Where the decision logic is intricate it is
PySceneDetect's own code, fed the recorded metric: the content and adaptive detectors (flash
filter, rolling window) get their score from the record; the threshold detector reads its
brightness from a stats manager, which it supports for this very purpose. The hash and histogram
detectors compute their metric inside `process_frame`, so their two-line decision (metric against
threshold, then the minimum length since the last cut) is repeated here, with the detector's own
parameters; tests/test_detect_cache.py checks every detector against decoding runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
from scenedetect import FrameTimecode, SceneDetector

from core.detection.frame_arrays import FrameArray
from core.detection.transitions import THUMB_SIZE

# Which cached metric each detector decides on (the name is part of the cache file's name, with the
# detector parameters that change the metric; core.scenes.make_detector uses PySceneDetect's defaults).
METRIC_OF = {
    # the adaptive detector's content score, with every frame's thumbnail beside it (cache.Statistics.thumbs)
    "transitions": "content_val-thumb%dx%d" % THUMB_SIZE,
    "content": "content_val",
    "adaptive": "content_val",
    "hash": "hash_dist-s8l2",
    "histogram": "hist_diff-b128",
    "threshold": "average_rgb",
}


class _MetricSink:
    """Stands in for a StatsManager while decoding: keeps one metric of each frame, by frame number."""

    def __init__(self, key: str, values: FrameArray):
        self.key = key
        self.values = values

    def set_metrics(self, timecode: FrameTimecode, metrics: dict) -> None:
        if self.key in metrics:
            self.values.set(timecode.frame_num, float(metrics[self.key]))

    def metrics_exist(self, timecode: FrameTimecode, keys: list[str]) -> bool:
        return False  # recording: let the detector compute it


class _MetricSource:
    """Stands in for a StatsManager while replaying: the recorded metric of each frame."""

    def __init__(self, key: str, values: np.ndarray):
        self.key = key
        self.values = values

    def metrics_exist(self, timecode: FrameTimecode, keys: list[str]) -> bool:
        return True

    def get_metrics(self, timecode: FrameTimecode, keys: list[str]) -> list[float]:
        return [float(self.values[timecode.frame_num])]

    def set_metrics(self, timecode: FrameTimecode, metrics: dict) -> None:
        pass


def record(scene_detector: SceneDetector, detector: str, expected: int | None = None) -> Callable[[int], np.ndarray]:
    """Make `scene_detector` record its metric as it runs; returns a function giving the metric of
    the first n frames as an array (NaN where the detector computed none). `expected`: the frames the
    master says it has (the record is one float64 array: core.detection.frame_arrays)."""
    values = FrameArray(expected, fill=np.nan)
    if detector in ("content", "adaptive", "transitions"):
        compute = scene_detector._calculate_frame_score

        def tapped(timecode: FrameTimecode, frame_img: np.ndarray) -> float | None:
            score = compute(timecode, frame_img)
            if score is not None:
                values.set(timecode.frame_num, float(score))
            return score

        scene_detector._calculate_frame_score = tapped  # an instance attribute: the class is untouched
    else:
        scene_detector.stats_manager = _MetricSink(scene_detector.get_metrics()[0], values)

    def metric(n: int) -> np.ndarray:
        return values.array(n)

    return metric


def replay(scene_detector: SceneDetector, detector: str, metric: np.ndarray, fps: float) -> list[int]:
    """The cut frames `scene_detector` (fresh, with its threshold and minimum length) finds on the
    recorded `metric`, exactly as if it were fed the decoded frames."""
    if len(metric) == 0:
        return []
    if detector == "hash":
        return _replay_simple(metric, lambda v: v >= scene_detector._threshold, scene_detector._min_scene_len)
    if detector == "histogram":
        return _replay_simple(metric, lambda v: v <= scene_detector._threshold, scene_detector._min_scene_len)
    if detector in ("adaptive", "transitions"):
        return _replay_adaptive(metric, scene_detector)
    return replay_frames(scene_detector, detector, metric, fps)


def replay_frames(scene_detector: SceneDetector, detector: str, metric: np.ndarray, fps: float) -> list[int]:
    """replay() by feeding PySceneDetect's own process_frame each frame's recorded metric."""
    n = len(metric)
    if n == 0:
        return []
    rate = Fraction(fps).limit_denominator(100000)
    if detector in ("content", "adaptive", "transitions"):
        scene_detector._calculate_frame_score = lambda timecode, frame_img: _score(metric[timecode.frame_num])
    elif detector == "threshold":
        scene_detector.stats_manager = _MetricSource(scene_detector.get_metrics()[0], metric)
    else:
        raise ValueError(f"no replay for detector {detector!r}")
    cuts: list[int] = []
    timecode = None
    for i in range(n):
        timecode = FrameTimecode(i, rate)
        cuts += [c.frame_num for c in scene_detector.process_frame(timecode, None)]
    cuts += [c.frame_num for c in scene_detector.post_process(timecode)]
    return cuts


def _replay_adaptive(metric: np.ndarray, scene_detector: SceneDetector) -> list[int]:
    """AdaptiveDetector.process_frame over the whole record at once (a two-hour master: 0.1 s, not
    4 s of a Python call per frame), the same arithmetic in the same order: the frames with a score
    buffered, each target's window mean summed left to right as Python's sum() does, the ratio capped
    at 255 (255 or 0 over a still window), then the cuts at least min_scene_len frames apart from the
    first scored frame on. tests/test_detect_live.py checks it against process_frame itself."""
    from numpy.lib.stride_tricks import sliding_window_view

    w = int(scene_detector.window_width)
    frames = np.flatnonzero(~np.isnan(metric))
    scores = np.asarray(metric, np.float64)[frames]
    if len(scores) < 2 * w + 1:
        return []
    windows = sliding_window_view(scores, 2 * w + 1)
    total = windows[:, 0].copy()
    for j in range(1, 2 * w + 1):
        if j != w:
            total = total + windows[:, j]
    mean = total / (2.0 * w)
    target = windows[:, w]
    still = np.abs(mean) < 0.00001
    ratio = np.minimum(np.divide(target, mean, out=np.zeros_like(target), where=~still), 255.0)
    ratio[still] = np.where(target[still] >= scene_detector.min_content_val, 255.0, 0.0)
    met = (ratio >= scene_detector.adaptive_threshold) & (target >= scene_detector.min_content_val)
    cuts: list[int] = []
    last, min_len = int(frames[0]), scene_detector.min_scene_len
    for frame in frames[w + np.flatnonzero(met)].tolist():
        if frame - last >= min_len:
            cuts.append(frame)
            last = frame
    return cuts


def _score(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _replay_simple(metric: np.ndarray, is_cut: Callable[[float], bool], min_len: int) -> list[int]:
    """HashDetector / HistogramDetector.process_frame: the first frame has no metric and starts the
    first scene; a later frame is a cut when its metric passes and min_len frames have gone by."""
    cuts, last_cut = [], 0
    for i in range(1, len(metric)):
        value = float(metric[i])
        if is_cut(value) and i - last_cut >= min_len:
            cuts.append(i)
            last_cut = i
    return cuts


def decision_scores(scene_detector: SceneDetector, detector: str, metric: np.ndarray) -> np.ndarray:
    """Every frame's score as the detector compares it with its threshold (NaN where it has none): the
    recorded metric itself, or for the adaptive detector (and `transitions`, whose cuts are its) the
    ratio of a frame's content score to the mean of its window_width neighbours either side, with
    AdaptiveDetector.process_frame's own rules (capped at 255; 255 over a still window when the
    score reaches min_content_val, else 0)."""
    values = np.asarray(metric, np.float64)
    if detector not in ("adaptive", "transitions"):
        return values.copy()
    w = int(scene_detector.window_width)
    n = len(values)
    out = np.full(n, np.nan)
    if n < 2 * w + 1:
        return out
    scores = np.nan_to_num(values, nan=0.0)
    window = np.convolve(scores, np.ones(2 * w + 1), mode="valid")  # sum over t-w..t+w, t = w..n-w-1
    target = scores[w : n - w]
    mean = (window - target) / (2.0 * w)
    still = np.abs(mean) < 0.00001
    ratio = np.minimum(np.divide(target, mean, out=np.zeros_like(target), where=~still), 255.0)
    ratio[still] = np.where(target[still] >= scene_detector.min_content_val, 255.0, 0.0)
    out[w : n - w] = ratio
    return out


def score_at(scores: np.ndarray, frame: int) -> float | None:
    """The decision score of `frame`, rounded for reports; None where the detector has none."""
    if not 0 <= frame < len(scores) or math.isnan(float(scores[frame])):
        return None
    return round(float(scores[frame]), 6)

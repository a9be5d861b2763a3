"""A live threshold: a session's cached per-frame statistics, loaded once, and the detection they give
at any threshold and minimum scene length, derived again without decoding (the picker's graph).

`load` reads what a detection of the master would replay (core.scenes.cached_statistics: the master is
probed and fingerprinted, its statistics read from the cache) and gives every frame's decision score;
`LiveStatistics.derive` then replays the detector's decision on them alone, so it returns exactly the
Detection detect_scenes would, and works on when the master has moved away since. Where there is
nothing to replay (a learned detector, scenes from a file, a cleared cache) `load` says why instead:
the caller must not decode in its place (the picker's `t` detects again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.catalogue.roots import resolve
from core.detection.cache import Statistics
from core.detection.detectors import DETECTORS, LEARNED_DETECTORS
from core.detection.options import DetectorOptions, Window
from core.detection.transitions import Analysis
from core.errors import VatError
from core.media.probe import MediaInfo

if TYPE_CHECKING:
    from core.scenes import Detection
    from db.models import ProcessingState


@dataclass(frozen=True)
class NoStatistics:
    """Why a master's detection cannot be derived again without decoding."""

    reason: str


@dataclass(frozen=True)
class LiveStatistics:
    """One master's cached statistics for one detector and its options, ready to derive from."""

    detector: str
    options: DetectorOptions
    info: MediaInfo
    fps: float
    stats: Statistics = field(repr=False)
    windowed: bool
    scores: np.ndarray = field(repr=False)  # every frame's decision score (NaN: none), whatever the threshold
    # the thumbnails' analysis (transitions), computed by the first derive and kept for the next ones
    analysis: Analysis | None = field(default=None, repr=False, compare=False)

    @property
    def frames(self) -> int:
        return len(self.stats.frame_times)

    @property
    def first_frame(self) -> int:
        """The master's number of the first frame here (a window's first frame; else 0)."""
        return self.stats.first

    def prepare(self) -> None:
        """What every derivation shares, computed now (the transitions detector's thumbnail analysis:
        about 10 s of CPU for two hours at 25 fps): call it in a thread after loading."""
        if self.analysis is not None:
            self.analysis.prepare()

    def derive(self, threshold: float, min_scene_len: int) -> Detection:
        """The detection at `threshold` and `min_scene_len` (frames), from the statistics alone."""
        from core.scenes import from_statistics

        return from_statistics(
            self.info,
            self.fps,
            self.stats,
            self.detector,
            float(threshold),
            int(min_scene_len),
            self.options,
            self.windowed,
            self.analysis,
        )


def load(
    master: Path | str, detector: str, options: DetectorOptions | None = None, window: Window | None = None
) -> LiveStatistics | NoStatistics:
    """The master's cached statistics for `detector` (as a detection with these options and window would
    replay them), or why there are none. Reads the master (a probe and its fingerprint), never decodes."""
    if detector.startswith("file:"):
        return NoStatistics(f"the scenes came from a file ({detector[5:]}), not from a detector")
    if detector in LEARNED_DETECTORS:
        return NoStatistics(f"the learned detector {detector} keeps no per-frame statistics")
    if detector not in DETECTORS:
        return NoStatistics(f"unknown detector {detector!r}")
    from core import scenes
    from core.detection import metrics
    from core.media.probe import probe

    options = options or DetectorOptions()
    path = Path(master)
    try:
        info = probe(path, require_video=True)
        fps = info.fps or 25.0
        span = window.seconds(fps) if window else None
        cache_file, window_file = scenes.statistics_files(path, detector, options, span)
        stats = scenes.cached_statistics(path, detector, cache_file, window_file, span, window)
    except VatError as exc:
        return NoStatistics(exc.message)
    if stats is None:
        return NoStatistics("no cached statistics for this master (the cache was cleared)")
    scene_detector = scenes.make_detector(detector, 1.0, 0, options)  # the scores ignore both
    scores = metrics.decision_scores(scene_detector, detector, stats.metric)
    analysis = Analysis(stats.thumbs) if detector == "transitions" and stats.thumbs is not None else None
    return LiveStatistics(detector, options, info, fps, stats, span is not None, scores, analysis)


def for_session(session: ProcessingState) -> LiveStatistics | NoStatistics:
    """`load` for a session's master, detector and stored steering (its options and window)."""
    from core.detection.options import steered

    meta = session.process_metadata or {}
    detector = str(meta.get("detector") or "adaptive")
    _, options, window = steered(meta, detector)
    return load(str(resolve(session.master_path)), detector, options, window)  # here (storage roots)


# Steps of the live threshold: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten, on every detector's
# scale alike (transitions 3 -> 4 -> 5, content 30 -> 40, hash 0.35 -> 0.4, histogram 0.2 -> 0.25)
_MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
_LADDER = tuple(round(m * 10.0**e, 6) for e in range(-2, 6) for m in _MANTISSAS)
MIN_THRESHOLD = 0.01
_LENGTHS = (0, *sorted({int(v) for v in _LADDER if v >= 1}))


def step_threshold(detector: str, value: float, direction: int) -> float:
    """The next threshold up (direction 1) or down (-1) on the ladder, within the detector's scale."""
    from core.scenes import threshold_top

    top = threshold_top(detector)
    if direction > 0:
        above = [v for v in _LADDER if v > value * (1 + 1e-9)]
        return min(above[0] if above else top, top)
    below = [v for v in _LADDER if v < value * (1 - 1e-9)]
    return max(below[-1] if below else MIN_THRESHOLD, MIN_THRESHOLD)


def step_min_len(value: int, direction: int) -> int:
    """The next minimum scene length (frames) up or down: 0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20..."""
    if direction > 0:
        return next((v for v in _LENGTHS if v > value), _LENGTHS[-1])
    return next((v for v in reversed(_LENGTHS) if v < value), 0)

"""Scene detection: PySceneDetect's detectors fed with small frames straight from the decoder.

PySceneDetect's SceneManager decodes full-size BGR frames, then shrinks them: on 1080p that costs
about as much again as decoding. Here frames arrive already shrunk (core.media.framesource), so decoding
is the only real cost, and each detector's `process_frame` is called directly, numbered by decode
order in presentation order. Cut positions are therefore exact frame indices even for VFR sources,
and every time comes from the frame's own timestamp.

Thresholds. The app stores one setting, `scene_threshold_default` (30), on the content detector's
scale; `default_threshold(detector, setting)` maps it onto each detector's own scale, in proportion
to vat's default, so that the default setting gives each detector PySceneDetect's own default and a
higher setting always means "fewer cuts":

    detector   | its threshold means                              | setting 30 | setting s
    -----------|--------------------------------------------------|------------|-------------------
    content    | mean HSV change between frames (0-255)           | 30         | s
    transitions| ratio of a change to its surroundings: adaptive's| 3.0        | 3.0 * s / 30
               | for cuts, and how far a dissolve's change across |            |
               | it stands out against the change within the shots|            |
               | either side (fades: fixed black and white levels)|            |
    adaptive   | ratio of a frame's change to its neighbours'     | 3.0        | 3.0 * s / 30
    hash       | perceptual-hash distance (0-1)                   | 0.35       | 0.35 * s / 30
    histogram  | 1 - luma histogram correlation (0-1)             | 0.20       | 0.20 * s / 30
    threshold  | mean brightness (0-255) below which it is a fade | 12         | 12 (a black level,
               |                                                  |            |  not a sensitivity)

`min_scene_len` is in frames for every detector (app setting min_scene_length_default = 15).

Transitions. `transitions` (the default) finds cuts, dissolves and fades together, each once, with its
kind and span (core.detection.transitions); a scene then starts at the transition's boundary (the cut,
a dissolve's middle frame, a fade's darkest or brightest frame) and records the transition's span
(Scene.transition_in), so scenes still tile the video. The single detectors report each boundary as
a cut (a one-frame span).

Each detector's per-frame metric is recorded while decoding and cached per master
(core.detection.cache, core.detection.metrics); detecting the same master again, at any threshold or
minimum length, replays the detector on the cached metric and gives the same cuts without decoding.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from scenedetect import (
    AdaptiveDetector,
    ContentDetector,
    FrameTimecode,
    HashDetector,
    HistogramDetector,
    SceneDetector,
    ThresholdDetector,
)

from core.detection import cache as detect_cache
from core.detection import metrics as detect_metrics
from core.detection import transitions as detect_transitions
from core.detection.detectors import DEFAULT_DETECTOR, DETECTORS, LEARNED_DETECTORS
from core.detection.frame_arrays import FrameArray
from core.detection.options import DetectorOptions, Window
from core.detection.transition import Transition
from core.detection.transitions import THUMB_SIZE
from core.errors import BadInput, Cancelled, MediaError
from core.events import DetectProgress
from core.media import framesource
from core.media.probe import MediaInfo, probe
from core.scene import Scene as Scene  # re-exported: its home was here

CONTENT_SETTING_DEFAULT = 30.0  # app setting scene_threshold_default
# (value at the default setting, upper bound of the detector's scale); None: independent of it
_SCALES: dict[str, tuple[float, float] | None] = {
    "transitions": (3.0, 255.0),
    "content": (CONTENT_SETTING_DEFAULT, 255.0),
    "adaptive": (3.0, 255.0),
    "hash": (0.35, 1.0),
    "histogram": (0.20, 1.0),
    "threshold": None,
}
THRESHOLD_BLACK_LEVEL = 12.0
PROGRESS_INTERVAL_S = 0.1  # at most ~10 progress events a second


def default_threshold(detector: str, content_setting: float = CONTENT_SETTING_DEFAULT) -> float:
    """The app's content-scale threshold setting, mapped onto `detector`'s scale (module table)."""
    if detector in LEARNED_DETECTORS:  # a learned detector's own module says (its imports stay lazy)
        from core.detection.transnet_threshold import default_threshold as learned_threshold

        return learned_threshold(content_setting)
    _check_detector(detector)
    scale = _SCALES[detector]
    if scale is None:
        return THRESHOLD_BLACK_LEVEL
    at_default, top = scale
    return max(0.0, min(top, at_default * float(content_setting) / CONTENT_SETTING_DEFAULT))


def threshold_top(detector: str) -> float:
    """The top of `detector`'s threshold scale (the module table's; 255 for the black level)."""
    scale = _SCALES.get(detector)
    return 255.0 if scale is None else scale[1]


def _check_detector(detector: str) -> None:
    if detector not in DETECTORS:
        raise BadInput(f"unknown scene detector {detector!r} (choose from {', '.join(DETECTORS)})")


def make_detector(
    detector: str, threshold: float, min_scene_len: int, options: DetectorOptions | None = None
) -> SceneDetector:
    """A fresh PySceneDetect detector; `min_scene_len` in frames; `options`: those of its own options
    that apply to it (the others are left: a session re-detected with another detector keeps them)."""
    _check_detector(detector)
    own = (options or DetectorOptions()).for_detector(detector)
    if detector in ("adaptive", "transitions"):  # transitions: the adaptive detector gives its cuts
        return AdaptiveDetector(adaptive_threshold=threshold, min_scene_len=min_scene_len, **own)
    if detector == "content":
        return ContentDetector(threshold=threshold, min_scene_len=min_scene_len, **own)
    if detector == "threshold":
        # as PySceneDetect's CLI: a video that ends faded out gets that black tail as its own scene
        return ThresholdDetector(threshold=threshold, min_scene_len=min_scene_len, add_final_scene=True, **own)
    if detector == "hash":
        return HashDetector(threshold=threshold, min_scene_len=min_scene_len)
    return HistogramDetector(threshold=threshold, min_scene_len=min_scene_len)


@dataclass(frozen=True)
class Detection:
    fps: float  # the stream's average frame rate
    frames: int  # frames decoded
    duration: float  # seconds from the first frame to the end of the last
    start_time: float  # presentation time of the first frame (seconds, as in the stream)
    frame_times: list[float] = field(repr=False)  # presentation time of every frame, absolute
    scenes: list[Scene]
    detector: str = DEFAULT_DETECTOR
    threshold: float = 0.0
    min_scene_len: int = 0
    from_cache: bool = False  # the per-frame statistics came from the cache: nothing was decoded
    transitions: list[Transition] = field(default_factory=list)  # one per boundary, in frame order
    # a window of the master (--start/--end): its first frame's number in the master (frames, frame_times
    # and duration are the window's; scenes and transitions keep the master's frame numbers and times)
    first_frame: int = 0
    windowed: bool = False

    def to_dict(self) -> dict:
        out = {
            "fps": round(self.fps, 6),
            "frames": self.frames,
            "duration": round(self.duration, 6),
            "scenes": [scene.to_dict() for scene in self.scenes],
            "transitions": [{**t.to_dict(), "boundary_frame": t.boundary} for t in self.transitions],
        }
        if self.windowed:
            last = self.first_frame + self.frames - 1
            out["window"] = {"first_frame": self.first_frame, "last_frame": last}
        return out

    def summary(self) -> dict:
        """What a session keeps of it beside the scenes: a window's frames and duration are not the
        master's, so then only the window is said."""
        if self.windowed:
            return {"fps": self.fps, "detection_window": self.to_dict()["window"]}
        return {"fps": self.fps, "frames": self.frames, "duration": self.duration}


def scenes_from_cuts(cuts: list[int], frame_times: list[float], end_time: float) -> list[Scene]:
    """Scenes between cut frames (each cut is a scene's first frame); times relative to frame 0."""
    n = len(frame_times)
    starts = [0] + sorted({c for c in cuts if 0 < c < n})
    origin = frame_times[0]
    scenes = []
    for i, first in enumerate(starts):
        last = starts[i + 1] - 1 if i + 1 < len(starts) else n - 1
        end = frame_times[last + 1] - origin if last + 1 < n else end_time
        # rounded to the nanosecond: 1.2, not the 1.2000000000000002 that float subtraction leaves
        scenes.append(Scene(i + 1, first, last, round(frame_times[first] - origin, 9), round(end, 9)))
    return scenes


def scenes_from_transitions(transitions: list[Transition], frame_times: list[float], end_time: float) -> list[Scene]:
    """Scenes starting at each transition's boundary, each carrying the transition that starts it."""
    scenes = scenes_from_cuts([t.boundary for t in transitions], frame_times, end_time)
    by_start = {t.boundary: t for t in transitions}
    return [replace(s, transition_in=by_start.get(s.start_frame)) if s.index > 1 else s for s in scenes]


def _video_end(frame_times: list[float], last_duration: float | None, fps: float | None) -> float:
    """Seconds from the first frame to the end of the last one."""
    if last_duration:
        step = last_duration
    elif len(frame_times) > 1:
        step = frame_times[-1] - frame_times[-2]
    else:
        step = 1 / fps if fps else 0.0
    return round(frame_times[-1] + step - frame_times[0], 9)


def detect_scenes(
    path: Path | str,
    detector: str = DEFAULT_DETECTOR,
    threshold: float | None = None,
    min_scene_len: int = 15,
    on_progress: Callable[[DetectProgress], None] | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
    options: DetectorOptions | None = None,
    window: Window | None = None,
    info: MediaInfo | None = None,
) -> Detection:
    """Find the scenes of `path`. `threshold` None: default_threshold(detector). Setting `cancel`
    stops within a frame and raises Cancelled; bad input raises MediaError. The detector's per-frame
    metric is cached per master (core.detection.cache): with `use_cache`, a master seen before is not
    decoded again, whatever the threshold and minimum length.

    `options`: the detector's own options (core.detection.options). `window`: detect within that part
    of the master only: its scenes are numbered from 1, their frame numbers and times stay the
    master's. A window is cut from the whole master's cached metric when there is one (the detector
    starting afresh at the window's first frame, as a decoding run does); else only the window is
    analysed and its metric cached under its own name. `info`: the master's probe (require_video),
    when the caller has made it already: the master is not probed twice."""
    if detector in LEARNED_DETECTORS:  # the optional learned detector: its own module (core.detection.transnet)
        from core.detection.transnet import detect_scenes as detect_learned

        return detect_learned(path, threshold, min_scene_len, on_progress=on_progress, cancel=cancel)
    _check_detector(detector)
    options = options or DetectorOptions()
    if threshold is None:
        threshold = default_threshold(detector)
    if threshold < 0:
        raise BadInput(f"scene threshold must not be negative (got {threshold})")
    if min_scene_len < 0:
        raise BadInput(f"minimum scene length must not be negative (got {min_scene_len})")
    path = Path(path)
    if info is None:
        info = probe(path, require_video=True)
    fps = info.fps or 25.0
    span = window.seconds(fps) if window else None
    scene_detector = make_detector(detector, threshold, int(min_scene_len), options)
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"{path}: scene detection cancelled")
    cache_file: Path | None = None
    window_file: Path | None = None
    if use_cache:
        cache_file, window_file = statistics_files(path, detector, options, span)
        started = time.monotonic()
        stats = cached_statistics(path, detector, cache_file, window_file, span, window)
        if stats is not None:
            total = len(stats.frame_times)
            found = from_statistics(info, fps, stats, detector, threshold, min_scene_len, options, span is not None)
            if on_progress is not None:
                on_progress(DetectProgress(total, total, total / max(time.monotonic() - started, 1e-6)))
            return found
    # every frame's values in compact arrays, not Python objects (core.detection.frame_arrays)
    expected = info.frame_count if span is None else None
    metric_of = detect_metrics.record(scene_detector, detector, expected)
    thumbs = FrameArray(expected, (THUMB_SIZE[1], THUMB_SIZE[0], 3), np.uint8) if detector == "transitions" else None
    # Detectors see frame numbers (exact, in decode order), not times: a VFR-proof min_scene_len.
    rate = Fraction(fps).limit_denominator(100000)

    times = FrameArray(expected)
    cuts: list[int] = []
    last_duration = None
    size = (0, 0)
    started = time.monotonic()
    last_report = float("-inf")
    reported = 0
    timecode = None
    first, origin = None, None
    # the histogram detector decides on the luma's distribution: its term taken at full size; the hash
    # detector's bits flip on a level of rounding: it gets PySceneDetect's own frames (framesource doc)
    exact_luma, reference = detector == "histogram", detector == "hash"
    with closing(framesource.frames(path, window=span, exact_luma=exact_luma, reference=reference)) as source:
        for frame in source:
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{path}: scene detection cancelled")
            if first is None:
                first, origin = frame.index, frame.origin
            timecode = FrameTimecode(frame.index - first, rate)
            cuts += [c.frame_num for c in scene_detector.process_frame(timecode, frame.image)]
            times.append(frame.time)
            if thumbs is not None:
                thumbs.append(detect_transitions.thumbnail(frame.image))
            last_duration = frame.duration
            size = (frame.image.shape[1], frame.image.shape[0])
            if on_progress is not None:
                now = time.monotonic()
                if now - last_report >= PROGRESS_INTERVAL_S:
                    last_report = now
                    reported = frame.index + 1 - first
                    speed = reported / max(now - started, 1e-6)
                    on_progress(DetectProgress(reported, info.frame_count, speed))
    frame_times = times.array()
    if not len(frame_times):
        if span is not None:
            raise BadInput(f"{path}: no frame in the window {window}")
        raise MediaError(f"{path}: no video frame could be decoded")
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"{path}: scene detection cancelled")
    cuts += [c.frame_num for c in scene_detector.post_process(timecode)]
    total = len(frame_times)
    metric = metric_of(total)
    thumb_array = None if thumbs is None else thumbs.array()
    first = first or 0
    origin = float(frame_times[0]) if origin is None else origin
    target = cache_file if span is None else window_file
    if target is not None:
        detect_cache.save(
            target,
            detect_cache.Statistics(
                metric,
                frame_times,
                last_duration,
                size,
                thumb_array,
                first=first,
                origin=origin,
            ),
        )
    if on_progress is not None and reported < total:
        on_progress(DetectProgress(total, total, total / max(time.monotonic() - started, 1e-6)))
    return _detection(
        info,
        fps,
        frame_times,
        last_duration,
        cuts,
        detector,
        threshold,
        min_scene_len,
        thumbs=thumb_array,
        scores=detect_metrics.decision_scores(scene_detector, detector, metric),
        first=first,
        origin=origin,
        windowed=span is not None,
    )


def statistics_files(
    path: Path, detector: str, options: DetectorOptions, span: tuple[float, float] | None
) -> tuple[Path, Path | None]:
    """Where the master's statistics for `detector` are cached: the whole master's, and a window's own
    (None without a window). Reads the master's fingerprint (MediaError when it cannot be read)."""
    metric_name = detect_metrics.METRIC_OF[detector] + options.metric_suffix(detector)
    try:
        fingerprint = detect_cache.master_fingerprint(path)
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the master ({exc.strerror})") from None
    cache_file = detect_cache.cache_path(fingerprint, metric_name, framesource.TARGET_WIDTH)
    window_file = None
    if span is not None:
        window_file = detect_cache.cache_path(
            fingerprint, f"{metric_name}-t{span[0]:g}-{span[1]:g}", framesource.TARGET_WIDTH
        )
    return cache_file, window_file


def cached_statistics(
    path: Path,
    detector: str,
    cache_file: Path,
    window_file: Path | None,
    span: tuple[float, float] | None,
    window: Window | None,
) -> detect_cache.Statistics | None:
    """The cached statistics a detection replays (a window cut from the whole master's when there are
    those, else the window's own), or None: the master must be decoded."""
    for file, cut_out in ((cache_file, span is not None), (window_file, False)):
        stats = detect_cache.load(file) if file is not None else None
        if stats is None or (detector == "transitions" and stats.thumbs is None):
            continue
        if cut_out and span is not None:
            stats = _window_of(stats, span, detector, path, window)
        return stats
    return None


def from_statistics(
    info: MediaInfo,
    fps: float,
    stats: detect_cache.Statistics,
    detector: str,
    threshold: float,
    min_scene_len: int,
    options: DetectorOptions,
    windowed: bool,
    analysis: detect_transitions.Analysis | None = None,
) -> Detection:
    """The detection that cached statistics give at `threshold` and `min_scene_len`: the detector's
    decision replayed on them, nothing decoded (what detect_scenes returns for a cached master).
    `analysis`: the thumbnails' (transitions), kept from an earlier call on the same statistics."""
    scene_detector = make_detector(detector, threshold, int(min_scene_len), options)
    cuts = detect_metrics.replay(scene_detector, detector, stats.metric, fps)
    return _detection(
        info,
        fps,
        stats.frame_times,
        stats.last_duration,
        cuts,
        detector,
        threshold,
        min_scene_len,
        from_cache=True,
        thumbs=stats.thumbs,
        scores=detect_metrics.decision_scores(scene_detector, detector, stats.metric),
        first=stats.first,
        origin=stats.origin,
        windowed=windowed,
        analysis=analysis,
    )


def _window_of(
    stats: detect_cache.Statistics, span: tuple[float, float], detector: str, path: Path, window: Window | None
) -> detect_cache.Statistics:
    """The whole master's statistics cut to the window's frames, as a decoding run of the window alone
    records them: the detector starts afresh at its first frame (a content score of 0 there)."""
    offsets = stats.frame_times - stats.frame_times[0]
    inside = np.flatnonzero((offsets >= span[0] - 1e-6) & (offsets < span[1] - 1e-6))
    if not len(inside):
        raise BadInput(f"{path}: no frame in the window {window or Window()}")
    first, last = int(inside[0]), int(inside[-1])
    metric = stats.metric[first : last + 1].copy()
    if detector in ("content", "adaptive", "transitions"):
        metric[0] = 0.0  # ContentDetector's first frame
    elif detector in ("hash", "histogram"):
        metric[0] = np.nan  # no metric on a first frame
    return replace(
        stats,
        metric=metric,
        frame_times=stats.frame_times[first : last + 1],
        last_duration=stats.last_duration if last == len(stats.frame_times) - 1 else None,
        thumbs=None if stats.thumbs is None else stats.thumbs[first : last + 1],
        first=first,
        origin=float(stats.frame_times[0]),
    )


def _detection(
    info: MediaInfo,
    fps: float,
    times: np.ndarray,
    last_duration: float | None,
    cuts: list[int],
    detector: str,
    threshold: float,
    min_scene_len: int,
    from_cache: bool = False,
    thumbs: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    first: int = 0,
    origin: float | None = None,
    windowed: bool = False,
    analysis: detect_transitions.Analysis | None = None,
) -> Detection:
    """The detection's scenes: for `transitions`, from the transitions found on the thumbnails and
    the adaptive detector's `cuts`; for a single detector, a cut at each of its cuts. Each transition
    carries the detector's score at its boundary (`scores`: every frame's, metrics.decision_scores)."""
    frame_times: list[float] = times.tolist()  # Detection.frame_times: a list, as the plan takes them
    end = _video_end(frame_times, last_duration, info.fps)
    n = len(frame_times)
    if detector == "transitions" and thumbs is not None:
        found = detect_transitions.find(
            thumbs, cuts, standout=threshold, min_scene_len=int(min_scene_len), analysis=analysis
        )
    else:
        found = [Transition.cut(c) for c in sorted({c for c in cuts if 0 < c < n})]
    if scores is not None:
        found = [replace(t, score=detect_metrics.score_at(scores, t.boundary)) for t in found]
    scenes = scenes_from_transitions(found, frame_times, end)
    if first or (origin is not None and origin != frame_times[0]):
        # a window: the master's frame numbers and times (seconds from the master's first frame)
        shift = round(frame_times[0] - (frame_times[0] if origin is None else origin), 9)
        found = [replace(t, first=t.first + first, last=t.last + first, boundary=t.boundary + first) for t in found]
        by_start = {t.boundary: t for t in found}
        scenes = [
            replace(
                s,
                start_frame=s.start_frame + first,
                end_frame=s.end_frame + first,
                start=round(s.start + shift, 9),
                end=round(s.end + shift, 9),
                transition_in=by_start.get(s.start_frame + first) if s.index > 1 else None,
            )
            for s in scenes
        ]
    return Detection(
        fps=fps,
        frames=len(frame_times),
        duration=end,
        start_time=frame_times[0],
        frame_times=frame_times,
        scenes=scenes,
        transitions=found,
        detector=detector,
        threshold=threshold,
        min_scene_len=int(min_scene_len),
        from_cache=from_cache,
        first_frame=first,
        windowed=windowed,
    )

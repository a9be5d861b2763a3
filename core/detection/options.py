"""Steering a detection: the minimum scene length in frames or seconds, a window of the master, and
the detectors' own options, named as PySceneDetect names them.

Everything here is checked before any work (BadInput: exit 2, one line) and kept as plain JSON in the
session (process_metadata["detection_options"]), so that a resume detects with exactly the same.
Only the options that change a detector's per-frame metric (the content score's weights, luma only,
kernel size) are part of the detection cache's key (metric_suffix); the others (window width, minimum
content value, fade bias) only change the decision, which is replayed on cached scores.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields

from core.errors import BadInput

CONTENT_LIKE = ("content", "adaptive", "transitions")  # detectors that decide on the content score
# option -> the detectors it applies to (transitions takes its cuts from the adaptive detector)
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "luma_only": CONTENT_LIKE,
    "weights": CONTENT_LIKE,
    "kernel_size": CONTENT_LIKE,
    "window_width": ("adaptive", "transitions"),
    "min_content_val": ("adaptive", "transitions"),
    "fade_bias": ("threshold",),
}
# ContentDetector's DEFAULT_COMPONENT_WEIGHTS and LUMA_ONLY_WEIGHTS (hue, saturation, luma, edges), here
# so that the command line's parser need not import PySceneDetect (and OpenCV) to check an option
DEFAULT_WEIGHTS = (1.0, 1.0, 1.0, 0.0)
LUMA_ONLY_WEIGHTS = (0.0, 0.0, 1.0, 0.0)
_TIMECODE = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d)(?:([.:])(\d+))?$")
_SECONDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)s?$")


@dataclass(frozen=True)
class DetectorOptions:
    """The detectors' own options; None: PySceneDetect's default."""

    luma_only: bool | None = None
    weights: tuple[float, float, float, float] | None = None  # hue, saturation, luma, edges
    kernel_size: int | None = None
    window_width: int | None = None
    min_content_val: float | None = None
    fade_bias: float | None = None

    def given(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def to_dict(self) -> dict[str, object]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.given().items()}

    @classmethod
    def from_dict(cls, data: dict | None) -> DetectorOptions:
        data = {k: v for k, v in (data or {}).items() if k in APPLIES_TO}
        if data.get("weights") is not None:
            data["weights"] = tuple(float(w) for w in data["weights"])
        return cls(**data)

    def for_detector(self, detector: str) -> dict[str, object]:
        """The keyword arguments of `detector`'s PySceneDetect class (the options that apply to it)."""
        out = {k: v for k, v in self.given().items() if detector in APPLIES_TO[k]}
        if "weights" in out:
            from scenedetect import ContentDetector

            out["weights"] = ContentDetector.Components(*out["weights"])  # type: ignore[misc]
        return out

    def check_applies(self, detector: str) -> None:
        for name in self.given():
            if detector not in APPLIES_TO[name]:
                flag = "--" + name.replace("_", "-")
                raise BadInput(
                    f"{flag} is an option of the {' and '.join(APPLIES_TO[name])} detector, not of {detector}"
                )

    def metric_suffix(self, detector: str) -> str:
        """What the options change in the detector's per-frame metric, for the cache's key ('' for none)."""
        if detector not in CONTENT_LIKE:
            return ""
        weights = LUMA_ONLY_WEIGHTS if self.luma_only else tuple(self.weights or DEFAULT_WEIGHTS)
        parts = []
        if weights != DEFAULT_WEIGHTS:
            parts.append("w" + ",".join(f"{w:g}" for w in weights))
        if self.kernel_size is not None and weights[3] > 0:  # the kernel only shapes the edges' score
            parts.append(f"k{self.kernel_size}")
        return "-" + "-".join(parts) if parts else ""


def parse_weights(text: str) -> tuple[float, float, float, float]:
    """`1,1,1,0`: the content score's weights of hue, saturation, luma and edges."""
    try:
        values = tuple(float(v) for v in text.replace(" ", ",").split(",") if v)
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) and v >= 0 for v in values) or not any(values):
        raise BadInput(f"--weights {text!r}: four weights, hue,saturation,luma,edges (e.g. 1,1,1,0), not all 0")
    return (values[0], values[1], values[2], values[3])


def check_detector_options(options: DetectorOptions) -> None:
    if options.kernel_size is not None and (options.kernel_size < 3 or options.kernel_size % 2 == 0):
        raise BadInput(f"--kernel-size {options.kernel_size}: an odd number, 3 or more")
    if options.window_width is not None and options.window_width < 1:
        raise BadInput(f"--window-width {options.window_width}: at least 1 frame")
    if options.min_content_val is not None and not 0 <= options.min_content_val <= 255:
        raise BadInput(f"--min-content-val {options.min_content_val:g}: between 0 and 255")
    if options.fade_bias is not None and not -1 <= options.fade_bias <= 1:
        raise BadInput(f"--fade-bias {options.fade_bias:g}: between -1 and 1")


@dataclass(frozen=True)
class SceneLength:
    """A minimum scene length as given: frames (`15`) or seconds (`0.6s`)."""

    value: float
    seconds: bool

    def frames(self, fps: float) -> int:
        """In frames: seconds at the master's (average) frame rate, rounded."""
        return int(round(self.value * fps)) if self.seconds else int(self.value)

    def __str__(self) -> str:
        return f"{self.value:g}s" if self.seconds else str(int(self.value))


def parse_scene_length(text: str) -> SceneLength:
    """`15` (frames) or `0.6s` (seconds); BadInput otherwise."""
    value = str(text).strip().lower()
    if re.fullmatch(r"\d+", value):
        return SceneLength(int(value), False)
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*s", value)
    if match is None:
        raise BadInput(f"--min-scene-len {text!r}: frames (15) or seconds (0.6s)")
    return SceneLength(float(match.group(1)), True)


def parse_position(text: str, option: str) -> str:
    """A position in the master as given (checked here, turned into seconds by position_seconds)."""
    value = str(text).strip()
    if not (_TIMECODE.match(value) or _SECONDS.match(value)):
        raise BadInput(f"{option} {text!r}: a timecode (HH:MM:SS:FF or HH:MM:SS.mmm) or seconds (12.5)")
    return value


def position_seconds(text: str, fps: float) -> float:
    """Seconds from the master's first frame: HH:MM:SS:FF (frames at the nominal rate, non-drop-frame),
    HH:MM:SS.mmm, or plain seconds."""
    value = str(text).strip()
    seconds = _SECONDS.match(value)
    if seconds:
        return float(seconds.group(1))
    match = _TIMECODE.match(value)
    if match is None:
        raise BadInput(f"{text!r}: a timecode (HH:MM:SS:FF or HH:MM:SS.mmm) or seconds (12.5)")
    h, m, s, sep, tail = match.groups()
    base = int(h) * 3600 + int(m) * 60 + int(s)
    if sep == ":":
        nominal = max(1, round(fps))
        if int(tail) >= nominal:
            raise BadInput(f"{text!r}: frame {int(tail)} of a second that has {nominal}")
        return (base * nominal + int(tail)) / fps  # the timecode's frame count, at the real rate
    return base + (float("0." + tail) if tail else 0.0)


@dataclass(frozen=True)
class Window:
    """A window of the master, as given (--start/--end); None: its beginning / its end."""

    start: str | None = None
    end: str | None = None

    def seconds(self, fps: float) -> tuple[float, float]:
        start = position_seconds(self.start, fps) if self.start else 0.0
        end = position_seconds(self.end, fps) if self.end else math.inf
        if end <= start:
            raise BadInput(f"--end {self.end} is not after --start {self.start or 0}")
        return start, end

    def __bool__(self) -> bool:
        return bool(self.start or self.end)

    def __str__(self) -> str:
        return f"{self.start or 0} to {self.end or 'the end'}"

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


def steered(meta: dict | None, detector: str) -> tuple[dict, DetectorOptions, Window | None]:
    """A session's stored steering (process_metadata["detection_options"]), its detector options and
    its window for `detector` (the learned detector takes no window)."""
    from core.detection.detectors import LEARNED_DETECTORS

    steering = (meta or {}).get("detection_options") or {}
    window = Window(**steering.get("window", {}))
    usable = window if window and detector not in LEARNED_DETECTORS else None
    return steering, DetectorOptions.from_dict(steering.get("options")), usable

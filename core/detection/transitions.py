"""Transitions between shots: cuts, dissolves and fades, each found once, with its span.

The `transitions` detector decides on two per-frame signals, both recorded while decoding and cached
(core.detection.metrics): the content score (PySceneDetect's HSV change between consecutive frames,
on which the adaptive detector decides) and a thumbnail of every frame (THUMB_SIZE, BGR, uint8: 432
bytes a frame), from which everything else is computed after decoding (about 0.1 s for 1,500
frames, 10 s for two hours at 25 fps on a busy 2-core machine: numpy over the whole video):

- fades: the thumbnail's mean luma. A run of frames near black (or white) whose luma ramps down to
  it and back up over several frames is a fade; its boundary is the darkest (brightest) frame. A
  single bright frame with no ramp (a flash) is not.
- dissolves: frames compared over a distance. For a centre i and a half-width k, with A = frame i-k
  and B = frame i+k, a dissolve whose span fits inside i-k..i+k makes frame i their blend: the blend
  residual |i - (A+B)/2| is small against |B - A| (BLEND_MAX), where a cut leaves half of |B - A|
  (frame i is A or B), a fade leaves frame i black or white, and most motion a different picture.
  Motion that does look like a blend (a drifting gradient, an evolving texture) changes as much
  within the shot as across, so the change across (|B - A|) must also stand out (`standout`, the
  threshold) against the change within at least one side: A against frame i-3k (i-2k where that
  crosses another transition), B against i+3k (i+2k): a dissolve starts and ends, drift goes on.
  One calm side is enough, so that a dissolve out of fast motion still stands out. Several k are
  tried (DISSOLVE_K, 3 to 36 frames) and a centre must pass at PASSES_MIN of them; the span is where
  the frames' projection on B - A moves from the old shot to the new (_dissolve_span).
- cuts: PySceneDetect's adaptive detector replayed on the content score (its threshold mapped from
  the app setting as for `adaptive`), less its cuts into and out of a flash (the thumbnails before
  and after a 1-2 frame flash are alike, those either side of a cut are not), less those inside
  a fade or dissolve already found, and less those near a dissolve whose picture barely jumps (a
  dissolve's edge jumps in hue, which the content score sees: no second detection).
- what is left at least min_scene_len frames apart: fades and cuts first, then dissolves.

The boundary between two scenes is the cut itself, a dissolve's middle (the frame where the blend is
half way), a fade's darkest or brightest frame: scenes stay contiguous, the span is reported beside.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import cv2
import numpy as np

from core.detection.transition import KINDS as KINDS  # re-exported: their home was here
from core.detection.transition import Transition as Transition

THUMB_SIZE = (16, 9)  # width, height: the layout of a frame's colour, not its detail (motion)
DISSOLVE_K = (3, 5, 8, 12, 18, 26, 36)
BLEND_MAX = 0.35  # blend residual / change across, at most, for a dissolve's centre
STANDOUT_MIN = 3.0  # change across / change within either side, at least (at the default setting)
CHANGE_MIN = 12.0  # change across, at least (mean absolute thumbnail difference, 0-255)
BLACK_LEVEL = 32.0  # a fade through black reaches a mean luma at most this (40 let a dark shot's dips pass)
WHITE_LEVEL = 200.0  # a fade through white reaches a mean luma at least this
RAMP_STEP = 1.5  # luma change a frame, at least, on a fade's ramp
PASSES_MIN = 2  # a dissolve's centre passes at this many k at least (motion passes at one, by chance)
ALPHA_EDGE = 0.1  # share of the way from the old shot to the new at which a dissolve starts (ends)
GRADUAL_RATIO = 0.5  # a cut whose jump is less than this share of the change around it: gradual
EDGE_REACH = 12  # frames from a dissolve within which such a cut is the dissolve's edge
FLASH_RATIO = 0.4  # a cut whose before/after thumbnails differ less than this share of its jump: a flash


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A frame's thumbnail (THUMB_SIZE, BGR uint8), area-averaged: grain and fine detail gone."""
    return cv2.resize(image, THUMB_SIZE, interpolation=cv2.INTER_AREA)


def luma(thumbs: np.ndarray) -> np.ndarray:
    """Mean luma (BT.601 weights, 0-255) of each BGR thumbnail; thumbs: frames x H x W x 3. A block
    of frames at a time: two hours' thumbnails in float64 at once would take 620 MB."""
    pixels = thumbs.reshape(len(thumbs), -1, 3)
    out = np.empty(len(thumbs), np.float64)
    for start in range(0, len(thumbs), 8192):
        t = pixels[start : start + 8192].astype(np.float64)
        out[start : start + len(t)] = (0.114 * t[:, :, 0] + 0.587 * t[:, :, 1] + 0.299 * t[:, :, 2]).mean(axis=1)
    return out


class Analysis:
    """What the tests below compute from the thumbnails alone, whatever the cuts and the threshold: the
    mean luma, the frame differences over each distance and the blend residuals of each half-width.
    Kept between calls on the same thumbnails (the picker's live threshold derives again and again),
    each computed once, as it would be on a first call: the results are the same."""

    def __init__(self, thumbs: np.ndarray):
        self.n = len(thumbs)
        self.flat = thumbs.reshape(self.n, -1)  # uint8, converted a block at a time (two hours: 78 MB, not 311)
        self._luma: np.ndarray | None = None
        self._diffs: dict[int, np.ndarray] = {}
        self._blends: dict[int, np.ndarray] = {}

    def luma(self) -> np.ndarray:
        if self._luma is None:
            self._luma = luma(self.flat.reshape(self.n, -1, 3))
        return self._luma

    def diff(self, d: int) -> np.ndarray:
        """Mean absolute difference of every frame j and frame j + d (slices: no copies of flat)."""
        if d not in self._diffs:
            flat, n = self.flat, self.n
            self._diffs[d] = _blocked(
                n - d, lambda s, e: np.abs(_f32(flat[d + s : d + e]) - _f32(flat[s:e])).mean(axis=1)
            )
        return self._diffs[d]

    def prepare(self) -> None:
        """Compute everything now (a thread, ahead of the first call): every later find() is quick."""
        self.luma()
        for k in DISSOLVE_K:
            if self.n > 4 * k:
                self.diff(k), self.diff(2 * k), self.blend(k)

    def blend(self, k: int) -> np.ndarray:
        """The blend residual of centres 2k..n-2k-1 (_blend_rows)."""
        if k not in self._blends:
            self._blends[k] = _blocked(self.n - 4 * k, partial(_blend_rows, self.flat, k))
        return self._blends[k]


def find(
    thumbs: np.ndarray,
    cuts: list[int],
    standout: float = STANDOUT_MIN,
    min_scene_len: int = 0,
    analysis: Analysis | None = None,
) -> list[Transition]:
    """Every transition, once, in frame order. `thumbs`: every frame's thumbnail(); `cuts`: the
    adaptive detector's cut frames; `standout`: how far a dissolve's change must stand out (higher:
    fewer dissolves, as a higher adaptive threshold gives fewer cuts). `analysis`: the thumbnails'
    Analysis from an earlier call, to spare computing it again."""
    n = len(thumbs)
    if n == 0:
        return []
    analysis = analysis or Analysis(thumbs)
    flat = analysis.flat
    found: list[Transition] = []
    found += fades(analysis.luma())
    real_cuts = [Transition.cut(c) for c in cuts if 0 < c < n and not _is_flash(flat, c)]
    found += [t for t in dissolves(flat, standout, found + real_cuts, analysis) if not _near_any(t, found, 2)]
    found += [
        t
        for t in real_cuts
        if not _near_any(t, found, 3) and not (_is_gradual(flat, t.first) and _near_any(t, found, EDGE_REACH))
    ]
    found.sort(key=lambda t: t.boundary)
    return _spaced(found, min_scene_len)


def _near_any(t: Transition, others: list[Transition], margin: int) -> bool:
    return any(t.first <= o.last + margin and t.last >= o.first - margin for o in others)


def _spaced(found: list[Transition], min_scene_len: int) -> list[Transition]:
    """Keep boundaries at least min_scene_len frames from each other and from frame 0: fades and
    cuts first (in frame order), then dissolves, the least certain evidence, where there is room."""
    gap = max(min_scene_len, 1)
    kept: list[Transition] = []
    for rank in (("fade_black", "fade_white", "cut"), ("dissolve", "other")):
        for t in found:
            if t.kind in rank and t.boundary >= gap and all(abs(t.boundary - o.boundary) >= gap for o in kept):
                kept.append(t)
    return sorted(kept, key=lambda t: t.boundary)


def _is_gradual(frames: np.ndarray, c: int) -> bool:
    """A cut whose picture barely jumps, against the change over the frames around it: the hue jump
    at a dissolve's edge (the content score leaps on it), not a new shot."""
    flat = frames[max(0, c - 3) : c + 3].astype(np.float32)  # the six frames around c
    c, n = c - max(0, c - 3), len(flat)
    jump = float(np.abs(flat[c] - flat[c - 1]).mean())
    across = float(np.abs(flat[min(n - 1, c + 2)] - flat[max(0, c - 3)]).mean())
    return jump < GRADUAL_RATIO * across


def _is_flash(frames: np.ndarray, c: int) -> bool:
    """A cut into or out of a 1-2 frame flash: the frames either side of it are alike."""
    flat = frames[max(0, c - 3) : c + 3].astype(np.float32)  # the six frames around c
    c, n = c - max(0, c - 3), len(flat)
    if c < 1:
        return False
    jump = float(np.abs(flat[c] - flat[c - 1]).mean())
    before, after = max(0, c - 3), min(n - 1, c + 2)
    across = float(np.abs(flat[after] - flat[before]).mean())
    return jump > 0 and across < FLASH_RATIO * jump


def fades(level: np.ndarray) -> list[Transition]:
    """Fades through black or white: runs of frames beyond BLACK_LEVEL (WHITE_LEVEL) reached by a
    ramp of several frames; the span runs over both ramps."""
    out: list[Transition] = []
    for kind, beyond, sign in (("fade_black", level <= BLACK_LEVEL, -1.0), ("fade_white", level >= WHITE_LEVEL, 1.0)):
        v = sign * level  # fades climb towards their extreme in v
        n = len(level)
        for i, j in _runs(beyond):
            extreme = i + int(np.argmax(v[i : j + 1]))
            first, last = i, j
            while first > 0 and v[first - 1] < v[first] - RAMP_STEP:
                first -= 1
            while last + 1 < n and v[last + 1] < v[last] - RAMP_STEP:
                last += 1
            ramp = max(i - first, last - j)
            depth = v[extreme] - min(v[first], v[last])
            steps = np.abs(np.diff(v[first : last + 1]))
            # a flash or a cut to black: one step does it all; a fade gets there over several frames
            if ramp >= 2 and (len(steps) == 0 or steps.max() < 0.5 * max(depth, 1e-6)):
                out.append(Transition(kind, first, last, extreme))
    return out


def dissolves(
    flat: np.ndarray,
    standout: float = STANDOUT_MIN,
    others: Sequence[Transition] = (),
    analysis: Analysis | None = None,
) -> list[Transition]:
    """Dissolves by the blend test over a distance (module doc); flat: frames x thumbnail values.
    `others`: fades and cuts already found; a comparison within a side that crosses one is void.
    `analysis`: flat's Analysis, its differences and residuals computed once for every call."""
    n = len(flat)
    analysis = analysis or Analysis(flat)
    # each frame's shot between the transitions found so far; -1: in one (or within 2 frames of it)
    starts = np.zeros(n, np.int64)
    busy = np.zeros(n, bool)
    for o in others:
        starts[min(o.first, n - 1)] += 1
        busy[max(0, o.first - 2) : o.last + 3] = True
    shot = np.where(busy, -1, np.cumsum(starts))
    best_k = np.zeros(n, np.int64)  # the smallest k at which frame i passes, 0: none
    passes = np.zeros(n, np.int64)
    top_k = np.zeros(n, np.int64)  # the largest
    for k in DISSOLVE_K:
        if n <= 4 * k:
            continue
        centre = np.arange(2 * k, n - 2 * k)
        near, wide = analysis.diff(k), analysis.diff(2 * k)
        across = wide[centre - k]  # frame centre-k (A) against frame centre+k (B)
        blend = analysis.blend(k)
        left, right = shot[centre - 2 * k], shot[centre + 2 * k]
        clean = (left >= 0) & (shot[centre - k] == left) & (right >= 0) & (shot[centre + k] == right)
        # the change within each side, over 2k frames where the shot reaches that far, else over k
        # (drift changes about twice as much over 2k; a still shot either side of a dissolve does not)
        far_left, far_right = np.maximum(centre - 3 * k, 0), np.minimum(centre + 3 * k, n - 1)
        left_far_ok = (centre - 3 * k >= 0) & (shot[far_left] == left)
        right_far_ok = (centre + 3 * k <= n - 1) & (shot[far_right] == right)
        within_left = np.where(left_far_ok, wide[far_left], near[centre - 2 * k])
        within_right = np.where(right_far_ok, wide[np.minimum(centre + k, len(wide) - 1)], near[centre + k])
        within = np.minimum(within_left, within_right)
        ok = (
            clean
            & (across >= CHANGE_MIN)
            & (blend <= BLEND_MAX * across)
            & (across >= standout * np.maximum(within, 1.0))
        )
        hit = centre[ok]
        passes[hit] += 1
        fresh = hit[best_k[hit] == 0]
        best_k[fresh] = k
        top_k[hit] = k
    best_k[passes < PASSES_MIN] = 0
    out: list[Transition] = []
    for i, j in _runs(best_k > 0):
        found = _dissolve_span(flat, (i + j) // 2, int(top_k[i : j + 1].max()))
        if out and found.first <= out[-1].last + 2:  # two runs of one dissolve (motion broke the run)
            longer = max(out[-1], found, key=lambda t: t.frame_count)
            found = Transition("dissolve", out[-1].first, max(found.last, out[-1].last), longer.boundary)
            out.pop()
        out.append(found)
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The maximal runs of true frames in `mask`, as (first, last) inclusive."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _blend_rows(flat: np.ndarray, k: int, start: int, stop: int) -> np.ndarray:
    """The blend residual |frame i - (frame i-k + frame i+k) / 2| of centres i = 2k+start..2k+stop-1."""
    middle = _f32(flat[2 * k + start : 2 * k + stop])
    return np.abs(middle - (_f32(flat[k + start : k + stop]) + _f32(flat[3 * k + start : 3 * k + stop])) / 2).mean(
        axis=1
    )


def _f32(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float32)


def _blocked(rows: int, block_of: Callable[[int, int], np.ndarray], size: int = 8192) -> np.ndarray:
    """block_of(start, stop) for rows start..stop-1, a block at a time: bounded temporaries."""
    out = np.empty(max(rows, 0), np.float32)
    for start in range(0, rows, size):
        stop = min(rows, start + size)
        out[start:stop] = block_of(start, stop)
    return out


def _dissolve_span(flat: np.ndarray, middle: int, k: int) -> Transition:
    """The frames of the dissolve around `middle` that passed up to half-width `k`: where each frame
    lies between A = frame middle-k and B = frame middle+k (alpha, its projection on B - A): the
    boundary is the frame nearest `middle` past one half, the span runs from it outwards while alpha
    stays past ALPHA_EDGE before it and short of 1 - ALPHA_EDGE after it."""
    a, b = _f32(flat[middle - k]), _f32(flat[middle + k])
    direction = b - a
    frames = np.arange(middle - k, middle + k + 1)
    alpha = (_f32(flat[frames]) - a) @ direction / max(float(direction @ direction), 1e-9)
    centre = k  # index of `middle` in frames
    half = np.flatnonzero(alpha >= 0.5)
    boundary_at = int(half[np.argmin(np.abs(half - centre))]) if len(half) else centre
    first_at = boundary_at
    while first_at > 0 and alpha[first_at - 1] >= ALPHA_EDGE:
        first_at -= 1
    last_at = boundary_at
    while last_at < len(frames) - 1 and alpha[last_at + 1] <= 1 - ALPHA_EDGE:
        last_at += 1
    first, last, boundary = int(frames[first_at]), int(frames[last_at]), int(frames[boundary_at])
    return Transition("dissolve", first, last, boundary)

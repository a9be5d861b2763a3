"""Decoded video frames, small and in BGR, as fast as the decoder gives them: the input of detection.

Decoding is the only cost that must remain, and the small frames must be the ones PySceneDetect's own
SceneManager would feed the same detector, so that thresholds and scores keep their meaning (the
parity tests, tests/test_detect_parity.py, hold the per-frame scores within 2%). PySceneDetect reads a
full-size BGR frame (OpenCV's decoder: swscale's YUV to BGR, BT.601, chroma repeated over its 2x2
block) and shrinks it with cv2.resize, INTER_LINEAR, to round(size / factor), factor = longest side /
256 (no shrinking at or under 256). Converting the full frame costs ~1.4 ms at 1080p, a third of the
decoding time, so here the order is swapped: the planes are read straight from the decoder (zero-copy
numpy views), shrunk to the small size, and only then combined, with swscale's own arithmetic: each
term truncated on its own, B = floor(1.164(Y-16)) + floor(2.017(U-128)), and so on (measured against
its output on every Y and V and a grid of U: equal to within 0.05 levels on average). The chroma planes
are sampled where that resize samples swscale's repeated chroma (chroma_positions): 1.2 ms a 1080p
frame on a busy 2-core machine, against 0.8 ms for the I420 shortcut vat took before (4:2:0 chroma
shrunk to half the small size), whose scores were 1-4% off PySceneDetect's on average; decoding the
frame costs ~12 ms of CPU there. The luma is still blended as 8-bit Y before its conversion, which
leaves gaps in the luma histogram (1.164 levels a step): harmless to the HSV differences of the
content and adaptive detectors (within 1.3% on grainy 1080p), not to the histogram and hash
detectors (up to 8% on single frames), for which the luma term is taken at full size on just the
pixels the resize reads (exact_luma, Shrinker._luma: 1.7 ms a frame there). The hash detector's distance
counts flipped signs of a DCT of a 16x16 grey picture, which a single level of rounding flips: even
with the full-size luma term it stays 3-7% from PySceneDetect's, so it takes PySceneDetect's path itself
(reference=True), full BGR from swscale, then cv2.resize: its own scores, at the cost of converting
every full frame. Other pixel formats take that path too.

Frames come in presentation order, numbered from 0 in the order decoded, each with its exact
presentation time (seconds, as in the stream), so VFR sources keep their true timing.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from core.errors import MediaError
from core.media.video_stream import video_stream

TARGET_WIDTH = 256  # PySceneDetect's DEFAULT_MIN_WIDTH: its auto-downscale aims here
MAX_BAD_PACKETS = 64  # consecutive undecodable packets before the file is declared corrupt


def _terms(coefficient: float, offset: int) -> np.ndarray:
    """floor(coefficient * (v - offset)) for every 8-bit v: one truncated term of swscale's sum."""
    return np.floor(coefficient * (np.arange(256, dtype=np.float64) - offset)).astype(np.int16)


# (Y, U->B, U->G, V->G, V->R) tables: BT.601, limited range ("tv") and full range ("jpeg")
_LIMITED = (
    _terms(255 / 219, 16),
    _terms(2.017232, 128),
    _terms(-0.391762, 128),
    _terms(-0.812968, 128),
    _terms(1.596027, 128),
)
_FULL = (_terms(1.0, 0), _terms(1.772, 128), _terms(-0.344136, 128), _terms(-0.714136, 128), _terms(1.402, 128))
# the luma terms clipped to 8 bits, for the blend of Shrinker._luma: cv2's 8-bit remap rounds as its
# 8-bit resize does (a 16-bit one rounds halves to even: 0.2-0.4% further from PySceneDetect's scores);
# what the clip loses (terms below 0 from Y < 16, met by a chroma term above 0) is rare
_LUMA_TERMS = np.clip(_LIMITED[0], 0, 255).astype(np.uint8)
_LUMA_TERMS_FULL = np.clip(_FULL[0], 0, 255).astype(np.uint8)


def _luma_positions(full: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Along one axis: the 2 * out full-size pixels cv2.resize (INTER_LINEAR) reads, x0 and x0 + 1 for
    each small pixel (clamped at the edges), and where each small pixel falls on that gathered grid."""
    x = (np.arange(out) + 0.5) * (full / out) - 0.5
    x0 = np.floor(x)
    weight = np.where(x0 < 0, 0.0, x - x0)
    gather = np.empty(2 * out, np.float32)
    gather[0::2] = np.clip(x0, 0, full - 1)
    gather[1::2] = np.clip(x0 + 1, 0, full - 1)
    return gather, (2 * np.arange(out) + weight).astype(np.float32)


def analysis_size(width: int, height: int, target: int = TARGET_WIDTH) -> tuple[int, int]:
    """PySceneDetect's auto downscale: factor = longest side / `target` (none at or under it), each
    side rounded (scene_manager.compute_downscale_factor and its cv2.resize call)."""
    longest = max(width, height)
    if longest <= target:
        return width, height
    factor = longest / target
    return max(1, round(width / factor)), max(1, round(height / factor))


@dataclass(frozen=True)
class Frame:
    index: int  # 0-based, in presentation order
    time: float  # presentation time in seconds, as in the stream (not shifted to 0)
    duration: float | None  # seconds, when the stream says
    image: np.ndarray  # small BGR picture, analysis_size()
    origin: float = 0.0  # presentation time of the file's first frame (seconds, as in the stream)


def yuv_to_bgr(
    y: np.ndarray, u: np.ndarray, v: np.ndarray, full_range: bool = False, luma: np.ndarray | None = None
) -> np.ndarray:
    """Same-size 8-bit Y, U, V planes to BGR, as swscale's converter rounds (module doc); `luma`: the
    luma term already made (int16), instead of `y`."""
    ty, bu, gu, gv, rv = _FULL if full_range else _LIMITED
    if luma is None:
        luma = cv2.LUT(y, ty)
    b = cv2.add(luma, cv2.LUT(u, bu), dtype=cv2.CV_8U)  # dtype: saturated to 0-255, as swscale clips
    g = cv2.add(cv2.add(luma, cv2.LUT(u, gu)), cv2.LUT(v, gv), dtype=cv2.CV_8U)
    r = cv2.add(luma, cv2.LUT(v, rv), dtype=cv2.CV_8U)
    return cv2.merge([b, g, r])


def chroma_positions(full: int, plane: int, out: int) -> np.ndarray:
    """Where, along one axis, PySceneDetect's pipeline samples a chroma plane of `plane` samples for
    each of `out` small pixels: swscale repeats each chroma sample over the `full` / `plane` luma
    pixels it covers, then cv2.resize (INTER_LINEAR) blends luma pixels x0 and x0 + 1 around
    x = (i + 0.5) * full / out - 0.5. Both in one chroma sample: that sample; in two neighbours: the
    same blend between them. (Resizing the plane itself would sample elsewhere: on grainy footage
    the scores drift 3-4% from PySceneDetect's.)"""
    step = full / plane
    x = (np.arange(out) + 0.5) * (full / out) - 0.5 if out != full else np.arange(out, dtype=np.float64)
    x = np.clip(x, 0, full - 1)
    x0 = np.floor(x)
    c0 = np.floor(x0 / step)
    c1 = np.floor(np.minimum(x0 + 1, full - 1) / step)
    return np.where(c1 > c0, c0 + (x - x0), c0)


class Shrinker:
    """Turns decoded frames into small BGR arrays; picks the fast plane path when it can."""

    def __init__(self, size: tuple[int, int], exact_luma: bool = False, reference: bool = False):
        self.size = size
        self.exact_luma = exact_luma  # the luma term at full size (_luma): ~0.9 ms more a 1080p frame
        self._fast: bool | None = False if reference else None  # reference: PySceneDetect's own path
        self._shift = 0
        self._maps: dict[tuple[int, int, int, int], tuple] = {}
        self._full_range = False

    def _choose(self, frame: av.VideoFrame) -> bool:
        fmt = frame.format
        comps = fmt.components
        if not fmt.name.startswith("yuv") or fmt.is_big_endian or len(comps) < 3:
            return False
        if [c.plane for c in comps[:3]] != [0, 1, 2]:
            return False  # semi-planar (nv12...) or packed: leave it to swscale
        bits = comps[0].bits
        if not 8 <= bits <= 16:
            return False
        self._shift = bits - 8
        return True

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        if self._fast is None:
            self._fast = self._choose(frame)
        if not self._fast:  # PySceneDetect's own path: full-size BGR, then shrunk
            image = frame.to_ndarray(format="bgr24")
            if (image.shape[1], image.shape[0]) == self.size:
                return image
            return cv2.resize(image, self.size, interpolation=cv2.INTER_LINEAR)
        return self._from_planes(frame)

    def _chroma_map(self, frame: av.VideoFrame, cw: int, ch: int) -> tuple[np.ndarray, np.ndarray]:
        """cv2.remap's maps (fixed point: positions, blend weights) of a cw x ch chroma plane onto the
        small frame, made once per geometry."""
        key = (frame.width, frame.height, cw, ch)
        if key not in self._maps:
            w, h = self.size
            xs = chroma_positions(frame.width, cw, w).astype(np.float32)
            ys = chroma_positions(frame.height, ch, h).astype(np.float32)
            grid_x, grid_y = np.meshgrid(xs, ys)
            self._maps[key] = cv2.convertMaps(grid_x, grid_y, cv2.CV_16SC2)
        return self._maps[key]

    def _from_planes(self, frame: av.VideoFrame) -> np.ndarray:
        w, h = self.size
        self._full_range = frame.format.name.startswith("yuvj") or _full_range(frame)
        dtype = np.uint8 if self._shift == 0 else np.uint16
        itemsize = np.dtype(dtype).itemsize
        out = []
        luma = None  # swscale's luma term, made straight from the plane (8-bit planes: see _luma)
        for i in range(3):
            plane = frame.planes[i]
            # a view of the decoder's buffer (rows padded to line_size): no copy of the big picture.
            # A VideoPlane has the buffer protocol; PyAV's stubs do not say so.
            full = np.frombuffer(plane, dtype).reshape(  # type: ignore[call-overload]
                plane.height, plane.line_size // itemsize
            )
            view = full[:, : plane.width]
            if i == 0 and self.exact_luma and not self._shift:
                luma = self._luma(view)
                out.append(view)  # not used
                continue
            if view.shape[1] == w and view.shape[0] == h:
                small = view
            elif view.shape[1] == frame.width and view.shape[0] == frame.height:
                small = cv2.resize(view, (w, h), interpolation=cv2.INTER_LINEAR)
            else:  # subsampled chroma: sampled where PySceneDetect's resize samples its repeated copy
                xy, weights = self._chroma_map(frame, view.shape[1], view.shape[0])
                small = cv2.remap(view, xy, weights, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            if self._shift:
                small = (small >> self._shift).astype(np.uint8)
            out.append(np.ascontiguousarray(small))
        y, u, v = out
        return yuv_to_bgr(y, u, v, full_range=self._full_range, luma=luma)

    def _luma(self, view: np.ndarray) -> np.ndarray:
        """swscale's luma term (int16) of the small frame, as PySceneDetect's pipeline makes it: the
        term of every full-size pixel first (truncated, floor(1.164 (Y - 16))), then the resize's
        bilinear blend. Only the 2x2 pixels cv2.resize reads for each small pixel are fetched (numpy
        takes: a grid twice the small size), mapped through the table, then blended: ~0.5 ms at 1080p,
        where mapping the whole plane costs ~1 ms. Blending the 8-bit Y first and mapping after
        leaves gaps in the luma histogram (1.164 levels a step): the histogram detector's scores then
        drift by up to 8% on single frames of grainy footage."""
        w, h = self.size
        if view.shape[1] == w and view.shape[0] == h:  # nothing shrunk: the exact terms
            return cv2.LUT(view, (_FULL if self._full_range else _LIMITED)[0])
        table = _LUMA_TERMS_FULL if self._full_range else _LUMA_TERMS
        key = (view.shape[1], view.shape[0], -1, -1)
        if key not in self._maps:
            gather_x, blend_x = _luma_positions(view.shape[1], w)
            gather_y, blend_y = _luma_positions(view.shape[0], h)
            gather = (gather_y.astype(np.intp), gather_x.astype(np.intp))
            grid_x, grid_y = np.meshgrid(blend_x, blend_y)
            blend = cv2.convertMaps(grid_x, grid_y, cv2.CV_16SC2)
            self._maps[key] = (gather, blend)
        (rows, columns), blend = self._maps[key]
        grid = cv2.LUT(np.take(np.take(view, rows, axis=0), columns, axis=1), table)
        small = cv2.remap(grid, blend[0], blend[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return small.astype(np.int16)


def _full_range(frame: av.VideoFrame) -> bool:
    try:
        return int(frame.color_range) == 2  # AVCOL_RANGE_JPEG
    except (AttributeError, TypeError, ValueError):
        return False


def open_video(path: Path) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    """The container and its first real video stream (cover art is not video), threads on."""
    container = av.open("file:" + str(Path(path).absolute()), metadata_errors="replace")
    stream = video_stream(container)
    if stream is not None:
        stream.thread_type = "AUTO"  # frame and slice threads, as the ffmpeg CLI uses
        return container, stream
    container.close()
    raise MediaError(f"{path}: no video stream")


def frames(
    path: Path | str,
    size: tuple[int, int] | None = None,
    window: tuple[float, float] | None = None,
    exact_luma: bool = False,
    reference: bool = False,
) -> Generator[Frame, None, None]:
    """Every video frame of `path`, shrunk to `size` (default: analysis_size of the stream). `window`:
    only the frames from `start` to before `end` seconds after the first frame's time, still numbered
    from the first frame of the file. Frame numbers are counted, not derived from timestamps, so the
    frames before the window are decoded too (not shrunk) and decoding stops after it. `exact_luma`,
    `reference`: see Shrinker (the module doc says which detectors need them)."""
    path = Path(path)
    origin: float | None = None
    container, stream = open_video(path)
    try:
        ctx = stream.codec_context
        if size is None:
            size = analysis_size(ctx.width, ctx.height)
        shrink = Shrinker(size, exact_luma, reference)
        rate = stream.average_rate or stream.guessed_rate
        step = float(1 / rate) if rate else 0.0
        index, last_time, bad = 0, None, 0
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets, None)
                if packet is None:
                    break
                decoded = packet.decode()  # the final empty packet flushes the decoder
                bad = 0
            except av.error.InvalidDataError:
                bad += 1  # a damaged packet: the decoder conceals it, unless damage goes on and on
                if bad > MAX_BAD_PACKETS:
                    raise MediaError(f"{path}: corrupt video data after frame {index}") from None
                continue
            except av.error.FFmpegError as exc:
                raise MediaError(f"{path}: unreadable video data after frame {index} ({exc})") from None
            for frame in decoded:
                time = frame.time
                if time is None:  # no timestamp (raw streams): one frame period after the last
                    time = round(last_time + step, 9) if last_time is not None else index * step
                duration = None
                if frame.duration and frame.time_base:
                    duration = float(frame.duration * frame.time_base)
                if origin is None:
                    origin = time
                last_time = time
                index += 1
                if window is not None:
                    offset = time - origin
                    if offset >= window[1] - 1e-6:
                        return
                    if offset < window[0] - 1e-6:
                        continue
                yield Frame(index - 1, time, duration, shrink(frame), origin)
    finally:
        container.close()

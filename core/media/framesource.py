"""Decoded video frames, small and in BGR, as fast as the decoder gives them: the input of detection.

Decoding is the only cost that must remain. PyAV decodes with FFmpeg's frame+slice threads; each
picture is then shrunk straight from its Y, U and V planes (zero-copy numpy views) with OpenCV's
bilinear resize, and only the small result is converted to BGR. That costs ~0.15 ms for a 1080p
frame, where swscale's full conversion (frame.to_ndarray(width=..., format="bgr24")) costs ~1.4 ms
and would add a third to the decoding time. Bilinear resizing is also what PySceneDetect does to its
frames, so detector thresholds keep their meaning. Other pixel formats go through swscale.

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
# BT.601 limited range (what cv2's I420 conversion expects) from full ("JPEG") range
_FULL_TO_LIMITED_Y = (219 / 255, 16)
_FULL_TO_LIMITED_C = (224 / 255, 128 * (1 - 224 / 255))


def analysis_size(width: int, height: int, target: int = TARGET_WIDTH) -> tuple[int, int]:
    """PySceneDetect's auto downscale (longest side to ~`target` px), rounded to even sizes."""
    longest = max(width, height)
    if longest <= target:
        w, h = width, height
    else:
        factor = longest / target
        w, h = round(width / factor), round(height / factor)
    return max(2, w - w % 2), max(2, h - h % 2)


@dataclass(frozen=True)
class Frame:
    index: int  # 0-based, in presentation order
    time: float  # presentation time in seconds, as in the stream (not shifted to 0)
    duration: float | None  # seconds, when the stream says
    image: np.ndarray  # small BGR picture, analysis_size()


class Shrinker:
    """Turns decoded frames into small BGR arrays; picks the fast plane path when it can."""

    def __init__(self, size: tuple[int, int]):
        self.size = size
        self._fast: bool | None = None
        self._shift = 0

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
        if not self._fast:
            w, h = self.size
            return frame.to_ndarray(width=w, height=h, format="bgr24")
        return self._from_planes(frame)

    def _from_planes(self, frame: av.VideoFrame) -> np.ndarray:
        w, h = self.size
        dtype = np.uint8 if self._shift == 0 else np.uint16
        itemsize = np.dtype(dtype).itemsize
        out = []
        for i in range(3):
            plane = frame.planes[i]
            # a view of the decoder's buffer (rows padded to line_size): no copy of the big picture.
            # A VideoPlane has the buffer protocol; PyAV's stubs do not say so.
            full = np.frombuffer(plane, dtype).reshape(  # type: ignore[call-overload]
                plane.height, plane.line_size // itemsize
            )
            view = full[:, : plane.width]
            dst = (w, h) if i == 0 else (w // 2, h // 2)
            small = (
                view
                if view.shape[1] == dst[0] and view.shape[0] == dst[1]
                else cv2.resize(view, dst, interpolation=cv2.INTER_LINEAR)
            )
            if self._shift:
                small = (small >> self._shift).astype(np.uint8)
            out.append(np.ascontiguousarray(small))
        y, u, v = out
        if frame.format.name.startswith("yuvj") or _full_range(frame):
            y = cv2.convertScaleAbs(y, alpha=_FULL_TO_LIMITED_Y[0], beta=_FULL_TO_LIMITED_Y[1])
            u = cv2.convertScaleAbs(u, alpha=_FULL_TO_LIMITED_C[0], beta=_FULL_TO_LIMITED_C[1])
            v = cv2.convertScaleAbs(v, alpha=_FULL_TO_LIMITED_C[0], beta=_FULL_TO_LIMITED_C[1])
        i420 = np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]).reshape(h * 3 // 2, w)
        return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)


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


def frames(path: Path | str, size: tuple[int, int] | None = None) -> Generator[Frame, None, None]:
    """Every video frame of `path`, shrunk to `size` (default: analysis_size of the stream)."""
    path = Path(path)
    container, stream = open_video(path)
    try:
        ctx = stream.codec_context
        if size is None:
            size = analysis_size(ctx.width, ctx.height)
        shrink = Shrinker(size)
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
                yield Frame(index, time, duration, shrink(frame))
                last_time = time
                index += 1
    finally:
        container.close()

"""Single frames of a video, by their exact presentation time, decoded with PyAV.

Seeking per still: the decoder starts at the keyframe before the wanted frame and decodes only up to
it, so a still costs at most one GOP of decoding wherever it lies in the master. A small cache lets
the HQ still, the web still and the thumbnail of one scene share a single decode.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import av.filter
from PIL import Image

from core.errors import MediaError
from core.media.picture import DEINTERLACE_FILTER
from core.media.video_stream import video_stream

SEEK_MARGIN_SECONDS = 1.0  # start before the wanted frame so open-GOP leading frames decode cleanly
RETRY_STEPS = (0.0, 2.0, 8.0, 30.0, float("inf"))  # seconds further back on each retry
CACHE_SIZE = 6

_cache: OrderedDict[tuple[str, float, bool], Image.Image] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[tuple[str, float, bool], threading.Lock] = {}


def _deinterlaced(frames: Iterable[av.VideoFrame], stream: av.video.stream.VideoStream) -> Iterator[av.VideoFrame]:
    """The frames through the same frame-count preserving deinterlacer as clips (bwdif), which
    needs each frame's neighbours: it gives frame n once frame n+1 is in, and the last at the end."""
    graph = av.filter.Graph()
    source = graph.add_buffer(template=stream)
    bwdif = graph.add("bwdif", DEINTERLACE_FILTER.partition("=")[2])
    sink = graph.add("buffersink")
    source.link_to(bwdif)
    bwdif.link_to(sink)
    graph.configure()

    def drain() -> Iterator[av.VideoFrame]:
        while True:
            try:
                frame = graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            assert isinstance(frame, av.VideoFrame)  # a video buffer source gives video frames
            yield frame

    for frame in frames:
        graph.push(frame)
        yield from drain()
    graph.push(None)
    yield from drain()


def _decode_many(path: Path, times: list[float], keyframe: float | None, deinterlace: bool) -> list[Image.Image]:
    """The frames at `times` (sorted, close together), decoded in one pass from `keyframe`."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot open: {exc}") from exc
    with container:
        stream = video_stream(container)
        if stream is None:
            raise MediaError(f"{path}: no video stream")
        stream.thread_type = "AUTO"
        base = stream.time_base
        if base is None:  # PyAV gives None when the container states none; seeking needs it
            raise MediaError(f"{path}: the video stream has no time base")
        tolerance = 0.25 / float(stream.guessed_rate or stream.average_rate or 25)
        start = keyframe if keyframe is not None else times[0] - SEEK_MARGIN_SECONDS
        # a seek in a container without an index (MPEG-TS) can land past the wanted frame or between
        # keyframes: step further back until the frame decodes
        for back in RETRY_STEPS:
            offset = 0 if back == float("inf") else max(0, int((start - back) / base))
            container.seek(offset, stream=stream, backward=True, any_frame=False)
            decoded = (f for f in container.decode(stream) if f.pts is not None)
            found: dict[int, Image.Image] = {}
            for frame in _deinterlaced(decoded, stream) if deinterlace else decoded:
                # frame.time: bwdif gives its frames a finer time base than the stream's
                t = frame.time if frame.time is not None else float(frame.pts * base)
                if not found and t > times[0] + tolerance:
                    break  # landed past the first one
                for i, wanted in enumerate(times):
                    if i not in found and abs(t - wanted) <= tolerance:
                        # to_image applies no display rotation: callers rotate with the probed value
                        found[i] = frame.to_image()
                if len(found) == len(times) or t > times[-1] + tolerance:
                    break
            if len(found) == len(times):
                return [found[i] for i in range(len(times))]
        missing = ", ".join(f"{t:.3f} s" for t in times)
        raise MediaError(f"{path}: no frame at {missing}")


def frame_at(
    path: Path | str, pts_seconds: float, keyframe: float | None = None, *, deinterlace: bool = False
) -> Image.Image:
    """The decoded frame whose presentation time is `pts_seconds` (absolute stream time), as RGB.

    `keyframe`: the time of a keyframe at or before it, where decoding can start cleanly.
    `deinterlace`: through the clips' deinterlacer (stills of an interlaced master)."""
    key = (str(path), round(pts_seconds, 6), deinterlace)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key].copy()
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:  # concurrent requests for the same frame decode it once
        with _cache_lock:
            if key in _cache:
                return _cache[key].copy()
        image = _decode_many(Path(path), [pts_seconds], keyframe, deinterlace)[0]
        with _cache_lock:
            _cache[key] = image
            while len(_cache) > CACHE_SIZE:
                old, _ = _cache.popitem(last=False)
                _key_locks.pop(old, None)
        return image.copy()


def frames_at(
    path: Path | str, times: list[float], keyframe: float | None = None, *, deinterlace: bool = False
) -> list[Image.Image]:
    """Several neighbouring frames (sorted times) in one decoding pass: a clip's end and the frames
    beside it, for verification. Not cached: each clip's ends are its own."""
    return _decode_many(Path(path), sorted(times), keyframe, deinterlace)


def rotate_for_display(image: Image.Image, rotation: int) -> Image.Image:
    """Apply a display-matrix rotation (degrees counter-clockwise, as probed) to a decoded frame."""
    turns = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    step = turns.get(rotation % 360)
    return image.transpose(step) if step else image

"""Single frames of a video, by their exact presentation time, decoded with PyAV.

Seeking per still: the decoder starts at the keyframe before the wanted frame and decodes only up to
it, so a still costs at most one GOP of decoding wherever it lies in the master. A small cache lets
the HQ still, the web still and the thumbnail of one scene share a single decode.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import av
from PIL import Image

from core.errors import MediaError

SEEK_MARGIN_SECONDS = 1.0  # start before the wanted frame so open-GOP leading frames decode cleanly
RETRY_STEPS = (0.0, 2.0, 8.0, 30.0, float("inf"))  # seconds further back on each retry
CACHE_SIZE = 6

_cache: OrderedDict[tuple[str, float], Image.Image] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[tuple[str, float], threading.Lock] = {}


def _decode_at(path: Path, pts_seconds: float, keyframe: float | None) -> Image.Image:
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot open: {exc}") from exc
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base
        tolerance = 0.25 / float(stream.guessed_rate or stream.average_rate or 25)
        start = keyframe if keyframe is not None else pts_seconds - SEEK_MARGIN_SECONDS
        # a seek in a container without an index (MPEG-TS) can land past the wanted frame or between
        # keyframes: step further back until the frame decodes
        for back in RETRY_STEPS:
            offset = 0 if back == float("inf") else max(0, int((start - back) / base))
            container.seek(offset, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * base)
                if t > pts_seconds + tolerance:
                    break  # landed past it
                if t >= pts_seconds - tolerance:
                    # to_image applies no display rotation: callers rotate with the probed value
                    return frame.to_image()
        raise MediaError(f"{path}: no frame at {pts_seconds:.3f} s")


def frame_at(path: Path | str, pts_seconds: float, keyframe: float | None = None) -> Image.Image:
    """The decoded frame whose presentation time is `pts_seconds` (absolute stream time), as RGB.

    `keyframe`: the time of a keyframe at or before it, where decoding can start cleanly."""
    key = (str(path), round(pts_seconds, 6))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key].copy()
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:  # concurrent requests for the same frame decode it once
        with _cache_lock:
            if key in _cache:
                return _cache[key].copy()
        image = _decode_at(Path(path), pts_seconds, keyframe)
        with _cache_lock:
            _cache[key] = image
            while len(_cache) > CACHE_SIZE:
                old, _ = _cache.popitem(last=False)
                _key_locks.pop(old, None)
        return image.copy()


def rotate_for_display(image: Image.Image, rotation: int) -> Image.Image:
    """Apply a display-matrix rotation (degrees counter-clockwise, as probed) to a decoded frame."""
    turns = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    step = turns.get(rotation % 360)
    return image.transpose(step) if step else image

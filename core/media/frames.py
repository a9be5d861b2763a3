"""Single frames of a video, by their exact presentation time, decoded with PyAV.

Seeking per still: the decoder starts at the keyframe before the wanted frame and decodes only up to
it, so a still costs at most one GOP of decoding wherever it lies in the master. A small cache of
decoded frames lets the HQ still, the web still and the thumbnail of one scene share a single decode,
and the clips' verification share the frames where one clip ends and the next begins (frames_at
keeps a frame either side of those it was asked for, which costs one more frame at most).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.filter
from PIL import Image

from core.errors import MediaError
from core.media.picture import DEINTERLACE_FILTER
from core.media.video_stream import video_stream

SEEK_MARGIN_SECONDS = 1.0  # start before the wanted frame so open-GOP leading frames decode cleanly
RETRY_STEPS = (0.0, 2.0, 8.0, 30.0, float("inf"))  # seconds further back on each retry
# the cache: a clip's two ends and the frames beside them (10), a scene's still, the next clip's
# first end; full-size RGB is 6 MB a frame at 1080p, 25 MB at 4K
CACHE_FRAMES = 16
CACHE_BYTES = 192 * 2**20
# decodes of one master this close together wait for each other: they would decode the same GOP
CLAIM_REACH_SECONDS = 1.0


@dataclass(frozen=True)
class _Source:
    """A master as decoded: its file as it is now (a file replaced under the same name is another
    source) and whether through the deinterlacer."""

    path: str
    mtime_ns: int
    size: int
    deinterlace: bool


@dataclass(frozen=True)
class _Cached:
    image: Image.Image
    tolerance: float  # half a frame's worth less: the times within it are this frame


# (source, the frame's decoded time) -> the frame, least recently used first
_cache: OrderedDict[tuple[_Source, float], _Cached] = OrderedDict()
_cond = threading.Condition()  # guards the cache, the claims and the counters
_claims: list[tuple[_Source, float, float]] = []  # spans being decoded now
_counts = {"decodes": 0, "frames": 0}


def decode_count() -> int:
    """Decoding passes over a master so far (each opens it and decodes from a keyframe)."""
    with _cond:
        return _counts["decodes"]


def decoded_frames() -> int:
    """Frames decoded from masters so far, in all passes."""
    with _cond:
        return _counts["frames"]


def clear_cache() -> None:
    with _cond:
        _cache.clear()


def _source(path: Path, deinterlace: bool) -> _Source:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise MediaError(f"{path}: cannot open: {exc}") from exc
    return _Source(str(path), st.st_mtime_ns, st.st_size, deinterlace)


def _lookup(source: _Source, t: float) -> Image.Image | None:
    for key, cached in _cache.items():
        if key[0] == source and abs(key[1] - t) <= cached.tolerance:
            _cache.move_to_end(key)
            return cached.image
    return None


def _store(source: _Source, t: float, image: Image.Image, tolerance: float) -> None:
    if _lookup(source, t) is not None:
        return
    _cache[(source, t)] = _Cached(image, tolerance)
    size = sum(len(c.image.getbands()) * c.image.width * c.image.height for c in _cache.values())
    while len(_cache) > 1 and (len(_cache) > CACHE_FRAMES or size > CACHE_BYTES):
        _, old = _cache.popitem(last=False)
        size -= len(old.image.getbands()) * old.image.width * old.image.height


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


@dataclass
class _Decoded:
    wanted: list[Image.Image]  # in the order of the times asked for
    beside: list[tuple[float, Image.Image]]  # the frames either side of them, when asked for
    tolerance: float


def _decode_many(path: Path, times: list[float], keyframe: float | None, deinterlace: bool, beside: bool) -> _Decoded:
    """The frames at `times` (sorted, close together), decoded in one pass from `keyframe`; with
    `beside`, also the frame just before the first (when decoded cleanly on the way: at or after
    `keyframe`) and the one just after the last."""
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
            with _cond:
                _counts["decodes"] += 1
            decoded = (f for f in container.decode(stream) if f.pts is not None)
            found: dict[int, Image.Image] = {}
            extra: list[tuple[float, Image.Image]] = []
            previous: tuple[float, av.VideoFrame] | None = None
            count = 0
            for frame in _deinterlaced(decoded, stream) if deinterlace else decoded:
                count += 1
                # frame.time: bwdif gives its frames a finer time base than the stream's
                t = frame.time if frame.time is not None else float(frame.pts * base)
                if len(found) == len(times):  # only with `beside`: the frame after the last
                    if t > times[-1] + tolerance:
                        extra.append((t, frame.to_image()))
                    break
                if not found and t > times[0] + tolerance:
                    break  # landed past the first one
                hits = [i for i, wanted in enumerate(times) if i not in found and abs(t - wanted) <= tolerance]
                if hits:
                    # to_image applies no display rotation: callers rotate with the probed value
                    image = frame.to_image()
                    found.update(dict.fromkeys(hits, image))
                    if previous is not None:
                        extra.append((previous[0], previous[1].to_image()))
                        previous = None
                elif t > times[-1] + tolerance:
                    break
                # an open GOP's leading frames, before the keyframe, may decode broken: never kept
                if not found and beside and keyframe is not None and t >= keyframe - tolerance:
                    previous = (t, frame)
                if len(found) == len(times) and not beside:
                    break
            with _cond:
                _counts["frames"] += count
            if len(found) == len(times):
                return _Decoded([found[i] for i in range(len(times))], extra, tolerance)
        missing = ", ".join(f"{t:.3f} s" for t in times)
        raise MediaError(f"{path}: no frame at {missing}")


def _frames(
    path: Path, times: list[float], keyframe: float | None, deinterlace: bool, beside: bool
) -> list[Image.Image]:
    """The frames at `times` (sorted), from the cache or decoded once: a request waits for a decode
    of the same master nearby in progress (another worker's), then takes what it left in the cache."""
    source = _source(path, deinterlace)
    with _cond:
        while True:
            images = [_lookup(source, t) for t in times]
            missing = [t for t, image in zip(times, images, strict=True) if image is None]
            if not missing:
                return [image.copy() for image in images if image is not None]
            lo, hi = missing[0] - CLAIM_REACH_SECONDS, missing[-1] + CLAIM_REACH_SECONDS
            if not any(s == source and a <= hi and lo <= b for s, a, b in _claims):
                claim = (source, lo, hi)
                _claims.append(claim)
                break
            _cond.wait()
    decoded = None
    try:
        decoded = _decode_many(path, missing, keyframe, deinterlace, beside)
    finally:
        with _cond:  # stored before the claim goes: a waiting request then finds them
            if decoded is not None:
                for t, image in decoded.beside:
                    _store(source, t, image, decoded.tolerance)
                for t, image in zip(missing, decoded.wanted, strict=True):
                    _store(source, t, image, decoded.tolerance)
            _claims.remove(claim)
            _cond.notify_all()
    new = iter(decoded.wanted)
    return [(image if image is not None else next(new)).copy() for image in images]


def frame_at(
    path: Path | str, pts_seconds: float, keyframe: float | None = None, *, deinterlace: bool = False
) -> Image.Image:
    """The decoded frame whose presentation time is `pts_seconds` (absolute stream time), as RGB.

    `keyframe`: the time of a keyframe at or before it, where decoding can start cleanly.
    `deinterlace`: through the clips' deinterlacer (stills of an interlaced master)."""
    return _frames(Path(path), [pts_seconds], keyframe, deinterlace, beside=False)[0]


def frames_at(
    path: Path | str, times: list[float], keyframe: float | None = None, *, deinterlace: bool = False
) -> list[Image.Image]:
    """Several neighbouring frames (sorted times) in one decoding pass: a clip's end and the frames
    beside it, for verification. The frame either side is kept in the cache too: where one clip ends
    the next begins, and its check, in either order, then decodes nothing."""
    return _frames(Path(path), sorted(times), keyframe, deinterlace, beside=True)


def rotate_for_display(image: Image.Image, rotation: int) -> Image.Image:
    """Apply a display-matrix rotation (degrees counter-clockwise, as probed) to a decoded frame."""
    turns = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    step = turns.get(rotation % 360)
    return image.transpose(step) if step else image

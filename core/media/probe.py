"""What a media file holds, read with PyAV (no ffprobe needed), and the times of its video frames.

`probe(path)` returns a MediaInfo or raises MediaError with one line that names the file and the
problem: missing, a directory, empty, not media, truncated/corrupt, or (with require_video) no
video stream, or a still image (core.media.still_master). `frame_times(path)` lists the presentation
time of every video frame by demuxing packets only (no decoding), so clips can be cut
frame-exactly from VFR sources and from sources whose first timestamp is not 0.

Rotation follows FFmpeg's display-matrix convention (what `-display_rotation` sets and ffprobe
prints): degrees counter-clockwise, normalised to 0, 90, 180 or 270. The legacy `rotate` tag
(clockwise) is converted to it.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import av

from core.errors import MediaError
from core.media import packet_cache
from core.media.picture import FIELD_ORDERS, INTERLACED_ORDERS, display_dimensions, sample_aspect
from core.media.still_master import still_problem
from core.media.timecode import start_timecode_of
from core.media.video_stream import video_stream

# Demuxers that "open" plain text (ANSI art, by extension): a text file is never a master.
TEXT_FORMATS = {"tty"}
# Packets read from the start to judge frame-rate regularity and find the first picture.
HEAD_PACKETS = 120
# Packets read after seeking near the end to check that the data reaches the stated duration.
TAIL_PACKETS = 3000
TAIL_WINDOW_S = 3.0
# Demuxers whose duration comes from a header or an index, so that data ending well before it means
# the file was cut short. (Where the duration is itself estimated from the data, e.g. MPEG-TS or raw
# streams, a cut file simply reports a shorter duration and nothing can be told.)
TAIL_CHECKED = ("mov", "mp4", "matroska", "webm", "avi", "mxf", "flv", "ogg", "nut")
# Container signatures: a file that starts like media but cannot be opened is corrupt, not "not media".
SIGNATURES = [
    (4, b"ftyp", "MP4/MOV"),
    (4, b"moov", "MP4/MOV"),
    (4, b"mdat", "MP4/MOV"),
    (4, b"wide", "MP4/MOV"),
    (0, b"\x1a\x45\xdf\xa3", "Matroska/WebM"),
    (0, b"RIFF", "RIFF/AVI"),
    (0, b"OggS", "Ogg"),
    (0, b"\x00\x00\x01\xba", "MPEG-PS"),
    (0, b"FLV", "FLV"),
    (0, b"\x06\x0e\x2b\x34", "MXF"),
]
MP4_CONTAINER_ATOMS = {
    b"ftyp",
    b"moov",
    b"mdat",
    b"free",
    b"skip",
    b"wide",
    b"uuid",
    b"meta",
    b"moof",
    b"mfra",
    b"styp",
    b"sidx",
    b"pdin",
    b"prft",
    b"emsg",
}


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str  # PyAV/FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration: float | None  # seconds, of the whole container
    start_time: float  # seconds: the container's first timestamp (not always 0: TS, edited MP4)
    has_video: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None  # average frame rate (avg_frame_rate), or the guessed one
    vfr: bool = False
    frame_count: int | None = None
    frame_count_exact: bool = False  # True: from the container's index; False: duration x fps
    rotation: int = 0  # degrees counter-clockwise (display matrix), 0/90/180/270
    sample_aspect: Fraction = Fraction(1)  # SAR: the shape of a stored pixel (16/11: PAL 16:9)
    field_order: str = "progressive"  # progressive, tt, bb, tb, bt or unknown
    pixel_format: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    bit_rate: int | None = None
    chapters: list[tuple[float, float, str]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    timecode: str | None = None  # the start timecode (a tmcd track's or a tag), ';' for drop-frame

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) as shown: square pixels at the display aspect, after the rotation."""
        if self.width is None or self.height is None:
            return None
        return display_dimensions(self.width, self.height, self.sample_aspect, self.rotation)

    @property
    def interlaced(self) -> bool:
        return self.field_order in INTERLACED_ORDERS


def _fail(path: Path, problem: str) -> MediaError:
    return MediaError(f"{path}: {problem}")


def _check_file(path: Path) -> int:
    """The file's size; MediaError for what is not a readable, non-empty regular file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except OSError as exc:
        raise _fail(path, f"cannot read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise _fail(path, "is a directory, not a media file")
    if not path.is_file():
        raise _fail(path, "not a regular file")
    if st.st_size == 0:
        raise _fail(path, "empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise _fail(path, "cannot read (permission denied)")
    return st.st_size


def _signature(path: Path) -> str | None:
    """The container family the file's first bytes announce, if any."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    for offset, magic, name in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:1] == b"\x47":
        with open(path, "rb") as fh:
            fh.seek(188)
            if fh.read(1) == b"\x47":  # a second TS sync byte one packet on
                return "MPEG-TS"
    return None


def mp4_layout_problem(path: Path, size: int) -> str | None:
    """Walk the top-level MP4/MOV atoms: say what is wrong (an atom runs past the end, no moov).

    This is the cheap, certain test for the two ways an MP4 gets cut short: moov at the end (the
    index is gone) and moov at the front (+faststart: the index promises data that is not there).
    """
    seen: set[bytes] = set()
    offset = 0
    with open(path, "rb") as fh:
        while offset + 8 <= size:
            fh.seek(offset)
            header = fh.read(16)
            atom_size, kind = struct.unpack(">I4s", header[:8])
            if atom_size == 1 and len(header) >= 16:
                atom_size = struct.unpack(">Q", header[8:16])[0]
            elif atom_size == 0:
                atom_size = size - offset  # "extends to the end of the file"
            if atom_size < 8 or (kind not in MP4_CONTAINER_ATOMS and not kind.isalnum()):
                return None  # not a plain atom sequence: leave the judgement to the demuxer
            seen.add(kind)
            if offset + atom_size > size:
                missing = offset + atom_size - size
                what = "media data" if kind == b"mdat" else f"'{kind.decode('latin-1')}' atom"
                return f"truncated: the {what} ends {missing} bytes past the end of the file"
            offset += atom_size
    if b"moov" not in seen and b"moof" not in seen:
        return "truncated or corrupt: the MP4 index (moov atom) is missing"
    return None


def _open(path: Path, size: int) -> av.container.InputContainer:
    try:
        # the file: protocol, so that a name like "concat:x" or "http:x" is only ever a file name
        return av.open("file:" + str(path.absolute()), metadata_errors="replace")
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, "is a directory, not a media file") from None
    except PermissionError:
        raise _fail(path, "cannot read (permission denied)") from None
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        family = _signature(path)
        if family is None:
            raise _fail(path, "not a media file") from None
        if family == "MP4/MOV":
            problem = mp4_layout_problem(path, size)
            if problem:
                raise _fail(path, problem) from None
        raise _fail(path, f"corrupt {family} file ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() or type(exc).__name__


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _codec_name(stream: av.stream.Stream | None) -> str | None:
    """The codec's canonical name ("mp3", not the decoder's "mp3float"); None without a codec."""
    ctx = stream.codec_context if stream is not None else None
    if ctx is None:
        return None
    return ctx.codec.canonical_name or ctx.name


def _tag_seconds(stream: av.stream.Stream) -> float | None:
    """A stream's DURATION tag (Matroska writes one per stream as HH:MM:SS.nnnnnnnnn)."""
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    if not tag:
        return None
    try:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _rate(stream: av.video.stream.VideoStream) -> Fraction | None:
    """The average frame rate, unless it is impossible (above the stream's own guess: some AVI)."""
    average, guessed = stream.average_rate, stream.guessed_rate or stream.base_rate
    if average and not (guessed and float(average) > 1.01 * float(guessed)):
        return Fraction(average.numerator, average.denominator)
    if guessed:
        return Fraction(guessed.numerator, guessed.denominator)
    return None


def _rates_say_vfr(stream: av.video.stream.VideoStream) -> bool:
    """avg_frame_rate differs from r_frame_rate; not where r is the field rate (2x: interlaced)."""
    average, base = stream.average_rate, stream.base_rate
    if not average or not base:
        return False
    a, b = float(average), float(base)
    return abs(a - b) > 0.001 * b and abs(2 * a - b) > 0.001 * b


def _is_vfr(stream: av.video.stream.VideoStream, head_pts: list[int]) -> bool:
    """Frame durations vary. MP4/MOV index every sample: their timestamps judge the whole file
    at no I/O cost. Elsewhere the first packets judge, with the rates as a fallback."""
    entries = stream.index_entries
    if stream.frames and len(entries) == stream.frames:
        return _irregular([entries[i].timestamp for i in range(len(entries))], reordering=False)
    return _irregular(head_pts) or _rates_say_vfr(stream)


def _irregular(pts: list[int], reordering: bool = True) -> bool:
    """Whether frame durations vary (beyond one tick of rounding) among these timestamps."""
    pts = sorted(pts)
    if reordering and len(pts) > 24:
        pts = pts[:-8]  # the last few read may still be waiting for an earlier B-frame
    deltas = [b - a for a, b in pairwise(pts) if b > a]
    if len(deltas) < 4:
        return False
    deltas.sort()
    median = deltas[len(deltas) // 2]
    return deltas[-1] - deltas[0] > 1 + 0.02 * median


def _head(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> tuple[list[int], av.VideoFrame | None, int]:
    """Presentation times of the first packets, the first decoded picture (for its rotation) and how
    many packets with data were read (two or more: not a still, core.media.still_master)."""
    pts: list[int] = []
    first: av.VideoFrame | None = None
    data = 0
    stream.thread_type = "SLICE"  # one picture: frame threading would only add latency
    try:
        for packet in container.demux(stream):
            data += 1 if packet.size else 0
            if packet.pts is not None and not packet.is_discard:
                pts.append(packet.pts)
            if first is None:
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    frames = []
                if frames:
                    first = frames[0]
            if len(pts) >= HEAD_PACKETS and first is not None:
                break
    except av.error.FFmpegError:
        pass  # judged by the caller: no picture at all is an error, a short head is not
    return pts, first, data


def _rotation(stream: av.video.stream.VideoStream, first_frame: av.VideoFrame | None) -> int:
    tag = stream.metadata.get("rotate")
    if tag:
        try:
            return round(-float(tag)) % 360  # legacy tag: clockwise
        except ValueError:
            pass
    if first_frame is not None:
        try:
            return round(first_frame.rotation) % 360
        except (AttributeError, TypeError, ValueError):
            return 0
    return 0


def _field_order(ctx: av.video.codeccontext.VideoCodecContext, first_frame: av.VideoFrame | None) -> str:
    """The stream's field order; where the stream does not say, the first picture's own flag."""
    order = FIELD_ORDERS.get(int(ctx.field_order or 0), "unknown")
    if order == "unknown" and first_frame is not None and getattr(first_frame, "interlaced_frame", False):
        return "tt" if getattr(first_frame, "top_field_first", True) else "bb"
    return order


def _sample_aspect(stream: av.video.stream.VideoStream, ctx: av.video.codeccontext.VideoCodecContext) -> Fraction:
    """As ffmpeg guesses it: the container's value where it gives one, else the codec's."""
    return sample_aspect(getattr(stream, "sample_aspect_ratio", None) or ctx.sample_aspect_ratio)


def _tail_end(container: av.container.InputContainer, stated_end: float) -> float | None:
    """The latest packet end time found after seeking near the stated end; None if inconclusive."""
    try:
        container.seek(max(0, int((stated_end - TAIL_WINDOW_S) * 1_000_000)), backward=True)
    except av.error.FFmpegError:
        return None
    latest = None
    count = 0
    try:
        for packet in container.demux():
            count += 1
            if count > TAIL_PACKETS:
                return None  # the seek did not land near the end: cannot tell cheaply
            if packet.pts is None or packet.time_base is None:
                continue
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            latest = end if latest is None else max(latest, end)
    except av.error.FFmpegError:
        pass  # data that stops in the middle of a packet: what was read so far counts
    return latest


def probe(path: Path | str, *, require_video: bool = False) -> MediaInfo:
    """Read the container and stream facts of `path`; MediaError (one line) for unusable input."""
    path = Path(path)
    size = _check_file(path)
    container = _open(path, size)
    try:
        info, packets = _probe_open(path, size, container, require_video)
    except av.error.FFmpegError as exc:
        raise _fail(path, f"corrupt or unreadable media ({_short(exc)})") from None
    finally:
        container.close()
    if require_video:
        _refuse_still(info, packets)
    return info


def _refuse_still(info: MediaInfo, packets: int) -> None:
    """A still image or a one-frame stream is not a video (see core.media.still_master); `packets`:
    the video packets with data that the probe read (two or more spare still_master a second look)."""
    problem = still_problem(info.path, info.container, info.video_codec, packets)
    if problem:
        raise _fail(info.path, problem)


def _probe_open(
    path: Path, size: int, container: av.container.InputContainer, require_video: bool
) -> tuple[MediaInfo, int]:
    fmt = container.format.name
    if fmt in TEXT_FORMATS or not container.streams:
        raise _fail(path, "not a media file")
    if "mp4" in fmt or "mov" in fmt:
        problem = mp4_layout_problem(path, size)
        if problem:
            raise _fail(path, problem)
    duration = container.duration / 1_000_000 if container.duration else None
    start = container.start_time / 1_000_000 if container.start_time is not None else 0.0
    audio = next(iter(container.streams.audio), None)
    chapters = [
        (
            _seconds(ch["start"], ch["time_base"]) or 0.0,
            _seconds(ch["end"], ch["time_base"]) or 0.0,
            str(ch["metadata"].get("title", "")),
        )
        for ch in container.chapters()
    ]
    common: dict[str, Any] = dict(
        path=path,
        container=fmt,
        duration=duration,
        start_time=start,
        audio_codec=_codec_name(audio),
        bit_rate=container.bit_rate or None,
        chapters=chapters,
        metadata=dict(container.metadata),
    )
    video = video_stream(container)
    if video is None:
        if require_video:
            what = "audio only" if container.streams.audio else "no audio either"
            raise _fail(path, f"no video stream ({what})")
        return MediaInfo(has_video=False, **common), 0

    ctx = video.codec_context  # never None for a video stream (data streams have none)
    rate = _rate(video)
    head_pts, first, packets = _head(container, video)
    if first is None:
        raise _fail(path, "corrupt: no video frame can be decoded")
    vfr = _is_vfr(video, head_pts)

    video_duration = _seconds(video.duration, video.time_base) or _tag_seconds(video) or duration
    stated = video.frames or 0
    estimate = round(video_duration * float(rate)) if video_duration and rate else None
    exact = stated > 0 and (estimate is None or abs(stated - estimate) <= max(2, 0.01 * stated))
    if duration and any(name in fmt.split(",") for name in TAIL_CHECKED):
        stated_end = start + duration
        tail = _tail_end(container, stated_end)
        if tail is not None and tail < stated_end - max(1.0, 0.02 * duration):
            raise _fail(path, f"truncated: the data ends at {tail - start:.1f} s of {duration:.1f} s")
    return MediaInfo(
        has_video=True,
        width=ctx.width or None,
        height=ctx.height or None,
        fps=float(rate) if rate else None,
        vfr=vfr,
        frame_count=stated if exact else estimate,
        frame_count_exact=exact,
        rotation=_rotation(video, first),
        sample_aspect=_sample_aspect(video, ctx),
        field_order=_field_order(ctx, first),
        pixel_format=ctx.pix_fmt,
        video_codec=_codec_name(video),
        timecode=start_timecode_of(container, video),
        **common,
    ), packets


def frame_times(path: Path | str) -> list[float]:
    """Presentation time (seconds, as in the stream) of every video frame, sorted."""
    return packet_times(path)[0]


def packet_times(path: Path | str) -> tuple[list[float], list[float]]:
    """(every video frame's presentation time, the keyframes' times), seconds as in the stream, sorted.

    One demuxing pass, no decoding: on a long master on a slow disk, each pass reads the whole file.
    Streams whose packets carry no presentation time (raw elementary streams, some AVI) are decoded
    for the frame times instead, which is slower but still exact; their keyframes are those whose
    packets do carry a time.
    """
    path = Path(path)
    size = _check_file(path)
    cached = packet_cache.load(path)
    if cached is not None:
        pts_seen, keys_seen, base = cached
        return _times(pts_seen, base), _times(keys_seen, base)
    container = _open(path, size)
    try:
        stream = video_stream(container)
        if stream is None:
            raise _fail(path, "no video stream")
        tb = stream.time_base
        if tb is None:
            raise _fail(path, "the video stream has no time base")
        pts: list[int] = []
        keys: list[int] = []
        untimed = False
        complete = True
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:
                    continue  # the end-of-stream marker; samples an edit list leaves out
                if packet.pts is None:
                    untimed = True
                    continue
                pts.append(packet.pts)
                if packet.is_keyframe:
                    keys.append(packet.pts)
        except av.error.FFmpegError:
            complete = False  # data that stops early: the frames read so far are the frames there are
        keyframes = _times(keys, tb)
        if untimed:
            return _decoded_times(path, size), keyframes
        if pts and complete:  # a read that failed part way (a network disk) is not kept for later runs
            packet_cache.save(path, pts, keys, tb)
        return _times(pts, tb), keyframes
    finally:
        container.close()


def _times(pts: list[int], tb: Fraction) -> list[float]:
    """float(p * tb) of each, sorted: the same float (an int divided by an int is correctly rounded in
    Python, as float(Fraction) is), without a Fraction a frame (180,000 of them: 2 s on a long master)."""
    num, den = tb.numerator, tb.denominator
    return [p * num / den for p in sorted(pts)]


def _decoded_times(path: Path, size: int) -> list[float]:
    """Frame times from decoding; where the stream has none at all (raw H.264...), the frames are
    placed one frame duration apart from 0, as ffmpeg itself does."""
    container = _open(path, size)
    try:
        stream = video_stream(container)
        if stream is None:  # the caller found one in this same file
            raise _fail(path, "no video stream")
        stream.thread_type = "AUTO"
        rate = _rate(stream)
        step = float(1 / rate) if rate else 0.04
        times: list[float] = []
        try:
            for frame in container.decode(stream):  # a VideoStream: VideoFrames only
                if frame.time is not None:
                    times.append(frame.time)
                else:
                    times.append(round(times[-1] + step, 9) if times else 0.0)
        except av.error.FFmpegError:
            pass  # as above: what decoded is what there is
        return sorted(times)
    finally:
        container.close()

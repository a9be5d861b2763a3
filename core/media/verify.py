"""Checking an output before it takes its final name: it decodes, and is what the plan said."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from core.errors import VatError
from core.media.chapter_files import read_webvtt, vtt_title
from core.media.image_meta import credits_fields, read_copyright
from core.media.picture import display_dimensions, sample_aspect
from core.media.verify_frames import ends_problem
from core.media.video_stream import video_stream
from core.pipeline.contact_sheet import pdf_page_count
from core.pipeline.plan import Operation


class VerificationError(VatError):
    pass


def _fail(op: Operation, what: str) -> None:
    raise VerificationError(f"{op.output.name}: verification failed: {what}")


def verify_image(op: Operation, path: Path) -> dict:
    try:
        with Image.open(path) as im:
            im.load()
            size = im.size
    except Exception as exc:  # Pillow raises many types for broken files
        _fail(op, f"does not decode ({exc})")
    exp = op.expected
    if exp.width and size != (exp.width, exp.height):
        _fail(op, f"size {size[0]}x{size[1]}, planned {exp.width}x{exp.height}")
    if op.kind != "thumbnail" and op.params.get("copyright") and read_copyright(path) != op.params["copyright"]:
        _fail(op, "copyright not embedded")
    if op.kind != "thumbnail" and op.params.get("credits"):
        if {v for v in credits_fields(path).values() if v is not None} != {op.params["credits"]}:
            _fail(op, "credits not embedded")
    return {"width": size[0], "height": size[1]}


def _first_frame(packet: av.Packet) -> av.VideoFrame | None:
    try:
        frames = packet.decode()
    except av.error.InvalidDataError:
        return None
    return frames[0] if frames else None


def verify_video(op: Operation, path: Path, decode: bool = True) -> dict:
    """Decode every frame (or only demux, for a stream copy) and compare with the plan; a clip's
    first and last frames are compared with the source's (verify_frames). The size returned, for the
    records, is the displayed one (pixel aspect and rotation applied), as for every output."""
    first = last = None
    try:
        with av.open(str(path)) as container:
            stream = video_stream(container)
            if stream is None:
                raise IndexError("no video stream")  # handled as for a file without video
            stream.thread_type = "AUTO"
            ctx = stream.codec_context
            width, height = ctx.width, ctx.height
            ctx_rate = float(stream.average_rate) if stream.average_rate else None
            sar = sample_aspect(getattr(stream, "sample_aspect_ratio", None) or ctx.sample_aspect_ratio)
            frames = 0
            if decode:
                for frame in container.decode(stream):
                    frames += 1
                    if first is None:
                        first = frame
                    last = frame
            else:
                for packet in container.demux(stream):
                    if packet.size:
                        frames += 1
                        if first is None:
                            first = _first_frame(packet)  # for its rotation only
            duration = float(container.duration / av.time_base) if container.duration else None
            tags = dict(container.metadata)
            chapter_starts = [float(ch["start"] * (ch["time_base"] or 0)) for ch in container.chapters()]
            first_image = first.to_image() if decode and first is not None else None
            last_image = last.to_image() if decode and last is not None else None
    except (av.error.FFmpegError, IndexError, OSError) as exc:
        _fail(op, f"does not decode ({exc})")
    exp = op.expected
    if exp.width and (width, height) != (exp.width, exp.height):
        _fail(op, f"size {width}x{height}, planned {exp.width}x{exp.height}")
    if exp.frames is not None:
        allowed = 0 if exp.frames_exact else max(2, round(exp.frames * 0.01))
        if abs(frames - exp.frames) > allowed:
            _fail(op, f"{frames} frames, planned {exp.frames}")
    if exp.duration and duration is not None and abs(duration - exp.duration) > max(0.25, exp.duration * 0.02):
        _fail(op, f"duration {duration:.3f}s, planned {exp.duration:.3f}s")
    if op.params.get("copyright") and op.params["copyright"] not in tags.values():
        _fail(op, "copyright not in the container metadata")
    if op.params.get("credits") and op.params["credits"] not in tags.values():
        _fail(op, "credits not in the container metadata")
    if exp.chapter_starts is not None:
        problem = chapters_problem(exp.chapter_starts, chapter_starts, ctx_rate)
        if problem:
            _fail(op, problem)
    if exp.ends is not None and first_image is not None and last_image is not None:
        problem = ends_problem(exp.ends, first_image, last_image)
        if problem:
            _fail(op, problem)
    rotation = round(getattr(first, "rotation", 0) or 0) % 360 if first is not None else 0
    shown_w, shown_h = display_dimensions(width, height, sar, rotation)
    return {"width": shown_w, "height": shown_h, "frames": frames, "duration": duration}


def verify_pdf(op: Operation, path: Path) -> dict:
    pages = pdf_page_count(path)
    if not pages:
        _fail(op, "not a complete PDF")
    if op.params.get("pages") and pages != op.params["pages"]:
        _fail(op, f"{pages} pages, planned {op.params['pages']}")
    return {}


def chapters_problem(planned: tuple[float, ...], found: list[float], fps: float | None) -> str | None:
    """A master copy's chapters against the plan: as many, each starting within half a frame of where
    planned (containers keep chapter times to the millisecond)."""
    if len(found) != len(planned):
        return f"{len(found)} chapters, planned {len(planned)}"
    slack = 0.5 / fps if fps else 0.02
    for number, (want, got) in enumerate(zip(planned, found, strict=True), start=1):
        # MP4 keeps chapters as a text track, which starts at zero: the first chapter reads as starting there
        if abs(want - got) > slack and not (number == 1 and got == 0.0):
            return f"chapter {number} starts at {got:.3f}s, planned {want:.3f}s"
    return None


def verify_chapters(op: Operation, path: Path) -> dict:
    """A WebVTT chapters sidecar: it reads back as the planned cues (times to the millisecond, titles)."""
    try:
        cues = read_webvtt(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _fail(op, f"not a WebVTT file ({exc})")
    planned = op.params.get("chapters")
    if planned is None:  # checked later without the plan (vat verify --deep from the records alone)
        if not cues:
            _fail(op, "no chapters")
        return {}
    if len(cues) != len(planned):
        _fail(op, f"{len(cues)} chapters, planned {len(planned)}")
    for number, ((start, end, title), (a, b, t)) in enumerate(zip(cues, planned, strict=True), start=1):
        if abs(start - a) > 0.0006 or abs(end - b) > 0.0006 or title != read_webvtt_title(str(t)):
            _fail(op, f"chapter {number} is not the one planned")
    return {}


def read_webvtt_title(title: str) -> str:
    """A title as it reads back from webvtt() (escaped, then unescaped)."""
    return vtt_title(title).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def verify(op: Operation, path: Path) -> dict:
    if op.kind in ("still_hq", "still_web", "thumbnail", "rd_image", "contact_sheet"):
        return verify_image(op, path)
    if op.kind in ("clip", "rd_video"):
        return verify_video(op, path)
    if op.kind == "master":
        return verify_video(op, path, decode=False)
    if op.kind == "contact_sheet_pdf":
        return verify_pdf(op, path)
    if op.kind == "chapters":
        return verify_chapters(op, path)
    if not path.exists() or path.stat().st_size == 0:
        _fail(op, "empty")
    return {}

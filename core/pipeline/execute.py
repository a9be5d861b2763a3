"""Making one operation's output at a temporary path: ffmpeg for video, PyAV + Pillow for stills."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from core.events import FfmpegProgress
from core.media import ffmpeg
from core.media.chapter_files import ffmetadata, webvtt
from core.media.encode_args import audio_args, container_args, scale_filter, video_codec_args
from core.media.frames import frame_at, rotate_for_display
from core.media.image_meta import save_image
from core.media.picture import clip_filters
from core.media.usage import ChildUsage
from core.media.video_stream import video_map
from core.pipeline.contact_sheet import DPI as SHEET_DPI
from core.pipeline.contact_sheet import PAGE_SIZE as SHEET_PAGE
from core.pipeline.contact_sheet import SheetUnit, render_pages, render_sheet, save_pdf
from core.pipeline.plan import Operation

MUXER_BY_SUFFIX = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
    ".avi": "avi",
    ".mxf": "mxf",
    ".ts": "mpegts",
    ".mts": "mpegts",
    ".m2ts": "mpegts",
}


@dataclass
class Context:
    cancel: threading.Event
    threads: int
    on_progress: Callable[[FfmpegProgress], None] | None = None
    usage: ChildUsage | None = None  # what the operation's ffmpeg processes used, for its log row


def _source(op: Operation) -> Path:
    """What the operation makes its output from; every kind executed here has one (only the
    process log and manifest, written elsewhere, have none)."""
    if op.source is None:
        raise ValueError(f"{op.key}: the plan gives no source")
    return op.source


def _metadata_args(params: dict) -> list[str]:
    args = ["-metadata", f"copyright={params['copyright']}", "-metadata", f"title={params['title']}"]
    if params.get("credits"):  # artist: what MP4 (©ART), Matroska (ARTIST) and players show as the creator
        args += ["-metadata", f"artist={params['credits']}"]
    return args


def make_master(op: Operation, tmp: Path, ctx: Context) -> None:
    """A stream copy. Its chapters: the scenes' (params["chapters"], through an ffmetadata input), else
    the master's own."""
    muxer = MUXER_BY_SUFFIX.get(op.output.suffix.lower())
    chapters = op.params.get("chapters")
    # hidden beside the output, named as a temporary: a kill leaves nothing that stray removal misses
    meta_file = tmp.with_name(tmp.name + ".ffmeta")
    args = ["-i", ffmpeg.file_arg(_source(op))]
    if chapters:
        meta_file.write_text(ffmetadata([(a, b, str(t)) for a, b, t in chapters]), encoding="utf-8")
        args += ["-f", "ffmetadata", "-i", ffmpeg.file_arg(meta_file)]
    args += [
        "-map",
        "0:v",
        "-map",
        "0:a?",
        "-map",
        "0:s?",
        "-c",
        "copy",
        "-map_metadata",
        "0",
        "-map_chapters",
        "1" if chapters else "0",
        *_metadata_args(op.params),
    ]
    if muxer in ("mp4", "mov"):
        args += ["-movflags", "+faststart"]
    if muxer:
        args += ["-f", muxer]
    try:
        ffmpeg.run(
            [*args, ffmpeg.file_arg(tmp)],
            duration=op.expected.duration,
            on_progress=ctx.on_progress,
            cancel=ctx.cancel,
            usage=ctx.usage,
        )
    finally:
        meta_file.unlink(missing_ok=True)


def make_chapters(op: Operation, tmp: Path, ctx: Context) -> None:
    """The scenes' chapters beside a master copy that keeps its own (core/pipeline/chapter_plan.py)."""
    tmp.write_text(webvtt([(a, b, str(t)) for a, b, t in op.params["chapters"]]), encoding="utf-8")


def make_clip(op: Operation, tmp: Path, ctx: Context) -> None:
    p = op.params
    width, height = p["size"]
    seek_in, skip = p["seek"]
    # rotated after the deinterlacer (clip_filters): ffmpeg's autorotate, which would come first, is off
    video = video_map(_source(op))  # the film, not a cover picture stored before it
    before = [f"-display_rotation:{video.removeprefix('0:')}", "0"] if p.get("rotation") else []
    args = [*before, "-ss", f"{seek_in:.6f}", "-i", ffmpeg.file_arg(_source(op)), "-ss", f"{skip:.6f}", "-map", video]
    vf = clip_filters(
        width,
        height,
        sar=p.get("sar"),
        deinterlace=bool(p.get("deinterlace")),
        rotation=p.get("rotation") or 0,
        keep_fields=bool(p.get("keep_fields")),
    )
    if p["audio"]:
        # -t would also cut the video where its timeline does not start at zero: trim the audio alone
        args += ["-map", "0:a:0", "-af", f"atrim=duration={p['duration']:.6f}"]
    args += [
        "-frames:v",
        str(p["frames"]),
        "-fps_mode",
        "passthrough",
        "-vf",
        vf,
        *video_codec_args(
            p["video"], p["advanced"], p["encoder"], p["fps"], ctx.threads, interlaced=bool(p.get("keep_fields"))
        ),
        *audio_args(p["video"], p["audio"]),
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        *_metadata_args(p),
        *container_args(p["advanced"]),
        "-f",
        "mp4",
        ffmpeg.file_arg(tmp),
    ]
    ffmpeg.run(args, duration=p["duration"], on_progress=ctx.on_progress, cancel=ctx.cancel, usage=ctx.usage)


def make_rd_video(op: Operation, tmp: Path, ctx: Context) -> None:
    p = op.params
    width, height = p["size"]
    advanced = {"faststart": True, "gop_seconds": 2.0}
    args = ["-i", ffmpeg.file_arg(_source(op)), "-map", video_map(_source(op))]
    if p["audio"]:
        args += ["-map", "0:a:0"]
    args += [
        "-vf",
        scale_filter(width, height),
        "-fps_mode",
        "passthrough",
        *video_codec_args(p["video"], advanced, p["encoder"], p["fps"] or 25.0, ctx.threads),
        *audio_args(p["video"], p["audio"]),
        "-map_metadata",
        "-1",
        *_metadata_args(p),
        *container_args(advanced),
        "-f",
        "mp4",
        ffmpeg.file_arg(tmp),
    ]
    ffmpeg.run(args, duration=op.expected.duration, on_progress=ctx.on_progress, cancel=ctx.cancel, usage=ctx.usage)


def make_still(op: Operation, tmp: Path, ctx: Context) -> None:
    p = op.params
    frame = frame_at(_source(op), p["pts"], p.get("keyframe"), deinterlace=bool(p.get("deinterlace")))
    # resized to p["size"], which is at the display aspect: this also makes the pixels square
    _save_resized(rotate_for_display(frame, p["rotation"]), tmp, p)


def make_rd_image(op: Operation, tmp: Path, ctx: Context) -> None:
    with Image.open(_source(op)) as im:
        im.seek(0)  # first frame of an animated GIF/WebP
        image = ImageOps.exif_transpose(im)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") and op.params["format"] == "png" else "RGB")
    _save_resized(image, tmp, op.params)


def _save_resized(image: Image.Image, tmp: Path, p: dict) -> None:
    size = tuple(p["size"])
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    save_image(
        image,
        tmp,
        p["format"],
        quality=p.get("quality"),
        copyright_text=p["copyright"],
        title=f"{p['title']} — {p['scene_title']}" if p.get("scene_title") else p["title"],
        credits_text=p.get("credits", ""),
        description=p.get("scene_note", ""),
    )


def _sheet(op: Operation) -> tuple[list[SheetUnit], dict]:
    """The contact sheet's units and texts, as the plan gave them (the PNG's and the PDF's alike)."""
    p = op.params
    units = [
        SheetUnit(
            u["label"],
            u["scene"],
            u["first_frame"],
            u["last_frame"],
            u["start"],
            u["end"],
            op.output.parent / u["still"] if u["still"] else None,  # the sheet is in the project folder
            _source(op),
            u["at"],
            tuple(u["timecode"]) if u.get("timecode") else None,
        )
        for u in p["units"]
    ]
    texts = {
        "artwork": p["title"],
        "copyright_text": p["copyright"],
        "credits_text": p.get("credits", ""),
        "titles": {int(n): t for n, t in p["titles"].items()},
        "aspect": p["aspect"],
    }
    return units, texts


def make_contact_sheet(op: Operation, tmp: Path, ctx: Context) -> None:
    units, texts = _sheet(op)
    p = op.params
    sheet = render_sheet(units, **texts)
    dpi = round(SHEET_DPI * sheet.width / SHEET_PAGE[0])  # prints at A4, its pages shrunk or not
    save_image(
        sheet,
        tmp,
        "png",
        quality=None,
        copyright_text=p["copyright"],
        title=p["title"],
        credits_text=p.get("credits", ""),
        dpi=(dpi, dpi),
    )


def make_contact_sheet_pdf(op: Operation, tmp: Path, ctx: Context) -> None:
    units, texts = _sheet(op)
    save_pdf(render_pages(units, **texts), tmp, title=op.params["title"], author=op.params.get("credits", ""))


MAKERS = {
    "master": make_master,
    "chapters": make_chapters,
    "clip": make_clip,
    "rd_video": make_rd_video,
    "still_hq": make_still,
    "still_web": make_still,
    "thumbnail": make_still,
    "rd_image": make_rd_image,
    "contact_sheet": make_contact_sheet,
    "contact_sheet_pdf": make_contact_sheet_pdf,
}


def temporary_path(final: Path) -> Path:
    """Beside the final file (same filesystem, so the rename is atomic), hidden, same extension, and
    unique to this process and call: two writers can never share a temporary file."""
    return final.with_name(f".{final.stem}.vat-part-{os.getpid()}-{secrets.token_hex(4)}{final.suffix}")


def is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and ".vat-part" in path.name

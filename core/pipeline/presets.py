"""Compression presets: the built-in ones, and validation of any preset's five JSON settings.

A preset's sizes are upper bounds: outputs are never upscaled. Stored as user_presets rows
(built-ins marked in advanced_settings["builtin"] and never deletable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import BadInput
from core.pipeline.name_template import template_problem

STILL_HQ_FORMATS = ("png", "tiff", "jpg")
STILL_WEB_FORMATS = ("jpg", "webp")
THUMB_FORMATS = ("jpg", "webp", "png")
VIDEO_CODECS = ("h264",)
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
NVENC_PRESETS = tuple(f"p{i}" for i in range(1, 8))
# video["deinterlace"]: "auto" deinterlaces the clips of an interlaced master (by its field order),
# "off" keeps the fields (coded interlaced). Stills and thumbnails are always deinterlaced.
DEINTERLACE_MODES = ("auto", "off")
# Options a preset may leave out, and what that means. Built-ins leave them out, so that the plans
# (and the parameter hashes) of sessions made before the options existed stay the same.
# trim_transitions: clips leave out the frames of the gradual transitions (dissolves, fades) at their ends.
VIDEO_DEFAULTS = {"keep_pixel_aspect": False, "deinterlace": "auto", "trim_transitions": False}
X264_TUNES = ("film", "animation", "grain", "stillimage", "fastdecode", "zerolatency")
# validate()'s name for each setting -> where it lives in a preset (section.key), so that an
# imported preset file's problem names the field as the file spells it.
FIELD_PATHS = {
    "stills HQ format": "stills_hq.format",
    "stills HQ max width": "stills_hq.max_width",
    "stills HQ quality": "stills_hq.quality",
    "stills web format": "stills_web.format",
    "stills web max width": "stills_web.max_width",
    "stills web quality": "stills_web.quality",
    "video codec": "video.codec",
    "video CRF": "video.crf",
    "video max width": "video.max_width",
    "video max rate": "video.maxrate",
    "video buffer size": "video.bufsize",
    "audio bit rate": "video.audio_bitrate",
    "x264 preset": "video.x264_preset",
    "NVENC preset": "video.nvenc_preset",
    "video audio": "video.audio",
    "keep pixel aspect": "video.keep_pixel_aspect",
    "deinterlace": "video.deinterlace",
    "trim transitions": "video.trim_transitions",
    "thumbnail format": "thumbnail.format",
    "thumbnail width": "thumbnail.width",
    "thumbnail quality": "thumbnail.quality",
    "GOP length": "advanced.gop_seconds",
    "fast start": "advanced.faststart",
    "x264 tune": "advanced.tune",
    "file-name template": "advanced.naming_template",
    "preset id": "preset_id",
}


@dataclass
class Preset:
    preset_id: str
    preset_name: str
    description: str
    stills_hq: dict[str, Any]
    stills_web: dict[str, Any]
    video: dict[str, Any]
    thumbnail: dict[str, Any]
    advanced: dict[str, Any] = field(default_factory=dict)
    base_preset: str | None = None

    @property
    def builtin(self) -> bool:
        return bool(self.advanced.get("builtin"))


BUILTIN_PRESETS: list[Preset] = [
    Preset(
        "webflow_standard",
        "Webflow standard",
        "Silent H.264 loops for web pages (max 1920 wide, capped CRF), JPEG web stills, PNG HQ stills.",
        stills_hq={"format": "png", "max_width": None},
        stills_web={"format": "jpg", "max_width": 1920, "quality": 85},
        video={
            "codec": "h264",
            "crf": 23,
            "max_width": 1920,
            "maxrate": "6M",
            "bufsize": "12M",
            "x264_preset": "medium",
            "nvenc_preset": "p5",
            "audio": False,
            "audio_bitrate": "160k",
        },
        thumbnail={"format": "jpg", "width": 320, "quality": 80},
        advanced={"builtin": True, "faststart": True, "gop_seconds": 2.0, "tune": None},
    ),
    Preset(
        "archive_hq",
        "Archive HQ",
        "Near-lossless H.264 clips with audio at full size, TIFF HQ stills, large JPEG web stills.",
        stills_hq={"format": "tiff", "max_width": None},
        stills_web={"format": "jpg", "max_width": 2560, "quality": 92},
        video={
            "codec": "h264",
            "crf": 12,
            "max_width": None,
            "maxrate": None,
            "bufsize": None,
            "x264_preset": "slow",
            "nvenc_preset": "p7",
            "audio": True,
            "audio_bitrate": "320k",
        },
        thumbnail={"format": "jpg", "width": 480, "quality": 85},
        advanced={"builtin": True, "faststart": True, "gop_seconds": 1.0, "tune": None},
    ),
    Preset(
        "social_1080",
        "Social 1080",
        "H.264 with audio at most 1920 wide for social platforms, JPEG stills at 1080 wide.",
        stills_hq={"format": "png", "max_width": 1920},
        stills_web={"format": "jpg", "max_width": 1080, "quality": 85},
        video={
            "codec": "h264",
            "crf": 20,
            "max_width": 1920,
            "maxrate": "10M",
            "bufsize": "20M",
            "x264_preset": "medium",
            "nvenc_preset": "p5",
            "audio": True,
            "audio_bitrate": "192k",
        },
        thumbnail={"format": "jpg", "width": 320, "quality": 80},
        advanced={"builtin": True, "faststart": True, "gop_seconds": 2.0, "tune": None},
    ),
    Preset(
        "preview_fast",
        "Preview (fast)",
        "Quick small previews: 960-wide silent clips, WebP web stills, JPEG HQ stills.",
        stills_hq={"format": "jpg", "max_width": 1280, "quality": 90},
        stills_web={"format": "webp", "max_width": 960, "quality": 75},
        video={
            "codec": "h264",
            "crf": 28,
            "max_width": 960,
            "maxrate": "2M",
            "bufsize": "4M",
            "x264_preset": "veryfast",
            "nvenc_preset": "p2",
            "audio": False,
            "audio_bitrate": "96k",
        },
        thumbnail={"format": "jpg", "width": 240, "quality": 75},
        advanced={"builtin": True, "faststart": True, "gop_seconds": 2.0, "tune": None},
    ),
]
DEFAULT_PRESET_ID = "webflow_standard"


def _int(errors: list[str], where: str, value: Any, lo: int, hi: int, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        errors.append(f"{where}: expected a whole number from {lo} to {hi}{' or empty' if optional else ''}")


def _choice(errors: list[str], where: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        errors.append(f"{where}: expected one of {', '.join(choices)}")


def _rate(errors: list[str], where: str, value: Any) -> None:
    if value is None:
        return
    text = str(value)
    if not (text[:-1].replace(".", "", 1).isdigit() and text[-1] in "kKmM") and not text.isdigit():
        errors.append(f"{where}: expected a bit rate like 6M or 800k")


def validate(preset: Preset) -> list[str]:
    """Every problem with a preset's settings, one line each (empty when it is usable)."""
    errors: list[str] = []
    hq, web, video, thumb = preset.stills_hq, preset.stills_web, preset.video, preset.thumbnail
    _choice(errors, "stills HQ format", hq.get("format"), STILL_HQ_FORMATS)
    _int(errors, "stills HQ max width", hq.get("max_width"), 16, 16384, optional=True)
    if hq.get("format") == "jpg":
        _int(errors, "stills HQ quality", hq.get("quality", 95), 1, 100)
    _choice(errors, "stills web format", web.get("format"), STILL_WEB_FORMATS)
    _int(errors, "stills web max width", web.get("max_width"), 16, 16384, optional=True)
    _int(errors, "stills web quality", web.get("quality"), 1, 100)
    _choice(errors, "video codec", video.get("codec"), VIDEO_CODECS)
    _int(errors, "video CRF", video.get("crf"), 0, 51)
    _int(errors, "video max width", video.get("max_width"), 16, 16384, optional=True)
    _rate(errors, "video max rate", video.get("maxrate"))
    _rate(errors, "video buffer size", video.get("bufsize"))
    _rate(errors, "audio bit rate", video.get("audio_bitrate"))
    if video.get("maxrate") and not video.get("bufsize"):
        errors.append("video buffer size: needed when a max rate is set")
    _choice(errors, "x264 preset", video.get("x264_preset"), X264_PRESETS)
    _choice(errors, "NVENC preset", video.get("nvenc_preset"), NVENC_PRESETS)
    if not isinstance(video.get("audio"), bool):
        errors.append("video audio: expected true or false")
    if not isinstance(video.get("keep_pixel_aspect", False), bool):
        errors.append("keep pixel aspect: expected true or false")
    _choice(errors, "deinterlace", video.get("deinterlace", "auto"), DEINTERLACE_MODES)
    if not isinstance(video.get("trim_transitions", False), bool):
        errors.append("trim transitions: expected true or false")
    _choice(errors, "thumbnail format", thumb.get("format"), THUMB_FORMATS)
    _int(errors, "thumbnail width", thumb.get("width"), 16, 4096)
    if thumb.get("format") != "png":
        _int(errors, "thumbnail quality", thumb.get("quality"), 1, 100)
    gop = preset.advanced.get("gop_seconds", 2.0)
    if not isinstance(gop, (int, float)) or isinstance(gop, bool) or not 0.1 <= gop <= 60:
        errors.append("GOP length: expected seconds from 0.1 to 60")
    if not isinstance(preset.advanced.get("faststart", True), bool):
        errors.append("fast start: expected true or false")
    tune = preset.advanced.get("tune")
    if tune is not None:
        _choice(errors, "x264 tune", tune, X264_TUNES)
    if "naming_template" in preset.advanced:  # absent: the default names (core/pipeline/name_template.py)
        problem = template_problem(preset.advanced["naming_template"])
        if problem:
            errors.append(f"file-name template: {problem}")
    if not valid_preset_id(preset.preset_id):
        errors.append("preset id: letters, digits, _ and - only")
    return errors


def valid_preset_id(preset_id: str) -> bool:
    """The one rule for preset ids (the store, the import and the TUI's new-preset dialog): letters,
    digits, _ and -, as an id is typed after --preset and kept in the session records."""
    return bool(preset_id) and preset_id.replace("_", "").replace("-", "").isalnum()


def check(preset: Preset) -> Preset:
    problems = validate(preset)
    if problems:
        raise BadInput(f"preset {preset.preset_id}: " + "; ".join(problems))
    return preset


def fit_width(src_w: int, src_h: int, max_width: int | None, even: bool) -> tuple[int, int]:
    """Size that fits max_width keeping the aspect ratio, never larger than the source."""
    w = src_w if not max_width else min(src_w, max_width)
    h = src_h if w == src_w else max(1, round(src_h * w / src_w))
    if even:  # 4:2:0 video needs even dimensions
        w, h = w - w % 2, h - h % 2
    return w, h

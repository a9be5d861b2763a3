"""The preset editor's fields as data: how each one is shown, read back and matched to problems.

Pure (no Textual), so the conversion between a Preset and the form's text is easy to test.
Values that do not parse are kept as typed, so core.pipeline.presets.validate() names them.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from typing import Any

from core.media.encode_args import preview_args
from core.pipeline.presets import (
    DEINTERLACE_MODES,
    NVENC_PRESETS,
    STILL_HQ_FORMATS,
    STILL_WEB_FORMATS,
    THUMB_FORMATS,
    VIDEO_DEFAULTS,
    X264_PRESETS,
    X264_TUNES,
    Preset,
    validate,
)


@dataclass(frozen=True)
class FormField:
    section: str  # "stills_hq", "stills_web", "video", "thumbnail", "advanced" or "preset"
    key: str
    label: str
    kind: str  # int, int_opt, float, rate, rate_opt, choice, choice_opt, bool, text
    problem: str = ""  # the name core.pipeline.presets.validate() gives it
    choices: tuple[str, ...] = ()
    hint: str = ""

    @property
    def widget_id(self) -> str:
        return f"field-{self.section}-{self.key}".replace("_", "-")


SECTIONS = {
    "preset": "Preset",
    "stills_hq": "Stills HQ",
    "stills_web": "Stills web",
    "video": "Video",
    "thumbnail": "Thumbnail",
    "advanced": "Advanced",
}

FIELDS: tuple[FormField, ...] = (
    FormField("preset", "preset_name", "Name", "text", "name"),
    FormField("preset", "description", "Description", "text"),
    FormField("stills_hq", "format", "Format", "choice", "stills HQ format", STILL_HQ_FORMATS),
    FormField("stills_hq", "max_width", "Max width", "int_opt", "stills HQ max width", hint="px, empty: full size"),
    FormField("stills_hq", "quality", "JPEG quality", "int_opt", "stills HQ quality", hint="1-100, jpg only"),
    FormField("stills_web", "format", "Format", "choice", "stills web format", STILL_WEB_FORMATS),
    FormField("stills_web", "max_width", "Max width", "int_opt", "stills web max width", hint="px, empty: full size"),
    FormField("stills_web", "quality", "Quality", "int", "stills web quality", hint="1-100"),
    FormField("video", "crf", "CRF", "int", "video CRF", hint="0-51, lower is better"),
    FormField("video", "max_width", "Max width", "int_opt", "video max width", hint="px, empty: full size"),
    FormField("video", "maxrate", "Max rate", "rate_opt", "video max rate", hint="e.g. 6M, empty: none"),
    FormField("video", "bufsize", "Buffer size", "rate_opt", "video buffer size", hint="e.g. 12M"),
    FormField("video", "x264_preset", "x264 preset", "choice", "x264 preset", X264_PRESETS),
    FormField("video", "nvenc_preset", "NVENC preset", "choice", "NVENC preset", NVENC_PRESETS),
    FormField("video", "audio", "Audio", "bool", "video audio"),
    FormField("video", "audio_bitrate", "Audio bit rate", "rate", "audio bit rate", hint="e.g. 192k"),
    FormField(
        "video",
        "keep_pixel_aspect",
        "Keep pixel aspect",
        "bool",
        "keep pixel aspect",
        hint="anamorphic: stored size + SAR",
    ),
    FormField(
        "video",
        "deinterlace",
        "Deinterlace",
        "choice",
        "deinterlace",
        DEINTERLACE_MODES,
        hint="off: clips keep the fields",
    ),
    FormField(
        "video",
        "trim_transitions",
        "Trim transition",
        "bool",
        "trim transitions",
        hint="clips skip dissolves, fades",
    ),
    FormField("thumbnail", "format", "Format", "choice", "thumbnail format", THUMB_FORMATS),
    FormField("thumbnail", "width", "Width", "int", "thumbnail width", hint="px"),
    FormField("thumbnail", "quality", "Quality", "int_opt", "thumbnail quality", hint="1-100, not for png"),
    FormField("advanced", "gop_seconds", "GOP seconds", "float", "GOP length", hint="keyframe every N s"),
    FormField("advanced", "faststart", "Fast start", "bool", "fast start", hint="index first, for the web"),
    FormField("advanced", "tune", "x264 tune", "choice_opt", "x264 tune", X264_TUNES),
    FormField(
        "advanced",
        "naming_template",
        "File names",
        "text",
        "file-name template",
        hint="empty: {artwork}_{scene}_{kind}",
    ),
)


def _settings(preset: Preset, section: str) -> dict[str, Any]:
    return {
        "stills_hq": preset.stills_hq,
        "stills_web": preset.stills_web,
        "video": preset.video,
        "thumbnail": preset.thumbnail,
        "advanced": preset.advanced,
    }[section]


def value_of(preset: Preset, field: FormField) -> Any:
    """The preset's value for a field, as its widget holds it (text for inputs)."""
    if field.section == "preset":
        return getattr(preset, field.key) or ""
    value = _settings(preset, field.section).get(field.key)
    if value is None and field.section == "video":
        value = VIDEO_DEFAULTS.get(field.key)  # options older presets leave out
    if field.kind == "bool":
        return bool(value if value is not None else field.key == "faststart")  # faststart is on by default
    if field.kind in ("choice", "choice_opt"):
        return value
    return "" if value is None else str(value)


def parse(field: FormField, raw: Any) -> Any:
    """A widget's value as the preset stores it; text that does not parse is kept for validate()."""
    if field.kind in ("bool", "choice", "choice_opt"):
        return raw
    text = str(raw).strip()
    if field.kind == "text":
        return text
    if not text:
        return None
    if field.kind in ("int", "int_opt"):
        try:
            return int(text)
        except ValueError:
            return text
    if field.kind == "float":
        try:
            return float(text)
        except ValueError:
            return text
    return text  # rates stay text: 6M, 800k


def build_preset(original: Preset, values: dict[str, Any]) -> Preset:
    """`original` with the form's values (by widget id) applied; keys the form does not show are kept."""
    sections = {name: dict(_settings(original, name)) for name in SECTIONS if name != "preset"}
    top: dict[str, Any] = {}
    for field in FIELDS:
        if field.widget_id not in values:
            continue
        value = parse(field, values[field.widget_id])
        if field.section == "preset":
            top[field.key] = value
        elif value is None and field.key == "quality" and field.kind == "int_opt":
            sections[field.section].pop(field.key, None)  # an optional quality means "use the default"
        elif field.key == "naming_template" and not value:
            sections["advanced"].pop(field.key, None)  # empty: the default names, the preset as before
        elif (
            field.section == "video"
            and field.key not in sections["video"]
            and value == VIDEO_DEFAULTS.get(field.key, object())
        ):
            pass  # an option left out stays left out while it has its default value
        else:
            sections[field.section][field.key] = value
    return replace(
        original,
        stills_hq=sections["stills_hq"],
        stills_web=sections["stills_web"],
        video=sections["video"],
        thumbnail=sections["thumbnail"],
        advanced=sections["advanced"],
        **top,
    )


def problems_by_field(preset: Preset) -> tuple[dict[str, list[str]], list[str]]:
    """validate()'s problems keyed by widget id, and those that belong to no field."""
    problems = list(validate(preset))
    if not preset.preset_name.strip():
        problems.insert(0, "name: must not be empty")
    by_name = {field.problem: field.widget_id for field in FIELDS if field.problem}
    placed: dict[str, list[str]] = {}
    loose: list[str] = []
    for problem in problems:
        where, _, message = problem.partition(": ")
        widget_id = by_name.get(where)
        if widget_id:
            placed.setdefault(widget_id, []).append(message)
        else:
            loose.append(problem)
    return placed, loose


def ffmpeg_preview(preset: Preset, encoder: str) -> str:
    """The clip encoding arguments the preset produces with an encoder, as one shell-quoted line."""
    return shlex.join(preview_args(preset.video, preset.advanced, encoder))

"""Presets as files: vat's own JSON format, for sharing a preset or keeping it beside a project.

A file holds one preset: a format marker and version ("vat_preset": 1), its id, name and
description, and its five groups of settings. Usage counters, dates and the default flag stay
in the database: they describe this installation, not the preset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import BadInput
from core.pipeline.presets import FIELD_PATHS, Preset, validate

FORMAT_KEY = "vat_preset"
FORMAT_VERSION = 1
SECTIONS = ("stills_hq", "stills_web", "video", "thumbnail", "advanced")
# field -> (required, the JSON types it may hold, what to say when it holds another)
_TOP_FIELDS: dict[str, tuple[bool, tuple[type, ...], str]] = {
    FORMAT_KEY: (True, (int,), f"expected {FORMAT_VERSION}"),
    "preset_id": (True, (str,), "expected text"),
    "preset_name": (True, (str,), "expected text"),
    "description": (False, (str,), "expected text"),
    "base_preset": (False, (str, type(None)), "expected text or null"),
    "stills_hq": (True, (dict,), "expected an object"),
    "stills_web": (True, (dict,), "expected an object"),
    "video": (True, (dict,), "expected an object"),
    "thumbnail": (True, (dict,), "expected an object"),
    "advanced": (False, (dict,), "expected an object"),
}


def to_document(preset: Preset) -> dict[str, Any]:
    """The preset as a file holds it (a built-in's copy is an ordinary preset: no builtin mark)."""
    return {
        FORMAT_KEY: FORMAT_VERSION,
        "preset_id": preset.preset_id,
        "preset_name": preset.preset_name,
        "description": preset.description,
        "base_preset": preset.base_preset,
        "stills_hq": preset.stills_hq,
        "stills_web": preset.stills_web,
        "video": preset.video,
        "thumbnail": preset.thumbnail,
        "advanced": {k: v for k, v in preset.advanced.items() if k != "builtin"},
    }


def from_document(document: Any, source: str, preset_id: str | None = None) -> Preset:
    """The preset a file's JSON describes, checked; BadInput naming `source` and the first bad field.
    `preset_id` replaces the file's id (importing a copy under another name)."""

    def bad(field: str, problem: str) -> BadInput:
        return BadInput(f"{source}: {field}: {problem}")

    if not isinstance(document, dict):
        raise BadInput(f"{source}: expected a JSON object (a vat preset file, as `vat presets export` writes)")
    if preset_id is not None:
        document = {**document, "preset_id": preset_id}
    for field, (required, types, expected) in _TOP_FIELDS.items():
        if field not in document:
            if required:
                raise bad(field, "missing")
            continue
        value = document[field]
        if not isinstance(value, types) or isinstance(value, bool):
            raise bad(field, expected)
    if document[FORMAT_KEY] != FORMAT_VERSION:
        raise bad(FORMAT_KEY, f"version {document[FORMAT_KEY]} is not known to this vat (it reads {FORMAT_VERSION})")
    unknown = sorted(set(document) - set(_TOP_FIELDS))
    if unknown:
        raise bad(unknown[0], "unknown field")
    advanced = dict(document.get("advanced") or {})
    if "builtin" in advanced:
        raise bad("advanced.builtin", "only vat's own presets are built in")
    preset = Preset(
        document["preset_id"],
        document["preset_name"],
        document.get("description", ""),
        dict(document["stills_hq"]),
        dict(document["stills_web"]),
        dict(document["video"]),
        dict(document["thumbnail"]),
        advanced,
        document.get("base_preset"),
    )
    if not preset.preset_name.strip():
        raise bad("preset_name", "expected a name, not empty")
    problems = validate(preset)
    if problems:
        label, _, problem = problems[0].partition(": ")
        raise bad(FIELD_PATHS.get(label, label), problem + (f" (and {len(problems) - 1} more)" if problems[1:] else ""))
    return preset


def read_preset_file(path: Path, preset_id: str | None = None) -> Preset:
    """The preset in a file; BadInput naming the file when it cannot be read, is not JSON or not valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return from_document(document, str(path), preset_id)

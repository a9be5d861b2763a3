"""File names of a unit's outputs (stills, thumbnails, clips) from the preset's template
(advanced["naming_template"]; README: File names).

Variables: {artwork} the artwork's safe name, {scene} the unit's tag (s003 for a scene, g01 for a
group's clip), {group} the group's tag where the scene is in one (else empty), {title} the scene's
title (a group's clip: its first scene's), {tc} the unit's start timecode (01-00-10-05), {date} the
project date, {preset} the preset's id, {kind} hq, web or thumb (empty for a clip: clips/ holds
only clips). The default template gives the names vat has always given.

Every substituted value goes through the rule artwork names follow (core/pipeline/naming.py):
separators, `..`, control and reserved characters cannot survive it, and the literal text of a
template is held to letters, digits, spaces, `_`, `.` and `-`, so no name leaves its folder. A
template must name {scene}: it tells every two units apart, whatever their titles.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import BadInput

if TYPE_CHECKING:
    from db.models import ProcessingState

DEFAULT_TEMPLATE = "{artwork}_{scene}_{kind}"
VARIABLES = ("artwork", "scene", "group", "title", "tc", "date", "preset", "kind")
MAX_TEMPLATE_LENGTH = 200
TITLE_CHARACTERS = 60  # of a title in a name: the whole title is in the metadata and the manifest
MAX_NAME_BYTES = 200  # a file name's stem: 255 with the extension and the temporary file's prefix
_UNSAFE = re.compile(r"[^\w.-]+")
_LITERAL = re.compile(r"^[\w .-]*$", re.ASCII)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def template_of(advanced: dict) -> str:
    return str(advanced.get("naming_template") or DEFAULT_TEMPLATE)


def template_problem(template: object) -> str | None:
    """Why a template cannot name files, or None (checked when a preset is saved or imported)."""
    if not isinstance(template, str) or not template.strip():
        return "expected text such as {artwork}_{scene}_{kind}"
    if len(template) > MAX_TEMPLATE_LENGTH:
        return f"at most {MAX_TEMPLATE_LENGTH} characters"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{exc} (braces go around a variable: {{scene}})"
    names = []
    for literal, name, spec, conversion in parts:
        if not _LITERAL.match(literal):
            return f"only letters, digits, spaces, _ . - between the variables (not {literal!r})"
        if name is None:
            continue
        if name not in VARIABLES or spec or conversion:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            known = ", ".join("{" + v + "}" for v in VARIABLES)
            return f"unknown variable {{{written}}} (known: {known})"
        names.append(name)
    if "scene" not in names:
        return "must contain {scene}: without it two scenes' outputs could get the same name"
    return None


@functools.lru_cache(maxsize=4096)  # the same few values (the preset, no title) for every output of a plan
def _part(value: str) -> str:
    """A substituted value made safe as naming.safe_component does, but allowed to be empty."""
    normal = unicodedata.normalize("NFKC", value)
    normal = "".join(ch for ch in normal if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE.sub("_", normal.strip())
    return re.sub(r"_+", "_", text).strip("._-")


@dataclass(frozen=True)
class Naming:
    """What a plan's names are made of, beside the template."""

    slug: str
    project_date: str
    preset_id: str = ""
    template: str = DEFAULT_TEMPLATE
    titles: dict[int, str] = field(default_factory=dict)
    timecodes: dict[int, str] = field(default_factory=dict)  # scene -> start timecode label
    groups: tuple[tuple[int, int], ...] = ()

    def group_of(self, scene: int) -> int | None:
        for i, (a, b) in enumerate(self.groups, start=1):
            if a <= scene <= b:
                return i
        return None

    def stem(self, unit_tag: str, scene: int, kind: str, group: int | None) -> str:
        values = {
            "artwork": self.slug,
            "scene": unit_tag,
            "group": f"g{group:02d}" if group else "",
            "title": self.titles.get(scene, "")[:TITLE_CHARACTERS],
            "tc": self.timecodes.get(scene, "").replace(":", "-").replace(";", "-"),
            "date": self.project_date,
            "preset": self.preset_id,
            "kind": kind,
        }
        # the slug, tags, date and timecode are safe as made; the typed texts are made so here
        safe = {**values, "title": _part(values["title"]), "preset": _part(values["preset"])}
        # an empty value leaves no doubled or trailing separator; never a hidden file (a leading
        # "_" stays: the safe name of an artwork called "con" is "_con")
        name = re.sub(r"_+", "_", self.template.format(**safe).replace(" ", "_")).rstrip("._-").lstrip(".-")
        if name.lower() in _RESERVED:
            name = f"_{name}"
        if len(name.encode("utf-8")) > MAX_NAME_BYTES:
            raise BadInput(f"file-name template {self.template!r}: the name of {unit_tag} is too long ({name[:40]}…)")
        return name


def check_unique(paths: list) -> None:
    """Refuse a plan in which two outputs would share a file (names compared as a case-insensitive
    filesystem does)."""
    seen: dict[str, object] = {}
    for path in paths:
        key = str(path).casefold()
        if key in seen:
            raise BadInput(
                f"two outputs would have the same file name: {path} (change a title or the preset's template)"
            )
        seen[key] = path


def clash_with_title(session: ProcessingState, number: int, title: str) -> str | None:
    """With `title` for scene `number`, the collision (or over-long name) the session's template would
    make among its scenes' outputs, or None. Only a template that uses {title} can be affected."""
    from core.pipeline.preset_store import load_preset, preset_from_dict
    from core.pipeline.session_scenes import scene_titles

    try:
        preset = (
            preset_from_dict(session.custom_settings) if session.custom_settings else load_preset(session.preset_id)
        )
    except BadInput:
        return None  # the plan says what is wrong with the preset
    template = template_of(preset.advanced)
    if "{title}" not in template:
        return None
    from core.pipeline.naming import artwork_slug

    titles = {**scene_titles(session), number: title}
    naming = Naming(artwork_slug(session.artwork_name), session.project_date or "", preset.preset_id, template, titles)
    count = len(session.scenes_data or [])
    digits = max(3, len(str(count)))
    try:
        stems = [naming.stem(f"s{r['index']:0{digits}d}", r["index"], "hq", None) for r in session.scenes_data or []]
        check_unique(stems)
    except BadInput as exc:
        return exc.message
    return None

"""What goes into a delivery pack: the project (a session id or its folder), the units (scenes s003
and groups g01, as the output names have them) and the kinds (file_registry.file_type), and each
chosen output checked before it is packed: there, its registered size, its registered SHA-256."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.collation import binary
from core.catalogue.kinds import DEFAULT_PACK_KINDS, KINDS
from core.catalogue.roots import resolve
from core.errors import BadInput, VatError
from core.pipeline.fixity import OK, check_file
from core.text import terminal_safe
from db.models import FileRegistry, ProcessingState

DEFAULT_KINDS = DEFAULT_PACK_KINDS
_UNIT = re.compile(r"^(?:(?P<scene>s?\d+)|g(?P<group>\d+))$", re.IGNORECASE)


def stored_path(text: str) -> Path:
    """Where a path the database holds is on this machine now (through the storage roots,
    core/catalogue/roots.py). The one place a pack reads a stored path through."""
    return resolve(text)


class OutputChanged(VatError):
    """A chosen output is missing or no longer what was registered: no pack (exit 1)."""


@dataclass(frozen=True)
class Unit:
    """A scene (number) or a group (number, counted from 1 as g01 is)."""

    scene: int | None = None
    group: int | None = None

    @property
    def label(self) -> str:
        return f"s{self.scene:03d}" if self.scene is not None else f"g{self.group:02d}"


@dataclass(frozen=True)
class Chosen:
    """A registered output chosen for the pack."""

    path: Path  # where it is now
    kind: str
    unit: str | None  # s003, g01; None for an output of no unit (the master copy, R&D)
    size: int
    sha256: str | None  # as registered
    arcname: str  # its path in the ZIP: as in the project folder


def session_of(project: str) -> ProcessingState:
    """The session named by its id, or the newest session that made the project folder `project`."""
    row = ProcessingState.get_or_none(ProcessingState.session_id == project)
    if row is not None:
        return row
    folder = stored_path(str(Path(project).expanduser().absolute()))  # also named as it was before a move
    if not folder.is_dir():
        raise BadInput(f"{terminal_safe(project)}: no such session (see: vat sessions) and no such project folder")
    resolved = folder.resolve()
    rows = ProcessingState.select().order_by(ProcessingState.updated_at.desc(), ProcessingState.id.desc())
    for row in rows:
        owned = not (row.process_metadata or {}).get("replaced_by")
        if owned and stored_path(row.output_path).resolve() == resolved:
            return row
    raise BadInput(f"{terminal_safe(folder)}: no session of this database made this project folder")


def parse_units(text: str | None) -> list[Unit] | None:
    """`1,3,g01` (scene numbers as 1 or s001, groups as g01) -> units; None or empty: every unit."""
    if text is None or not text.strip():
        return None
    units: list[Unit] = []
    for part in (p.strip() for p in text.split(",")):
        match = _UNIT.match(part)
        if not match:
            raise BadInput(f"--units {terminal_safe(part)!r}: expected a scene number (3 or s003) or a group (g01)")
        unit = Unit(scene=int(match["scene"].lstrip("sS"))) if match["scene"] else Unit(group=int(match["group"]))
        if (unit.scene or unit.group or 0) < 1:
            raise BadInput(f"--units {part}: scenes and groups count from 1")
        if unit not in units:
            units.append(unit)
    return units


def parse_kinds(text: str | None) -> list[str]:
    """`still_web,clip` -> kinds (each one of KINDS); None: DEFAULT_KINDS."""
    if text is None:
        return list(DEFAULT_KINDS)
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise BadInput(f"--kinds {terminal_safe(text)!r}: expected some of {', '.join(KINDS)}")
    return list(dict.fromkeys(kinds))


def unit_of(key: str) -> Unit | None:
    """The unit an operation key names: still_hq:s003 -> scene 3, clip:g01 -> group 1; None for the
    master copy and R&D outputs."""
    kind, _, tag = key.partition(":")
    if kind not in ("still_hq", "still_web", "clip", "thumbnail"):
        return None
    if re.fullmatch(r"s\d+", tag):
        return Unit(scene=int(tag[1:]))
    if re.fullmatch(r"g\d+", tag):
        return Unit(group=int(tag[1:]))
    return None


def _group_scenes(session: ProcessingState) -> dict[int, set[int]]:
    return {n: set(range(int(a), int(b) + 1)) for n, (a, b) in enumerate(session.grouped_scenes or [], start=1)}


def choose(session: ProcessingState, units: list[Unit] | None, kinds: list[str]) -> list[Chosen]:
    """The session's registered outputs of `kinds` that belong to `units` (a group's stills are its
    scenes'); outputs of no unit (the master copy, R&D) follow the kinds alone. A unit asked for that
    no chosen output belongs to is refused: the pack would silently lack it."""
    root = stored_path(session.output_path)
    groups = _group_scenes(session)
    wanted_scenes = {u.scene for u in units or [] if u.scene is not None}
    wanted_groups = {u.group for u in units or [] if u.group is not None}
    for group in wanted_groups:
        if group not in groups:
            raise BadInput(f"--units g{group:02d}: session {session.session_id} has {len(groups)} group(s)")
    covered = wanted_scenes | {s for g in wanted_groups for s in groups[g]}
    rows = (
        FileRegistry.select(
            FileRegistry.file_path,
            FileRegistry.file_type,
            FileRegistry.file_size_bytes,
            FileRegistry.compression_settings,
        )
        .where((FileRegistry.session == session.session_id) & FileRegistry.file_type.in_(kinds))
        .order_by(binary(FileRegistry.file_type), binary(FileRegistry.file_path))
        .namedtuples()
    )
    chosen, found = [], set()
    for row in rows:
        settings = row.compression_settings or {}
        unit = unit_of(settings.get("key") or "")
        if units is not None and unit is not None:
            in_scene = unit.scene is not None and unit.scene in covered
            in_group = unit.group is not None and unit.group in wanted_groups
            if not (in_scene or in_group):
                continue
            found.add(unit)
            if unit.scene is not None:
                found |= {Unit(group=g) for g in wanted_groups if unit.scene in groups[g]}
        path = stored_path(row.file_path)
        try:
            arcname = path.relative_to(root).as_posix()
        except ValueError:  # registered outside the project folder: by kind, under its own name
            arcname = f"{row.file_type}/{path.name}"
        chosen.append(
            Chosen(
                path,
                row.file_type,
                unit.label if unit else None,
                row.file_size_bytes or 0,
                settings.get("sha256"),
                arcname,
            )
        )
    for unit in units or []:
        if unit not in found:
            raise BadInput(f"--units {unit.label}: session {session.session_id} has no {'/'.join(kinds)} output of it")
    if not chosen:
        raise BadInput(f"session {session.session_id} has no registered {'/'.join(kinds)} output to pack")
    return chosen


def check_chosen(chosen: list[Chosen]) -> None:
    """Every chosen output there, with its registered size and SHA-256 (the packed bytes are hashed
    again as they go in; this refuses before anything is written). OutputChanged names the first that is not."""
    buffer = bytearray(1 << 20)
    for item in chosen:
        state, detail, _ = check_file(item.path, item.size, item.sha256, buffer)
        if state != OK:
            raise OutputChanged(
                f"{terminal_safe(item.path)}: {state} ({detail}): no pack made; vat verify --repair makes it again"
            )

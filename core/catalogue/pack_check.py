"""Fixity of delivery packs, for `vat verify` and the project's detail in History.

A pack inside its project folder belongs to the archive: verify checks it against its registered
size and SHA-256 (and, deep, reads it back: every member's CRC and SHA-256 against its manifest),
and one missing is a failure until `vat pack PROJECT --forget PACK` unregisters it. A pack written
with -o outside the project folder is a delivery that may leave: checked like the others while it
is still where it was written, and, gone, only reported as delivered elsewhere (not a failure).

A pack found intact gets its verified_at; one that is not keeps its last (the packs table has no
state column: the verdict is reported, as an output's, but not stored)."""

from __future__ import annotations

import os
from pathlib import Path

from core.catalogue.pack_select import stored_path
from core.pipeline.fixity import CHUNK, CORRUPT, MISSING, OK, UNREADABLE, FileCheck, check_file
from db.fields import utc_now
from db.models import Pack, ProcessingState

NOT_REPAIRABLE = (
    "a delivery pack: vat pack makes a new one from the outputs; vat pack PROJECT --forget PACK forgets one sent away"
)
# the cheap states of the project's detail (its size only: the SHA-256 is vat verify's)
CHANGED, DELIVERED = "changed", "delivered elsewhere"


def pack_paths(session_id: str) -> set[str]:
    return {str(stored_path(row.pack_path)) for row in Pack.select(Pack.pack_path).where(Pack.session == session_id)}


def ordered(session_id: str) -> list[Pack]:
    """A project's packs as `vat pack --list` numbers them (1 = the oldest)."""
    return list(Pack.select().where(Pack.session == session_id).order_by(Pack.created_at, Pack.id))


def inside(path: Path, project: Path) -> bool:
    """Whether a pack lies in its project folder (both as they are on this machine)."""
    return path.resolve().is_relative_to(project.resolve())


def project_of(session_id: str) -> Path:
    return stored_path(ProcessingState.get(ProcessingState.session_id == session_id).output_path)


def check_packs(session_id: str, deep: bool = False) -> tuple[list[FileCheck], list[str]]:
    """(the packs checked, the paths of those delivered elsewhere: outside the project folder and gone)."""
    from core.catalogue.pack import PackDamaged, read_back

    checks, delivered, intact = [], [], []
    buffer = bytearray(CHUNK)
    project = project_of(session_id)
    for number, row in enumerate(ordered(session_id), start=1):
        path = stored_path(row.pack_path)
        state, detail, _ = check_file(path, row.size_bytes, row.sha256, buffer)
        if state == MISSING and not inside(path, project):
            delivered.append(str(path))
            continue
        if state == MISSING:
            detail += f"; if it was sent away: vat pack {session_id} --forget {number}"
        if state == OK and deep:
            try:
                read_back(Path(path))
            except PackDamaged as exc:
                state, detail = CORRUPT, str(exc).split(": ", 1)[-1]
        checks.append(FileCheck(str(path), state, detail))
        if state == OK:
            intact.append(row.id)
    if intact:
        Pack.update(verified_at=utc_now()).where(Pack.id.in_(intact)).execute()
    return checks, delivered


def pack_states(session_id: str, project: Path) -> list[tuple[Pack, str]]:
    """Each pack (as --list numbers them) with its state, cheaply: there with its registered size
    (ok), missing, changed (another size), unreadable, or delivered elsewhere (outside the project
    folder and gone). `project`: the project folder as stored."""
    folder = stored_path(str(project))
    states = []
    for row in ordered(session_id):
        path = stored_path(row.pack_path)
        try:
            size = os.stat(path).st_size
        except (FileNotFoundError, NotADirectoryError):
            states.append((row, MISSING if inside(path, folder) else DELIVERED))
            continue
        except OSError:
            states.append((row, UNREADABLE))
            continue
        states.append((row, OK if size == row.size_bytes else CHANGED))
    return states

"""Fixity of delivery packs, for `vat verify`: each registered ZIP there, with its registered size
and SHA-256 (and, deep, read back: every member's CRC and SHA-256 against its manifest). A pack found
intact gets its verified_at; one that is not keeps its last (the packs table has no state column:
the verdict is reported, as an output's, but not stored)."""

from __future__ import annotations

from pathlib import Path

from core.catalogue.pack_select import stored_path
from core.pipeline.fixity import CHUNK, CORRUPT, OK, FileCheck, check_file
from db.fields import utc_now
from db.models import Pack

NOT_REPAIRABLE = "a delivery pack: vat pack makes a new one from the outputs"


def pack_paths(session_id: str) -> set[str]:
    return {str(stored_path(row.pack_path)) for row in Pack.select(Pack.pack_path).where(Pack.session == session_id)}


def check_packs(session_id: str, deep: bool = False) -> list[FileCheck]:
    from core.catalogue.pack import PackDamaged, read_back

    checks, intact = [], []
    buffer = bytearray(CHUNK)
    for row in Pack.select().where(Pack.session == session_id).order_by(Pack.id):
        path = stored_path(row.pack_path)
        state, detail, _ = check_file(path, row.size_bytes, row.sha256, buffer)
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
    return checks

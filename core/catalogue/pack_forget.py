"""`vat pack PROJECT --forget PACK`: unregister one of a project's packs (one sent away, deleted, or
delivered), so that `vat verify` no longer looks for it. The file itself is left alone."""

from __future__ import annotations

from pathlib import Path

from core.catalogue.pack_check import ordered
from core.catalogue.pack_select import stored_path
from core.errors import BadInput
from core.text import terminal_safe
from db.models import Pack


def pack_named(session_id: str, text: str) -> tuple[int, Pack]:
    """(its number, the pack) named by its number in `vat pack --list` (1 = the oldest), its path, or
    its file name (refused when two packs share it)."""
    rows = ordered(session_id)
    if not rows:
        raise BadInput(f"session {session_id} has no packs")
    if text.isdigit():
        number = int(text)
        if not 1 <= number <= len(rows):
            raise BadInput(f"--forget {text}: session {session_id} has {len(rows)} pack(s) (see: vat pack --list)")
        return number, rows[number - 1]
    numbered = list(enumerate(rows, start=1))
    if "/" in text or text.startswith("~"):
        wanted = stored_path(str(Path(text).expanduser().absolute()))
        found = [(n, row) for n, row in numbered if stored_path(row.pack_path) == wanted]
    else:
        found = [(n, row) for n, row in numbered if Path(row.pack_path).name == text]
    if len(found) > 1:
        raise BadInput(f"--forget {terminal_safe(text)}: {len(found)} packs have this name; give its path or number")
    if not found:
        raise BadInput(
            f"--forget {terminal_safe(text)}: no pack of session {session_id} by this number, path or name "
            "(see: vat pack --list)"
        )
    return found[0]


def forget_pack(row: Pack) -> None:
    Pack.delete().where(Pack.id == row.id).execute()

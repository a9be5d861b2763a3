"""Is this master archived already? Another session of the same master (same SHA-256) that made
outputs and was not replaced (`vat run --replace`) by a later one (seed 003's hash dedupe)."""

from __future__ import annotations

from core.catalogue.roots import resolve
from db.models import FileRegistry, ProcessingState


def archived_as(digest: str, exclude: str | None = None) -> list[ProcessingState]:
    """The sessions that archived a master with this hash, oldest first."""
    rows = ProcessingState.select().where(ProcessingState.master_sha256 == digest).order_by(ProcessingState.id)
    found = []
    for row in rows:
        if row.session_id == exclude or (row.process_metadata or {}).get("replaced_by"):
            continue
        if FileRegistry.select().where(FileRegistry.session == row.session_id).exists():
            found.append(row)
    return found


def describe(row: ProcessingState) -> str:
    """The earlier project in one phrase: artwork, date, output folder (where it is on this machine now,
    through the storage roots), session id (and how far it got)."""
    return (
        f"{row.artwork_name} ({row.project_date}) in {resolve(row.output_path)}, "
        f"session {row.session_id} ({row.status})"
    )


def describe_latest(rows: list[ProcessingState]) -> str:
    """The latest of the earlier projects (archived_as, oldest first), and how many came before it: one
    line, however often the master was archived."""
    earlier = len(rows) - 1
    return describe(rows[-1]) + (f" (and {earlier} earlier)" if earlier else "")

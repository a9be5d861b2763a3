"""Which unfinished sessions use a preset: resuming one reloads its preset by id, so deleting that
preset breaks the resume and changing it changes the outputs still to be made."""

from __future__ import annotations

from db.models import ACTIVE_STATUSES, ProcessingState


def unfinished_sessions_using(preset_id: str) -> list[str]:
    """Artwork names of the initialized, processing or paused sessions made with `preset_id`."""
    query = (
        ProcessingState.select(ProcessingState.artwork_name)
        .where((ProcessingState.preset_id == preset_id) & ProcessingState.status.in_(ACTIVE_STATUSES))
        .order_by(ProcessingState.artwork_name)
    )
    return [row.artwork_name for row in query]

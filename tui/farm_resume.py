"""The TUI's resume (r) of a session that was sent to the render farm: resumed with the farm, never by
the local pool, which would race the tasks still waiting in the broker (making their outputs twice, or
removing a node's temporaries). The broker: VAT_BROKER, else the one the session was sent with (the
coordinator records it only when it has no password: process_metadata["farm"]["broker"]). With neither,
refused in one line naming the command that resumes it. No Textual here: the screen notifies."""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.farm.config import BROKER_ENV
from db.models import ProcessingState


@dataclass(frozen=True)
class FarmResume:
    broker: str | None  # where the resume sends the operations; None: refused (notice says why)
    notice: str


def farm_resume(session_id: str) -> FarmResume | None:
    """None for a session never sent to the farm (the local resume, as ever)."""
    row = ProcessingState.get_or_none(ProcessingState.session_id == session_id)
    farm = ((row.process_metadata if row else None) or {}).get("farm")
    if not farm:
        return None
    broker = os.environ.get(BROKER_ENV) or farm.get("broker")
    if not broker:
        return FarmResume(
            None, f"Sent to the render farm: resume it with vat --resume --farm {session_id} (or set {BROKER_ENV})."
        )
    return FarmResume(broker, "Resuming on the render farm in the background.")

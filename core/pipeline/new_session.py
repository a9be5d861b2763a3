"""Recording a new session as `vat run` records one (and `vat watch` does through this): inside its
project folder's lock, once the folder is known to be free, in one transaction with whatever goes with
it (its scenes from a file, its queue entry), so that a kill at any moment leaves either nothing or a
whole session that `vat --resume` (or the queue) finds."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from core.pipeline import project_folder
from core.pipeline import session as sessions
from core.pipeline.lock import SessionLock
from core.scenes import Detection
from db.connection import write_transaction
from db.models import ProcessingState


def create_claimed(
    checked: sessions.Checked,
    session_id: str,
    *,
    replace: bool = False,
    scene_file: tuple[Detection, Path] | None = None,
    hold: contextlib.ExitStack | None = None,
    record: Callable[[ProcessingState], object] | None = None,
) -> ProcessingState:
    """Create the session in its project folder (BadInput, exit 2, for a folder another session holds,
    unless `replace`). `scene_file`: its scenes stored with it (a listed session is never without
    them); `record`: more rows written in the same transaction (the queue entry of a watched master);
    `hold`: the session's lock taken into it before the folder's is let go (no moment without either)."""
    with project_folder.claim(sessions.project_root(checked), session_id, replace=replace):
        with write_transaction():
            session = sessions.create_session(checked, session_id)
            if scene_file is not None:
                sessions.store_scene_file(session, *scene_file)
            if record is not None:
                record(session)
        if hold is not None:
            hold.enter_context(SessionLock(session_id))
    return session

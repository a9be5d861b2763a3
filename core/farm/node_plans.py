"""The session plans a render node keeps between tasks: every task of a session needs the same plan,
and rebuilding it (the master's probe and packet times, the preset, the R&D folder's scan) took a
still's task longer than its still (0.2-0.5 s on a node against 0.03-0.3 s in the local pool).

A plan is kept for the session's row as it is (every field that shapes a plan: not the progress the
coordinator writes), its master as this node sees it (path, device, inode, size, time) and its R&D
folder's listing time: an updated selection, new scene titles, another preset or another master give
a new plan. What a plan reads of the registry (a master copy kept without chapters) is read again
for each task.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from core.catalogue.roots import resolve
from core.media.probe import MediaInfo, probe
from core.pipeline.chapterless_copy import keep_chapterless_copy
from core.pipeline.plan import Operation
from core.pipeline.session import plan_for
from db.models import ProcessingState

KEPT = 16  # sessions' plans kept by a node (a farm works on a few sessions at once)

# what the coordinator and the runners write while a session is made: no part of its plan
PROGRESS_FIELDS = frozenset(
    {
        "total_operations",
        "completed_operations",
        "current_operation",
        "operation_details",
        "status",
        "error_message",
        "updated_at",
        "completed_at",
    }
)

_plans: dict[tuple, list[Operation]] = {}
_probes: dict[tuple, MediaInfo] = {}
_guard = threading.Lock()


def plan_of(session: ProcessingState, master: Path) -> list[Operation]:
    """The session's plan as plan_for builds it, kept while nothing that shapes it changed."""
    media_key = _file_key(master)
    key = (session.session_id, _row_key(session), media_key, _rd_key(session))
    with _guard:
        kept = _plans.get(key)
    if kept is None:
        kept, _, _ = plan_for(session, media=_probed(master, media_key))
        with _guard:
            if len(_plans) >= KEPT:
                _plans.clear()
            # plan_for may store a default it lacked (copyright, plan settings) in the row: the next
            # task's key has it, so the plan is kept under that one too
            _plans[key] = kept
            _plans[(session.session_id, _row_key(session), media_key, _rd_key(session))] = kept
    return keep_chapterless_copy(session.session_id, kept)


def _row_key(session: ProcessingState) -> str:
    data = {name: getattr(session, name) for name in session._meta.fields if name not in PROGRESS_FIELDS}
    return json.dumps(data, sort_keys=True, default=str)


def _file_key(path: Path) -> tuple:
    st = os.stat(path)
    return (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _rd_key(session: ProcessingState) -> tuple | None:
    if not session.rd_folder_path:
        return None
    folder = resolve(session.rd_folder_path)
    try:
        return _file_key(folder)
    except OSError:
        return (str(folder),)


def _probed(master: Path, key: tuple) -> MediaInfo:
    with _guard:
        found = _probes.get(key)
    if found is None:
        found = probe(master, require_video=True)
        with _guard:
            if len(_probes) >= KEPT:
                _probes.clear()
            _probes[key] = found
    return found


def forget() -> None:
    """Every kept plan and probe dropped (tests; a node has no other use for it)."""
    with _guard:
        _plans.clear()
        _probes.clear()

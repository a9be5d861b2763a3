"""`vat verify --repair`: outputs found missing or damaged are made again by the session's own run
(session.process: the same plan, runner, verification and registry as processing), from the master,
or from the project's master copy when the master is gone or no longer the one archived."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.events import RunEvent
from core.pipeline.fixity import OK, Checked, sha256_file
from core.pipeline.runner import RunSummary
from db.models import COMPLETED, FAILED, FileRegistry, ProcessingState

REPAIRABLE_STATUSES = (COMPLETED, FAILED)  # the others are resumed, which makes the same files


@dataclass
class Source:
    path: Path | None  # what the outputs are made from; None: nothing usable is left
    what: str  # "the master", "the master copy", or why neither will do


def master_holds(session: ProcessingState, master: Path) -> bool:
    """The master is there and, where its hash was recorded, still the file that was archived."""
    if not master.is_file():
        return False
    recorded = getattr(session, "master_sha256", None)
    if not recorded:
        return True
    try:
        return sha256_file(master) == recorded
    except OSError:
        return False


def repair_source(session: ProcessingState, checked: Checked) -> Source:
    master = Path(session.master_path)
    if master_holds(session, master):
        return Source(master, "the master")
    copy = FileRegistry.get_or_none((FileRegistry.session == session.session_id) & (FileRegistry.file_type == "master"))
    states = {f.path: f.state for f in checked.files}
    if copy is not None and states.get(copy.file_path) == OK:
        return Source(Path(copy.file_path), "the master copy")
    gone = "is gone" if not master.exists() else "is not the archived one"
    if copy is None:
        return Source(None, f"the master {gone} and no master copy is registered ({master})")
    return Source(None, f"the master {gone} and its copy is damaged ({master}, {copy.file_path})")


def repair(
    session: ProcessingState,
    source: Source,
    paths: list[str],
    *,
    cancel: threading.Event,
    workers: int | None = None,
    on_event: Callable[[RunEvent], None] | None = None,
) -> RunSummary:
    """Make the outputs at `paths` (those the last check found bad) again, and only those: intact ones
    are kept even where the plan's parameters moved on since (a setting changed, or the plan is built
    from the master copy, whose frame times a remux may have rounded). The caller checks again."""
    from core.pipeline.session import process

    assert source.path is not None
    master = Path(session.master_path)
    return process(
        session,
        workers=workers,
        cancel=cancel,
        on_event=on_event,
        source=None if source.path == master else source.path,
        only=set(paths),
    )

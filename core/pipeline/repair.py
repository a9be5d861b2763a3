"""`vat verify --repair`: outputs found missing or damaged are made again by the session's own run
(session.process: the same plan, runner, verification and registry as processing), from the master,
or from the project's master copy when the master is gone or not known to be the one archived.

Not repaired, and named: a file that is there but cannot be read (never overwritten: it may be
whole), and an R&D output whose input is gone (years later an R&D folder often is)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.roots import resolve
from core.errors import VatError
from core.events import RunEvent
from core.pipeline.fixity import OK, UNREADABLE, Checked, FileCheck, sha256_file
from core.pipeline.runner import RunSummary
from db.models import COMPLETED, FAILED, FileRegistry, ProcessingState

REPAIRABLE_STATUSES = (COMPLETED, FAILED)  # the others are resumed, which makes the same files


@dataclass
class Source:
    path: Path | None  # what the outputs are made from; None: nothing usable is left
    what: str  # "the master", "the master copy", or why neither will do


UNREADABLE_REASON = "unreadable: check its permissions"
# what a master's probe must match of what was recorded when it was archived (process_metadata["media"])
PROBED = ("width", "height", "video_codec", "frame_count", "duration", "fps")


def master_difference(session: ProcessingState, master: Path) -> str | None:
    """Why the file at the master's path is not known to be the master that was archived; None when it
    is. With its SHA-256 recorded, the hash decides. A session from before hashes were recorded has its
    master's probe (and size) instead: all must match, and with nothing recorded nothing is trusted."""
    if not master.is_file():
        return "is gone"
    recorded = session.master_sha256
    if recorded:
        try:
            return None if sha256_file(master) == recorded else "is not the archived one (another SHA-256)"
        except OSError as exc:
            return f"cannot be read ({exc.strerror})"
    meta = session.process_metadata or {}
    media, size = meta.get("media") or {}, meta.get("master_size")
    if not any(media.get(key) is not None for key in PROBED) and not size:
        return "is not known to be the archived one (no SHA-256 or probe recorded)"
    if size and (now_size := master.stat().st_size) != size:
        return f"is not the archived one ({now_size:,} bytes, recorded {size:,})"
    from core.media.probe import probe

    try:
        now = probe(master, require_video=True)
    except VatError as exc:
        return f"is not the archived one ({exc})"
    for key in PROBED:
        was, found = media.get(key), getattr(now, key, None)
        if was is not None and not _same(found, was):
            return f"is not the archived one ({key} {found}, recorded {was})"
    return None


def _same(found: object, was: object) -> bool:
    """Equal; for times and rates, to the rounding a JSON round trip or a probe may bring."""
    if isinstance(was, float) and isinstance(found, int | float):
        return abs(found - was) <= 1e-3 * max(1.0, abs(was))
    return found == was


def master_holds(session: ProcessingState, master: Path) -> bool:
    """The master is there and still the file that was archived (master_difference)."""
    return master_difference(session, master) is None


def repair_source(session: ProcessingState, checked: Checked) -> Source:
    master = resolve(session.master_path)  # paths as they are on this machine (storage roots), as checked
    difference = master_difference(session, master)
    if difference is None:
        return Source(master, "the master")
    copy = FileRegistry.get_or_none((FileRegistry.session == session.session_id) & (FileRegistry.file_type == "master"))
    states = {f.path: f.state for f in checked.files}
    copy_path = resolve(copy.file_path) if copy is not None else None
    if copy_path is not None and states.get(str(copy_path)) == OK:
        return Source(copy_path, "the master copy")
    if copy is None:
        return Source(None, f"the master {difference} and no master copy is registered ({master})")
    return Source(None, f"the master {difference} and its copy is damaged ({master}, {copy_path})")


def not_repairable(session: ProcessingState, problems: list[FileCheck]) -> dict[str, str]:
    """path -> why, for the problems no run can mend: a file that cannot be read (it may be whole, and
    is never overwritten), and an R&D output whose input is gone."""
    why = {p.path: UNREADABLE_REASON for p in problems if p.state == UNREADABLE}
    wanted = {p.path for p in problems if p.path not in why}  # as checked: resolved (storage roots)
    rows = FileRegistry.select(FileRegistry.file_path, FileRegistry.source_file).where(
        (FileRegistry.session == session.session_id) & FileRegistry.file_type.in_(("rd_image", "rd_video"))
    )
    for row in rows:
        path = str(resolve(row.file_path))
        source = resolve(row.source_file) if row.source_file else None
        if path in wanted and source is not None and not source.is_file():
            why[path] = f"its R&D input is gone ({source})"
    return why


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
    master = resolve(session.master_path)
    return process(
        session,
        workers=workers,
        cancel=cancel,
        on_event=on_event,
        source=None if source.path == master else source.path,
        only=set(paths),
    )

"""The end of a batch or of a runner's work: what was done, what failed (and why), what was skipped,
what waits; and the exit code that says it (0 all done or skipped, 1 some failed, 130 interrupted)."""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue.roots import resolve
from core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from db.models import QUEUE_DONE, QUEUE_FAILED, QUEUE_HELD, QUEUE_RUNNING, QUEUE_TO_PICK, QUEUE_WAITING, QueueEntry
from tui.cli.run_view import RunView


@dataclass(frozen=True)
class Skipped:
    master: str
    reason: str
    path: str | None = None
    failed: bool = False  # refused when its session was to be made (its folder taken meanwhile)


def hint(entry: QueueEntry) -> str:
    """The command that moves a pending entry on (each one tried by tests/test_batch_summary.py)."""
    if entry.state == QUEUE_HELD:
        return f"vat queue release {entry.session_id}"
    if entry.state == QUEUE_TO_PICK:
        return f"vat --resume {entry.session_id} --scenes SPEC, or its picker in the TUI"
    return "vat --resume continues it"


def summarise(view: RunView, entries: list[QueueEntry], skipped: list[Skipped], interrupted: bool) -> int:
    """Printed last: the progress bars are stopped first (none is drawn after it)."""
    view.end_progress()
    by_state: dict[str, list[QueueEntry]] = {}
    for entry in entries:
        by_state.setdefault(entry.state, []).append(entry)
    done, failed = by_state.get(QUEUE_DONE, []), by_state.get(QUEUE_FAILED, [])
    refused = [item for item in skipped if item.failed]
    skipped = [item for item in skipped if not item.failed]
    to_pick = by_state.get(QUEUE_TO_PICK, [])
    waiting = [e for e in entries if e.state in (QUEUE_WAITING, QUEUE_RUNNING)]
    held = by_state.get(QUEUE_HELD, [])
    if view.json_lines:
        view.emit(
            "summary",
            done=[e.session_id for e in done],
            failed=[{"session": e.session_id, "reason": e.reason} for e in failed]
            + [{"master": item.master, "reason": item.reason} for item in refused],
            skipped=[{"master": s.master, "reason": s.reason, "path": s.path} for s in skipped],
            to_pick=[e.session_id for e in to_pick],
            waiting=[e.session_id for e in waiting],
            held=[e.session_id for e in held],
            hints={e.session_id: hint(e) for e in [*to_pick, *waiting, *held]},
            interrupted=interrupted,
        )
    else:
        counts = [f"{len(done)} done", f"{len(failed) + len(refused)} failed", f"{len(skipped)} skipped"]
        counts += [f"{len(to_pick)} to pick"] if to_pick else []
        counts += [f"{len(waiting)} waiting"] if waiting else []
        counts += [f"{len(held)} held"] if held else []
        view.result("summary: " + ", ".join(counts))
        for entry in done:
            view.result(f"  done     {entry.session_id}  {resolve(entry.session.output_path)}")  # where it is now
        for entry in failed:
            view.result(f"  failed   {entry.session_id}: {entry.reason or 'failed'}")
        for item in refused:
            view.result(f"  failed   {item.master}: {item.reason}")
        for item in skipped:
            view.result(f"  skipped  {item.master}: {item.reason}")
        for entry in to_pick:
            view.result(f"  to pick  {entry.session_id}: {hint(entry)}")
        for entry in waiting:
            view.result(f"  waiting  {entry.session_id}: {hint(entry)}")
        for entry in held:
            view.result(f"  held     {entry.session_id}: {hint(entry)}")
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed or refused else EXIT_OK

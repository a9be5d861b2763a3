"""`vat verify [SESSION|PATH ...] [--all] [--deep] [--repair] [--json]`: re-check archived outputs
(core/pipeline/fixity.py) and delivery packs (core/catalogue/pack_check.py: those in the project
folder; one written outside it only while it is still there, else it is reported as delivered
elsewhere), and with --repair make the bad outputs again (core/pipeline/repair.py; a pack is not
made again: vat pack makes a new one).

Exit 0 when every output checked holds (also after a repair that made them whole), 1 when any is
missing, modified, corrupt or unreadable, could not be repaired, or an operation of the repair failed,
2 for a session or folder that is not known."""

from __future__ import annotations

import argparse
import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from core.catalogue.roots import resolve
from core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput
from core.pipeline import fixity
from core.pipeline.fixity import CHECKSUMS_NAME, Checked, FileCheck
from core.text import terminal_safe
from db.models import FileRegistry, ProcessingState
from tui.cli.common import open_db, print_json


@dataclass
class Target:
    root: Path
    session: ProcessingState | None = None  # None: a folder checked from its checksums.sha256


@dataclass
class Outcome:
    target: Target
    checked: Checked | None = None  # the last check (after a repair, the check that followed it)
    busy: str = ""  # why it was not checked (a process is working on it)
    found: list[FileCheck] = field(default_factory=list)  # --repair: the problems found before repairing
    repaired: list[str] = field(default_factory=list)
    unrepaired: dict[str, str] = field(default_factory=dict)  # path -> why it was not repaired
    repair_failed: dict[str, str] = field(default_factory=dict)  # operation -> its error, from the repair's run
    interrupted: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.checked and self.checked.problems) or bool(self.repair_failed)


# --- what to check -----------------------------------------------------------------------------
def _owner(row: ProcessingState) -> bool:
    return not (row.process_metadata or {}).get("replaced_by")


def every_project() -> list[Target]:
    with_files = FileRegistry.select(FileRegistry.session).distinct()
    rows = ProcessingState.select().where(ProcessingState.session_id.in_(with_files)).order_by(ProcessingState.id)
    return [Target(resolve(r.output_path), r) for r in rows if _owner(r)]


def session_of_folder(folder: Path) -> ProcessingState | None:
    """The newest session of this database that owns the folder (paths compared where they are on this
    machine: through the storage roots, then the file system's links)."""
    resolved = folder.resolve()
    rows = ProcessingState.select().order_by(ProcessingState.updated_at.desc(), ProcessingState.id.desc())
    return next((r for r in rows if _owner(r) and resolve(r.output_path).resolve() == resolved), None)


def target_of(name: str) -> Target:
    from db.queries import get_session

    row = get_session(name)
    if row is not None:
        return Target(resolve(row.output_path), row)
    folder = resolve(Path(name).expanduser().absolute())  # a folder named as it was before the archive moved too
    if not folder.is_dir():
        raise BadInput(f"{name}: no such session (see: vat sessions) and no such project folder")
    row = session_of_folder(folder)
    if row is not None:
        return Target(resolve(row.output_path), row)
    if not (folder / CHECKSUMS_NAME).is_file():
        raise BadInput(f"{folder}: no session of this database made this folder, and it holds no {CHECKSUMS_NAME}")
    return Target(folder.absolute())


def targets(args: argparse.Namespace) -> list[Target]:
    if args.all and args.sessions:
        raise BadInput("give sessions or --all, not both")
    if not args.sessions:
        return every_project()
    found = [target_of(name) for name in args.sessions]  # every name checked before anything is read
    for target in found:
        if target.session is None:
            try:
                fixity.read_checksums(target.root)
            except (fixity.ChecksumsError, OSError, UnicodeDecodeError) as exc:
                if isinstance(exc, fixity.ChecksumsError):
                    raise BadInput(str(exc)) from None
                raise BadInput(f"{target.root / CHECKSUMS_NAME}: cannot be read ({exc})") from None
    return found


# --- checking and repairing --------------------------------------------------------------------
def busy_with(target: Target) -> str:
    """Why the target is not checked now: a live process holds its session's lock or its folder's."""
    from core.pipeline.lock import CatalogueLock, ProjectLock, SessionLock

    held: list[CatalogueLock] = [ProjectLock(target.root, "")]
    if target.session is not None:
        held.insert(0, SessionLock(target.session.session_id))
    for lock in held:
        if lock.is_held_elsewhere():
            return f"being processed by process {lock.holder_process() or '?'} now"
    return ""


def check(target: Target, deep: bool) -> Checked:
    """The target's outputs, and its delivery packs (core/catalogue/pack_check.py) after them."""
    if target.session is None:
        return fixity.check_folder(target.root, deep)
    from core.catalogue.pack_check import check_packs

    checked = fixity.check_session(target.session.session_id, target.root, deep)
    packs, checked.delivered = check_packs(target.session.session_id, deep)
    checked.files += packs
    return checked


def verify_one(target: Target, args: argparse.Namespace, cancel: threading.Event) -> Outcome:
    from core.pipeline.lock import SessionLock

    outcome = Outcome(target)
    outcome.busy = busy_with(target)
    if outcome.busy:
        return outcome
    if target.session is None:
        outcome.checked = check(target, args.deep)
        if args.repair:
            outcome.found = outcome.checked.problems
            outcome.unrepaired = {f.path: "the database does not know this folder" for f in outcome.found}
        return outcome
    # the session's lock, as processing holds it: a run that starts meanwhile would replace files
    # under the check (and re-register them under its records)
    lock = SessionLock(target.session.session_id)
    try:
        lock.acquire()
    except BadInput:  # taken between the look and the lock
        outcome.busy = "being processed now"
        return outcome
    try:
        if args.repair:
            repair_one(outcome, args, cancel)
        else:
            outcome.checked = check(target, args.deep)
    finally:
        lock.release()
    return outcome


def repair_one(outcome: Outcome, args: argparse.Namespace, cancel: threading.Event) -> None:
    from core.pipeline.repair import REPAIRABLE_STATUSES, not_repairable, repair, repair_source
    from db.queries import get_session

    target = outcome.target
    assert target.session is not None
    session = get_session(target.session.session_id) or target.session
    outcome.checked = check(target, args.deep)
    outcome.found = outcome.checked.problems
    if not outcome.found:
        return
    if session.status not in REPAIRABLE_STATUSES:
        why = f"the session is {session.status}: vat resume {session.session_id} makes them"
        outcome.unrepaired = {f.path: why for f in outcome.found}
        return
    outcome.unrepaired = not_repairable(session, outcome.found)
    from core.catalogue.pack_check import NOT_REPAIRABLE, pack_paths

    packs = pack_paths(session.session_id)
    outcome.unrepaired.update({f.path: NOT_REPAIRABLE for f in outcome.found if f.path in packs})
    wanted = [f for f in outcome.found if f.path not in outcome.unrepaired]
    if not wanted:
        return
    source = repair_source(session, outcome.checked)
    if source.path is None:
        outcome.unrepaired.update({f.path: source.what for f in wanted})
        return
    if not args.json:
        print(
            terminal_safe(
                f"repairing {len(wanted)} file(s) of session {session.session_id} from {source.what}: {source.path}"
            ),
            flush=True,
        )
    summary = repair(session, source, [f.path for f in wanted], cancel=cancel)
    outcome.interrupted = summary.status == "paused"
    outcome.repair_failed = dict(summary.failed)
    outcome.checked = check(target, args.deep)  # the repair's own outputs, checked like the rest
    after = {f.path: f for f in outcome.checked.files}
    keys = operation_keys(session.session_id)
    for problem in wanted:
        now = after.get(problem.path)
        if now is not None and now.state == fixity.OK:
            outcome.repaired.append(problem.path)
        else:
            failed = summary.failed.get(keys.get(problem.path, ""), "")
            outcome.unrepaired[problem.path] = (f"still {now.state}" if now else "no longer registered") + (
                f"; the repair failed: {failed}" if failed else ""
            )


def operation_keys(session_id: str) -> dict[str, str]:
    """path (on this machine) -> the key of the operation that made it (what a run's failures are named by)."""
    rows = FileRegistry.select(FileRegistry.file_path, FileRegistry.compression_settings).where(
        FileRegistry.session == session_id
    )
    return {str(resolve(r.file_path)): (r.compression_settings or {}).get("key", "") for r in rows}


# --- telling ----------------------------------------------------------------------------------
DELIVERED_NOTE = "delivered elsewhere (a pack written outside the project folder, no longer there: not a failure)"


def title(target: Target) -> str:
    if target.session is None:
        return f"folder {target.root} (from its {CHECKSUMS_NAME})"
    return f"session {target.session.session_id} ({target.session.artwork_name})"


def print_outcome(outcome: Outcome) -> None:
    name = title(outcome.target)
    if outcome.busy:
        print(terminal_safe(f"{name}: {outcome.busy}: not verified"))
        return
    assert outcome.checked is not None
    print(terminal_safe(f"{name}: {len(outcome.checked.files)} file(s)"))
    for path in outcome.checked.delivered:
        print(terminal_safe(f"{path}: {DELIVERED_NOTE}"))
    if not outcome.found:  # no repair asked, or nothing to repair
        for problem in outcome.checked.problems:
            print(terminal_safe(problem.line))
        return
    for problem in outcome.found:
        if problem.path in outcome.repaired:
            print(terminal_safe(f"{problem.line}: repaired"))
        else:
            print(terminal_safe(f"{problem.line}: not repaired: {outcome.unrepaired.get(problem.path, '')}"))
    for key, error in outcome.repair_failed.items():  # also those of no file found bad (the manifest)
        print(terminal_safe(f"repair of {key} failed: {error}"))


def summary(outcomes: list[Outcome]) -> dict:
    counts = {state: 0 for state in fixity.STATES}
    for outcome in outcomes:
        for f in outcome.checked.files if outcome.checked else []:
            counts[f.state] += 1
    return {
        "projects": len(outcomes),
        "files": sum(counts.values()),
        **counts,
        "repaired": sum(len(o.repaired) for o in outcomes),
        "not_repaired": sum(len(o.unrepaired) for o in outcomes),
        "repair_failures": sum(len(o.repair_failed) for o in outcomes),
        "not_verified": sum(bool(o.busy) for o in outcomes),
        "delivered_elsewhere": sum(len(o.checked.delivered) for o in outcomes if o.checked),
    }


def summary_line(total: dict) -> str:
    line = (
        f"verified {total['files']} file(s) of {total['projects'] - total['not_verified']} project(s): "
        f"{total['ok']} ok, {total['missing']} missing, {total['modified']} modified, {total['corrupt']} corrupt"
    )
    if total["unreadable"]:
        line += f", {total['unreadable']} unreadable"
    if total["repaired"] or total["not_repaired"]:
        line += f"; {total['repaired']} repaired, {total['not_repaired']} not repaired"
    if total["repair_failures"]:
        line += f"; {total['repair_failures']} operation(s) of the repair failed"
    if total["not_verified"]:
        line += f"; {total['not_verified']} project(s) busy, not verified"
    if total["delivered_elsewhere"]:
        line += f"; {total['delivered_elsewhere']} pack(s) delivered elsewhere"
    return line


def document(outcomes: list[Outcome], total: dict, code: int) -> dict:
    projects = []
    for o in outcomes:
        found = {f.path: f for f in o.found}
        files = []
        for f in o.checked.files if o.checked else []:
            entry: dict = {"path": f.path, "state": f.state, "detail": f.detail or None}
            if f.path in found:
                entry["found"] = found[f.path].state
                entry["found_detail"] = found[f.path].detail or None
                entry["repaired"] = f.path in o.repaired
                if f.path in o.unrepaired:
                    entry["not_repaired"] = o.unrepaired[f.path]
            files.append(entry)
        projects.append(
            {
                "session_id": o.target.session.session_id if o.target.session else None,
                "artwork": o.target.session.artwork_name if o.target.session else None,
                "output_path": str(o.target.root),
                "verified": not o.busy,
                "busy": o.busy or None,
                "files": files,
                "delivered_elsewhere": o.checked.delivered if o.checked else [],
                "repair_failed": o.repair_failed or None,
            }
        )
    return {"projects": projects, "summary": total, "exit_code": code}


def verify(args: argparse.Namespace) -> int:
    open_db()
    chosen = targets(args)
    cancel = threading.Event()
    outcomes: list[Outcome] = []
    with contextlib.ExitStack() as stack:
        if args.repair:  # a repair stops cleanly, as a run does; a plain check just ends (exit 130)
            from core.pipeline.lock import sweep_stale_locks
            from tui.cli.run import stop_on_signals

            sweep_stale_locks()
            stack.enter_context(stop_on_signals(cancel))
        for target in chosen:
            if cancel.is_set():
                break
            outcome = verify_one(target, args, cancel)
            outcomes.append(outcome)
            if not args.json:
                print_outcome(outcome)
    total = summary(outcomes)
    interrupted = cancel.is_set() or any(o.interrupted for o in outcomes)
    code = EXIT_INTERRUPTED if interrupted else EXIT_FAILED if any(o.failed for o in outcomes) else EXIT_OK
    if args.json:
        print_json(document(outcomes, total, code))
    else:
        print(summary_line(total))
    return code

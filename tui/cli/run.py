"""`vat run`: a whole session headless, stoppable by Ctrl-C, SIGTERM or SIGHUP."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from core.catalogue.roots import resolve
from core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput, Cancelled
from core.pipeline import archived
from core.pipeline import session as sessions
from core.pipeline.runner import RunSummary
from core.scenes import Detection
from db.models import ProcessingState
from tui.cli.common import open_db, workers
from tui.cli.run_view import RunView
from tui.cli.session_work import Fresh, farm_broker, work_on


@contextlib.contextmanager
def stop_on_signals(cancel: threading.Event, received: list[int] | None = None) -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP (the SSH connection dropping) ask the work to stop cleanly
    (`received`: the signals that came, for a command whose exit code tells them apart)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if received is not None:
            received.append(signum)
        cancel.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def finish(view: RunView, summary: RunSummary, session_id: str, root: str) -> int:
    code = _summarise(view, summary, session_id, root)
    from core import folder_link

    if summary.status != "paused" and folder_link.wanted():  # auto_open_output, as a link (works over SSH)
        view.folder_link("project folder: ", root)
    return code


def _summarise(view: RunView, summary: RunSummary, session_id: str, root: str) -> int:
    left = int(getattr(summary, "left", 0) or 0)  # a render farm's operations still under way (core/farm)
    if summary.status == "paused" and left:
        view.say(
            f"stopped following: the render farm goes on with {left} operation(s) (session paused). "
            "Follow it again with: vat --resume --farm {session}",
            session=session_id,
        )
        return EXIT_INTERRUPTED
    if summary.status == "paused":
        view.say(
            f"paused: {summary.done + summary.skipped}/{summary.total} done. Resume with: vat --resume {{session}}",
            session=session_id,
        )
        return EXIT_INTERRUPTED
    if summary.status == "failed":
        view.say(f"[red]{len(summary.failed)} operation(s) failed[/]: {{keys}}", keys=", ".join(summary.failed))
        view.result(f"archive (incomplete): {root}", path=root, status=summary.status)
        return EXIT_FAILED
    view.say(f"done: {summary.done} made, {summary.skipped} already there, in {summary.elapsed:.1f}s")
    view.result(f"archive: {root}", path=root, status=summary.status)
    return EXIT_OK


def hash_master(view: RunView, master: Path, cancel: threading.Event) -> str:
    from core.pipeline.master_hash import SLOW_BYTES, sha256_file

    size = master.stat().st_size
    if size >= SLOW_BYTES:
        view.say(f"hashing the master ({size / 1e9:.1f} GB) before anything is written")
    return sha256_file(master, on_progress=view.hashing, cancel=cancel)


def scene_list(args: argparse.Namespace, master: Path) -> Detection | None:
    """--scenes-from FILE: its scenes, checked against the master (BadInput, exit 2, when they do not fit)."""
    if not getattr(args, "scenes_from", None):
        return None
    from core.detection.scene_file import detection_from_file
    from tui.cli.common import refuse_steering

    refuse_steering(args)
    return detection_from_file(Path(args.scenes_from), master)


def run(args: argparse.Namespace) -> int:
    """One master, several, or a batch file's: each checked, hashed and recorded as a session in one
    batch of the machine's queue, then processed in turn (at once with --now)."""
    from core.pipeline import project_folder
    from core.pipeline.lock import sweep_stale_locks
    from core.pipeline.queue_runner import BatchLock
    from tui.cli.batch_input import rows_of
    from tui.cli.queue_summary import Skipped
    from tui.cli.run_create import check_distinct, create, parse_external_id, prepare

    farm = farm_broker(args)  # refused (SQLite, no broker) before anything is opened or written
    open_db()
    rows = rows_of(args)
    external_ids = [parse_external_id(text) for text in args.external_id or []]
    prepared = [prepare(args, row) for row in rows]  # every master checked before anything is written
    check_distinct(prepared)
    single = len(rows) == 1 and not args.batch
    sweep_stale_locks()
    cancel = threading.Event()
    with stop_on_signals(cancel), RunView(args.json) as view, contextlib.ExitStack() as held:
        if not (args.replace or args.skip_archived):  # a taken folder is refused before a long hash
            for item in prepared:
                with project_folder.claim(item.root, item.session_id):  # names a live writer too
                    pass
        batch_id = uuid.uuid4().hex[:12]
        if not args.now:  # this batch's entries are this process's to run, in their turn
            held.enter_context(BatchLock(batch_id))
        created: list[tuple[ProcessingState, Fresh]] = []
        skipped: list[Skipped] = []
        for item in prepared:
            checked = item.checked
            # hashed before anything is created: an archived master is warned of (or skipped) first
            try:
                checked.master_sha256 = hash_master(view, checked.master, cancel)
            except Cancelled:
                if single or not created:
                    view.say("stopped while hashing {master}: nothing was created", master=checked.master.name)
                    return EXIT_INTERRUPTED
                view.say("stopped while hashing {master}: nothing more was created", master=checked.master.name)
                break
            earlier = archived.archived_as(checked.master_sha256)
            if args.replace:  # the session this run takes the folder from is no earlier archive of it
                earlier = [row for row in earlier if resolve(row.output_path) != item.root]
            if earlier and args.skip_archived:
                reason = f"already archived: {archived.describe_latest(earlier)}"
                where = str(resolve(earlier[-1].output_path))  # where it is now (storage roots)
                skipped.append(Skipped(str(checked.master), reason, where))
                view.result(
                    f"skipped: {checked.master.name} is {reason}",
                    status="skipped",
                    path=where,
                    session=earlier[-1].session_id,
                )
                continue
            if earlier:  # one line, however often it was archived
                view.say(
                    "[yellow]warning[/]: this master is already archived: {earlier}",
                    earlier=archived.describe_latest(earlier),
                )
            try:
                session = create(item, args, external_ids, batch_id, "run" if single else "batch", held, farm)
            except BadInput as exc:
                if single:
                    raise
                view.say("[red]refused[/] {master}: {error}", master=checked.master.name, error=exc.message)
                skipped.append(Skipped(str(checked.master), exc.message, failed=True))
                continue
            created.append((session, item.fresh))
            view.say(
                "session {session}: {master} -> {out}",
                session=session.session_id,
                master=checked.master.name,
                out=session.output_path,
            )
        if single and not created:  # skipped: already archived
            return EXIT_OK
        outcomes = [] if cancel.is_set() else _process(args, view, cancel, created, batch_id, single, farm)
        if single and outcomes:
            return outcomes[0]
        if single:  # processed by another runner, or left queued
            return _single_left(view, created[0][0].session_id, cancel.is_set())
        from core.pipeline import session_queue
        from tui.cli.queue_summary import summarise

        return summarise(view, session_queue.entries(batch_id=batch_id), skipped, cancel.is_set())


def _process(
    args: argparse.Namespace,
    view: RunView,
    cancel: threading.Event,
    created: list[tuple[ProcessingState, Fresh]],
    batch_id: str,
    single: bool,
    farm: str | None = None,
) -> list[int]:
    """Process the sessions made: at once (--now), else in the queue's turn. The exit codes of those
    this process worked on."""
    from core.pipeline.queue_runner import Claim, run_queue
    from db.queries import get_session
    from tui.cli.queue import process_claim

    count = workers(args)
    fresh = {session.session_id: given for session, given in created}
    codes: list[int] = []
    if args.now:
        for session, given in created:
            if cancel.is_set():
                break
            with sessions.database_faults_of(session.session_id):
                codes.append(work_on(session, view, cancel, count, given, farm=farm).code)
        return codes

    def turn(claim: Claim) -> str:
        if not single:
            return process_claim(claim, view, cancel, count, fresh.get(claim.session_id), farm=farm)
        session = get_session(claim.session_id)
        if session is None:
            raise BadInput(f"session {claim.session_id} was deleted before its turn")
        with sessions.database_faults_of(session.session_id):
            outcome = work_on(session, view, cancel, count, fresh.get(claim.session_id), farm=farm)
        codes.append(outcome.code)
        return outcome.state

    def waiting(behind: str | None) -> None:
        if behind and view.json_lines:
            view.emit("queued", behind=behind, text=f"queued behind {behind}")
        elif behind:
            view.say("queued behind {session}", session=behind)

    run_queue(turn, cancel=cancel, batch_id=batch_id, on_wait=waiting, first_only=True)
    return codes


def _single_left(view: RunView, session_id: str, interrupted: bool) -> int:
    from core.pipeline import session_queue

    entry = session_queue.entry_of(session_id)
    state = entry.state if entry is not None else "gone"
    if interrupted:
        view.say(
            "stopped while queued: session {session} stays in the queue (vat --resume continues it)",
            session=session_id,
        )
        return EXIT_INTERRUPTED
    view.say(f"session {{session}} was processed by another process: {state}", session=session_id)
    return EXIT_FAILED if state == "failed" else EXIT_OK

"""`vat queue`: the machine's one queue of sessions. `list` (the default) shows it; `run` works it (takes
the waiting sessions in order, as many at once across processes as the concurrent_sessions setting
allows, until none is left); hold, release, remove, up and down act on one pending entry; clear forgets
the finished ones."""

from __future__ import annotations

import argparse
import threading

from core.errors import EXIT_FAILED, EXIT_OK, BadInput, VatError
from core.pipeline.queue_runner import Claim
from tui.cli.common import open_db, print_json
from tui.cli.run_view import RunView


def queue(args: argparse.Namespace) -> int:
    from core.pipeline import session_queue

    action = args.action or "list"
    if action == "run":
        return run_runner(args, use_slot=True)
    open_db()
    if action == "list":
        return _list(args)
    if action == "clear":
        forgotten = session_queue.clear_finished()
        print(f"{forgotten} finished {'entry' if forgotten == 1 else 'entries'} forgotten")
        return EXIT_OK
    if not args.session:
        raise BadInput(f"vat queue {action} needs the session: vat queue {action} SESSION")
    entry = session_queue.entry_of(args.session)
    if entry is None:
        raise BadInput(f"session {args.session!r} is not in the queue (see: vat queue)")
    changed = {
        "hold": lambda: session_queue.hold(entry.session_id),
        "release": lambda: session_queue.release(entry.session_id),
        "remove": lambda: session_queue.remove(entry.session_id),
        "up": lambda: session_queue.move(entry.session_id, -1),
        "down": lambda: session_queue.move(entry.session_id, 1),
    }[action]()
    if not changed:
        why = {
            "hold": "only a waiting entry can be held",
            "release": "only a held entry can be released",
            "remove": "a running entry cannot be removed: pause it first",
        }.get(action, "it cannot move further that way (only pending entries move)")
        raise BadInput(f"vat queue {action} {entry.session_id}: {why} (it is {entry.state})")
    print(f"{action}: {entry.session_id}")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    """The queue in order, numbered 1..N as the Queue screen numbers it; each entry's state as it stands
    now (core/pipeline/queue_view.py): one stored as running whose process died shows "interrupted"."""
    from datetime import datetime, timezone

    from core.pipeline import session_queue
    from core.pipeline.queue_view import queue_rows
    from tui.cli.listing import Column, print_listing

    stored = {entry.session_id: entry for entry in session_queue.entries()}
    rows = []
    for number, row in enumerate(queue_rows(datetime.now(timezone.utc)), start=1):
        entry = stored.get(row.session_id)
        resumable = row.shown in ("interrupted", "paused")
        rows.append(
            {
                "position": number,
                "session_id": row.session_id,
                "artwork_name": row.artwork,
                "state": row.shown.replace(" ", "_"),
                "stored_state": row.stored,
                "batch_id": entry.batch_id if entry is not None else None,
                "source": row.source,
                "reason": row.reason or ("vat --resume continues it" if resumable else None),
                "added_at": row.added_at,
                "started_at": row.started_at,
                "finished_at": entry.finished_at if entry is not None else None,
            }
        )
    if args.json:
        print_json(rows)
        return EXIT_OK
    columns = (
        Column("#", right=True),
        Column("session", whole=True),
        Column("artwork"),
        Column("state"),
        Column("source", drop=1),
        Column("reason"),
    )
    table = [
        (
            item["position"],
            item["session_id"],
            item["artwork_name"],
            str(item["state"]).replace("_", " "),
            item["source"],
            item["reason"] or "",
        )
        for item in rows
    ]
    print_listing("queue", columns, table)
    return EXIT_OK


def process_claim(
    claim: Claim,
    view: RunView,
    cancel: threading.Event,
    workers: int,
    fresh: object = None,
    farm: str | None = None,
) -> str:
    """Work on a session taken from the queue; the state its entry is left in. A session that fails on
    its own (its master gone, a selection out of range) is recorded and the queue goes on; a database
    fault stops it (exit 3). `farm`: the broker's URL, the operations made on the render farm."""
    from core.catalogue.roots import resolve
    from core.pipeline import session as sessions
    from core.pipeline import session_queue
    from db.models import QUEUE_FAILED, QUEUE_TO_PICK
    from db.queries import get_session
    from tui.cli.resume import refuse_if_replaced
    from tui.cli.session_work import Fresh, queued_farm, work_on

    session = get_session(claim.session_id)
    if session is None:  # deleted meanwhile: its entry went with it
        return QUEUE_FAILED
    try:
        refuse_if_replaced(session)
        farm = farm or queued_farm(session)  # sent to the farm (vat run --farm): there, not in the local pool
    except VatError as exc:
        session_queue.set_state(claim.session_id, QUEUE_FAILED, exc.message)
        view.say("[red]{session}[/]: {error}", session=claim.session_id, error=exc.message)
        return QUEUE_FAILED
    view.say("session {session}: {master}", session=session.session_id, master=resolve(session.master_path))
    with sessions.database_faults_of(session.session_id):  # a database fault stops the queue (exit 3)
        try:
            given = fresh if isinstance(fresh, Fresh) else None
            return work_on(session, view, cancel, workers, given, farm=farm).state
        except VatError as exc:  # work_on has recorded it on the entry
            view.say("[red]{session}[/]: {error}", session=claim.session_id, error=exc.message)
            entry = session_queue.entry_of(claim.session_id)
            if entry is not None and entry.state == QUEUE_TO_PICK:
                # its --scenes/--group do not fit the scenes found: failed, not waiting for a person
                # (a single `vat run` exits 2 on it instead); the detection is kept for a new choice
                session_queue.set_state(claim.session_id, QUEUE_FAILED, exc.message)
                return QUEUE_FAILED
            return entry.state if entry is not None else QUEUE_FAILED


def run_runner(args: argparse.Namespace, use_slot: bool) -> int:
    """`vat queue run`, and a plain `vat --resume` when the queue has work: take the waiting sessions
    (the one a kill interrupted first) until none is left to take. `use_slot`: keep to the
    concurrent_sessions limit (`vat queue run`); a resume, asked for now, processes at once, as
    `vat --resume SESSION` and `vat run --now` do."""
    from core.media import ffmpeg
    from core.pipeline import session_queue
    from core.pipeline.lock import sweep_stale_locks
    from core.pipeline.queue_runner import RunnerLock, concurrency, run_queue
    from tui.cli.common import workers
    from tui.cli.queue_summary import summarise
    from tui.cli.run import stop_on_signals
    from tui.cli.session_work import farm_broker

    farm = farm_broker(args)  # `vat --resume --farm` with sessions waiting in the queue
    open_db()
    ffmpeg.find_ffmpeg()
    sweep_stale_locks()
    cancel = threading.Event()
    count = workers(args)
    with stop_on_signals(cancel), RunView(args.json) as view, RunnerLock():

        def waiting(behind: str | None) -> None:
            if behind:
                view.say("queued behind {session}", session=behind)
            else:
                slots = concurrency()
                view.say(f"queued: waiting for a free slot ({slots} session{'' if slots == 1 else 's'} at a time)")

        processed = run_queue(
            lambda claim: process_claim(claim, view, cancel, count, farm=farm),
            cancel=cancel,
            on_wait=waiting,
            use_slot=use_slot,
        )
        if not processed and not cancel.is_set():
            view.say("nothing waits in the queue")
            return EXIT_OK
        entries = [e for e in (session_queue.entry_of(s) for s in processed) if e is not None]
        if len(entries) == 1 and not cancel.is_set():  # one session: its own end says it all
            return EXIT_FAILED if entries[0].state == "failed" else EXIT_OK
        return summarise(view, entries, [], cancel.is_set())

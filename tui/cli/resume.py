"""`vat resume [SESSION]` (and `vat --resume [SESSION]`, the same): a session taken up where it
stopped, headless, stoppable by Ctrl-C, SIGTERM or SIGHUP. With --detect-only: tui.cli.detect_only."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from core.catalogue.roots import resolve
from core.errors import EXIT_OK, BadInput
from core.pipeline import selection
from core.pipeline import session as sessions
from core.pipeline.scene_texts import TEXTS_CHANGED
from core.text import terminal_safe
from db.models import ProcessingState
from tui.cli.common import workers
from tui.cli.run import stop_on_signals
from tui.cli.run_view import RunView
from tui.cli.session_work import work_on


def resume(args: argparse.Namespace) -> int:
    from core.media import ffmpeg
    from core.pipeline.lock import SessionLock, sweep_stale_locks
    from db.queries import get_session, resumable_sessions
    from tui.cli.common import open_db
    from tui.cli.session_work import farm_broker

    farm = farm_broker(args)  # refused (SQLite, no broker) before anything is opened
    open_db()
    new_selection = getattr(args, "scenes", None) is not None or bool(getattr(args, "group", None))
    if new_selection and not args.resume:
        raise BadInput("--scenes and --group with --resume need the session: vat --resume SESSION --scenes ...")
    if new_selection:
        selection.check_syntax(args.scenes, args.group)
    if args.resume:
        session = get_session(args.resume)
        if session is None:
            raise BadInput(f"no session {args.resume!r} (see: vat sessions)")
    else:
        from core.pipeline.queue_runner import takeable

        if takeable():  # the queue goes first: the session a kill interrupted, then those waiting
            from tui.cli.queue import run_runner

            return run_runner(args, use_slot=False)  # (checks --farm's broker again: a moment)
        candidates = [s for s in resumable_sessions() if not left_to_queue(s.session_id)]
        # one that a live process is working on is not left to resume: the next one is
        session = next((s for s in candidates if not SessionLock(s.session_id).is_held_elsewhere()), None)
        if session is None:
            busy = f" ({len(candidates)} being processed now: see vat sessions)" if candidates else ""
            print(f"nothing to resume{busy}")
            return EXIT_OK
    refuse_if_replaced(session)
    if session.status == "completed":  # only when named: a plain resume never picks a completed one
        from core.pipeline.records import changed_outputs

        changed = changed_outputs(session.session_id)
        texts = bool((session.process_metadata or {}).get(TEXTS_CHANGED))
        if texts and not changed:
            print(
                terminal_safe(
                    f"session {session.session_id} is completed but scene titles or notes changed since: "
                    "making the outputs that carry them again"
                ),
                flush=True,
            )
        elif not changed:
            print(
                terminal_safe(
                    f"session {session.session_id} is already completed, its outputs unchanged: "
                    f"{resolve(session.output_path)}"
                )
            )
            return EXIT_OK
        else:
            print(
                terminal_safe(
                    f"session {session.session_id} is completed but {len(changed)} output(s) changed "
                    f"since (first: {Path(changed[0]).name}): making them again"
                ),
                flush=True,
            )
    ffmpeg.find_ffmpeg()  # refused now rather than after the first outputs
    sweep_stale_locks()
    cancel = threading.Event()
    with stop_on_signals(cancel), RunView(args.json) as view, SessionLock(session.session_id):
        with sessions.database_faults_of(session.session_id):
            fresh = get_session(session.session_id)  # as it is now that the lock is ours
            if fresh is None:  # deleted (from the TUI) between the look-up and the lock
                raise BadInput(f"no session {session.session_id!r} (see: vat sessions)")
            refuse_if_replaced(fresh)  # `vat run --replace` may have taken the folder meanwhile
            return _resume_locked(args, fresh, new_selection, cancel, view, farm)


def left_to_queue(session_id: str) -> bool:
    """A session whose queue entry waits (for picks, released, its turn in a live `vat run`): a plain
    resume leaves it where it is."""
    from core.pipeline.session_queue import entry_of
    from db.models import QUEUE_PENDING

    entry = entry_of(session_id)
    return entry is not None and entry.state in QUEUE_PENDING


def refuse_if_replaced(session: ProcessingState) -> None:
    replaced_by = (session.process_metadata or {}).get("replaced_by")
    if replaced_by:
        raise BadInput(
            f"session {session.session_id} was replaced by session {replaced_by} "
            f"(vat run --replace): {resolve(session.output_path)} is that session's now"
        )


def _resume_locked(
    args: argparse.Namespace,
    session: ProcessingState,
    new_selection: bool,
    cancel: threading.Event,
    view: RunView,
    farm: str | None = None,
) -> int:
    """The rest of a resume, once the session's lock is held."""
    if new_selection:
        sessions.request_selection(session, args.scenes, args.group)
    from core.pipeline.queue_runner import slot_if_queued

    with slot_if_queued(session.session_id):  # the queue's runners count it
        return work_on(session, view, cancel, workers(args), resuming=True, farm=farm).code

"""`vat run` and `vat --resume`: a whole session headless, stoppable by Ctrl-C, SIGTERM or SIGHUP."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from pathlib import Path

from core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput, Cancelled
from core.pipeline import selection
from core.pipeline import session as sessions
from core.pipeline.runner import RunSummary
from core.text import terminal_safe
from tui.cli.run_view import RunView


@contextlib.contextmanager
def stop_on_signals(cancel: threading.Event):
    """Ctrl-C, SIGTERM and SIGHUP (the SSH connection dropping) ask the work to stop cleanly."""
    def handler(signum, frame):
        cancel.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _finish(view: RunView, summary: RunSummary, session_id: str, root: str) -> int:
    if summary.status == "paused":
        view.say(f"paused: {summary.done + summary.skipped}/{summary.total} done. "
                 "Resume with: vat --resume {session}", session=session_id)
        return EXIT_INTERRUPTED
    if summary.status == "failed":
        view.say(f"[red]{len(summary.failed)} operation(s) failed[/]: {{keys}}", keys=", ".join(summary.failed))
        view.result(f"archive (incomplete): {root}", path=root, status=summary.status)
        return EXIT_FAILED
    view.say(f"done: {summary.done} made, {summary.skipped} already there, in {summary.elapsed:.1f}s")
    view.result(f"archive: {root}", path=root, status=summary.status)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from core.pipeline import project_folder
    from core.pipeline.lock import SessionLock, sweep_stale_locks
    from tui.cli.headless import _open_db, detection_settings

    _open_db()
    options = sessions.SessionOptions(
        master=Path(args.master), artwork=args.artwork, project_date=args.date,
        rd_folder=Path(args.rd) if args.rd else None, preset_id=args.preset, out=Path(args.out) if args.out else None,
        encoder=args.encoder, detector=args.detector, threshold=args.threshold, min_scene_len=args.min_scene_len,
        scenes=args.scenes, groups=args.group or [], unattended=True)
    checked = sessions.check_options(options)
    selection.check_syntax(args.scenes, args.group)
    detector, threshold, min_len = detection_settings(args)
    session_id = sessions.new_session_id(checked)
    sweep_stale_locks()
    cancel = threading.Event()
    with stop_on_signals(cancel), RunView(args.json) as view, contextlib.ExitStack() as held:
        # the folder's lock while the session is recorded (a second writer is refused before it
        # records anything); from then on the session's lock and its row keep the folder its own
        # (process() takes the folder's lock again to write). Once the row exists, a kill at any
        # moment leaves a session that a plain `vat --resume` finds.
        with project_folder.claim(sessions.project_root(checked), session_id, replace=args.replace):
            session = sessions.create_session(checked, session_id)
            held.enter_context(SessionLock(session_id))
        held.enter_context(sessions.database_faults_of(session_id))
        view.say("session {session}: {master} -> {out}", session=session.session_id, master=checked.master.name,
                 out=session.output_path)
        try:
            found = sessions.detect(session, detector, threshold, min_len, on_progress=view.detection, cancel=cancel)
        except Cancelled:
            view.say("stopped during scene detection. Resume with: vat --resume {session}",
                     session=session.session_id)
            return EXIT_INTERRUPTED
        view.say(f"{len(found.scenes)} scenes detected")
        sessions.select_requested(session)
        summary = sessions.process(session, workers=args.workers, cancel=cancel, on_event=view.run_event,
                                   media=checked.media, times=found.frame_times)
        return _finish(view, summary, session.session_id, session.output_path)


def resume(args: argparse.Namespace) -> int:
    from core.media import ffmpeg
    from core.pipeline.lock import SessionLock, sweep_stale_locks
    from db.queries import get_resumable_session, get_session
    from tui.cli.headless import _open_db

    _open_db()
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
        session = get_resumable_session()
        if session is None:
            print("nothing to resume")
            return EXIT_OK
    replaced_by = (session.process_metadata or {}).get("replaced_by")
    if replaced_by:
        raise BadInput(f"session {session.session_id} was replaced by session {replaced_by} "
                       f"(vat run --replace): {session.output_path} is that session's now")
    if session.status == "completed":  # only when named: a plain resume never picks a completed one
        from core.pipeline.records import changed_outputs

        changed = changed_outputs(session.session_id)
        if not changed:
            print(terminal_safe(f"session {session.session_id} is already completed, its outputs unchanged: "
                                f"{session.output_path}"))
            return EXIT_OK
        print(terminal_safe(f"session {session.session_id} is completed but {len(changed)} output(s) changed "
                            f"since (first: {Path(changed[0]).name}): making them again"), flush=True)
    ffmpeg.find_ffmpeg()  # refused now rather than after the first outputs
    sweep_stale_locks()
    cancel = threading.Event()
    with stop_on_signals(cancel), RunView(args.json) as view, SessionLock(session.session_id):
        with sessions.database_faults_of(session.session_id):
            return _resume_locked(args, get_session(session.session_id), new_selection, cancel, view)


def _resume_locked(args: argparse.Namespace, session, new_selection: bool, cancel: threading.Event,
                   view: RunView) -> int:
    """The rest of a resume, once the session's lock is held."""
    if new_selection:
        sessions.request_selection(session, args.scenes, args.group)
    if not session.scenes_data:  # stopped during detection: detect again
        detector = (session.process_metadata or {}).get("detector", "adaptive")
        params = sessions.detection_parameters(detector, session.scene_threshold, session.min_scene_length)
        try:
            sessions.detect(session, *params, on_progress=view.detection, cancel=cancel)
        except Cancelled:
            view.say("stopped during scene detection. Resume with: vat --resume {session}",
                     session=session.session_id)
            return EXIT_INTERRUPTED
    if session.selected_scenes is None:
        sessions.select_requested(session)
    view.say("resuming {session} ({artwork})", session=session.session_id, artwork=session.artwork_name)
    summary = sessions.process(session, workers=getattr(args, "workers", None), cancel=cancel,
                               on_event=view.run_event)
    return _finish(view, summary, session.session_id, session.output_path)

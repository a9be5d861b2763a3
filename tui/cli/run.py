"""`vat run`: a whole session headless, stoppable by Ctrl-C, SIGTERM or SIGHUP."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Cancelled
from core.pipeline import archived, selection
from core.pipeline import session as sessions
from core.pipeline.runner import RunSummary
from core.scenes import Detection
from tui.cli.common import workers
from tui.cli.run_view import RunView


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
    from core.pipeline import project_folder
    from core.pipeline.lock import SessionLock, sweep_stale_locks
    from db.connection import database
    from tui.cli.common import detection_settings, detection_steering, open_db

    open_db()
    options = sessions.SessionOptions(
        master=Path(args.master),
        artwork=args.artwork,
        project_date=args.date,
        rd_folder=Path(args.rd) if args.rd else None,
        preset_id=args.preset,
        out=Path(args.out) if args.out else None,
        encoder=args.encoder,
        detector=args.detector,
        threshold=args.threshold,
        scenes=args.scenes,
        groups=args.group or [],
        unattended=True,
        copyright=args.copyright,
        credits=args.credits,
    )
    checked = sessions.check_options(options)
    selection.check_syntax(args.scenes, args.group)
    fps = checked.media.fps or 25.0
    detector, threshold, min_len = detection_settings(args, fps)
    # kept with the session: a resume detects with the same (min_scene_len in frames, as the setting)
    options.min_scene_len = min_len if args.min_scene_len is not None else None
    options.detection_steering = detection_steering(args, fps)
    listed = scene_list(args, checked.master)  # a bad scene list is refused before anything is written
    session_id = sessions.new_session_id(checked)
    sweep_stale_locks()
    cancel = threading.Event()
    with stop_on_signals(cancel), RunView(args.json) as view, contextlib.ExitStack() as held:
        if not (args.replace or args.skip_archived):  # a taken folder is refused before a long hash
            with project_folder.claim(sessions.project_root(checked), session_id):  # names a live writer too
                pass
        # hashed before anything is created: an archived master is warned of (or skipped) first
        try:
            checked.master_sha256 = hash_master(view, checked.master, cancel)
        except Cancelled:
            view.say("stopped while hashing the master: nothing was created")
            return EXIT_INTERRUPTED
        earlier = archived.archived_as(checked.master_sha256)
        if args.replace:  # the session this run takes the folder from is no earlier archive of it
            earlier = [row for row in earlier if Path(row.output_path) != sessions.project_root(checked)]
        if earlier and args.skip_archived:
            view.result(
                f"skipped: {checked.master.name} is already archived: {archived.describe(earlier[-1])}",
                status="skipped",
                path=earlier[-1].output_path,
                session=earlier[-1].session_id,
            )
            return EXIT_OK
        for row in earlier:
            view.say("[yellow]warning[/]: this master is already archived: {earlier}", earlier=archived.describe(row))
        # the folder's lock while the session is recorded (a second writer is refused before it
        # records anything); from then on the session's lock and its row keep the folder its own
        # (process() takes the folder's lock again to write). Once the row exists, a kill at any
        # moment leaves a session that a plain `vat --resume` finds.
        with project_folder.claim(sessions.project_root(checked), session_id, replace=args.replace):
            with database.atomic("IMMEDIATE"):  # a listed session is never without its scenes
                session = sessions.create_session(checked, session_id)
                if listed is not None:
                    sessions.store_scene_file(session, listed, Path(args.scenes_from))
            held.enter_context(SessionLock(session_id))
        held.enter_context(sessions.database_faults_of(session_id))
        view.say(
            "session {session}: {master} -> {out}",
            session=session.session_id,
            master=checked.master.name,
            out=session.output_path,
        )
        if listed is not None:
            found = listed
            view.say(f"{len(found.scenes)} scenes from {Path(args.scenes_from).name}")
        else:
            try:
                found = sessions.detect(
                    session, detector, threshold, min_len, on_progress=view.detection, cancel=cancel
                )
            except Cancelled:
                view.say(
                    "stopped during scene detection. Resume with: vat --resume {session}", session=session.session_id
                )
                return EXIT_INTERRUPTED
            view.say(f"{len(found.scenes)} scenes detected")
        sessions.select_requested(session)
        count = workers(args)
        view.say(f"{count} operation(s) at a time")
        summary = sessions.process(
            session,
            workers=count,
            cancel=cancel,
            on_event=view.run_event,
            media=checked.media,
            times=None if found.windowed else found.frame_times,
        )
        return finish(view, summary, session.session_id, session.output_path)

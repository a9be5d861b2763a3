"""`vat resume SESSION --detect-only` (or `vat --resume SESSION --detect-only`): a session's scene
detection alone, the way the TUI runs it in the background (core.pipeline.detached_detection). It
detects what the session's request asks (else its stored parameters), carries the picks over when the
request says so (a re-detection from the picker), and leaves the session ready to pick. SIGTERM,
SIGHUP or Ctrl-C cancel it (exit 130, the session kept)."""

from __future__ import annotations

import argparse
import logging
import threading

from core.errors import EXIT_INTERRUPTED, EXIT_OK, BadInput, Cancelled, VatError
from core.events import DetectProgress
from core.pipeline import detached_detection
from core.pipeline import session as sessions
from core.pipeline.lock import SessionLock
from db.models import ProcessingState
from tui.cli.run import stop_on_signals
from tui.cli.run_view import RunView
from tui.picks import Picks, carry_over

log = logging.getLogger(__name__)


class MasterHashing:
    """The master hashed beside the detection, in a thread (hashlib lets go of the GIL): the New
    session form stays quick, and the hash is usually there before the scenes are. A failure only
    leaves it for processing to take (core.pipeline.session.process)."""

    def __init__(self, session: ProcessingState, cancel: threading.Event):
        self.session, self.cancel = session, cancel
        self.thread: threading.Thread | None = None
        if not session.master_sha256:
            self.thread = threading.Thread(target=self._hash, name="master-sha256", daemon=True)
            self.thread.start()

    def _hash(self) -> None:
        from core.pipeline.master_hash import ensure_master_hash
        from db.connection import database

        try:
            ensure_master_hash(self.session, self.cancel)
        except (VatError, OSError) as exc:
            log.info("master not hashed now (processing will): %s", exc)
        finally:
            database.close()  # this thread's connection

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


def detect_only(args: argparse.Namespace) -> int:
    from db.queries import get_session
    from tui.cli.common import open_db

    open_db()
    session = get_session(args.resume) if args.resume else None
    if session is None:
        raise BadInput(
            f"no session {args.resume!r} (see: vat sessions)"
            if args.resume
            else "--detect-only needs a session: vat --resume SESSION --detect-only"
        )
    if session.status != "initialized":
        raise BadInput(f"session {session.session_id} is {session.status}: its scenes can no longer change")
    sid = session.session_id
    wanted = detached_detection.pending(session) or {}
    request_id = wanted.get("id")
    meta = session.process_metadata or {}
    if wanted:
        params = (wanted["detector"], wanted["threshold"], wanted["min_len"])
    else:
        params = sessions.detection_parameters(
            meta.get("detector", "adaptive"), session.scene_threshold, session.min_scene_length
        )
    cancel = threading.Event()
    with stop_on_signals(cancel), SessionLock(sid), RunView(args.json) as view:
        writer = detached_detection.ProgressWriter(sid)
        old_scenes = sessions.scenes_of(session)
        picks = Picks.from_saved(len(old_scenes), session.selected_scenes, session.grouped_scenes)
        cursor = int(meta.get("picker_cursor") or 0)

        def progress(event: DetectProgress) -> None:
            view.detection(event)
            writer(event)

        hashing = MasterHashing(session, cancel)
        try:
            found = sessions.detect(session, *params, on_progress=progress, cancel=cancel)
            hashing.join()
        except Cancelled:
            hashing.join()
            writer.clear()
            detached_detection.finish(sid, request_id, cancelled=True)
            view.say(f"stopped during scene detection. Resume with: vat --resume {sid}")
            return EXIT_INTERRUPTED
        except VatError as exc:
            hashing.join()
            writer.clear()
            detached_detection.finish(sid, request_id, error=str(exc))
            raise
        writer.clear()
        if wanted.get("carry") and old_scenes:
            picks, cursor = carry_over(old_scenes, picks, sessions.scenes_of(session), cursor)
            sessions.save_selection(session, picks.chosen(), list(picks.groups), cursor)
        detached_detection.finish(sid, request_id)
        view.say(f"{len(found.scenes)} scenes detected" + (" (from cached statistics)" if found.from_cache else ""))
    return EXIT_OK

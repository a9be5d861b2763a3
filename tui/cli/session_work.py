"""Working on one session, headless: detect its scenes if it has none, resolve its selection, process it
with the worker pool, and say how it ended. What `vat run`, `vat --resume SESSION` and the queue's
runners share; the session's queue entry, if it has one, follows (running, then done, failed, to pick,
or waiting again at its place when paused)."""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass

from core.catalogue.roots import resolve
from core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput, Busy, Cancelled
from core.media.probe import MediaInfo
from core.pipeline import queue_runner, session_queue
from core.pipeline import session as sessions
from core.pipeline.session_queue import PICK_LATER
from core.scenes import Detection
from db.models import QUEUE_DONE, QUEUE_FAILED, QUEUE_TO_PICK, QUEUE_WAITING, ProcessingState
from tui.cli.run_view import RunView


@dataclass
class Fresh:
    """What a `vat run` already knows of a session it has just created (spares probing again)."""

    detection: tuple[str, float, int]  # detector, threshold, minimum scene length in frames
    media: MediaInfo
    listed: Detection | None = None  # --scenes-from: the scenes, already stored


@dataclass
class Outcome:
    code: int  # the exit code this session alone would give
    state: str  # its queue entry's state now
    reason: str | None = None


def waits_for_pick(session: ProcessingState) -> bool:
    meta = session.process_metadata or {}
    return bool(meta.get(PICK_LATER)) and session.selected_scenes is None and "requested_selection" not in meta


def farm_broker(args: argparse.Namespace) -> str | None:
    """--farm: the broker's URL (--broker, else VAT_BROKER), once the catalogue is known to be the shared
    one and the broker answers: refused in one line before anything is written (exit 2 on SQLite or
    without a broker, 3 when it cannot be reached). None without --farm."""
    if not getattr(args, "farm", False):
        return None
    from core.farm.broker import reach_broker
    from core.farm.config import broker_url, require_shared_catalogue

    require_shared_catalogue()
    url = broker_url(getattr(args, "broker", None))
    reach_broker(url)
    return url


def queued_farm(session: ProcessingState) -> str | None:
    """The broker, reached, of a session sent to the render farm (`vat run --farm`, however long it waited
    in the queue, or run there before); None for one never sent there. Whichever runner's turn it is runs it
    there: the local pool would race the farm's tasks still in the broker."""
    intent = (session.process_metadata or {}).get("farm")
    if not isinstance(intent, dict):
        return None
    from core.farm.broker import reach_broker
    from core.farm.config import broker_of, require_shared_catalogue

    require_shared_catalogue()
    url = broker_of(session.session_id, intent)
    reach_broker(url)
    return url


def work_on(
    session: ProcessingState,
    view: RunView,
    cancel: threading.Event,
    workers: int,
    fresh: Fresh | None = None,
    resuming: bool = False,
    farm: str | None = None,
) -> Outcome:
    """The session's lock is the caller's (taken before). Its entry, if any, is kept up to date.
    `resuming`: say so, once the scenes and the selection are settled (a named `vat --resume`).
    `farm`: the broker's URL: the operations go to the render farm (farm_broker)."""
    entry = session_queue.entry_of(session.session_id)
    queue_runner.mark_started(session.session_id)
    try:
        outcome = _work(session, view, cancel, workers, fresh, resuming, farm)
    except Busy:  # being made on the render farm: its entry goes back to what it was
        if entry is not None:
            session_queue.set_state(session.session_id, entry.state, entry.reason)
        raise
    except BadInput as exc:  # a stored selection out of range: the detection is kept, a new one is awaited
        state = QUEUE_TO_PICK if session.scenes_data else QUEUE_FAILED
        queue_runner.mark_ended(session.session_id, state, exc.message)
        raise
    except (Exception, KeyboardInterrupt) as exc:
        from db.connection import is_database_fault

        interrupted = isinstance(exc, (Cancelled, KeyboardInterrupt)) or is_database_fault(exc)
        state = QUEUE_WAITING if interrupted else QUEUE_FAILED
        try:
            queue_runner.mark_ended(session.session_id, state, None if interrupted else str(exc))
        except Exception:
            pass  # the database itself failed: the entry stays running, and a runner takes it again
        raise
    queue_runner.mark_ended(session.session_id, outcome.state, outcome.reason)
    return outcome


def _work(
    session: ProcessingState,
    view: RunView,
    cancel: threading.Event,
    workers: int,
    fresh: Fresh | None,
    resuming: bool,
    farm: str | None,
) -> Outcome:
    found = fresh.listed if fresh else None
    if not session.scenes_data:  # not detected yet, or stopped during detection: detect (again)
        if fresh is not None:
            params = fresh.detection
        else:
            detector = (session.process_metadata or {}).get("detector", "adaptive")
            params = sessions.detection_parameters(detector, session.scene_threshold, session.min_scene_length)
        try:
            found = sessions.detect(session, *params, on_progress=view.detection, cancel=cancel)
        except Cancelled:
            view.say("stopped during scene detection. Resume with: vat --resume {session}", session=session.session_id)
            return Outcome(EXIT_INTERRUPTED, QUEUE_WAITING)
        view.say(f"{len(found.scenes)} scenes detected")
    if waits_for_pick(session):
        view.say(
            "session {session} waits for its scenes to be picked: vat --resume {session} --scenes SPEC, "
            "or its picker in the TUI",
            session=session.session_id,
        )
        view.result(
            f"to pick: {session.session_id}",
            status="to_pick",
            session=session.session_id,
            path=str(resolve(session.output_path)),
        )
        return Outcome(EXIT_OK, QUEUE_TO_PICK, "waits for its scenes to be picked")
    if session.selected_scenes is None:
        sessions.select_requested(session)
    if resuming:
        view.say("resuming {session} ({artwork})", session=session.session_id, artwork=session.artwork_name)
    if farm is None:
        view.say(f"{workers} operation(s) at a time")
    else:
        from db.backend import without_password

        view.say("operations sent to the render farm (broker {broker})", broker=without_password(farm))
    summary = sessions.process(
        session,
        workers=workers,
        cancel=cancel,
        on_event=view.run_event,
        media=fresh.media if fresh else None,
        times=None if found is None or found.windowed else found.frame_times,
        farm=farm,
    )
    from tui.cli.run import finish

    code = finish(view, summary, session.session_id, str(resolve(session.output_path)))  # here (storage roots)
    if code == EXIT_INTERRUPTED:
        return Outcome(code, QUEUE_WAITING)
    if code == EXIT_FAILED:
        key, error = next(iter(summary.failed.items()), ("", ""))
        return Outcome(code, QUEUE_FAILED, f"{len(summary.failed)} operation(s) failed, first {key}: {error}")
    return Outcome(code, QUEUE_DONE)

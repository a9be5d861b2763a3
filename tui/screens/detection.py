"""Scene detection, live: the work runs in a detached `vat --resume SESSION --detect-only` process
(core.pipeline.detached_detection), so this screen only reads the database, 4 times a second. Closing vat or
losing the SSH connection does not stop it; Sessions shows it again. c or escape cancels it.

After a new session it opens the picker; as a re-detection (t in the picker) the worker carries the
marks over to the new scenes and the screen dismisses with True, so the picker below reloads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import Worker

from core.catalogue.roots import resolve
from core.errors import BadInput
from core.media.probe import probe
from core.pipeline import detached_detection
from db.connection import database
from db.models import ProcessingState
from tui.safe_text import markup_safe, terminal_safe
from tui.screens.base import WorkerErrors
from tui.transition_text import kinds_summary, record_kinds

POLL_SECONDS = 0.25
START_GRACE_SECONDS = 20.0  # a just-started worker needs a moment (Python start, probe) to show up


@dataclass
class DetectionProgress(Message):
    frame: int
    total: int | None
    fps: float | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DetectionProgress)  # a backlog collapses to the latest


@dataclass
class DetectionFinished(Message):
    scenes: int
    cancelled: bool = False
    kinds: str = ""  # how the scenes begin: "9 cuts, 3 dissolves, 1 fade through black"

    def summary(self) -> str:
        found = f"{self.scenes} scene{'' if self.scenes == 1 else 's'} detected"
        return f"{found}: {self.kinds}" if self.kinds else found


class DetectionScreen(WorkerErrors, Screen[bool]):
    CSS_PATH = "detection.tcss"
    TITLE = "Scene detection"
    HELP = (
        "Scenes are being detected in the master, in a background process: quitting vat or a dropped\n"
        "connection does not stop it; open the session from Sessions to watch it again. Cancelling\n"
        "keeps the session: open it again from Sessions."
    )
    BINDINGS = [Binding("c,escape", "cancel", "Cancel detection", id="detection-cancel")]

    def __init__(
        self,
        session_id: str,
        detector: str,
        threshold: float,
        min_len: int,
        carry: object = None,
        start_worker: bool = True,
        request_id: str | None = None,
    ) -> None:
        """`request_id`: watch a detection already running (Sessions), start nothing. `start_worker`
        False (snapshot tests): the screen as it is, progress posted by the test."""
        super().__init__()
        self.start_worker = start_worker
        self.session_id = session_id
        self.params = (detector, threshold, min_len)
        self.carry = carry is not None  # re-detecting from the picker: the worker carries the picks over
        self.request_id = request_id
        self.started_at: float | None = None
        self.seen_alive = False
        self.ended = False
        self.cancel_wanted = False
        self.session = ProcessingState.get(ProcessingState.session_id == session_id)

    @classmethod
    def watching(cls, row: ProcessingState) -> "DetectionScreen":
        """The screen of a detection already running (a new vat, reopened from Sessions)."""
        wanted = detached_detection.pending(row) or {}
        return cls(
            row.session_id,
            wanted.get("detector", "adaptive"),
            wanted.get("threshold", 0.0),
            wanted.get("min_len", 0),
            carry=() if wanted.get("carry") else None,
            request_id=wanted.get("id"),
        )

    def compose(self) -> ComposeResult:
        yield Header()
        detector, threshold, min_len = self.params
        with Vertical(id="detection"):
            yield Static(
                terminal_safe(f"Detecting the scenes of {Path(self.session.master_path).name}"),
                id="detection-title",
                markup=False,
            )
            yield Static(
                terminal_safe(
                    f"{self.session.artwork_name} · detector {detector}, threshold {threshold:g}, "
                    f"shortest scene {min_len} frames"
                ),
                id="detection-params",
                markup=False,
            )
            yield ProgressBar(total=None, show_eta=False, id="detection-bar")
            yield Static("starting…", id="detection-status")
        yield Footer()

    def on_mount(self) -> None:
        if not self.start_worker:
            return
        if self.request_id is None:
            self.start_detection()
        else:
            self.started_at = time.monotonic()
            self.set_interval(POLL_SECONDS, self.poll)

    @work(thread=True, exclusive=True, exit_on_error=False, name="starting scene detection")
    def start_detection(self) -> None:
        """Check the master here (a bad one is told at once, not after a process start), then hand
        the detection to a detached process."""
        try:
            probe(resolve(self.session.master_path), require_video=True)
            state = detached_detection.watch(self.session_id, None)
            if state is not None and state.alive:
                raise BadInput("this session is already being worked on by another process")
            request_id = detached_detection.request(self.session_id, *self.params, carry=self.carry)
            detached_detection.start(self.session_id)
        finally:
            database.close()  # this thread's connection: the worker thread ends here
        self.app.call_from_thread(self._watch, request_id)

    def _watch(self, request_id: str) -> None:
        self.app.started_here.add(self.session_id)  # q asks while it runs
        self.request_id = request_id
        self.started_at = time.monotonic()
        if not self.ended:
            self.set_interval(POLL_SECONDS, self.poll)

    def poll(self) -> None:
        if self.ended:
            return
        state = detached_detection.watch(self.session_id, self.request_id)
        if state is None:
            self._end("This session no longer exists.", severity="warning")
            return
        if state.alive and state.pending:
            self.seen_alive = True
            if self.cancel_wanted:
                from core.pipeline.background import request_stop

                self.cancel_wanted = not request_stop(self.session_id)
            if state.frame:
                self.post_message(DetectionProgress(state.frame, state.total, state.fps))
            return
        if state.done:
            self.ended = True
            records = ProcessingState.get(ProcessingState.session_id == self.session_id).scenes_data or []
            self.post_message(DetectionFinished(len(records), kinds=kinds_summary(record_kinds(records))))
        elif state.cancelled:
            self.ended = True
            self.post_message(DetectionFinished(0, cancelled=True))
        elif state.error is not None:
            self._end(state.error, severity="error")
        elif not state.alive and self.cancel_wanted and not state.pending:
            self.ended = True
            self.post_message(DetectionFinished(0, cancelled=True))
        elif not state.alive and (self.seen_alive or time.monotonic() - (self.started_at or 0) > START_GRACE_SECONDS):
            self._end(
                "Scene detection stopped unexpectedly (see the worker log in vat's log folder). "
                "Open the session again from Sessions to detect again.",
                severity="error",
            )

    def _end(self, text: str, severity: SeverityLevel) -> None:
        self.ended = True
        self.notify(markup_safe(text), severity=severity, timeout=10)  # an error names files
        self.dismiss(False)

    def on_detection_progress(self, message: DetectionProgress) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=message.total, progress=message.frame)
        total = f" / {message.total}" if message.total else ""
        fps = f" · {message.fps:.0f} frames/s" if message.fps else ""
        self.query_one("#detection-status", Static).update(f"frame {message.frame}{total}{fps}")

    def on_detection_finished(self, message: DetectionFinished) -> None:
        if message.cancelled:
            self.notify("Detection cancelled. The session is kept: open it from Sessions to detect again.")
            self.dismiss(False)
            return
        self.notify(message.summary())
        if self.carry:
            self.dismiss(True)
            return
        from tui.screens.picker import PickerScreen

        self.app.switch_screen(PickerScreen(self.session_id))

    def action_cancel(self) -> None:
        from core.pipeline.background import request_stop

        self.query_one("#detection-status", Static).update("cancelling…")
        if self.request_id is not None and request_stop(self.session_id):
            return  # the worker notices within a frame, ends with Cancelled and marks the request so
        if self.start_worker:
            self.cancel_wanted = True  # not started yet: stopped as soon as it shows up (poll)

    def worker_failed(self, worker: Worker) -> None:
        self.ended = True
        self.dismiss(False)

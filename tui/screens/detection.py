"""Scene detection with a progress bar, in a thread worker; c or escape cancels.

After a new session it opens the picker; as a re-detection (t in the picker) it carries the marks
over to the new scenes and dismisses with True, so the picker below reloads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import Worker

from core.errors import Cancelled
from core.events import DetectProgress
from core.session import detect, save_selection, scenes_of
from db.connection import database
from db.models import ProcessingState
from tui.picks import carry_over
from tui.screens.base import WorkerErrors


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


class DetectionScreen(WorkerErrors, Screen[bool]):
    CSS_PATH = "detection.tcss"
    TITLE = "Scene detection"
    HELP = "Scenes are being detected in the master. Cancelling keeps the session: open it again from Sessions."
    BINDINGS = [Binding("c,escape", "cancel", "Cancel detection", id="detection-cancel")]

    def __init__(self, session_id: str, detector: str, threshold: float, min_len: int, carry=None,
                 start_worker: bool = True):
        super().__init__()
        self.start_worker = start_worker  # False in snapshot tests: the screen as it is, progress posted by the test
        self.session_id = session_id
        self.params = (detector, threshold, min_len)
        self.carry = carry  # (old scenes, picks, cursor) when re-detecting from the picker
        self.cancel_event = threading.Event()
        self.session = ProcessingState.get(ProcessingState.session_id == session_id)

    def compose(self) -> ComposeResult:
        yield Header()
        detector, threshold, min_len = self.params
        with Vertical(id="detection"):
            yield Static(f"Detecting the scenes of {Path(self.session.master_path).name}", id="detection-title",
                         markup=False)
            yield Static(f"{self.session.artwork_name} · detector {detector}, threshold {threshold:g}, "
                         f"shortest scene {min_len} frames", id="detection-params", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="detection-bar")
            yield Static("starting…", id="detection-status")
        yield Footer()

    def on_mount(self) -> None:
        if self.start_worker:
            self.detect_scenes()

    @work(thread=True, exclusive=True, exit_on_error=False, name="detecting scenes")
    def detect_scenes(self) -> None:
        def progress(event: DetectProgress) -> None:
            self.post_message(DetectionProgress(event.frame, event.total_frames, event.fps))

        try:
            try:
                found = detect(self.session, *self.params, on_progress=progress, cancel=self.cancel_event)
            except Cancelled:
                self.post_message(DetectionFinished(0, cancelled=True))
                return
            if self.carry is not None:
                old_scenes, picks, cursor = self.carry
                picks, cursor = carry_over(old_scenes, picks, scenes_of(self.session), cursor)
                save_selection(self.session, picks.chosen(), list(picks.groups), cursor)
            self.post_message(DetectionFinished(len(found.scenes)))
        finally:
            database.close()  # this thread's connection: the worker thread ends here

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
        self.notify(f"{message.scenes} scenes detected")
        if self.carry is not None:
            self.dismiss(True)
            return
        from tui.screens.picker import PickerScreen

        self.app.switch_screen(PickerScreen(self.session_id))

    def action_cancel(self) -> None:
        self.cancel_event.set()  # the worker notices within a frame and ends with Cancelled
        self.query_one("#detection-status", Static).update("cancelling…")

    def worker_failed(self, worker: Worker) -> None:
        self.dismiss(False)

"""A session's processing, live: the work runs in a detached `vat --resume` process (core.pipeline.background),
so this screen only reads the database (4 times a second) and tails the worker's log. Leaving the
screen or closing vat does not stop the work; p pauses it (SIGTERM: the session resumes later)."""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, ProgressBar, RichLog, Static

from core.catalogue.roots import resolve
from core.pipeline import background
from core.pipeline.progress import fps_text, percent
from tui.formatting import eta
from tui.safe_text import markup_safe, terminal_safe
from tui.screens.base import WorkerErrors
from tui.worker_log import LogTail, format_line

POLL_SECONDS = 0.25
START_GRACE_SECONDS = 15.0  # a just-started worker needs a moment (Python start, plan) to show up
MAX_RUNNING_ROWS = 8


class RunningRow(Horizontal):
    """One operation in progress: its key, its bar, its speed; on a render farm, the node making it."""

    DEFAULT_CSS = """
    RunningRow { height: 1; }
    RunningRow .op-key { width: 22; }
    RunningRow .op-node { width: 17; display: none; }
    RunningRow.-farmed .op-node { display: block; }
    RunningRow ProgressBar { width: 1fr; }
    RunningRow ProgressBar Bar { width: 1fr; }
    RunningRow .op-fps { width: 10; text-align: right; }
    """

    def __init__(
        self,
        key: str,
        fraction: float | None = None,
        fps: float | None = None,
        stage: str | None = None,
        node: str | None = None,
    ):
        super().__init__()
        self.key = key
        self.initial = (fraction, fps, stage, node)

    def on_mount(self) -> None:  # children are mounted, the bar not laid out yet: the same first frame every time
        self.show(*self.initial)

    def compose(self) -> ComposeResult:
        yield Label(terminal_safe(self.key)[:21], classes="op-key", markup=False)
        yield Label("", classes="op-node", markup=False)
        yield ProgressBar(total=1.0, show_eta=False)
        yield Label("", classes="op-fps")

    def show(
        self, fraction: float | None, fps: float | None, stage: str | None = None, node: str | None = None
    ) -> None:
        self.query_one(ProgressBar).update(progress=fraction or 0.0)
        # the render node (host:pid) making it; its host alone when both do not fit
        self.set_class(bool(node), "-farmed")
        self.query_one(".op-node", Label).update(node_text(node or ""))
        # made, and being decoded to check it: a bar at 100% that is not stuck
        self.query_one(".op-fps", Label).update("verifying" if stage == "verifying" else fps_text(fps))


def node_text(node: str, width: int = 16) -> str:
    """A node's name in `width` columns: host:pid, else the host shortened (its pid goes first)."""
    text = terminal_safe(node)
    if len(text) <= width:
        return text
    host = text.rsplit(":", 1)[0]
    return host[: width - 1] + "…" if len(host) > width else host


class ProcessingScreen(WorkerErrors, Screen):
    CSS_PATH = "processing.tcss"
    TITLE = "Processing"
    HELP = (
        "The work runs in its own background process: leaving this screen or quitting vat does not\n"
        "stop it, and it survives a dropped SSH connection. Open the session again from Sessions to\n"
        "watch it. p pauses it (operations under way are redone on resume); r resumes."
    )
    BINDINGS = [
        Binding("p,c", "pause", "Pause", id="processing-pause"),  # c: the key it had before
        Binding("r", "resume", "Resume", id="processing-resume"),
        Binding("escape", "leave", "Leave", id="processing-leave"),
    ]

    def __init__(self, session_id: str, just_started: bool = False):
        super().__init__()
        self.session_id = session_id
        self.started_at = time.monotonic() if just_started else None
        self.tail = LogTail(background.worker_log_path(session_id))
        self.rows: dict[str, RunningRow] = {}
        self.last_status: str | None = None
        self.last_state: tuple[str, bool] | None = None
        self.output_path = ""
        self.output_ended: bool | None = None  # whether the folder was last shown for an ended run (None: not yet)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.last_state is None or action not in ("pause", "resume"):
            return True
        status, alive = self.last_state
        if action == "pause":  # hidden when nothing runs, or what runs is already pausing
            return alive and status != "paused"
        return not alive and status != "completed"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="summary"):
            yield Static("", id="processing-title", markup=False)
            yield Static("", id="processing-output", markup=False)
            yield ProgressBar(total=100, show_eta=False, id="overall")
            yield Static("", id="counts", markup=False)
            yield Static("", id="state", markup=False)
        yield Vertical(id="running")
        # lines wrap to the log's width: RichLog's default min_width (78) is more than 80 columns leave it
        yield RichLog(id="log", max_lines=1000, wrap=True, min_width=20, markup=False, auto_scroll=True)
        yield Footer()

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(POLL_SECONDS, self.poll)

    def poll(self) -> None:
        from db.models import ProcessingState

        snap = background.snapshot(self.session_id)
        if snap is None:
            self.notify("This session no longer exists.", severity="warning")
            self.app.action_sessions()
            return
        if self.last_status is None:
            row = ProcessingState.get(ProcessingState.session_id == self.session_id)
            title = terminal_safe(f"{row.artwork_name} · {self.session_id}")
            self.query_one("#processing-title", Static).update(title)
            self.output_path = str(resolve(row.output_path))  # here (storage roots)
        if (snap.status, snap.alive) != self.last_state:
            self.last_state = (snap.status, snap.alive)
            self.refresh_bindings()  # c and r are offered only when they can do something
        self.last_status = snap.status
        self._show_output(snap)
        self._show_overall(snap)
        self._show_running(snap)
        self._show_state(snap)
        self._tail_log()

    def _show_output(self, snap: background.Snapshot) -> None:
        """The project folder; once the run has ended, a terminal hyperlink (OSC 8) to it when the
        auto_open_output setting asks (a click opens it, over SSH too: core.folder_link)."""
        from core import folder_link

        ended = not snap.alive and snap.status in ("completed", "failed")
        if ended == self.output_ended:
            return
        self.output_ended = ended
        linked = ended and folder_link.wanted()
        text = Text("→ ")
        style = Style(link=folder_link.folder_url(self.output_path)) if linked else None
        text.append(terminal_safe(self.output_path), style=style)
        self.query_one("#processing-output", Static).update(text)

    def _show_overall(self, snap: background.Snapshot) -> None:
        # whole percents, as Sessions shows them (one function: core.pipeline.progress.percent)
        self.query_one("#overall", ProgressBar).update(progress=percent(snap.fraction))
        failed = len(snap.failed)
        remaining = max(0, snap.total - snap.done - failed) if snap.total else 0
        text = f"{snap.done} done · {failed} failed · {remaining} remaining"
        if snap.total:
            text += f" of {snap.total}"
        if snap.alive and snap.status == "processing":
            text += f" · ETA {eta(snap.eta_seconds)}"
        self.query_one("#counts", Static).update(text)

    def _show_running(self, snap: background.Snapshot) -> None:
        running = dict(list(snap.running.items())[:MAX_RUNNING_ROWS]) if snap.alive else {}
        box = self.query_one("#running", Vertical)
        for key in [k for k in self.rows if k not in running]:
            self.rows.pop(key).remove()
        for key, info in running.items():
            if key not in self.rows:
                self.rows[key] = RunningRow(
                    key, info.get("fraction"), info.get("fps"), info.get("stage"), info.get("node")
                )
                box.mount(self.rows[key])
            elif self.rows[key].is_mounted:
                self.rows[key].show(info.get("fraction"), info.get("fps"), info.get("stage"), info.get("node"))

    def _show_state(self, snap: background.Snapshot) -> None:
        starting = self.started_at is not None and time.monotonic() - self.started_at < START_GRACE_SECONDS
        if snap.alive:
            pid = background.running_pid(self.session_id)
            text = (
                f"Pausing (process {pid})…"
                if snap.pausing
                else f"Running in the background (process {pid}): leave or quit vat, the work goes on."
            )
            self.started_at = None
        elif snap.status == "completed":
            text = "Completed. Every output is verified and recorded."
        elif snap.status == "failed":
            text = f"Finished with {len(snap.failed)} failed operation(s): r runs them again."
        elif starting:
            text = "Starting the background process…"
        elif snap.status == "paused":
            text = "Paused: r resumes (finished operations are kept)."
        elif snap.status == "processing":
            text = "Interrupted (the process is gone): r resumes where it stopped."
        else:
            text = "Not started, or the process stopped early (see the log below): r starts it."
        self.query_one("#state", Static).update(text)
        self.set_class(snap.status == "failed", "-failed")
        self.set_class(snap.status == "completed", "-completed")

    def _tail_log(self) -> None:
        log = self.query_one(RichLog)
        for line in self.tail.read():
            text = format_line(line)
            if text is not None:
                log.write(text)

    # --- keys ----------------------------------------------------------------------------------
    def action_pause(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        if background.running_pid(self.session_id) is None:
            self.notify("Nothing is running for this session.")
            return
        self.app.push_screen(
            ConfirmScreen(
                "Pause processing now? Finished outputs are kept; operations under way are redone when you resume (r).",
                title="Pause processing?",
                yes="Pause",
                no="Keep going",
                danger=True,
            ),
            self._pause,
        )

    def _pause(self, stop: bool | None) -> None:
        if stop and background.request_stop(self.session_id):
            self.notify("Pausing: the running operations are being stopped.")

    def action_resume(self) -> None:
        snap = background.snapshot(self.session_id)
        if snap is None:
            self.notify("This session no longer exists.")
            return
        # the old process (or one started here that has not taken the lock yet) still lives: a second
        # `vat --resume` would only fail with "being processed by process N"
        if snap.alive or background.started_alive(self.session_id):
            paused = snap.status == "paused"
            self.notify("Still pausing: try again in a moment." if paused else "It is already running.")
            return
        if snap.status == "completed":
            self.notify("This session is completed.")
            return
        from tui.farm_resume import farm_resume

        farmed = farm_resume(self.session_id)
        if farmed is not None:  # sent to the farm: resumed there, never by the local pool
            self.notify(markup_safe(farmed.notice), severity="information" if farmed.broker else "warning")
            if farmed.broker:
                background.start_detached(self.session_id, broker=farmed.broker)
                self.app.started_here.add(self.session_id)
                self.started_at = time.monotonic()
                self.poll()
            return
        from tui.queue_start import process_or_queue

        queued = process_or_queue(self.session_id)  # in line if another is processing
        if queued is not None:
            self.notify(markup_safe(queued.message()))
            return
        self.app.started_here.add(self.session_id)
        self.started_at = time.monotonic()
        self.notify("Resuming in the background.")
        self.poll()

    def action_leave(self) -> None:
        self.app.action_sessions()

"""Queue: the machine's one line of sessions (batches, the watch folder, `vat run`, the TUI), in order,
with the whole queue's progress and an ETA. Reorder, hold and release the pending entries, pause a
running one, remove an entry (its session stays), clear the finished ones. The database is the truth
(runners in other processes move the line on): the screen reads it again every REFRESH_SECONDS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from core.pipeline import session_queue as queue
from core.pipeline.progress import percent
from core.pipeline.queue_view import QueueProgress, QueueRow, queue_progress, queue_rows
from db.models import QUEUE_HELD, QUEUE_RUNNING, QUEUE_WAITING
from tui.formatting import eta, local_time
from tui.safe_text import markup_safe, terminal_safe
from tui.screens.base import WorkerErrors
from tui.widgets.vim_table import VimTable

REFRESH_SECONDS = 2.0
FIXED_WIDTHS = {"position": 3, "state": 11, "source": 5, "added": 16}
RUNNING_NAME_CHARS = 24  # a running session's name in the summary line


def column_widths(width: int) -> tuple[int, int]:
    """(artwork, master) widths that fill a `width`-cell table beside the fixed columns: 2 cells of
    padding per column, 2 for a vertical scrollbar and 2 for the focus border, so that 80 columns
    never scroll sideways."""
    free = max(24, width - 2 * 6 - sum(FIXED_WIDTHS.values()) - 2 - 2)
    master = max(10, free * 9 // 20)
    return free - master, master


def state_text(row: QueueRow) -> str:
    if row.shown == "running" and row.fraction is not None:
        return f"running {percent(row.fraction)}%"
    return row.shown


def summary_text(progress: QueueProgress) -> str:
    """The whole queue in a line or two: sessions done of all, failures, the running ones, the ETA."""
    if not progress.total:
        return "The queue is empty. Sessions join it when they are processed: from here, vat run, a batch, vat watch."
    parts = [f"{progress.done}/{progress.total} done"]
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    if progress.skipped:
        parts.append(f"{progress.skipped} skipped")
    if progress.left:
        parts.append("ETA unknown" if progress.eta_seconds is None else f"ETA {eta(progress.eta_seconds)}")
    lines = [" · ".join(parts)]
    if progress.running:
        lines.append("running: " + ", ".join(f"{_short(name)} {percent(f)}%" for name, f in progress.running))
    return "\n".join(terminal_safe(line) for line in lines)  # names as typed: control characters escaped


def _short(name: str) -> str:
    return name if len(name) <= RUNNING_NAME_CHARS else name[: RUNNING_NAME_CHARS - 1] + "…"


def whole_fraction(progress: QueueProgress) -> float:
    if not progress.total:
        return 0.0
    finished = progress.done + progress.failed + progress.skipped
    return (finished + sum(f for _name, f in progress.running)) / progress.total


def details_text(row: QueueRow | None) -> str:
    """What the highlighted entry is and what can be done with it (a failure's reason in full)."""
    if row is None:
        return ""
    first = f"{row.session_id} · {row.master} · from {row.source}"
    second = {
        "to pick": "Waits for its scenes to be picked: enter opens the picker.",
        "waiting": "Waits its turn: K/J move it, p holds it.",
        "held": "Held: passed over until p releases it.",
        "running": "Processing: enter watches it, p pauses it.",
        "paused": "Paused: enter opens it (r resumes it there).",
        "interrupted": "Its process is gone: the queue takes it again, or enter and r resume it.",
        "done": "Done: every output verified and recorded.",
    }.get(row.shown, "")
    if row.shown in ("failed", "skipped"):
        second = f"{row.shown.capitalize()}: {row.reason or 'no reason recorded'}"
    return f"{terminal_safe(first)}\n{terminal_safe(second)}"


class QueueScreen(WorkerErrors, Screen):
    CSS_PATH = "queue.tcss"
    TITLE = "Queue"
    HELP = (
        "The machine's one queue of sessions, in the order they run: batches, the watch folder, vat run and\n"
        "the sessions processed from here. Pending entries (waiting, to pick, held) can be moved up and\n"
        "down, held (passed over) and released; a running one can be paused (it is held: p again lets it\n"
        "continue). Removing an entry takes it out of line only: the session stays in Sessions.\n\n"
        "The line above the list counts the sessions done of all, and estimates the time left for the\n"
        "running and waiting ones from this queue's own speed (the sessions it has done, by the length of\n"
        "their masters, else the running one's pace): ETA unknown until one is measured. Held and to-pick\n"
        "entries wait for a person and are not counted."
    )
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True, id="queue-open"),  # over the table's hidden enter
        Binding("K,shift+up", "move(-1)", "Up", id="queue-up"),
        Binding("J,shift+down", "move(1)", "Down", id="queue-down"),
        Binding("p", "hold", "Hold", id="queue-hold"),  # a running one: paused, then held
        Binding("x,delete", "remove", "Remove", id="queue-remove"),
        Binding("c", "clear_finished", "Clear", id="queue-clear"),
        Binding("r", "refresh", "Refresh", show=False, id="queue-refresh"),
        Binding("escape", "back", "Back", id="queue-back"),
    ]

    def __init__(self, select: str | None = None, now: Callable[[], datetime] | None = None) -> None:
        """`select`: the session to highlight first; `now` (tests): a fixed clock."""
        super().__init__()
        self.now = now or (lambda: datetime.now(timezone.utc))
        self.rows: list[QueueRow] = []
        self.widths: tuple[int, int] | None = None
        self._select = select

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressBar(total=100, show_eta=False, id="queue-bar")
        yield Static("", id="queue-summary", markup=False)
        table = VimTable(id="queue-table")
        self._add_columns(table, column_widths(self.app.size.width))
        yield table
        yield Static("", id="queue-details", markup=False)
        yield Footer(compact=True)  # every key fits in 80 columns

    def _add_columns(self, table: DataTable, widths: tuple[int, int]) -> None:
        self.widths = widths
        table.add_column("#", key="position", width=FIXED_WIDTHS["position"])
        table.add_column("State", key="state", width=FIXED_WIDTHS["state"])
        table.add_column("Artwork", key="artwork", width=widths[0])
        table.add_column("Master", key="master", width=widths[1])
        table.add_column("From", key="source", width=FIXED_WIDTHS["source"])
        table.add_column("Added", key="added", width=FIXED_WIDTHS["added"])

    @property
    def table(self) -> VimTable:
        return self.query_one(VimTable)

    def on_mount(self) -> None:
        self.action_refresh()
        self.table.select_key(self._select)
        self._show_details()
        self.table.focus()
        self.set_interval(REFRESH_SECONDS, self._refresh_if_changed)

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def on_resize(self) -> None:
        widths = column_widths(self.size.width)
        if widths != self.widths:
            self.table.clear(columns=True)
            self._add_columns(self.table, widths)
            self.action_refresh()

    def _refresh_if_changed(self) -> None:
        if self.is_current and queue_rows(self.now()) != self.rows:
            self.action_refresh()

    def action_refresh(self) -> None:
        from db.settings import get_setting

        now = self.now()
        keep = self.table.selected_key
        self.rows = queue_rows(now)
        table = self.table
        table.clear()
        for index, row in enumerate(self.rows, 1):
            table.add_row(
                str(index),
                state_text(row),
                row.artwork,
                row.master,
                row.source,
                local_time(row.added_at),
                key=row.session_id,
            )
        table.select_key(keep)
        progress = queue_progress(self.rows, now, int(get_setting("concurrent_sessions") or 1))
        self.query_one("#queue-summary", Static).update(summary_text(progress))
        self.query_one("#queue-bar", ProgressBar).update(progress=percent(whole_fraction(progress)))
        table.border_title = f"{len(self.rows)} in the queue"
        self._show_details()

    def on_data_table_row_highlighted(self) -> None:
        self._show_details()

    def current(self) -> QueueRow | None:
        key = self.table.selected_key
        return next((row for row in self.rows if row.session_id == key), None)

    def _show_details(self) -> None:
        self.query_one("#queue-details", Static).update(details_text(self.current()))

    # --- keys ------------------------------------------------------------------------------------
    def action_open(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.stored == "to_pick":
            from tui.screens.picker import PickerScreen

            self.app.push_screen(PickerScreen(row.session_id))
            return
        from tui.screens.processing import ProcessingScreen

        self.app.push_screen(ProcessingScreen(row.session_id))

    def action_move(self, steps: int) -> None:
        row = self.current()
        if row is None:
            return
        if not row.pending:
            self.notify("Only a pending entry (waiting, to pick, held) moves.", severity="warning")
            return
        if queue.move(row.session_id, steps):
            self.action_refresh()

    def action_hold(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.shown == "running":
            self._ask_pause(row)
        elif row.stored == QUEUE_HELD:
            if queue.release(row.session_id):
                self.notify(f"{markup_safe(row.artwork)} waits its turn again.")
                _move_queue_on()
        elif row.stored == QUEUE_WAITING:
            if queue.hold(row.session_id):
                self.notify(f"{markup_safe(row.artwork)} is held: p releases it.")
        else:
            self.notify(f"A {row.shown} entry cannot be held.", severity="warning")
        self.action_refresh()

    def _ask_pause(self, row: QueueRow) -> None:
        from tui.screens.confirm import ConfirmScreen

        self.app.push_screen(
            ConfirmScreen(
                f"Pause the processing of '{row.artwork}' now? Finished outputs are kept; it stays in the queue, "
                "held, until p releases it.",
                title="Pause processing?",
                yes="Pause",
                no="Keep going",
                danger=True,
            ),
            lambda yes: self._pause(row) if yes else None,
        )

    def _pause(self, row: QueueRow) -> None:
        from core.pipeline.background import request_stop

        # held first: a runner that sees its worker end must not take it again at once
        queue.set_state(row.session_id, QUEUE_HELD)
        if request_stop(row.session_id):
            self.notify(f"Pausing {markup_safe(row.artwork)}: held in the queue, p releases it.")
        else:
            self.notify(f"{markup_safe(row.artwork)} was not running any more: held in the queue.")
        self.action_refresh()

    def action_remove(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        row = self.current()
        if row is None:
            return
        if row.stored == QUEUE_RUNNING and row.shown == "running":
            self.notify("This session is processing: pause it (p) before removing it.", severity="warning")
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Take '{row.artwork}' ({row.session_id}) out of the queue? The session itself stays in Sessions.",
                title="Remove from the queue?",
                yes="Remove",
                no="Keep",
            ),
            lambda yes: self._remove(row) if yes else None,
        )

    def _remove(self, row: QueueRow) -> None:
        if row.stored == QUEUE_RUNNING:  # its worker is gone (shown paused, interrupted, done...)
            queue.set_state(row.session_id, QUEUE_HELD)
        if queue.remove(row.session_id):
            self.notify(f"{markup_safe(row.artwork)} is out of the queue (the session stays).")
        self.action_refresh()

    def action_clear_finished(self) -> None:
        # entries whose worker ended without a runner to record it: recorded as they are shown
        for row in self.rows:
            if row.stored == QUEUE_RUNNING and row.finished:
                queue.set_state(row.session_id, row.shown, row.reason or None)
        count = queue.clear_finished()
        self.notify(f"Cleared {count} finished entr{'y' if count == 1 else 'ies'}." if count else "Nothing finished.")
        self.action_refresh()

    def action_back(self) -> None:
        self.dismiss()


def _move_queue_on() -> None:
    from tui.queue_start import move_queue_on

    move_queue_on()

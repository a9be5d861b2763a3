"""The Textual app and its factory, shared by the command line and the tests."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.logging import TextualHandler
from textual.screen import Screen
from textual.theme import Theme

from core import logs
from core.errors import VatError
from core.text import terminal_safe
from tui.safe_text import markup_safe
from tui.screens.confirm import ConfirmScreen, MessageScreen
from tui.screens.help import HelpScreen, is_vats
from tui.screens.home import SessionsScreen
from tui.widgets.list_keys import MOVE_ACTIONS
from tui.worker_threads import QuitFastExecutor

log = logging.getLogger("vat.tui")

# Screens imported only when first opened (start-up stays quick): (module, class, title).
OTHER_SCREENS = {
    "presets": ("tui.screens.presets", "PresetsScreen", "Presets"),
    "history": ("tui.screens.history", "HistoryScreen", "History"),
    "settings": ("tui.screens.settings", "SettingsScreen", "Settings"),
    "queue": ("tui.screens.queue", "QueueScreen", "Queue"),
    "catalogue": ("tui.screens.catalogue", "CatalogueScreen", "Catalogue"),
}


class VatApp(App[int]):
    TITLE = "vat"
    SUB_TITLE = "Video Archive Tool"
    # app-wide rules (the focus border); absolute, as a subclass in another folder (tests) would look there
    CSS_PATH = str(Path(__file__).with_name("vat.tcss"))
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit-ctrl"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("f1", "help", "Help", show=False, id="help-f1"),  # reachable while typing in a field
        # Priority: focus moves as the app reads the key, in the order typed. Textual's own tab binding
        # acts only once the key has come back unused from the focused field, and by then a burst of
        # typing (a paste of keys, tmux send-keys) has already been handed to the old field.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(self, *, cursor_blink: bool = True):
        super().__init__()
        self.cursor_blink = cursor_blink  # tests turn it off: snapshots must not depend on the blink phase
        self.started_here: set[str] = set()  # sessions this TUI started detecting or processing (q asks)
        # each session's picker undo history (tui.picker_selection), kept while the app runs: leaving
        # the picker and coming back keeps ctrl+z
        self.pick_histories: dict[str, object] = {}
        self._terminal_log: list[logging.Handler] = []
        self._textual_log: logging.Handler | None = None

    def _log_away_from_the_terminal(self) -> None:
        """-v's stderr handler would write over the screen: while the app runs, records go to the
        log file and, with -v, to Textual's own handler (seen with `textual console`)."""
        self._terminal_log = logs.pause_terminal()
        if self._terminal_log:
            self._textual_log = TextualHandler(stderr=False)  # a thread outside the app's context: file only
            self._textual_log.setFormatter(logging.Formatter(logs.FORMAT))
            logging.getLogger().addHandler(self._textual_log)

    def on_unmount(self) -> None:
        if self._textual_log is not None:
            logging.getLogger().removeHandler(self._textual_log)
            self._textual_log = None
        logs.resume_terminal(self._terminal_log)
        self._terminal_log = []

    def on_mount(self) -> None:
        # Thread workers on daemon threads: q never waits for a thumbnail being decoded (worker_threads)
        asyncio.get_running_loop().set_default_executor(QuitFastExecutor())
        self._log_away_from_the_terminal()
        self._use_theme_setting()
        self.push_screen(SessionsScreen())  # pushed (not the default screen) so its CSS_PATH loads
        self.call_after_refresh(self._start_watcher)  # after the first screen is drawn: no slower start
        # The ~100k objects alive after start-up (Textual, Rich, PyAV) never die: out of the collector's
        # sight, full collections stop pausing keys for up to 150 ms (bench/picker.py).
        gc.freeze()

    def _start_watcher(self) -> None:
        """watch_enabled: `vat watch` on watch_folder, detached (it outlives the TUI), unless one runs."""
        from core.pipeline.watch_service import ensure_started

        try:
            ensure_started()
        except Exception as exc:  # the TUI works without it: said and logged, never fatal
            log.warning("the watch folder's watcher did not start: %s", exc, exc_info=not isinstance(exc, VatError))
            self.notify(f"vat watch did not start: {markup_safe(terminal_safe(exc))}", severity="warning")

    def _use_theme_setting(self) -> None:
        """ui_theme is the TUI's theme; one picked from the command palette ("Change theme") becomes it."""
        from db.settings import get_setting

        theme = get_setting("ui_theme")
        if theme in self.available_themes:
            self.theme = theme
        else:  # a theme a newer Textual dropped: its default rather than no TUI
            log.warning("ui_theme %r is not a theme of this Textual; using %s", theme, self.theme)
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: Theme) -> None:
        from db.setting_rules import TEXTUAL_THEMES
        from db.settings import get_setting, set_setting

        if theme.name in TEXTUAL_THEMES and theme.name != get_setting("ui_theme"):
            set_setting("ui_theme", theme.name)

    # --- navigation -------------------------------------------------------------------------
    def action_sessions(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, SessionsScreen):
            self.pop_screen()

    def action_new_session(self) -> None:
        from tui.screens.new_session import NewSessionScreen

        if not isinstance(self.screen, NewSessionScreen):
            self.push_screen(NewSessionScreen())

    def action_open(self, which: str) -> None:
        module, name, _title = OTHER_SCREENS[which]
        screen_class = getattr(importlib.import_module(module), name)
        if not isinstance(self.screen, screen_class):
            self.push_screen(screen_class())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    # --- quitting ---------------------------------------------------------------------------
    def running_started_here(self) -> list[str]:
        from core.pipeline.background import running_pid, started_alive

        return sorted(s for s in self.started_here if started_alive(s) or running_pid(s) is not None)

    async def action_quit(self) -> None:
        if isinstance(self.screen, ConfirmScreen) and self.screen.id == "quit-confirm":
            return  # ctrl+q (a priority key) pressed again while the question is open
        running = self.running_started_here()
        if not running:
            self.exit(0)
            return
        work = "; ".join(self._work_of(session_id) for session_id in running)
        question = (
            f"vat is still working: {work}. It goes on in the background after vat closes; "
            "open vat again to watch it. Quit now?"
        )
        dialog = ConfirmScreen(question, title="Quit vat?", yes="Quit", no="Stay")
        dialog.id = "quit-confirm"
        self.push_screen(dialog, lambda ok: self.exit(0) if ok else None)

    @staticmethod
    def _work_of(session_id: str) -> str:
        """'scene detection of 'Name'' or 'processing of 'Name'': what runs for the session."""
        from core.pipeline import detached_detection
        from db.models import ProcessingState

        row = ProcessingState.get_or_none(ProcessingState.session_id == session_id)
        if row is None:
            return session_id
        what = "scene detection" if detached_detection.pending(row) is not None else "processing"
        return f"{what} of '{terminal_safe(row.artwork_name)}'"

    # --- the one error path for workers (screens forward Worker.StateChanged here) ----------
    def report_error(self, error: BaseException | None, during: str = "") -> None:
        if isinstance(error, VatError):  # the user can fix it and retry: a notification is enough
            self.notify(markup_safe(error), severity="error", timeout=10)
            return
        where = f" while {during}" if during else ""
        self.push_screen(
            MessageScreen(
                f"Unexpected error{where}:\n{type(error).__name__}: {error}\n\n"
                "Nothing was lost; see the log in vat's log folder.",
                title="Error",
            )
        )

    # --- command palette --------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Sessions", "Go to the list of sessions (open, resume, delete)", self.action_sessions)
        yield SystemCommand("New session", "Archive a master: choose the files, name, preset", self.action_new_session)
        for which, (_module, _name, title) in OTHER_SCREENS.items():
            yield SystemCommand(title, f"Open the {title.lower()} screen", partial(self.action_open, which))
        yield SystemCommand("Help", "Keys of this screen", self.action_help)
        seen: set[object] = {
            (screen, action)
            for action in (
                "quit",
                "help",
                "app.open('presets')",
                "app.open('history')",
                "app.open('settings')",
                "app.open('queue')",
                "app.open('catalogue')",
            )
        }
        # What the screen's keys do now (Textual's public view), then those of the focused widget and
        # its containers (the picker's range keys live on its scene list), less the cursor moves.
        active_bindings = list(screen.active_bindings.values())
        nodes = [active.node for active in active_bindings if active.node not in (screen, self)]
        for node in [screen, *dict.fromkeys(nodes)]:
            for active in active_bindings:
                binding = active.binding
                if active.node is not node or not is_vats(binding) or (node, binding.action) in seen:
                    continue
                if node is not screen and (not active.enabled or binding.action.split("(")[0] in MOVE_ACTIONS):
                    continue
                seen.add((node, binding.action))
                key = self.get_key_display(binding)
                yield SystemCommand(
                    binding.description, f"{key} on this screen", partial(self.run_action, binding.action, node)
                )
        # Of Textual's own (keys panel, maximize, screenshot...) only the theme: vat keeps it as ui_theme
        yield from (command for command in super().get_system_commands(screen) if command.title == "Theme")


def create_app(*, cursor_blink: bool = True) -> VatApp:
    from db.connection import open_database

    open_database()
    logs.use_level_setting()
    return VatApp(cursor_blink=cursor_blink)


def run_app() -> int:
    from tui import graphics

    graphics.decide()  # before Textual takes the terminal: nothing can ask it afterwards
    app = create_app()
    result = app.run()
    return int(result or 0)

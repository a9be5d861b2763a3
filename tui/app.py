"""The Textual app and its factory, shared by the command line and the tests."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from tui.screens.home import HomeScreen


class VatApp(App[int]):
    TITLE = "vat"
    SUB_TITLE = "Video Archive Tool"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="quit-ctrl"),
    ]

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())


def create_app() -> VatApp:
    from db.connection import open_database

    open_database()
    return VatApp()


def run_app() -> int:
    app = create_app()
    result = app.run()
    return int(result or 0)

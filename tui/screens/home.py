"""Home: the starting screen (the sessions list arrives with the TUI issue)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class HomeScreen(Screen):
    CSS_PATH = "home.tcss"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="welcome"):
            yield Static("vat — Video Archive Tool", id="title")
            yield Static("Headless for now: vat detect MASTER, vat doctor. Press q to quit.", id="hint")
        yield Footer()

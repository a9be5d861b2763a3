"""? on any screen: what the screen is for and every key it answers to (built from its bindings)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.widgets.list_keys import MOVE_SUMMARY, NAV_PREFIX, scroll_keys

HelpScroll = scroll_keys(VerticalScroll)


def is_vats(binding: Binding) -> bool:
    """vat's own keys carry an id; Textual's (copy, focus, scroll, a table's cursor) do not."""
    return bool(binding.id and binding.description)


def key_table(app: App, bindings: Iterable[ActiveBinding]) -> Table:
    """One row per action: all its keys, its description; the list keys as one "Move" row. Only
    vat's keys. `bindings` come from Screen.active_bindings, which has already given each key to the
    binding that takes it (a priority binding over the table's enter) and left out the actions the
    screen disables."""
    rows: dict[tuple[str, str], list[str]] = {}
    for active in bindings:
        binding = active.binding
        if not is_vats(binding):
            continue
        if binding.id and binding.id.startswith(NAV_PREFIX):
            rows.setdefault((MOVE_SUMMARY, "nav"), [])
            continue
        keys = rows.setdefault((binding.description, binding.action), [])
        shown = app.get_key_display(Binding(binding.key, binding.action))
        if shown not in keys:
            keys.append(shown)
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column("keys", style="bold", no_wrap=True)
    table.add_column("action")
    for (description, action), keys in rows.items():
        if action == "nav":  # keys and words in one line: "Move: j/k ↑/↓, ..."
            table.add_row("", description)
        else:
            table.add_row(" ".join(keys), description)
    return table


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help-close")]

    def __init__(self, target: Screen):
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        target = self.target
        focused_chain = list(reversed(target.focused.ancestors_with_self)) if target.focused else []
        sources = [w for w in focused_chain if w is not target and w is not self.app]
        title = getattr(target, "TITLE", None) or type(target).__name__
        with HelpScroll(id="help"):
            yield Static(Text(f"Help: {title}", style="bold"), id="help-title")
            text = getattr(target, "HELP", "")
            if text:  # written with line breaks for the source: one paragraph per blank line, wrapped here
                paragraphs = [" ".join(part.split()) for part in text.split("\n\n")]
                yield Static("\n\n".join(paragraphs), id="help-text", markup=False)
            active = list(target.active_bindings.values())
            # The screen's keys first, then those of the focused widgets from the outside in.
            here = [binding for node in [target, *sources] for binding in active if binding.node is node]
            yield Static(key_table(self.app, here), id="help-screen-keys")
            everywhere = [binding for binding in active if binding.node is self.app]
            if everywhere:  # none on a modal screen: the app's keys do not reach past it
                yield Static(Text("Everywhere", style="bold"), classes="help-heading")
                yield Static(key_table(self.app, everywhere), id="help-app-keys")
            yield Static(
                "ctrl+p opens the command palette: every screen and action by name.  escape closes this help.",
                classes="help-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#help").focus()  # the list keys scroll the help

    def action_close(self) -> None:
        self.dismiss(None)

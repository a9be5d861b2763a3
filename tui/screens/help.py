"""? on any screen: what the screen is for and every key it answers to (built from its bindings)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def key_table(app, sources) -> Table:
    """One row per action: all its keys, its description. Bindings without a description are skipped,
    and so are those whose key a priority binding of another source takes first (the table's enter)."""
    rows: dict[tuple[str, str], list[str]] = {}
    taken = {key: node for node in sources for key, bindings in node._bindings.key_to_bindings.items()
             if any(binding.priority for binding in bindings)}
    for node in sources:
        for key, bindings in node._bindings.key_to_bindings.items():
            for binding in bindings:
                if not binding.description or taken.get(key, node) is not node:
                    continue
                keys = rows.setdefault((binding.description, binding.action), [])
                shown = app.get_key_display(Binding(key, binding.action))
                if shown not in keys:
                    keys.append(shown)
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column("keys", style="bold", no_wrap=True)
    table.add_column("action")
    for (description, _action), keys in rows.items():
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
        with VerticalScroll(id="help"):
            yield Static(Text(f"Help: {title}", style="bold"), id="help-title")
            text = getattr(target, "HELP", "")
            if text:  # written with line breaks for the source: one paragraph per blank line, wrapped here
                paragraphs = [" ".join(part.split()) for part in text.split("\n\n")]
                yield Static("\n\n".join(paragraphs), id="help-text", markup=False)
            yield Static(key_table(self.app, [target, *sources]), id="help-screen-keys")
            yield Static(Text("Everywhere", style="bold"), classes="help-heading")
            yield Static(key_table(self.app, [self.app]), id="help-app-keys")
            yield Static("ctrl+p opens the command palette: every screen and action by name.  "
                         "escape closes this help.", classes="help-hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)

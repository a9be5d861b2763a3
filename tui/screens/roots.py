"""Storage roots (reached from Settings with r): each root's path on this machine and whether it is
reachable there; a adds a root (or moves one here), d removes one. `vat roots` does the same."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Input, Label, Static

from core.catalogue import roots as storage
from core.errors import BadInput
from tui.safe_text import terminal_safe
from tui.screens.confirm import ConfirmScreen
from tui.widgets.form_input import FormInput
from tui.widgets.vim_table import VimTable


def state_text(check: storage.RootCheck) -> Text:
    if check.path is None:
        under = f": {len(check.sessions)} session(s) under it" if check.sessions else ""
        return Text(f"not mounted here{under}", style="bold red" if check.failed else "yellow")
    if check.failed:
        return Text(check.problem, style="bold red")
    return Text("ok" if check.writable else check.problem.split(":")[0], style="green" if check.writable else "yellow")


class RootsScreen(Screen):
    CSS_PATH = "roots.tcss"
    TITLE = "Storage roots"
    HELP = (
        "Named storage roots (a NAS) with their path on this machine. A path stored under any path a root "
        "ever had, on any machine, is found under its path here: verify, History and resume work after the "
        "archive moves. a adds a root, or gives one its new path here (it moved); d removes one (the stored "
        "paths stay); r checks again whether each is reachable. `vat roots` does the same headless."
    )
    BINDINGS = [
        Binding("a", "add", "Add", id="roots-add"),
        Binding("d", "remove", "Remove", id="roots-remove"),
        Binding("r", "refresh", "Check", id="roots-check"),
        Binding("escape", "back", "Back", id="roots-back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VimTable(id="roots-table")
        yield Static(f"This machine: {terminal_safe(storage.this_host())}", id="roots-host", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(VimTable)
        table.add_columns("Root", "Path here", "State")
        self.action_refresh()
        table.focus()

    def action_refresh(self) -> None:
        self.query_one(VimTable).border_title = "checking…"
        self._check()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check(self) -> None:
        # in a thread: a NAS that has gone away can take its time to say so
        checks = storage.check()
        self.app.call_from_thread(self._show, checks)

    def _show(self, checks: list[storage.RootCheck]) -> None:
        table = self.query_one(VimTable)
        keep = table.selected_key
        table.clear()
        for check in checks:
            table.add_row(check.name, terminal_safe(check.path or "-"), state_text(check), key=check.name)
        table.select_key(keep)
        failed = sum(c.failed for c in checks)
        table.border_title = f"{len(checks)} root(s)" + (f" · {failed} with a problem" if failed else "")

    def action_add(self) -> None:
        self.app.push_screen(AddRootDialog(), self._added)

    def _added(self, message: str | None) -> None:
        if message:
            self.notify(message)
            self.action_refresh()

    def action_remove(self) -> None:
        name = self.query_one(VimTable).selected_key
        if name is None:
            self.notify("No root to remove.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                storage.remove(name)
                self.notify(f"Root {name} removed; stored paths are unchanged.")
                self.action_refresh()

        question = f"Remove root {name} and its paths on every machine? Paths stored under it stay as they are."
        self.app.push_screen(ConfirmScreen(question, title="Remove root", yes="Remove", danger=True), answered)

    def action_back(self) -> None:
        self.dismiss()


class AddRootDialog(ModalScreen[str | None]):
    """A root's name and its path on this machine; dismisses with what was done, None when cancelled."""

    CSS_PATH = "roots.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="root-add-cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="root-box"):
            yield Label("Add a storage root", id="root-title")
            yield Label("Name (letters, digits, _ -); the same name again: the root moved here", classes="hint")
            # bordered, not compact: an empty compact field has the box's own colour and cannot be seen
            yield FormInput(id="root-name", placeholder="NAS", compact=False)
            yield Label("Its path on this machine (an existing folder)", classes="hint")
            yield FormInput(id="root-path", placeholder="/mnt/nas/archive", compact=False)
            yield Static("", id="root-error", markup=False)
            yield Label("[b]enter[/b] add   [b]escape[/b] cancel", classes="hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        if event.input.id == "root-name":
            self.query_one("#root-path", Input).focus()
            return
        name = self.query_one("#root-name", Input).value.strip()
        path = self.query_one("#root-path", Input).value.strip()
        try:
            if not path:
                raise BadInput("give the root's path on this machine")
            added = storage.add(name, path)
        except BadInput as exc:
            error = self.query_one("#root-error", Static)
            error.update(exc.message)
            error.display = True
            return
        if added.unchanged:
            self.dismiss(f"Root {added.name} is already at {added.path}.")
        elif added.previous:
            self.dismiss(f"Root {added.name} moved here: {added.previous} → {added.path}")
        else:
            self.dismiss(f"Root {added.name}: {added.path}")

    def action_cancel(self) -> None:
        self.dismiss(None)

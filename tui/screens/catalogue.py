"""Catalogue: one search across every project and output (core/catalogue/search.py, as `vat find`).
Words find the artwork, titles, notes, credits, tags, ids and file names; `tag:T`, `kind:K` and
`since:YY-MM-DD` in the field are filters. The matching projects are listed; the stills among the
highlighted project's matches are shown as pictures below (read in a worker); enter opens the
project's history detail."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from core.catalogue.search import STILL_KINDS, FoundProject, parse_query, search, stored_path
from core.errors import VatError
from tui.formatting import counted
from tui.safe_text import plain, terminal_safe
from tui.screens.base import WorkerErrors
from tui.widgets.form_input import FormInput
from tui.widgets.picture import Picture
from tui.widgets.vim_table import VimTable

PICTURES = 4  # stills shown side by side under the list
SHOWN_PROJECTS = 500  # the list's length: a search that finds more says so
PICTURE_WIDTH = 320  # pixels read per still: enough for a quarter of the widest terminal


@dataclass
class Searched(Message):
    line: str
    found: list[FoundProject]
    error: str | None = None


@dataclass
class StillsRead(Message):
    session_id: str
    stills: list[tuple[str, Image.Image | None]]  # (caption, picture or None when unreadable)


class CatalogueScreen(WorkerErrors, Screen):
    CSS_PATH = "catalogue.tcss"
    TITLE = "Catalogue"
    HELP = (
        "Every project and output. Type words (all must match: artwork, scene titles, notes, credits, "
        'tags, ids, file names) and enter; tag:artist:Jane (quotes keep spaces: tag:"artist:Jane Doe"), '
        "kind:still_web and since:26-01-01 filter. The list shows the matching projects; below, the stills "
        "among the highlighted project's matches. enter opens the project; / goes back to the search."
    )
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True, id="catalogue-open"),
        Binding("slash", "search", "Search", key_display="/", id="catalogue-search"),
        Binding("escape", "back", "Back", id="catalogue-back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, FoundProject] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield FormInput(placeholder="words, tag:artist:Jane, kind:still_web, since:26-01-01", id="catalogue-input")
        yield Static("", id="catalogue-status", markup=False)
        yield VimTable(id="catalogue-table")
        with Horizontal(id="catalogue-stills"):
            for i in range(PICTURES):
                with Vertical(classes="still"):
                    yield Picture(placeholder="", id=f"catalogue-picture-{i}")
                    yield Static("", id=f"catalogue-caption-{i}", classes="caption", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(VimTable).add_columns("Date", "Artwork", "Matches", "Tags / ids")
        self.query_one("#catalogue-input", Input).focus()
        self.run_search("")

    # --- searching ------------------------------------------------------------------------------
    @on(Input.Submitted, "#catalogue-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_search(event.value)
        self.query_one(VimTable).focus()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False, name="searching the catalogue")
    def run_search(self, line: str) -> None:
        from db.connection import database

        try:
            self.post_message(Searched(line, search(parse_query(line), limit=SHOWN_PROJECTS)))
        except VatError as exc:  # a bad kind: or since: said where the count goes
            self.post_message(Searched(line, [], exc.message))
        finally:
            database.close()  # this worker thread's connection

    def on_searched(self, message: Searched) -> None:
        table = self.query_one(VimTable)
        table.clear()
        self.found = {p.session_id: p for p in message.found}
        for project in message.found:
            table.add_row(
                project.project_date,
                project.artwork,
                str(len(project.outputs)),
                ", ".join(project.tags + project.ids),
                key=project.session_id,
            )
        outputs = sum(len(p.outputs) for p in message.found)
        more = f" (the first {SHOWN_PROJECTS})" if len(message.found) == SHOWN_PROJECTS else ""
        status = message.error or f"{counted(len(message.found), 'project')}{more}, {counted(outputs, 'output')}"
        if not message.error and not message.found:
            status = "no match"
        self.query_one("#catalogue-status", Static).update(plain(status))
        self._show_stills(table.selected_key)

    # --- the stills of the highlighted project ---------------------------------------------------
    @on(DataTable.RowHighlighted, "#catalogue-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_stills(event.row_key.value if event.row_key else None)

    def _show_stills(self, session_id: str | None) -> None:
        project = self.found.get(session_id or "")
        stills = [o for o in project.outputs if o.kind in STILL_KINDS] if project else []
        # one still per scene, the web one first: the same scene twice says nothing more
        by_scene: dict[object, str] = {}
        for kind in STILL_KINDS:
            for output in stills:
                if output.kind == kind:
                    by_scene.setdefault(output.scene if output.scene is not None else output.path, output.path)
        paths = list(by_scene.values())[:PICTURES]
        for i in range(PICTURES):
            self.query_one(f"#catalogue-picture-{i}", Picture).set_image(None, "reading…" if i < len(paths) else "")
            self.query_one(f"#catalogue-caption-{i}", Static).update("")
        self.read_stills(session_id or "", paths)

    @work(thread=True, exclusive=True, group="stills", exit_on_error=False, name="reading the stills")
    def read_stills(self, session_id: str, paths: list[str]) -> None:
        worker = get_current_worker()
        read: list[tuple[str, Image.Image | None]] = []
        for stored in paths:
            if worker.is_cancelled:
                return
            path = stored_path(stored)
            try:
                with Image.open(path) as image:
                    image.draft("RGB", (PICTURE_WIDTH, PICTURE_WIDTH))  # JPEG: decoded small, quickly
                    picture = image.convert("RGB")
                picture.thumbnail((PICTURE_WIDTH, PICTURE_WIDTH))
            except (OSError, ValueError):  # moved, unreadable: said in its caption
                picture = None
            read.append((path.name, picture))
        if not worker.is_cancelled:
            self.post_message(StillsRead(session_id, read))

    def on_stills_read(self, message: StillsRead) -> None:
        if message.session_id != (self.query_one(VimTable).selected_key or ""):
            return  # the cursor moved on meanwhile
        for i, (name, picture) in enumerate(message.stills):
            self.query_one(f"#catalogue-picture-{i}", Picture).set_image(picture, "" if picture else "unreadable")
            self.query_one(f"#catalogue-caption-{i}", Static).update(terminal_safe(name))

    # --- keys --------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.focused is self.query_one(VimTable)  # enter in the field searches
        return True

    def action_open(self) -> None:
        from db.models import ProjectHistory
        from tui.screens.history_detail import HistoryDetailScreen

        key = self.query_one(VimTable).selected_key
        if key is None:
            self.notify("No project to open.", severity="warning")
            return
        history = ProjectHistory.get_or_none(ProjectHistory.session == key)
        if history is None:
            self.notify("This project has not completed yet: open it from Sessions.", severity="warning")
            return
        self.app.push_screen(HistoryDetailScreen(history.id))

    def action_search(self) -> None:
        self.query_one("#catalogue-input", Input).focus()

    def action_back(self) -> None:
        self.dismiss()

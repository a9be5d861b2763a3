"""One completed project (or an archived one): its summary (with its tags and ids, edited with l),
output files with their fixity (the last `vat verify`), operation timings and errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from core.catalogue.pack_check import CHANGED, DELIVERED, pack_states
from core.catalogue.roots import resolve
from core.pipeline.fixity import MISSING, OK, UNREADABLE
from db.models import FileRegistry, OperationLog, Pack, ProjectHistory, ProjectHistoryArchive
from tui.display import bytes_text, megabytes_text, number_text, seconds_text
from tui.fixity_view import FAILED_STATES, checked_text, state_text, summary_line
from tui.safe_text import terminal_safe
from tui.widgets.vim_table import VimTable


def shown_path(path: str, root: str) -> str:
    """A file path relative to the project's output folder when it lies inside it (both as they are on
    this machine: either may have been stored before the archive moved)."""
    here = resolve(path)
    try:
        return str(here.relative_to(resolve(root)))
    except ValueError:
        return str(here)


def summary_text(
    project: ProjectHistory | ProjectHistoryArchive,
    files: list[FileRegistry] | None = None,
    labels: str = "",
    packs: list[tuple[Pack, str]] | None = None,
) -> Text:
    """`labels`: the project's tags and external ids, one line (labels_of); `packs`: each delivery
    pack with its state (pack_states), counted on the Fixity line."""
    status = "completed successfully" if project.completed_successfully else "completed with failures"
    done = f" on {project.completed_at:%Y-%m-%d %H:%M} UTC" if project.completed_at else ""
    master = " · ".join(
        part
        for part in (
            project.master_filename,
            project.master_resolution,
            number_text(project.master_fps, " fps", 2),
            project.master_codec,
            seconds_text(project.master_duration),
            megabytes_text(project.master_size_mb),
        )
        if part and part != "-"
    )
    gpu = " (GPU)" if project.gpu_accelerated else ""
    counts = (
        f"{project.scenes_exported or 0}/{project.scenes_detected or 0} scenes · "
        f"{project.stills_created or 0} stills · {project.clips_created or 0} clips · "
        f"{project.rd_files_processed or 0} R&D · {project.total_files_created or 0} files, "
        f"{megabytes_text(project.total_output_size_mb)} · ratio {number_text(project.compression_ratio, ':1')}"
        f" · {seconds_text(project.total_processing_time_seconds)}"
        f" · {number_text(project.average_fps_processed, ' fps')}"
    )
    text = Text()
    text.append(terminal_safe(project.artwork_name), style="bold")
    text.append(
        f"  {project.project_date} · {status}{done}\n", style="green" if project.completed_successfully else "red"
    )
    for label, value in (
        ("Output", str(resolve(project.output_path))),  # where it is on this machine (storage roots)
        ("Master", master),
        ("Preset", f"{project.preset_used or '-'} · encoder {project.encoder_used or '-'}{gpu}"),
        ("Made", counts),
        *([("Fixity", summary_line(files) + packs_line(packs or []))] if files is not None else []),
        *([("Tags", labels)] if labels else []),
    ):
        text.append(f"{label:<7}", style="bold")
        text.append(f"{terminal_safe(value)}\n")
    text.rstrip()
    return text


def packs_line(packs: list[tuple[Pack, str]]) -> str:
    """' · 4 packs: 2 ok, 1 missing, 1 changed' (nothing without packs)."""
    if not packs:
        return ""
    states = Counter(state for _, state in packs)
    order = [OK, MISSING, CHANGED, UNREADABLE, DELIVERED]
    parts = ", ".join(f"{states[name]} {name}" for name in order if states[name])
    return f" · {len(packs)} pack{'s' * (len(packs) != 1)}: {parts}"


def labels_of(session_id: str) -> str:
    from core.catalogue.external_ids import ids_of
    from core.catalogue.tags import tags_of

    return ", ".join(tags_of(session_id) + ids_of(session_id))


class HistoryDetailScreen(Screen):
    CSS_PATH = "history_detail.tcss"
    TITLE = "Project"
    HELP = (
        "One completed project: where its outputs are, what was made, each file registered (f) with its "
        "last fixity check (vat verify: ok, missing, modified, corrupt, unreadable, or not checked), the time each "
        "operation took (t), what failed (e), and its delivery packs "
        "(p: vat pack; each ZIP with its state, file count, size, licence, and when it was made and last verified; "
        "the state is ok, missing, changed (another size than registered: vat verify compares the SHA-256) or "
        "delivered elsewhere (written outside the project folder and gone), and the Fixity line counts them). "
        "The ratio is the master's size over the deliverables' "
        "(stills, clips, thumbnails, R&D outputs; not the master copy, manifest or process log). l edits the "
        "project's tags and external ids (inventory numbers), which the Catalogue searches."
    )
    BINDINGS = [
        Binding("f", "tab('files')", "Files", id="project-files"),
        Binding("t", "tab('timings')", "Timings", id="project-timings"),
        Binding("e", "tab('errors')", "Errors", id="project-errors"),
        Binding("p", "tab('packs')", "Packs", id="project-packs"),
        Binding("l", "labels", "Tags", id="project-labels"),
        Binding("escape", "back", "Back", id="project-back"),
    ]

    def __init__(self, history_id: int, archived: bool = False) -> None:
        super().__init__()
        self.project = (ProjectHistoryArchive if archived else ProjectHistory).get_by_id(history_id)
        session = self.project.session_id
        self.files = list(FileRegistry.select().where(FileRegistry.session == session).order_by(FileRegistry.id))
        self.operations = list(
            OperationLog.select()
            .where(OperationLog.session == session)
            .order_by(OperationLog.sequence_number, OperationLog.id)
        )
        # each pack's state, cheaply (there, its registered size: the SHA-256 is vat verify's)
        self.packs = pack_states(session, Path(self.project.output_path))

    def compose(self) -> ComposeResult:
        failed = [op for op in self.operations if op.error_details or op.status == "failed"]
        bad_files = [row for row in self.files if row.check_state in FAILED_STATES]
        yield Header()
        summary = summary_text(self.project, self.files, labels_of(self.project.session_id), self.packs)
        yield Static(summary, id="project-summary")
        with TabbedContent(initial="files", id="project-tabs"):
            with TabPane(f"Files ({len(self.files)})", id="files"):
                yield VimTable(id="project-files-table")
            with TabPane(f"Timings ({len(self.operations)})", id="timings"):
                yield VimTable(id="project-timings-table")
            errors = len(failed) + len(bad_files) + bool(self.project.completion_notes)
            with TabPane(f"Errors ({errors})", id="errors"):
                yield Static(self._errors_text(failed, bad_files), id="project-errors-text")
            with TabPane(f"Packs ({len(self.packs)})", id="packs"):
                yield VimTable(id="project-packs-table")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Project {terminal_safe(self.project.artwork_name)}"
        files = self.query_one("#project-files-table", VimTable)
        files.add_columns("File", "Type", "Size", "Resolution", "Verified", "Check", "Checked", "Detail")
        for row in self.files:
            state = state_text(row)
            files.add_row(
                shown_path(row.file_path, self.project.output_path),
                row.file_type,
                bytes_text(row.file_size_bytes),
                row.resolution or "-",
                "yes" if row.verified else "no",
                Text(state, style="bold red" if state in FAILED_STATES else ""),
                checked_text(row.checked_at),
                terminal_safe(row.check_detail or ""),
            )
        timings = self.query_one("#project-timings-table", VimTable)
        timings.add_columns("#", "Operation", "Type", "Status", "Seconds")
        for op in self.operations:
            timings.add_row(
                str(op.sequence_number),
                op.operation_name,
                op.operation_type,
                op.status,
                number_text(op.duration_seconds, digits=2),
            )
        packs = self.query_one("#project-packs-table", VimTable)
        packs.add_columns("Pack", "State", "Files", "Size", "Licence", "Made", "Verified")
        for pack, state in self.packs:
            packs.add_row(
                terminal_safe(Path(pack.pack_path).name),
                Text(state, style="bold red" if state in (MISSING, CHANGED, UNREADABLE) else ""),
                str(pack.file_count),
                bytes_text(pack.size_bytes),
                terminal_safe(pack.licence or "-"),
                checked_text(pack.created_at),
                checked_text(pack.verified_at),
            )
        files.focus()

    def _errors_text(self, failed: list[OperationLog], bad_files: list[FileRegistry]) -> Text:
        text = Text()
        if self.project.completion_notes:
            text.append("Notes: ", style="bold")
            text.append(f"{self.project.completion_notes}\n")
        for op in failed:
            text.append(f"{op.operation_name} ({op.status}): ", style="bold red")
            text.append(f"{op.error_details or 'no message'}\n")
        for row in bad_files:  # the last fixity check found these wrong
            text.append(f"{shown_path(row.file_path, self.project.output_path)} ({row.check_state}", style="bold red")
            text.append(f", checked {checked_text(row.checked_at)} UTC): ", style="bold red")
            text.append(f"{terminal_safe(row.check_detail or 'no detail')}\n")
        text.rstrip()
        return text or Text("No errors.")

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        table_id = {
            "files": "#project-files-table",
            "timings": "#project-timings-table",
            "packs": "#project-packs-table",
        }.get(tab)
        if table_id:
            self.query_one(table_id).focus()

    def action_labels(self) -> None:
        from tui.screens.project_labels import ProjectLabelsScreen

        def saved(done: bool | None) -> None:
            if done:
                summary = summary_text(self.project, self.files, labels_of(self.project.session_id), self.packs)
                self.query_one("#project-summary", Static).update(summary)

        self.app.push_screen(ProjectLabelsScreen(self.project.session_id, self.project.artwork_name), saved)

    def action_back(self) -> None:
        self.dismiss()

"""New session: master, R&D folder, artwork, date, copyright, credits, tags, inventory number, preset,
output folder, encoder, detector.

Each field is checked as it is typed (the master is probed in a worker) and its message shown under
it; ctrl+s or enter checks everything again, creates the session and starts scene detection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Select, Static
from textual.worker import Worker

from core.detection.detectors import ALL_DETECTORS, DEFAULT_DETECTOR
from tui import form_checks
from tui.form_guard import GuardsItsForm
from tui.safe_text import terminal_safe
from tui.screens.base import WorkerErrors
from tui.widgets.form_input import FormInput
from tui.widgets.path_suggester import VIDEO_SUFFIXES, PathSuggester
from tui.widgets.tag_suggester import TagSuggester

CHECK_DELAY = 0.3  # seconds after the last key before a field is checked
FORM_FIELDS = (
    "master",
    "rd",
    "artwork",
    "date",
    "copyright",
    "credits",
    "tags",
    "inventory",
    "preset",
    "output",
    "encoder",
    "detector",
)


def today(on: date | None = None) -> str:
    return (on or date.today()).strftime("%y-%m-%d")


@dataclass
class FieldChecked(Message):
    field: str
    value: str
    error: str | None


@dataclass
class EncodersChecked(Message):
    nvenc_works: bool
    why: str


@dataclass
class FormRejected(Message):
    errors: dict


@dataclass
class SessionCreated(Message):
    session_id: str
    params: tuple


class NewSessionScreen(GuardsItsForm, WorkerErrors, Screen):
    CSS_PATH = "new_session.tcss"
    TITLE = "New session"
    # the first field takes the focus at once: the form, focused first by default, would restyle its
    # every field as it takes the focus and again as it gives it up (bench/startup.py)
    AUTO_FOCUS = "#master"
    HELP = (
        "Choose the master video and name the artwork; the rest has defaults. Path fields complete\n"
        "as you type (→ or end accepts), ctrl+o browses. ctrl+s (or enter) creates the session and\n"
        "detects its scenes."
    )
    BINDINGS = [
        Binding("ctrl+s", "submit", "Detect scenes", id="new-submit"),
        Binding("ctrl+o", "browse", "Browse", id="new-browse"),
        Binding("escape", "back", "Back", id="new-back"),
    ]

    def __init__(self, *, on: date | None = None, nvenc: tuple[bool, str] | None = None):
        """`on` (the default project date) and `nvenc` (whether NVENC works, and why) are for tests:
        by default today and a real test encode."""
        super().__init__()
        self.on, self.nvenc = on, nvenc
        self._check_timers: dict[str, Timer] = {}
        self._submitting = False
        self.touched: set[str] = set()
        self.initial: dict[str, str] = {}

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from core.pipeline.preset_store import default_preset_id, ensure_builtin_presets
        from db.queries import get_user_presets
        from db.settings import get_setting

        ensure_builtin_presets()
        presets = [(f"{p.preset_name}{' (default)' if p.is_default else ''}", p.preset_id) for p in get_user_presets()]
        last_master = get_setting("last_master_directory") or ""
        encoder = get_setting("encoder_preference")
        yield Header()
        with VerticalScroll(id="form"):
            yield Static("Archive a master video: ctrl+s (or enter) detects its scenes.", id="intro")
            yield from self._field(
                "master",
                "Master video",
                FormInput(
                    str(Path(last_master)) + "/" if last_master else "",
                    id="master",
                    placeholder="path to the master video file",
                    suggester=PathSuggester(suffixes=VIDEO_SUFFIXES),
                ),
                hint="→ accepts a completion · ctrl+o browses",
            )
            yield from self._field(
                "rd",
                "R&D folder",
                FormInput(
                    id="rd",
                    placeholder="optional: folder of research images and videos",
                    suggester=PathSuggester(folders_only=True),
                ),
            )
            yield from self._field("artwork", "Artwork name", FormInput(id="artwork", placeholder="as credited"))
            yield from self._field("date", "Project date", FormInput(today(self.on), id="date", placeholder="YY-MM-DD"))
            yield from self._field(
                "copyright",
                "Copyright",
                FormInput(
                    str(get_setting("copyright_text") or ""), id="copyright", placeholder="embedded in every output"
                ),
            )
            yield from self._field(
                "credits", "Credits", FormInput(id="credits", placeholder="optional: who made it, embedded too")
            )
            yield from self._field(
                "tags",
                "Tags",
                FormInput(
                    id="tags",
                    placeholder="optional: artist:Name, series:..., year:2024, a word",
                    suggester=TagSuggester(),
                ),
                hint="separated by commas · → accepts a tag already in use",
            )
            yield from self._field(
                "inventory",
                "Inventory no.",
                FormInput(id="inventory", placeholder="optional: INV-2024-001 (or scheme:value)"),
            )
            yield from self._field(
                "preset",
                "Preset",
                Select(presets, value=default_preset_id(), allow_blank=False, compact=True, id="preset"),
            )
            yield from self._field(
                "output",
                "Output folder",
                FormInput(
                    get_setting("last_output_directory") or str(Path.cwd()),
                    id="output",
                    placeholder="where the project folder goes",
                    suggester=PathSuggester(folders_only=True),
                ),
            )
            yield from self._field(
                "encoder",
                "Encoder",
                Select(
                    self._encoder_options(None, ""),
                    value=encoder if encoder in ("auto", "x264", "nvenc") else "auto",
                    allow_blank=False,
                    compact=True,
                    id="encoder",
                ),
                hint="checking whether NVENC works here…",
            )
            yield from self._field(
                "detector",
                "Scene detector",
                Select(
                    [(d, d) for d in ALL_DETECTORS],
                    value=DEFAULT_DETECTOR,
                    allow_blank=False,
                    compact=True,
                    id="detector",
                ),
            )
            yield Static("", id="form-status", markup=False)
        yield Footer()

    def _field(self, name: str, label: str, widget: Widget, hint: str = "") -> ComposeResult:
        with Vertical(classes="field", id=f"field-{name}"):
            with Horizontal(classes="row"):
                yield Label(label, classes="label")
                yield widget
            if hint:
                yield Static(hint, classes="hint", id=f"hint-{name}", markup=False)
            yield Static("", classes="error", id=f"error-{name}", markup=False)

    @staticmethod
    def _encoder_options(nvenc_works: bool | None, why: str) -> list[tuple[str, str]]:
        if nvenc_works is None:
            return [("auto", "auto"), ("x264 (CPU)", "x264"), ("nvenc (GPU)", "nvenc")]
        if nvenc_works:
            return [("auto: NVENC here", "auto"), ("x264 (CPU)", "x264"), ("nvenc (GPU): works here", "nvenc")]
        return [("auto: x264 here", "auto"), ("x264 (CPU)", "x264"), ("nvenc: does not work here", "nvenc")]

    def on_mount(self) -> None:
        self.initial = {field.id: field.value for field in self.query(Input) if field.id}
        self.call_after_refresh(self.remember_form)  # escape asks once something is typed
        # no .focus() here: AUTO_FOCUS has given the master field the focus already, and a deferred
        # focus would take it back from wherever keys typed meanwhile (tab) had moved it
        if self.nvenc is None:  # a test encode (a process) after the form and its footer are drawn
            self.call_after_refresh(self.call_after_refresh, self.check_encoders)
        else:
            self.post_message(EncodersChecked(*self.nvenc))

    # --- checking as the user types -------------------------------------------------------------
    @work(thread=True, exclusive=True, group="encoders", exit_on_error=False, name="checking NVENC")
    def check_encoders(self) -> None:
        from core.media.encoders import nvenc_status

        self.post_message(EncodersChecked(*nvenc_status()))

    def on_encoders_checked(self, message: EncodersChecked) -> None:
        select = self.query_one("#encoder", Select)
        value = select.value
        select.set_options(self._encoder_options(message.nvenc_works, message.why))
        select.value = value
        why = re.sub(r"^\[[^\]]*\]\s*", "", message.why)  # ffmpeg's "[out#0/null @ 0x...]" prefix
        hint = "NVENC works here (GPU encoding)" if message.nvenc_works else f"no NVENC here: {why}"
        self.query_one("#hint-encoder", Static).update(hint)

    @on(Select.Changed, "#detector")
    def _detector_changed(self, event: Select.Changed) -> None:
        """A learned detector without its extra is told at once (and refused on submitting)."""
        self._show_error("detector", form_checks.check_detector(str(event.value)))

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        if name not in form_checks.QUICK and name not in form_checks.SLOW:
            return
        if name not in self.touched and event.value == self.initial.get(name):
            return  # the default being filled in: nothing typed yet, nothing to complain about
        self.touched.add(name)
        if name in self._check_timers:
            self._check_timers[name].stop()
        self._check_timers[name] = self.set_timer(CHECK_DELAY, partial(self.check_field, name))

    def check_field(self, name: str) -> None:
        value = self.query_one(f"#{name}", Input).value
        if name in form_checks.SLOW:
            self.check_slow_field(name, value)
        else:
            self._show_error(name, form_checks.QUICK[name](value))

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False, name="probing the master")
    def check_slow_field(self, name: str, value: str) -> None:
        self.post_message(FieldChecked(name, value, form_checks.SLOW[name](value)))

    def on_field_checked(self, message: FieldChecked) -> None:
        if self.query_one(f"#{message.field}", Input).value == message.value:  # not typed over since
            self._show_error(message.field, message.error)

    def _show_error(self, name: str, error: str | None) -> None:
        self.query_one(f"#error-{name}", Static).update(terminal_safe(error or ""))
        self.query_one(f"#field-{name}").set_class(bool(error), "-invalid")

    # --- submitting ------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def values(self) -> dict[str, str]:
        fields = {
            name: self.query_one(f"#{name}", Input).value
            for name in ("master", "rd", "artwork", "date", "copyright", "credits", "tags", "inventory", "output")
        }
        for name in ("preset", "encoder", "detector"):
            fields[name] = str(self.query_one(f"#{name}", Select).value)
        return fields

    def action_submit(self) -> None:
        if self._submitting:
            return
        self._submitting = True
        self.query_one("#form-status", Static).update("Checking…")
        self.create_session(self.values())

    @work(thread=True, exclusive=True, group="submit", exit_on_error=False, name="creating the session")
    def create_session(self, values: dict[str, str]) -> None:
        from core.catalogue.external_ids import set_ids
        from core.catalogue.tags import set_tags, split_tags
        from core.errors import BadInput
        from core.pipeline import project_folder
        from core.pipeline.session import (
            SessionOptions,
            check_options,
            create_session,
            detection_parameters,
            new_session_id,
            project_root,
        )
        from db.connection import database

        try:
            checks = {
                **form_checks.QUICK,
                **form_checks.SLOW,
                "encoder": form_checks.check_encoder,
                "preset": form_checks.check_preset,
                "detector": form_checks.check_detector,
            }
            errors = {name: check(values[name]) for name, check in checks.items()}
            errors = {name: error for name, error in errors.items() if error}
            if errors:
                self.post_message(FormRejected(errors))
                return
            options = SessionOptions(
                master=Path(values["master"].strip()).expanduser(),
                artwork=values["artwork"],
                project_date=values["date"].strip() or None,
                rd_folder=Path(values["rd"].strip()).expanduser() if values["rd"].strip() else None,
                preset_id=values["preset"],
                out=Path(values["output"].strip()).expanduser(),
                encoder=values["encoder"],
                detector=values["detector"],
                copyright=values["copyright"],
                credits=values["credits"],
            )
            checked = check_options(options)
            session_id, root = new_session_id(checked), project_root(checked)
            try:  # never over an earlier session's archive (the command line's --replace is not offered here);
                # the folder's lock comes with processing: nothing is written before then
                project_folder.check_free(root, session_id, replace=False)
            except BadInput as exc:
                earlier = project_folder.earlier_sessions(root, session_id)
                why = (
                    f"{root.name} already holds session {earlier[0].session_id}: open it from Sessions, "
                    "or choose another date or output folder"
                    if earlier
                    else str(exc)
                )
                self.post_message(FormRejected({"output": why}))
                return
            session = create_session(checked, session_id)
            set_tags(session.session_id, split_tags(values["tags"]))  # checked above, with the form
            set_ids(session.session_id, split_tags(values["inventory"]))
            self.post_message(SessionCreated(session.session_id, detection_parameters(values["detector"], None, None)))
        finally:
            database.close()  # this worker thread's connection

    def on_form_rejected(self, message: FormRejected) -> None:
        self._submitting = False
        for name in FORM_FIELDS:
            if name in message.errors and name in self._check_timers:
                self._check_timers.pop(name).stop()  # a check still waiting must not wipe what submitting found
            self._show_error(name, message.errors.get(name))
        first = next(name for name in FORM_FIELDS if name in message.errors)
        self.query_one(f"#{first}").focus()
        count = len(message.errors)
        self.query_one("#form-status", Static).update(f"{count} field{'s' if count > 1 else ''} to fix")

    def on_session_created(self, message: SessionCreated) -> None:
        from tui.screens.detection import DetectionScreen

        self.app.switch_screen(DetectionScreen(message.session_id, *message.params))

    def worker_failed(self, worker: Worker) -> None:
        if worker.group == "submit":
            self._submitting = False
            self.query_one("#form-status", Static).update("")

    # --- other keys -------------------------------------------------------------------------------
    def action_browse(self) -> None:
        from tui.screens.file_picker import FilePickerScreen

        focused = self.focused.id if self.focused else None
        name = focused if focused in ("master", "rd", "output") else "master"
        field = self.query_one(f"#{name}", Input)
        self.app.push_screen(
            FilePickerScreen(field.value or self._remembered_folder(name), folders=name != "master"),
            partial(self._browsed, name),
        )

    @staticmethod
    def _remembered_folder(name: str) -> str:
        """Where browsing an empty field starts. The R&D field is never pre-filled (another artwork's
        R&D would be taken by mistake), but its folders usually sit side by side: start beside the last."""
        from db.settings import get_setting

        last_rd = get_setting("last_rd_directory") if name == "rd" else ""
        return str(Path(last_rd).parent) if last_rd else ""

    def _browsed(self, name: str, path: Path | None) -> None:
        if path is not None:
            field = self.query_one(f"#{name}", Input)
            field.value = str(path)
            field.focus()

    def action_back(self) -> None:
        self.leave_form(what="the new session")

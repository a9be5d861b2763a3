"""Edit one preset: every setting with its problems shown inline, and the ffmpeg arguments it produces."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Header, Input, Label, Select, Static

from core.errors import BadInput
from core.pipeline.preset_store import save_preset
from core.pipeline.presets import Preset
from tui.breakpoints import breakpoint_classes
from tui.preset_form import FIELDS, SECTIONS, FormField, build_preset, ffmpeg_preview, problems_by_field, value_of
from tui.preset_usage import unfinished_sessions_using
from tui.screens.confirm import ConfirmScreen
from tui.widgets.form_input import FormInput
from tui.widgets.glyph_checkbox import GlyphCheckbox


class PresetEditScreen(Screen[bool]):
    """Dismisses with True when the preset was saved. Built-ins open read-only."""

    CSS_PATH = "preset_edit.tcss"
    TITLE = "Edit preset"
    HELP = (
        "Every setting of the preset; a problem shows under its field and the preset cannot be saved "
        "until it is fixed. The panel shows the ffmpeg arguments its clips are encoded with, for x264 "
        "and NVENC. Empty widths mean full size. ctrl+s saves, escape leaves (asking if changed)."
    )
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # arguments beside the form when there is room
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="preset-save"),
        Binding("escape", "cancel", "Cancel", id="preset-cancel"),
        # read-only, nothing takes the focus and these scroll the form (see on_mount)
        Binding("down,j", "scroll_form('down')", show=False, id="preset-view-down"),
        Binding("up,k", "scroll_form('up')", show=False, id="preset-view-up"),
        Binding("pagedown,ctrl+d", "scroll_form('page_down')", show=False, id="preset-view-page-down"),
        Binding("pageup,ctrl+u", "scroll_form('page_up')", show=False, id="preset-view-page-up"),
        Binding("home", "scroll_form('home')", show=False, id="preset-view-home"),
        Binding("end,G", "scroll_form('end')", show=False, id="preset-view-end"),
    ]

    def __init__(self, preset: Preset, *, read_only: bool = False) -> None:
        super().__init__()
        self.preset = preset
        self.read_only = read_only or preset.builtin
        self._baseline: Preset | None = None
        self._checked: Preset | None = None  # the preset the problems and arguments shown are of
        self._shown_errors: dict[str, str] = {}
        self._later: list[Widget] = []  # the form's rows below the screen's height, mounted after the first paint

    def compose(self) -> ComposeResult:
        # the breakpoint class set now, while the screen is empty: Textual's own, at the first resize,
        # would restyle every field of the form once more (bench/startup.py)
        self.add_class(*breakpoint_classes(self.HORIZONTAL_BREAKPOINTS, self.app.size.width))
        yield Header()
        yield Static(self._hint_text(), id="edit-hint", markup=False)
        yield Static("", id="edit-problems", markup=False)
        with Container(id="edit-body"):
            # never focused (see on_mount): taking the focus, it would restyle its every field once more
            with VerticalScroll(id="edit-form", can_focus=False):
                # What the form can show is drawn first; the rows below it are mounted right after
                # (the first paint comes in two thirds of the time at 80x24: bench/startup.py).
                rows, first, shown = 0, True, self._form_height()
                for height, part in self._form_parts():
                    rows += height
                    first = first and rows <= shown
                    if first:
                        yield part
                    else:
                        self._later.append(part)
            yield Static("", id="edit-args")
        yield Footer()

    def _hint_text(self) -> str:
        if self.read_only:
            return "Built in, read-only: to change it, copy it with n in the presets list."
        users = unfinished_sessions_using(self.preset.preset_id)
        if users:
            return f"Unfinished sessions use this preset ({', '.join(users)}): they resume with your changes."
        based = f"Based on {self.preset.base_preset}. " if self.preset.base_preset else ""
        return f"{based}tab or ↑/↓: next / previous field."

    def _form_height(self) -> int:
        """About the lines the form shows: the screen less the header, the hint and the footer, and
        narrow, less the arguments panel under it (at most 9 lines: preset_edit.tcss)."""
        width, height = self.app.size
        return height - 3 - (0 if "-wide" in breakpoint_classes(self.HORIZONTAL_BREAKPOINTS, width) else 9)

    def _form_parts(self) -> list[tuple[int, Widget]]:
        """The form's section titles and rows, in order, with the lines each takes."""
        parts: list[tuple[int, Widget]] = []
        section = None
        for field in FIELDS:
            if field.section != section:
                section = field.section
                parts.append((2, Label(SECTIONS[section], classes="section-title")))  # margin-top: 1
            row = [Label(field.label, classes="field-label"), self._make_widget(field)]
            if field.kind != "text":  # text fields take the whole row
                row.append(Label(field.hint, classes="field-hint"))
            # its problem (#<id>-error) is mounted under it the first time it has one: an empty
            # Static per field was a sixth of the form's widgets, styled for nothing
            parts.append((1, Horizontal(*row, classes="field-row")))
        return parts

    def _make_widget(self, field: FormField) -> Widget:
        value = value_of(self.preset, field)
        if field.kind == "bool":
            widget: Widget = GlyphCheckbox("", value, id=field.widget_id, compact=True, disabled=self.read_only)
        elif field.kind in ("choice", "choice_opt"):
            known = value in field.choices
            widget = Select(
                [(c, c) for c in field.choices],
                value=value if known else Select.NULL,
                allow_blank=field.kind == "choice_opt" or not known,
                prompt="none",
                id=field.widget_id,
                compact=True,
                disabled=self.read_only,
            )
        else:
            text = field.kind == "text"  # its hint, if any, in the field: it takes the whole row
            widget = FormInput(
                value,
                id=field.widget_id,
                classes="-text" if text else "",
                placeholder=field.hint if text else "",
                disabled=self.read_only,  # given at once: set afterwards, each would restyle itself
            )
        return widget

    def on_mount(self) -> None:
        self.title = f"{'View' if self.read_only else 'Edit'} preset {self.preset.preset_id}"
        self.query_one("#edit-args").border_title = "ffmpeg arguments (clips, 25 fps)"
        placed, loose = problems_by_field(self.preset)  # the stored preset's, while the form is being built
        self._show_args(self.preset, sum(map(len, placed.values())) + len(loose))
        if self._later:
            # after the footer, which Textual fills one refresh after the screen's first one
            self.call_after_refresh(self.call_after_refresh, self._mount_later)
        else:
            self._form_complete()
        # Read-only, nothing has the focus and the screen's keys scroll the form: a focused form would
        # restyle its every field when it takes the focus and again when it loses it (0.2 s each,
        # bench/startup.py). Editable, tab goes field to field and the form scrolls to the focused one.
        if not self.read_only:
            self.query_one(f"#{FIELDS[0].widget_id}").focus()

    async def _mount_later(self) -> None:
        later, self._later = self._later, []
        await self.query_one("#edit-form").mount_all(later)
        self._form_complete()

    def _form_complete(self) -> None:
        """Every field is there: what it holds now is what a change is measured against."""
        self._baseline = self.current_preset()
        self._refresh_checks()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "scroll_form":
            return self.read_only  # editable: the keys are the fields' own
        return True

    def action_scroll_form(self, where: str) -> None:
        form = self.query_one("#edit-form", VerticalScroll)
        {
            "down": form.scroll_down,
            "up": form.scroll_up,
            "page_down": form.scroll_page_down,
            "page_up": form.scroll_page_up,
            "home": form.scroll_home,
            "end": form.scroll_end,
        }[where](animate=False)

    def _form_values(self) -> dict[str, Any]:
        values = {}
        for field in FIELDS:
            widget = self.query_one(f"#{field.widget_id}")
            assert isinstance(widget, (Checkbox, Select, Input))  # the kinds _make_widget builds
            value = widget.value
            values[field.widget_id] = None if value is Select.NULL else value
        return values

    def current_preset(self) -> Preset:
        """The preset as the form now describes it."""
        return build_preset(self.preset, self._form_values())

    @property
    def changed(self) -> bool:
        return self._baseline is not None and self.current_preset() != self._baseline

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self) -> None:
        # widgets also report their first value while mounting: nothing changed, nothing to redo
        if self._baseline is not None and self.current_preset() != self._checked:
            self._refresh_checks()

    def _refresh_checks(self) -> list[str]:
        """Show each problem under its field and the arguments; returns the widget ids with problems."""
        preset = self._checked = self.current_preset()
        placed, loose = problems_by_field(preset)
        for field in FIELDS:
            message = "\n".join(placed.get(field.widget_id, []))
            if self._shown_errors.get(field.widget_id, "") != message:  # a relayout per key otherwise
                self._shown_errors[field.widget_id] = message
                self._show_error(field.widget_id, message)
        count = sum(map(len, placed.values())) + len(loose)
        summary = self.query_one("#edit-problems", Static)
        summary.update("\n".join([f"{count} problem{'s' * (count != 1)} to fix before saving", *loose]))
        summary.display = count > 0
        self._show_args(preset, count)
        return [f.widget_id for f in FIELDS if f.widget_id in placed]

    def _show_error(self, widget_id: str, message: str) -> None:
        found = self.query(f"#{widget_id}-error").results(Static)
        error = next(found, None)
        if error is None:
            if not message:
                return
            error = Static(message, id=f"{widget_id}-error", classes="field-error", markup=False)
            row = self.query_one(f"#{widget_id}").parent
            assert isinstance(row, Widget)
            self.query_one("#edit-form").mount(error, after=row)
        error.update(message)
        error.display = bool(message)

    def _show_args(self, preset: Preset, problem_count: int) -> None:
        panel = self.query_one("#edit-args", Static)
        if problem_count:
            panel.update(Text("Fix the problems to see the arguments.", style="italic"))
            return
        text = Text()
        for encoder, label in (("x264", "x264 "), ("nvenc", "NVENC")):
            text.append(f"{label} ", style="bold")
            text.append(ffmpeg_preview(preset, encoder) + "\n")
        text.rstrip()
        panel.update(text)

    def action_save(self) -> None:
        if self._baseline is None:
            return  # the form is still being built (a few milliseconds)
        if self.read_only:
            self.notify("Built-in presets are read-only: press n in the list to make a copy.", severity="warning")
            return
        bad = self._refresh_checks()
        if bad or self.query_one("#edit-problems").display:
            self.notify("Not saved: fix the problems shown in the form.", severity="error")
            if bad:
                self.query_one(f"#{bad[0]}").focus()
            return
        preset = self.current_preset()
        try:
            save_preset(preset)
        except BadInput as exc:
            self.notify(exc.message, title="Not saved", severity="error")
            return
        self.notify(f"Saved preset {preset.preset_id}.")
        self.dismiss(True)

    def action_cancel(self) -> None:
        if self.read_only or not self.changed:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        question = f"Discard your changes to {self.preset.preset_id}?"
        self.app.push_screen(
            ConfirmScreen(question, title="Discard changes?", yes="Discard", no="Keep editing", danger=True),
            answered,
        )

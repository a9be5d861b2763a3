"""t in the picker: choose another detector, threshold or minimum scene length, then detect again."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from core.detection.detectors import ALL_DETECTORS
from core.scenes import default_threshold
from db.settings import get_setting
from tui.form_guard import GuardsItsForm
from tui.widgets.form_input import FormInput

ABOUT = {
    "transitions": "cuts, dissolves and fades, each with its span (default)",
    "adaptive": "cuts where a frame changes much more than its neighbours",
    "content": "cuts where colour and brightness change by more than the threshold",
    "threshold": "cuts at fades to black (threshold: black level 0-255)",
    "hash": "cuts where the perceptual hash changes (0-1)",
    "histogram": "cuts where the luma histogram changes (0-1)",
    "transnetv2": "a learned model (TransNetV2): cuts and gradual transitions",
}


class RedetectScreen(GuardsItsForm, ModalScreen[tuple[str, float, int] | None]):
    CSS_PATH = "jump.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="redetect-cancel"),
        Binding("ctrl+s", "submit", "Detect", id="redetect-submit"),
    ]

    def __init__(self, detector: str, threshold: float | None, min_len: int | None):
        super().__init__()
        self.detector, self.threshold, self.min_len = detector, threshold, min_len

    def compose(self) -> ComposeResult:
        with Vertical(id="redetect"):
            yield Static("Detect the scenes again (marks stay on scenes that keep their first frame)")
            with Horizontal(classes="row"):
                yield Label("Detector ", classes="label")
                yield Select(
                    [(d, d) for d in ALL_DETECTORS],
                    value=self.detector if self.detector in ALL_DETECTORS else "adaptive",
                    allow_blank=False,
                    compact=True,
                    id="detector",
                )
            yield Static(ABOUT.get(self.detector, ""), id="detector-about", classes="hint")
            with Horizontal(classes="row"):
                yield Label("Threshold ", classes="label")
                yield FormInput(
                    str(self.threshold) if self.threshold is not None else "",
                    type="number",
                    valid_empty=True,
                    id="threshold",
                )  # empty: the detector's default
            with Horizontal(classes="row"):
                yield Label("Min frames ", classes="label")
                yield FormInput(str(self.min_len or ""), type="integer", valid_empty=True, id="min-len")
            yield Static("enter or ctrl+s detects · escape cancels", classes="hint")
            yield Static("", id="redetect-error", classes="error", markup=False)  # the hint names vat[ml]

    def on_mount(self) -> None:
        self.call_after_refresh(self.remember_form)  # after the select's first Changed

    def on_select_changed(self, event: Select.Changed) -> None:
        detector = str(event.value)
        if detector == self.detector:  # also posted when the select first shows its value
            return
        self.detector = detector
        self.query_one("#detector-about", Static).update(ABOUT.get(detector, ""))
        self.query_one("#redetect-error", Static).update(self._unavailable(detector) or "")
        default = default_threshold(detector, float(get_setting("scene_threshold_default")))
        threshold = self.query_one("#threshold", Input)
        threshold.value = ""  # another detector has another scale: start from its default
        threshold.placeholder = f"default {default:g}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @staticmethod
    def _unavailable(detector: str) -> str | None:
        """Why `detector` cannot run here (a learned one without its extra), as `vat detect` says it."""
        from tui.form_checks import check_detector

        return check_detector(detector)

    def action_submit(self) -> None:
        from core.pipeline.session import detection_parameters

        detector = str(self.query_one("#detector", Select).value)
        unavailable = self._unavailable(detector)
        if unavailable:  # nothing starts: the dialog stays, saying how to install it
            self.query_one("#redetect-error", Static).update(unavailable)
            return
        threshold_text = self.query_one("#threshold", Input).value.strip()
        min_text = self.query_one("#min-len", Input).value.strip()
        try:
            threshold = float(threshold_text) if threshold_text else None
            min_len = int(min_text) if min_text else None
        except ValueError:
            self.query_one("#redetect-error", Static).update("threshold and minimum length must be numbers")
            return
        if (threshold is not None and threshold < 0) or (min_len is not None and min_len < 0):
            self.query_one("#redetect-error", Static).update("threshold and minimum length must not be negative")
            return
        self.dismiss(detection_parameters(detector, threshold, min_len))

    def action_cancel(self) -> None:
        self.leave_form(None, what="the changed detection settings")

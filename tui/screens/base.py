"""What every vat screen shares: worker failures go to the app's one error path."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual import getters
    from textual.screen import Screen

    from tui.app import VatApp

    # For mypy the mixin is a Screen (it is only mixed into screens); at run time it stays a plain mixin.
    _ScreenBase = Screen
else:
    _ScreenBase = object


class WorkerErrors(_ScreenBase):
    """Mixin for Screen and ModalScreen: a failed worker is reported by VatApp.report_error, then the
    screen may recover in `worker_failed` (close itself, re-enable a form...)."""

    HELP: ClassVar[str] = ""  # a few lines for the help screen (?)

    if TYPE_CHECKING:
        # Screen.app narrowed to VatApp (Textual's getters.app); for mypy only, as importing tui.app
        # here at run time would be circular.
        app = getters.app(VatApp)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.report_error(event.worker.error, during=event.worker.name)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """Screen-specific recovery after the app has shown the error."""

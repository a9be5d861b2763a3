"""What every vat screen shares: worker failures go to the app's one error path."""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class WorkerErrors:
    """Mixin for Screen and ModalScreen: a failed worker is reported by VatApp.report_error, then the
    screen may recover in `worker_failed` (close itself, re-enable a form...)."""

    HELP = ""  # a few lines for the help screen (?)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.report_error(event.worker.error, during=event.worker.name)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """Screen-specific recovery after the app has shown the error."""

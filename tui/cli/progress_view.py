"""Headless detection progress (`vat detect`): the run's own view (tui.cli.run_view), so detection
shows the same bar on a terminal's stderr and the same JSON "detect" events as `vat run`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from core.events import DetectProgress
from tui.cli.run_view import RunView


@contextlib.contextmanager
def detection_progress(json_lines: bool) -> Iterator[Callable[[DetectProgress], None]]:
    """Yield a callback for DetectProgress events that shows them the right way for this output."""
    with RunView(json_lines, transient=True) as view:
        yield view.detection

"""Headless progress: Rich bars on a terminal's stderr, JSON Lines on stdout with --json, else nothing."""

from __future__ import annotations

import contextlib
import json
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from core.events import DetectProgress


def emit_json(event: str, **fields) -> None:
    print(json.dumps({"event": event, "time": round(time.time(), 3), **fields}), flush=True)


@contextlib.contextmanager
def detection_progress(json_lines: bool):
    """Yield a callback for DetectProgress events that shows them the right way for this output."""
    if json_lines:
        def show(event: DetectProgress) -> None:
            emit_json("detect", frame=event.frame, total_frames=event.total_frames, fraction=event.fraction)

        yield show
        return
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = [TextColumn("detecting scenes"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("detect", total=None)

        def show(event: DetectProgress) -> None:
            progress.update(task, completed=event.frame, total=event.total_frames)

        yield show

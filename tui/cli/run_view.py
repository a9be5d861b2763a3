"""Headless display of a running session: Rich progress bars (overall + one per running operation)
on a terminal, JSON Lines with --json, plain lines otherwise. A vanished terminal (SSH drop) must
never stop the work, so every write tolerates a dead output."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.style import Style
from rich.text import Text

from core.events import DetectProgress, RunEvent
from core.pipeline.progress import fps_text, percent
from core.text import terminal_safe
from tui.formatting import eta


class EtaColumn(ProgressColumn):
    """The time left as the run measures it (a task with an "eta" field: the operations, weighed by
    their work, as the TUI shows it); Rich's own estimate for the others (detection, hashing)."""

    def __init__(self) -> None:
        super().__init__()
        self.rich = TimeRemainingColumn()

    def render(self, task: Task) -> Text:
        if "eta" not in task.fields:
            return self.rich.render(task)
        return Text(eta(task.fields["eta"]), style="progress.remaining")


def shown(value: object) -> str:
    """A name, path or error inside Rich markup: control characters escaped, brackets literal."""
    return escape(terminal_safe(value))


class RunView:
    def __init__(self, json_lines: bool, transient: bool = False):
        self.json_lines = json_lines
        self.transient = transient  # True: the bars vanish when done (vat detect prints a table after)
        self.console = Console(stderr=True)
        self.dead = False
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.overall: TaskID | None = None
        self.total = 0
        self.finished = 0

    def __enter__(self) -> "RunView":
        if not self.json_lines and self.console.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[fps]}"),
                EtaColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=self.transient,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end_progress()

    def clear_bars(self) -> None:
        """A session ended (done, failed, paused, stopped): its bars go, none is left at 100%."""
        if self.progress is not None:
            for task in [*self.tasks.values(), *([self.overall] if self.overall is not None else [])]:
                self._safe(self.progress.remove_task, task)
            self._safe(self.progress.refresh)  # else the next line printed redraws the last frame's bars
        self.tasks.clear()
        self.overall = None

    def end_progress(self) -> None:
        """No bar is drawn after this (a batch's summary comes last, under no live display)."""
        self.clear_bars()
        if self.progress is not None:
            self._safe(self.progress.stop)
            self.progress = None

    def _safe(self, fn: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        if self.dead:
            return
        try:
            fn(*args, **kwargs)
        except (OSError, ValueError):
            self.dead = True  # the terminal went away: keep working silently

    def emit(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "time": round(time.time(), 3), **fields})
        self._safe(lambda: (sys.stdout.write(line + "\n"), sys.stdout.flush()))

    def say(self, template: str, **values: Any) -> None:
        """A message. `template` is our own Rich markup; `values` (names, paths, errors: anything a user
        or a file chose) fill its {fields}: on a terminal literally, control characters escaped; in
        JSON as they are, without the markup (JSON escapes them itself)."""
        try:
            styled = Text.from_markup(template)
        except MarkupError:  # a name put into the template itself: show it all as text
            styled, template = Text(template), escape(template)
        if self.json_lines:
            self.emit("message", text=styled.plain.format(**values) if values else styled.plain)
        else:
            text = template.format(**{k: shown(v) for k, v in values.items()}) if values else template
            self._safe(self.console.print, terminal_safe(text), highlight=False, soft_wrap=True)

    def result(self, text: str, **fields: Any) -> None:
        """The one line a script wants (where the archive is): stdout, or a JSON event."""
        if self.json_lines:
            self.emit("result", text=text, **fields)
        else:
            self._safe(lambda: (print(terminal_safe(text)), sys.stdout.flush()))

    def folder_link(self, label: str, folder: str) -> None:
        """`folder` as a clickable terminal hyperlink (OSC 8), on a terminal only: a pipe or --json reader
        has the result line (auto_open_output; core.folder_link says why a link and not a window)."""
        from core.folder_link import folder_url

        if self.json_lines or not self.console.is_terminal:
            return
        text = Text(label)
        text.append(terminal_safe(folder), style=Style(link=folder_url(folder)))
        self._safe(self.console.print, text, highlight=False, soft_wrap=True)

    def detection(self, event: DetectProgress) -> None:
        if self.json_lines:
            self.emit("detect", frame=event.frame, total_frames=event.total_frames, fraction=event.fraction)
        elif self.progress is not None:
            if "detect" not in self.tasks:
                self.tasks["detect"] = self.progress.add_task("detecting scenes", total=event.total_frames, fps="")
            self._safe(self.progress.update, self.tasks["detect"], completed=event.frame, total=event.total_frames)

    def hashing(self, done: int, size: int) -> None:
        """The master being hashed: a bar on a terminal (JSON and plain lines get the message only)."""
        if self.progress is None:
            return
        if "hash" not in self.tasks:
            self.tasks["hash"] = self.progress.add_task("hashing the master", total=size, fps="")
        self._safe(self.progress.update, self.tasks["hash"], completed=done)
        if done >= size:
            self._safe(self.progress.remove_task, self.tasks.pop("hash"))

    def run_event(self, event: RunEvent) -> None:
        if self.json_lines:
            fields = {k: v for k, v in vars(event).items() if v is not None and k != "kind"}
            self.emit(event.kind, **fields)
            return
        if event.kind == "finished":
            self.clear_bars()
            return
        if event.kind == "plan":
            self.total, self.finished = event.total or 0, event.done or 0
            if self.progress is not None:
                self.clear_bars()  # detection's bar, an earlier session's left by a stop
                # in whole percents of the work, as the TUI shows them (core.pipeline.progress)
                self.overall = self.progress.add_task("[bold]all operations", total=100, completed=0, fps="", eta=None)
            else:
                self.say(f"{self.total} operations, {self.finished} already done")  # numbers only
            return
        if event.kind == "requeued":  # a render node died making it (core/farm/coordinator.py)
            self.say("{key}: its render node {node} is gone; sent to the farm again", key=event.key, node=event.node)
            if self.progress is not None and event.key in self.tasks:
                self._safe(self.progress.remove_task, self.tasks.pop(event.key))
            return
        if event.kind == "stalled":
            self.say("[yellow]waiting[/]: {text}", text=event.error)
            return
        if event.kind in ("done", "skipped", "failed"):
            self.finished += 1
            if event.kind == "failed":
                self.say("[red]failed[/] {key}: {error}", key=event.key, error=event.error)
            elif event.kind == "done" and self.progress is None:
                self.say("done {key}" + (" on {node}" if event.node else ""), key=event.key, node=event.node)
        if self.progress is None:
            return
        if event.kind == "start" and event.key is not None:
            name = f"{event.key} on {event.node}" if event.node else event.key  # on a render farm, its node
            if event.key in self.tasks:  # taken again (on a farm, by another node): one bar
                self._safe(self.progress.remove_task, self.tasks.pop(event.key))
            self.tasks[event.key] = self.progress.add_task(shown(name), total=1.0, fps="", eta=None)
        elif event.kind == "progress" and event.key in self.tasks:
            fields = {"fps": fps_text(event.fps), "eta": event.eta}
            self._safe(self.progress.update, self.tasks[event.key], completed=event.fraction or 0, **fields)
        elif event.kind == "verifying" and event.key in self.tasks:
            self._safe(self.progress.update, self.tasks[event.key], completed=1.0, fps="verifying", eta=None)
        elif event.kind in ("done", "failed") and event.key in self.tasks:
            self._safe(self.progress.remove_task, self.tasks.pop(event.key))
        if self.overall is not None and event.overall is not None:
            fields = {"eta": event.remaining} if event.kind in ("progress", "done", "failed") else {}
            self._safe(self.progress.update, self.overall, completed=percent(event.overall), **fields)

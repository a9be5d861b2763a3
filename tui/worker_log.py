"""The detached worker's log (JSON event lines from `vat --resume --json`, plus any stderr text),
read incrementally and turned into short lines for the Processing screen (no Textual)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.text import Text

from core.text import terminal_safe

FIRST_READ_BYTES = 64 * 1024  # on opening, only the end of a long log
CLI_ERROR = "vat: error: "  # how tui.cli (argparse style) starts its one-line errors on stderr


def _clock(event: dict) -> str:
    stamp = event.get("time")
    return time.strftime("%H:%M:%S ", time.localtime(stamp)) if isinstance(stamp, (int, float)) else ""


def format_line(line: str) -> Text | None:
    """One log line as shown, or None for what the screen shows elsewhere (progress, skips)."""
    line = line.rstrip("\n")
    if not line.strip():
        return None
    try:
        event = json.loads(line)
    except ValueError:
        if line.startswith(CLI_ERROR):  # the CLI's one-line error (e.g. the session is busy): a sentence
            problem = terminal_safe(line[len(CLI_ERROR) :].strip())
            return Text("Error: ", style="bold red").append(problem[:1].upper() + problem[1:])
        return Text(terminal_safe(line))  # stderr: a traceback line or other text
    if not isinstance(event, dict) or "event" not in event:  # JSON, but not one of ours
        return Text(terminal_safe(line))
    # names in events are as the user or a file chose them: shown as text, control characters escaped
    kind, key = event.get("event"), terminal_safe(event.get("key") or "")
    if kind in ("progress", "detect", "skipped"):
        return None
    text = Text(_clock(event), style="dim")
    if kind in ("message", "result"):
        text.append(terminal_safe(event.get("text", "")))  # plain: JSON messages carry no markup
    elif kind == "plan":
        text.append(f"plan: {event.get('total', 0)} operations, {event.get('done', 0)} already done")
    elif kind == "start":
        text.append(f"start {key}")
    elif kind == "verifying":  # the encode is made; its check decodes it all, which takes a while
        text.append(f"verifying {key}")
    elif kind == "done":
        text.append("done  ", style="green").append(key)
    elif kind == "failed":
        text.append("FAILED ", style="bold red").append(f"{key}: {terminal_safe(event.get('error', ''))}")
    elif kind == "finished":
        text.append(
            f"finished: {event.get('status')} ({event.get('done')}/{event.get('total')} done, "
            f"{event.get('failed')} failed)",
            style="bold",
        )
    else:  # a kind this screen does not know yet: a sentence still, never the raw JSON
        text.append(" ".join(part for part in (terminal_safe(str(kind)), key) if part))
    return text


class LogTail:
    """New complete lines of a growing file since the last call."""

    def __init__(self, path: Path):
        self.path = path
        self.offset: int | None = None
        self._partial = b""

    def read(self) -> list[str]:
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        if self.offset is None or size < self.offset:  # first read, or the log was replaced
            self.offset = max(0, size - FIRST_READ_BYTES)
            self._partial = b""
            skip_first = self.offset > 0  # started mid-line
        else:
            skip_first = False
        if size == self.offset:
            return []
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            data = self._partial + log.read(size - self.offset)
        self.offset = size
        *lines, self._partial = data.split(b"\n")
        if skip_first and lines:
            lines = lines[1:]
        return [raw.decode("utf-8", "replace") for raw in lines]

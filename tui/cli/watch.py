"""`vat watch [DIR]`: turn every new master in DIR into a queued session, until stopped
(core/pipeline/watch.py). `vat watch [DIR] --status`: is a watcher running on DIR.

Exit 0 when stopped by SIGTERM or SIGHUP (a service manager's stop, a closed terminal: how a watcher
ends), 130 when stopped by Ctrl-C (SIGINT), 2 for bad input (no such folder, a folder already
watched by another process), 3 for the environment. --status: 0 either way, the answer on stdout."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any

from core.errors import EXIT_INTERRUPTED, EXIT_OK, BadInput
from core.text import terminal_safe
from tui.cli.common import open_db

# settings that fill the options not given (`vat watch` alone watches as the TUI would)
DEFAULTS = {
    "dir": "watch_folder",
    "out": "watch_output",
    "preset": "watch_preset",
    "watch_scenes": "watch_scenes",
    "artwork_from": "watch_artwork_from",
    "settle": "watch_settle_seconds",
    "rd_from": "watch_rd_from",
}


def watch(args: argparse.Namespace) -> int:
    from core.pipeline.watch_service import WatchLock, watcher_pid
    from db.settings import get_setting

    open_db()
    for dest, key in DEFAULTS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, get_setting(key))
    if not args.dir:
        raise BadInput("no folder to watch: give DIR, or set one: vat settings set watch_folder DIR")
    folder = Path(args.dir).expanduser().absolute()
    if args.status:
        return status(folder, watcher_pid(folder), args.json)
    if not folder.is_dir():
        raise BadInput(f"{folder}: watch folder does not exist or is not a folder")
    with WatchLock(folder):  # a second watcher on the folder: "already watched by pid N", exit 2
        return run_watcher(args, folder)


def status(folder: Path, pid: int | None, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"dir": str(folder), "watched": pid is not None, "pid": pid}))
    elif pid is None:
        print(f"{terminal_safe(folder)}: not watched")
    else:
        print(f"{terminal_safe(folder)}: watched by pid {pid}")
    return EXIT_OK


def run_watcher(args: argparse.Namespace, folder: Path) -> int:
    from core.pipeline.watch import Watcher, WatchOptions
    from tui.cli.run import stop_on_signals

    options = WatchOptions(
        folder=folder,
        out=Path(args.out).expanduser().absolute() if args.out else None,
        preset_id=args.preset or None,
        scenes=args.watch_scenes or "all",
        artwork_from=args.artwork_from or "name",
        settle=float(args.settle),
        rd_from="" if args.rd_from in (None, "", "none") else args.rd_from,
        poll=args.poll,
        start_runner=not args.queue_only,
    )
    if options.preset_id:  # an unknown preset is refused now, not once per master
        from core.pipeline.preset_store import load_preset

        load_preset(options.preset_id)
    watcher = Watcher(options, Printer(args.json))
    cancel = threading.Event()
    received: list[int] = []
    with stop_on_signals(cancel, received):
        watcher.run(cancel)
    return EXIT_INTERRUPTED if signal.SIGINT in received else EXIT_OK


class Printer:
    """One line per event on stdout, flushed at once (a service's log, a pipe), or one JSON object."""

    def __init__(self, as_json: bool):
        self.as_json = as_json

    def __call__(self, event: str, fields: dict[str, Any]) -> None:
        if self.as_json:
            line = json.dumps({"event": event, **fields})
        else:
            line = terminal_safe(describe(event, fields))
        print(line, flush=True)


def describe(event: str, f: dict[str, Any]) -> str:
    name = Path(str(f.get("path", ""))).name
    if event == "watching":
        return f"watching {f['dir']} (a file is taken once unchanged for {f['settle']:g} s)"
    if event == "taken":
        return f"taken: {name} ({f['size']} bytes), hashing"
    if event == "queued":
        rd = f", R&D {f['rd']}" if f.get("rd") else ""
        renamed = f", as {f['renamed']};" if f.get("renamed") else ","
        return (
            f"queued: {name} as session {f['session']} (artwork {f['artwork']}{renamed} preset {f['preset']}, "
            f"scenes {f['scenes']}{rd}) -> {f['out']}"
        )
    if event == "finished":
        if f["status"] == "completed":
            return f"done: {name}: session {f['session']} completed -> {f['out']}"
        return f"failed: {name}: session {f['session']} failed: {f['reason']}"
    if event in ("skipped", "failed"):
        return f"{event}: {name}: {f['reason']}"
    if event == "stopped":
        return f"stopped watching {f['dir']}"
    return f"{event}: {f}"

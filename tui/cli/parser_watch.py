"""`vat watch`'s arguments (tui/cli/watch.py), kept apart from parser.py's long list."""

from __future__ import annotations

import argparse

EPILOG = (
    "Polls DIR and its subfolders every --poll seconds (no change notifications: they do not reach across "
    "network shares), except hidden folders, the --out folder and, with --rd-from sibling, *_rd folders. "
    "A video file is taken once its size and modification time have not changed for --settle seconds "
    "(and at least one poll): a file still being copied is never taken. It is hashed (SHA-256) and "
    "becomes a queued session once per content: the same content under another name, or a master "
    "already archived by vat run, is skipped; a file that fails (not a video, unreadable, its project "
    "folder taken) is recorded failed with the reason and tried again only once it changes. What it "
    "did is kept in the database: a restart queues nothing twice. One watcher per folder. Options left "
    "out come from the watch_* settings. Events: one line each (--json: one JSON object per line: "
    "watching, taken, queued, skipped, failed, stopped). Exit 0 when stopped by SIGTERM or SIGHUP, "
    "130 by Ctrl-C, 2 for bad input (no such folder, a folder already watched), 3 for the environment."
)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: seconds, 0 or more")
    return value


def _poll_seconds(text: str) -> float:
    value = _seconds(text)
    if value < 0.05:
        raise argparse.ArgumentTypeError(f"{text!r}: at least 0.05 seconds")
    return value


def add_watch_arguments(watch: argparse.ArgumentParser) -> None:
    watch.add_argument("dir", nargs="?", metavar="DIR", help="the folder to watch (default: the watch_folder setting)")
    watch.add_argument("--out", metavar="DIR", help="where the project folders go (default: the watch_output setting)")
    watch.add_argument("--preset", metavar="ID", help="the sessions' preset (default: the watch_preset setting)")
    watch.add_argument(
        "--scenes",
        dest="watch_scenes",
        choices=["all", "pick"],
        help="all: every scene archived unattended; pick: detected, then waits in the queue for its scenes "
        "to be picked (default: the watch_scenes setting)",
    )
    watch.add_argument(
        "--artwork-from",
        choices=["name", "parent"],
        help="the artwork's name: the file's name without extension, or its folder's name "
        "(default: the watch_artwork_from setting)",
    )
    watch.add_argument(
        "--settle",
        type=_seconds,
        metavar="SECONDS",
        help="how long a file must stay unchanged before it is taken (default: the watch_settle_seconds setting)",
    )
    watch.add_argument(
        "--rd-from",
        choices=["sibling", "none"],
        help="sibling: the folder <master name>_rd beside a master is its R&D folder; none: no R&D "
        "(default: the watch_rd_from setting)",
    )
    watch.add_argument("--poll", type=_poll_seconds, default=2.0, metavar="SECONDS", help="seconds between looks")
    watch.add_argument(
        "--queue-only",
        action="store_true",
        help="only queue the sessions; start no queue runner (one started elsewhere, or the TUI, processes them)",
    )
    watch.add_argument("--status", action="store_true", help="say whether a watcher runs on DIR, and exit")

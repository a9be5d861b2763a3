"""`vat run`'s and `vat queue`'s arguments (tui/cli/parser.py builds the commands)."""

from __future__ import annotations

import argparse
import os

RUN_EPILOG = (
    "Every session goes through the machine's one queue: while another session processes (or others "
    'wait ahead), vat run says "queued behind SESSION" and waits its turn, unless --now. --scenes pick '
    "detects and leaves the session waiting for its scenes to be picked (vat --resume SESSION --scenes "
    "SPEC, or the TUI's picker). With several masters the end is a summary: done, failed (with the "
    "reason), skipped (--skip-archived). Exit 0 all done or skipped, 1 some failed, 2 bad input "
    "(nothing made), 130 interrupted (a plain vat --resume continues the queue)."
)


def run_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "master",
        nargs="*",
        help="the master video file(s): the source of every still and clip; several make a batch",
    )
    run.add_argument("--artwork", metavar="NAME", help="the artwork's name, in the folder names (one master)")
    run.add_argument(
        "--artwork-from",
        choices=["name", "parent"],
        help="each master's artwork named after its file name (without extension) or its folder's name",
    )
    run.add_argument(
        "--batch",
        metavar="FILE",
        help="a batch file: CSV with a header row, or JSON (a list of objects); columns master, artwork, "
        "date, preset, scenes, groups, copyright, tags (groups and tags separated by ';'); a relative "
        "master is relative to the file's folder; every row is checked before anything is made",
    )
    run.add_argument(
        "--tag",
        action="append",
        metavar="TAG",
        help="a tag on the project (namespace:value like artist:Jane, or a word); repeat it for more",
    )
    run.add_argument(
        "--external-id",
        action="append",
        metavar="SCHEME:VALUE",
        help="the project's id in another system, like inventory:INV-2024-001; repeat it for more",
    )
    run.add_argument(
        "--now",
        action="store_true",
        help="process at once, not waiting for the queue's turn (outside the concurrent_sessions limit)",
    )
    run.add_argument("--date", metavar="YY-MM-DD", help="project date (default: today)")
    run.add_argument("--rd", metavar="DIR", help="R&D folder to process too (default: none)")
    run.add_argument("--preset", metavar="ID", help="compression preset (default: the default preset)")
    run.add_argument("--out", metavar="DIR", help="where the project folder goes (default: the last one used)")
    run.add_argument(
        "--encoder",
        choices=["auto", "x264", "nvenc"],
        help="video encoder: auto takes NVENC where it works here (and gpu_enabled allows it), else x264 "
        "(default: the encoder_preference setting)",
    )
    run.add_argument(
        "--replace",
        action="store_true",
        help="make the project again into an existing project folder: the earlier session's "
        "outputs are removed and made anew by this session",
    )
    run.add_argument(
        "--copyright",
        metavar="TEXT",
        help="the copyright embedded in every output, kept with the session (default: the copyright_text setting)",
    )
    run.add_argument(
        "--credits",
        metavar="TEXT",
        help="the credits embedded in every output (stills: EXIF Artist, XMP dc:creator; videos: artist)",
    )
    run.add_argument(
        "--skip-archived",
        action="store_true",
        help="a master already archived (same SHA-256) by another session is skipped, not archived again",
    )


def farm_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--farm and --broker: `vat run`, `vat resume` and `vat --resume` (tui/cli/parser.py's session options)."""
    parser.add_argument(
        "--farm",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="send the operations to the render farm (the nodes run vat farm worker) instead of this "
        "machine's workers, and follow them; needs the shared catalogue (VAT_DB=postgresql://...). "
        "Stopping leaves the farm working: vat --resume --farm SESSION follows again. A session queued with "
        "--farm goes to the farm in its turn, whoever runs the queue (VAT_BROKER, else the broker it was sent "
        "with, recorded only without a password)",
    )
    parser.add_argument(
        "--broker",
        metavar="URL",
        default=None if top else argparse.SUPPRESS,
        help="the farm's broker, redis://HOST:PORT/N, with --farm (default: the environment variable VAT_BROKER)",
    )


def queue_arguments(queue: argparse.ArgumentParser) -> None:
    queue.add_argument(
        "action",
        nargs="?",
        choices=["list", "run", "hold", "release", "remove", "up", "down", "clear"],
        default="list",
        help="list (the default); run: process the waiting sessions until none is left; hold, release, "
        "remove, up, down: one pending entry; clear: forget the finished entries",
    )
    queue.add_argument("session", nargs="?", metavar="SESSION", help="the session (hold, release, remove, up, down)")


def worker_count(text: str) -> int:
    """--workers: 1 to four times the cores (more only thrashes; 0 or less means nothing runs)."""
    most = 4 * (os.cpu_count() or 1)
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= number <= most:
        raise argparse.ArgumentTypeError(f"{number}: expected 1 to {most} (four times the {most // 4} cores)")
    return number

"""What the headless commands share: the console they print on, table cells, the database, detection settings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import BadInput
from core.text import terminal_safe

if TYPE_CHECKING:
    import peewee
    from rich.console import Console
    from rich.text import Text

# rich is imported where a table is printed: the commands that print none (vat verify) start faster


def console() -> Console:
    """A terminal's own width; piped output gets wide lines rather than columns folded at 80."""
    from rich.console import Console

    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=200)


def cells(*values: object) -> list[Text]:
    """Table cells shown literally: names may hold control characters or [markup]-like brackets."""
    from rich.text import Text

    return [Text(terminal_safe(value)) for value in values]


def open_db() -> peewee.Database:
    from core.logs import use_level_setting
    from db.connection import open_database

    database = open_database()
    use_level_setting()  # the log_level setting, now that it can be read
    return database


def detection_settings(args: argparse.Namespace, fps: float | None = None) -> tuple[str, float, int]:
    """Detector, threshold and minimum scene length in frames (seconds at the master's frame rate,
    `fps`, probed when not given): the options, else the app settings."""
    from core.pipeline.session_detect import detection_parameters  # not .session: the whole pipeline

    length = args.min_scene_len
    frames = None
    if length is not None:
        frames = length.frames(fps or _master_fps(args.master)) if length.seconds else int(length.value)
    return detection_parameters(args.detector, args.threshold, frames)


def detection_steering(args: argparse.Namespace, fps: float | None = None) -> dict:
    """The detector's own options and the window (--start/--end), checked (BadInput: exit 2), as the
    session keeps them (core.pipeline.session.detect passes them on)."""
    from core.detection.detectors import LEARNED_DETECTORS
    from core.detection.options import DetectorOptions, Window, check_detector_options

    options = DetectorOptions(
        luma_only=True if args.luma_only else None,
        weights=args.weights,
        kernel_size=args.kernel_size,
        window_width=args.window_width,
        min_content_val=args.min_content_val,
        fade_bias=args.fade_bias,
    )
    check_detector_options(options)
    options.check_applies(args.detector)
    window = Window(args.start, args.end)
    if window and args.detector in LEARNED_DETECTORS:
        raise BadInput(f"--start/--end: not with the {args.detector} detector")
    if window:
        window.seconds(fps or _master_fps(args.master))  # --end after --start
    steering: dict[str, object] = {}
    if options.given():
        steering["options"] = options.to_dict()
    if window:
        steering["window"] = window.to_dict()
    if args.min_scene_len is not None:
        steering["min_scene_len"] = str(args.min_scene_len)  # as given: 15 or 0.6s
    return steering


def refuse_steering(args: argparse.Namespace) -> None:
    """--scenes-from: the file decides the scenes, so the options that steer a detection are refused
    (BadInput: exit 2) rather than silently ignored."""
    given = [
        name
        for name in ("threshold", "min_scene_len", "start", "end", "luma_only", "weights", "kernel_size")
        + ("window_width", "min_content_val", "fade_bias")
        if getattr(args, name, None) not in (None, False)
    ]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise BadInput(f"--scenes-from {args.scenes_from}: the scenes come from the file; {options} do not apply")


def _master_fps(master: str) -> float:
    from core.media.probe import probe

    return probe(Path(master), require_video=True).fps or 25.0


def workers(args: argparse.Namespace) -> int:
    """How many operations run at a time: --workers, else the parallel_workers setting (said before the
    work starts, so that a log or a JSON reader sees which it was)."""
    from db.settings import get_setting

    return getattr(args, "workers", None) or int(get_setting("parallel_workers") or 1)


def print_json(document: object) -> None:
    """A listing's --json: one document on stdout; times as ISO 8601 text, paths as text."""
    import json
    from datetime import datetime
    from pathlib import Path

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Path):
            return str(value)
        raise TypeError(f"not JSON: {type(value).__name__}")

    print(json.dumps(document, ensure_ascii=False, indent=2, default=plain))

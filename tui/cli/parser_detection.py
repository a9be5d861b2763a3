"""The scene detection's arguments (`vat detect`, `vat run`): the detector, its window and its own options,
and --scenes-from (tui/cli/parser.py builds the commands)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from core.detection import options as detect_options
from core.detection.detectors import ALL_DETECTORS, DEFAULT_DETECTOR, LEARNED_DETECTORS
from core.errors import BadInput


def detection_options(p: argparse.ArgumentParser) -> None:
    """--detector, --threshold, --min-scene-len, --start, --end and the detectors' own options."""
    p.add_argument(
        "--detector",
        choices=ALL_DETECTORS,
        default=DEFAULT_DETECTOR,
        help="scene detector: "
        + ", ".join(ALL_DETECTORS)
        + f" ({', '.join(LEARNED_DETECTORS)}: learned, needs the optional extra: pip install 'vat[ml]')",
    )
    p.add_argument(
        "--threshold",
        type=float,
        help="detector threshold, on the detector's own scale (default: mapped from the "
        "scene_threshold_default setting)",
    )
    p.add_argument(
        "--min-scene-len",
        type=_checked(detect_options.parse_scene_length),
        metavar="LENGTH",
        help="shortest scene, in frames (15) or seconds (0.6s) (default: the min_scene_length_default setting)",
    )
    p.add_argument(
        "--start",
        type=_checked(lambda v: detect_options.parse_position(v, "--start")),
        metavar="TIME",
        help="detect from this point of the master: timecode HH:MM:SS:FF or HH:MM:SS.mmm, or seconds; "
        "scenes are numbered from 1 within the window, frame numbers stay the master's (default: its start)",
    )
    p.add_argument(
        "--end",
        type=_checked(lambda v: detect_options.parse_position(v, "--end")),
        metavar="TIME",
        help="detect up to (not including) this point of the master, as --start (default: its end)",
    )
    own = p.add_argument_group("the detectors' own options (PySceneDetect's names; default: its defaults)")
    own.add_argument(
        "--luma-only",
        action="store_true",
        default=None,
        help="content, adaptive, transitions: only the change in brightness counts",
    )
    own.add_argument(
        "--weights",
        type=_checked(detect_options.parse_weights),
        metavar="H,S,L,E",
        help="content, adaptive, transitions: weights of hue, saturation, luma and edges (PySceneDetect: 1,1,1,0)",
    )
    own.add_argument(
        "--kernel-size",
        type=_checked(lambda v: _whole(v, "--kernel-size")),
        metavar="N",
        help="content, adaptive, transitions: odd size of the edge dilation kernel (default: from the resolution)",
    )
    own.add_argument(
        "--window-width",
        "--frame-window",
        dest="window_width",
        type=_checked(lambda v: _whole(v, "--window-width")),
        metavar="FRAMES",
        help="adaptive, transitions: frames either side averaged against each frame (PySceneDetect: 2)",
    )
    own.add_argument(
        "--min-content-val",
        type=_checked(lambda v: _number(v, "--min-content-val")),
        metavar="VALUE",
        help="adaptive, transitions: the content score a cut needs at least (PySceneDetect: 15)",
    )
    own.add_argument(
        "--fade-bias",
        type=_checked(lambda v: _number(v, "--fade-bias")),
        metavar="BIAS",
        help="threshold: where in a fade the cut goes, -1 (its start) to 1 (its end) (PySceneDetect: 0)",
    )


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a parser raising BadInput: its message, on the usual one line, exit 2."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except BadInput as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def _whole(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadInput(f"{option} {text!r}: a whole number") from None


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise BadInput(f"{option} {text!r}: a number")
    return value


def scenes_from_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenes-from",
        metavar="FILE",
        help="take the scenes from FILE instead of detecting them: vat detect --format json (.json), "
        "PySceneDetect's list-scenes (.csv), an EDL (.edl) or OpenTimelineIO (.otio) file; gaps between "
        "its scenes become scenes of their own, overlaps and frames beyond the master are refused (exit 2)",
    )

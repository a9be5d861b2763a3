"""Gradual transitions: how many of the true cuts, dissolves and fades each detector finds.

    python bench/transitions.py [--size 640x360] [--plan bench|test] [--no-pyscenedetect]

Makes (once, cached in the user cache folder) the transition footage of tests/transition_media.py:
with --plan bench (the default) 11 moving, grainy shots (pans, a tilt, a handheld shake, a block
racing across the frame) joined by 4 cuts, 4 dissolves of 8, 16, 25 and 50 frames, a fade through
black and one through white, with a flash frame inside one shot; --plan test is the tests' own
footage (7 transitions, dissolves of 6, 20 and 60 frames). Then, in one run, it scores
(core.detection.scoring: a hit overlaps the true span ±2 frames, one detection per transition):
  - vat's detect_scenes with every detector it offers, decoding the file (no cache): the default,
    transitions, with each transition's span and kind; the single detectors with each scene's first
    frame taken as a point detection;
  - vat's learned detector (--detector transnetv2) when the ml extra is installed (make test-ml's
    .venv-ml/bin/python bench/transitions.py), each transition with its span and kind;
  - PySceneDetect's own detect-adaptive through its Python API, as its CLI runs it: OpenCV decoding
    full-size frames, the SceneManager's automatic downscale, the detector's defaults;
and prints recall, precision and F1 per detector, recall per kind, where the false detections fall,
and frames per second (decoding included), with plain ffmpeg decoding of the same file as the floor.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.detect import measure, plain_ffmpeg  # noqa: E402
from core import dirs  # noqa: E402
from core.detection import learned  # noqa: E402
from core.detection.detectors import DEFAULT_DETECTOR, DETECTORS  # noqa: E402
from core.detection.scoring import Score, Span, score  # noqa: E402
from core.media import ffmpeg  # noqa: E402
from core.scenes import detect_scenes  # noqa: E402
from tests.transition_media import (  # noqa: E402
    BENCH_PLAN,
    KINDS,
    TEST_PLAN,
    Footage,
    describe,
    make_transition_video,
)

PLANS = {"bench": BENCH_PLAN, "test": TEST_PLAN}
VERSION = 2  # part of the cached file's name: bump when tests/transition_media.py changes its output


def footage(plan: str, size: tuple[int, int]) -> Footage:
    """The cached footage, made on first use (the .part name keeps a broken one from counting)."""
    w, h = size
    path = dirs.cache_dir() / "bench" / f"transitions_{plan}_{w}x{h}_v{VERSION}.mp4"
    if not (path.exists() and path.stat().st_size > 0):
        dirs.ensure(path.parent)
        partial = path.with_suffix(".part.mp4")
        print(f"making {path} ...", flush=True)
        made = make_transition_video(partial, PLANS[plan], size=size)
        os.replace(made.path, path)
    return describe(path, PLANS[plan], size=size)


def truth(film: Footage) -> list[Span]:
    return [Span(t.first, t.last, t.kind) for t in film.transitions]


def vat_detector(path: Path, detector: str) -> list[Span]:
    """vat's detections: transitions with their span and kind; a single detector's scene starts as
    points that say no kind (what it claims)."""
    detection = detect_scenes(path, detector, use_cache=False)
    if detector == "transitions":
        return [Span(t.first, t.last, t.kind) for t in detection.transitions]
    return [Span.point(scene.start_frame) for scene in detection.scenes[1:]]


def transnet_device() -> str:
    from core.detection.transnet import device_name

    return device_name()


def learned_detector(path: Path) -> list[Span]:
    """TransNetV2 (the ml extra): its transitions as spans with their kinds."""
    from core.detection.transnet import detect_transitions

    return [Span(t.first, t.last, t.kind) for t in detect_transitions(path).transitions]


def pyscenedetect_adaptive(path: Path) -> list[Span]:
    """What `scenedetect -i FILE detect-adaptive` finds (its CLI does exactly this by default)."""
    from scenedetect import AdaptiveDetector, SceneManager, open_video

    video = open_video(str(path))
    manager = SceneManager()  # auto_downscale on, as in the CLI
    manager.add_detector(AdaptiveDetector())
    manager.detect_scenes(video)
    return [Span.point(start.frame_num) for start, _ in manager.get_scene_list()[1:]]


def where(film: Footage, found: Span) -> str:
    """Where a false detection falls: beside a transition, on the flash, or inside which shot."""
    for t in film.transitions:
        if t.first - 2 <= found.last and found.first <= t.last + 2:
            return f"{t.kind} {t.first}-{t.last} again"
    if abs(found.first - film.flash) <= 2:
        return "flash"
    return film.shot_kinds[film.shot_at(found.first)]


def kind_cell(result: Score, kind: str) -> str:
    k = result.by_kind.get(kind)
    if not k:
        return "-"
    labelled = f" ({k.labelled_right} as {kind})" if k.labelled else ""
    return f"{k.found}/{k.expected}{labelled}"


def report(label: str, film: Footage, result: Score, seconds: float) -> None:
    per_kind = "  ".join(f"{kind} {kind_cell(result, kind)}" for kind in KINDS)
    print(
        f"  {label:<34} recall {result.recall:.2f}  precision {result.precision:.2f}  F1 {result.f1:.2f}  "
        f"({result.hits}/{result.expected}, {len(result.false_positives)} false)  "
        f"{film.frames / seconds:6.0f} fps\n      {per_kind}",
        flush=True,
    )
    for t, f in result.matches:
        if t.kind != "cut" or (f.kind and f.kind != t.kind):
            at = f"{f.first}" if f.first == f.last else f"{f.first}-{f.last}"
            said = f" as {f.kind}" if f.kind else ""
            print(f"      found  {t.kind} {t.first}-{t.last} at {at}{said}")
    for t in result.missed:
        print(f"      missed {t.kind} {t.first}-{t.last} ({t.last - t.first + 1} frames)")
    for f in result.false_positives:
        print(f"      false  {f.first} ({where(film, f)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="640x360", help="frame size of the footage, WxH")
    parser.add_argument("--plan", choices=sorted(PLANS), default="bench", help="which footage (see above)")
    parser.add_argument("--no-pyscenedetect", action="store_true", help="skip PySceneDetect's own detector")
    parser.add_argument("--only", help="run only the detectors whose label contains this (e.g. transnetv2)")
    args = parser.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))

    film = footage(args.plan, (w, h))
    expected = truth(film)
    print(
        f"footage: {film.path} ({film.frames} frames, {w}x{h} at {film.fps} fps, "
        f"{len(expected)} transitions, flash at {film.flash}), {os.cpu_count()} CPU cores, ffmpeg {ffmpeg.version()}"
    )
    wall, _, _ = measure(lambda: plain_ffmpeg(film.path))
    print(f"  {'plain ffmpeg decoding (-f null)':<34} {film.frames / wall:6.0f} fps")
    runs: dict[str, Callable[[], list[Span]]] = {}
    for detector in DETECTORS:
        label = f"vat {detector}" + (" (default)" if detector == DEFAULT_DETECTOR else "")
        runs[label] = functools.partial(vat_detector, film.path, detector)
    if not learned.missing_modules("transnetv2"):
        runs[f"vat transnetv2 ({transnet_device()})"] = functools.partial(learned_detector, film.path)
    if not args.no_pyscenedetect:
        runs["PySceneDetect detect-adaptive"] = functools.partial(pyscenedetect_adaptive, film.path)
    if args.only:
        runs = {label: run for label, run in runs.items() if args.only in label}
    for label, run in runs.items():
        started = time.perf_counter()
        found = run()
        report(label, film, score(expected, found), time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

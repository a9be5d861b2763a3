"""`vat detect`: a master's scenes as a table, CSV or JSON. Scene numbers count from 1, frame numbers
from 0 (the last frame of a scene included) in every format. Each scene but the first starts with a
transition, shown with its kind (cut, dissolve, fade_black, fade_white) and span of frames: the
scene's first frame is the transition's boundary (the cut, a dissolve's middle, a fade's darkest or
brightest frame), so the span reaches back into the scene before it."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from core.errors import EXIT_OK
from tui.cli.common import console, detection_settings, detection_steering, open_db, refuse_steering
from tui.cli.progress_view import detection_progress
from tui.formatting import timecode


def detect(args: argparse.Namespace) -> int:
    from core.detection.detectors import LEARNED_DETECTORS
    from core.detection.options import DetectorOptions, Window
    from core.media.probe import probe
    from core.scenes import detect_scenes

    open_db()
    if getattr(args, "scenes_from", None):  # the file's scenes, checked against the master and shown alike
        from core.detection.scene_file import detection_from_file

        detection_settings(args)
        refuse_steering(args)
        found = detection_from_file(Path(args.scenes_from), Path(args.master))
    else:
        # probed once, for seconds given and for the detection (a learned detector probes on its own)
        info = None if args.detector in LEARNED_DETECTORS else probe(Path(args.master), require_video=True)
        fps = (info.fps or 25.0) if info is not None else None
        detector, threshold, min_len = detection_settings(args, fps)
        steering = detection_steering(args, fps)
        window = Window(**steering.get("window", {}))
        with detection_progress(json_lines=False) as on_progress:
            found = detect_scenes(
                args.master,
                detector=detector,
                threshold=threshold,
                min_scene_len=min_len,
                on_progress=on_progress,
                options=DetectorOptions.from_dict(steering.get("options")),
                window=window or None,
                info=info,
            )
    if args.format == "json":
        print(json.dumps(found.to_dict()))
    elif args.format == "csv":
        out = csv.writer(sys.stdout)
        out.writerow(
            [
                "scene",
                "start_timecode",
                "end_timecode",
                "start_frame",
                "end_frame",
                "duration",
                "transition",
                "transition_first_frame",
                "transition_last_frame",
            ]
        )
        for s in found.scenes:
            t = s.transition_in
            span = [t.kind, t.first, t.last] if t is not None else ["", "", ""]
            out.writerow(
                [s.index, timecode(s.start), timecode(s.end), s.start_frame, s.end_frame, f"{s.duration:.3f}", *span]
            )
    else:
        from rich.table import Table  # here: --format csv and json start without it

        cached = " · from cached statistics" if found.from_cache else ""
        table = Table(
            title=f"{len(found.scenes)} scenes · {found.frames} frames at {found.fps:g} fps{cached}",
            caption="frames count from 0 (as in --format csv and json), scenes from 1; "
            "transition in: what starts the scene, and its frames",
        )
        for column in ("#", "start", "end", "first frame", "last frame", "duration", "transition in", "frames"):
            table.add_column(column, justify="left" if column == "transition in" else "right")
        for s in found.scenes:
            t = s.transition_in
            table.add_row(
                str(s.index),
                timecode(s.start),
                timecode(s.end),
                str(s.start_frame),
                str(s.end_frame),
                f"{s.duration:.2f}s",
                t.kind if t is not None else "",
                (str(t.first) if t.first == t.last else f"{t.first}-{t.last}") if t is not None else "",
            )
        console().print(table)
    return EXIT_OK

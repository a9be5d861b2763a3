"""Tiny masters with a start timecode (ffmpeg -timecode: a tmcd track in MOV/MP4, a tag in Matroska)
at the rates editors meet: 23.976, 25, 29.97 drop-frame, 59.94 drop-frame."""

from __future__ import annotations

from pathlib import Path

from core.media import ffmpeg
from tests.media import scene_filter

# (name, frame rate as ffmpeg takes it, start timecode). The drop-frame ones start just before a
# minute whose first labels are skipped, so the scenes cross it.
RATES = [
    ("23976", "24000/1001", "10:00:00:00"),
    ("25", "25", "09:59:59:20"),
    ("2997df", "30000/1001", "00:00:59;28"),
    ("5994df", "60000/1001", "00:00:59;50"),
]
SCENES = [20, 24, 18, 22]


def make_timecode_master(path: Path, rate: str, timecode: str | None, scene_frames: list[int] = SCENES) -> Path:
    """make_cut_video's hard-cut scenes at `rate` with a start timecode and a sine tone."""
    size = (160, 96)
    # scene_filter takes the rate as it goes into the filter graph: a fraction is fine there
    parts = [scene_filter(i, n, rate, size) for i, n in enumerate(scene_frames)]  # type: ignore[arg-type]
    labels = "".join(f"[v{i}]" for i in range(len(scene_frames)))
    graph = ";".join(parts) + f";{labels}concat=n={len(scene_frames)}:v=1:a=0,format=yuv420p[v]"
    num, _, den = rate.partition("/")
    seconds = sum(scene_frames) * int(den or 1) / int(num)
    args = [
        "-filter_complex",
        graph,
        "-f",
        "lavfi",
        "-t",
        f"{seconds:.6f}",
        "-i",
        "sine=frequency=440:sample_rate=48000",
    ]
    args += ["-map", "[v]", "-map", "0:a", "-c:a", "aac", "-b:a", "64k"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-threads", "2"]
    if timecode:
        args += ["-timecode", timecode]
    args += [ffmpeg.file_arg(path)]
    ffmpeg.run(args)
    return path

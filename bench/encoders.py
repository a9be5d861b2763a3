"""Clip encoding speed per encoder: x264 (each preset's x264 setting) against NVENC where it works,
with exactly the arguments vat's presets produce. Needs only ffmpeg (VAT_FFMPEG, PATH or bundled).
Where the doctor's NVENC test encode fails, it says why (on a data-centre GPU such as the H200: no
NVENC engine) and times x264 alone.

    python bench/encoders.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.media import ffmpeg  # noqa: E402
from core.media.encode_args import scale_filter, video_codec_args  # noqa: E402
from core.media.encoders import nvenc_status  # noqa: E402
from core.pipeline.presets import BUILTIN_PRESETS  # noqa: E402


def frames_of(path: Path) -> int:
    events = []
    ffmpeg.run(["-i", ffmpeg.file_arg(path), "-map", "0:v", "-f", "null", "-"], on_progress=events.append)
    return events[-1].frame or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vat-bench-enc-"))
    source = work / "source.mp4"
    ffmpeg.run(
        [
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=s=1920x1080:r=25:d={args.seconds},noise=alls=6:allf=t",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            ffmpeg.file_arg(source),
        ]
    )
    works, why = nvenc_status()
    nvenc = "works: timed beside x264" if works else f"not run ({why})"  # the doctor's own test encode and words
    print(f"ffmpeg {ffmpeg.version()} ({ffmpeg.find_ffmpeg().source}); NVENC: {nvenc}")
    encoders = ["x264"] + (["nvenc"] if works else [])
    frames = args.seconds * 25
    for preset in BUILTIN_PRESETS:
        for encoder in encoders:
            out = work / f"{preset.preset_id}_{encoder}.mp4"
            video = preset.video
            started = time.perf_counter()
            ffmpeg.run(
                [
                    "-ss",
                    "1.0",
                    "-i",
                    ffmpeg.file_arg(source),
                    "-frames:v",
                    str(frames - 50),
                    "-vf",
                    scale_filter(1920, 1080),
                    *video_codec_args(video, preset.advanced, encoder, 25.0),
                    "-an",
                    ffmpeg.file_arg(out),
                ]
            )
            elapsed = time.perf_counter() - started
            made = frames_of(out)
            print(
                f"  {preset.preset_id:<18} {encoder:<6} {made / elapsed:7.1f} fps  "
                f"{out.stat().st_size / 1e6:6.2f} MB  frames {made}/{frames - 50}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The demo's sample video: about 30 s of 1280x720 with seven visually distinct shots and audio.

Made once with the ffmpeg in use (lavfi sources only) and kept in the user cache folder.
`python -m core.sample` prints its path; `--run` then prints its scenes and runs vat's main job on
it into the cache folder (make demo).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from core import dirs
from core.events import FfmpegProgress
from core.media import ffmpeg

SIZE = "1280x720"
RATE = 25
# (lavfi source, seconds): each shot looks nothing like its neighbours, so every join is a hard cut
SHOTS = [
    (f"testsrc2=s={SIZE}:r={RATE}", 5),
    (f"smptehdbars=s={SIZE}:r={RATE}", 4),
    (f"mandelbrot=s={SIZE}:r={RATE}", 5),
    (f"color=c=0xe4dccb:s={SIZE}:r={RATE},drawbox=x='mod(t*200,1000)':y=260:w=200:h=200:c=0x183a6b:t=fill", 4),
    (
        f"life=s=320x180:r={RATE}:mold=10:ratio=0.5:death_color=0x202020:life_color=0xe0e050,"
        f"scale={SIZE}:flags=neighbor",
        4,
    ),
    (f"rgbtestsrc=s={SIZE}:r={RATE}", 4),
    (f"gradients=s={SIZE}:r={RATE}:speed=0.02", 4),
]


def sample_path() -> Path:
    return dirs.cache_dir() / "sample" / "vat_sample_30s_720p.mp4"


def _tenths_printer() -> Callable[[FfmpegProgress], None]:
    """The half minute of encoding in tenths, one line each (a pipe reads it as well as a terminal)."""
    shown = 0

    def show(event: FfmpegProgress) -> None:
        nonlocal shown
        if event.fraction is not None and int(event.fraction * 10) > shown:
            shown = int(event.fraction * 10)
            print(f"  {10 * shown}%", flush=True)

    return show


def make_sample(path: Path | None = None, *, verbose: bool = False) -> Path:
    path = path or sample_path()
    if path.exists() and path.stat().st_size > 0:
        return path
    if verbose:
        print(
            f"making the sample video once ({sum(s for _, s in SHOTS)} s of {SIZE}, about half a minute): {path}",
            flush=True,
        )
    dirs.ensure(path.parent)
    parts, labels = [], ""
    for i, (source, seconds) in enumerate(SHOTS):
        parts.append(f"{source},trim=duration={seconds},setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v{i}]")
        labels += f"[v{i}]"
    graph = ";".join(parts) + f";{labels}concat=n={len(SHOTS)}:v=1:a=0[v]"
    total = sum(seconds for _, seconds in SHOTS)
    partial = path.with_name(path.name + ".part")
    ffmpeg.run(
        [
            "-filter_complex",
            graph,
            "-f",
            "lavfi",
            "-t",
            str(total),
            "-i",
            "sine=frequency=330:sample_rate=48000",
            "-map",
            "[v]",
            "-map",
            "0:a",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-g",
            "50",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            ffmpeg.file_arg(partial),
        ],
        duration=total,
        on_progress=_tenths_printer() if verbose else None,
    )
    os.replace(partial, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sample", description=__doc__)
    parser.add_argument("--run", action="store_true", help="run vat's main job on the sample")
    args = parser.parse_args(argv)
    path = make_sample(verbose=True)
    print(f"sample video: {path}", flush=True)
    if not args.run:
        return 0
    from db.connection import shown_location  # a PostgreSQL URL without its password

    vat = Path(sys.executable).with_name("vat")
    out = dirs.cache_dir() / "demo-archive"
    print(
        f"the demo writes to your own vat folders: the archive into {out} (the cache folder), its\n"
        f"session and history into the database {shown_location()} (VAT_DB=FILE uses another one)",
        flush=True,
    )
    print("the scenes, then every operation:", flush=True)
    if subprocess.call([str(vat), "detect", str(path)]) != 0:
        return 1
    # --replace: a second demo on the same day takes over the first one's project folder
    return subprocess.call([str(vat), "run", str(path), "--artwork", "vat sample", "--out", str(out), "--replace"])


if __name__ == "__main__":
    raise SystemExit(main())

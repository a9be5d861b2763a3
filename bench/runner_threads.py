"""x264 threads per job: `-threads cores//workers` against every job given all cores (or x264's own
choice), two clips at once (2 workers) and one alone (1 worker), timed in the same run, interleaved.

    python bench/runner_threads.py MASTER [--frames 100] [--rounds 2]

Each job encodes `--frames` frames of MASTER (from 0 and from the middle) as vat's default preset does
(libx264 medium CRF 23, 1080p). Wall time of the batch, and its CPU (user + system of the ffmpegs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

from core.media.ffmpeg import find_ffmpeg


def encode(master: Path, start: float, frames: int, threads: str | None) -> list[str]:
    args = [find_ffmpeg().path, "-nostdin", "-v", "error", "-y", "-ss", f"{start}", "-i", str(master)]
    args += ["-map", "0:v:0", "-frames:v", str(frames), "-vf", "scale=1920:1080:flags=lanczos,setsar=1"]
    args += ["-c:v", "libx264", "-preset", "medium", "-crf", "23"]
    if threads is not None:
        args += ["-threads", threads]
    return [*args, "-g", "50", "-pix_fmt", "yuv420p", "-f", "mp4", os.devnull]


def batch(commands: list[list[str]]) -> tuple[float, float]:
    started = time.monotonic()
    before = os.times()
    for process in [subprocess.Popen(c) for c in commands]:
        if process.wait() != 0:
            raise SystemExit(f"ffmpeg failed: {process.args!r}")
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.monotonic() - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("master", type=Path)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--middle", type=float, default=10.0, help="where the second clip starts (s)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 2
    cases = {
        f"2 jobs, -threads {max(1, cores // 2)} each (cores//workers)": (2, str(max(1, cores // 2))),
        f"2 jobs, -threads {cores} each (all cores)": (2, str(cores)),
        "2 jobs, x264's own choice (no -threads)": (2, None),
        f"1 job, -threads {cores}": (1, str(cores)),
        "1 job, x264's own choice (no -threads)": (1, None),
    }
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.rounds):
        for name, (jobs, threads) in cases.items():
            starts = [0.0, args.middle][:jobs]
            wall, cpu = batch([encode(args.master, s, args.frames, threads) for s in starts])
            print(f"{name}: wall {wall:.2f} s, CPU {cpu:.2f} s (load {os.getloadavg()[0]:.1f})", flush=True)
            old = best.get(name)
            best[name] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
    print(f"\nbest of {args.rounds}, {cores} cores, {args.frames} frames per job")
    for name, (wall, cpu) in best.items():
        print(f"{name}: wall {wall:.2f} s, CPU {cpu:.2f} s")


if __name__ == "__main__":
    main()

"""Whole-job speed: `vat run` with one worker and with one per core, against PySceneDetect's
`scenedetect detect-adaptive split-video save-images -n 1` on the same file, in one run.

    python bench/export.py [--seconds 120] [--scenes 12]

Makes (once, cached) a 1920x1080 25 fps H.264 video with AAC audio, `--scenes` hard-cut shots of
equal length with light film grain. vat runs with a preset whose clips match split-video's encoder
settings (libx264 -preset veryfast -crf 22, AAC audio, full size) so both make the same clips; vat
also makes HQ and web stills, thumbnails, the master copy, the log and the manifest, and verifies
every output by decoding it. Prints wall times, vat / PySceneDetect and the parallel efficiency.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere
sys.path.insert(0, str(HERE))

from detect import GRAIN, RATE, SOURCES  # noqa: E402

from core import dirs  # noqa: E402
from core.media import ffmpeg  # noqa: E402

BENCH_PRESET = {
    "preset_id": "bench_split_video_equivalent",
    "preset_name": "Bench: as split-video",
    "description": "libx264 veryfast CRF 22 with AAC, full size: PySceneDetect split-video's defaults",
    "stills_hq": {"format": "png", "max_width": None},
    "stills_web": {"format": "jpg", "max_width": 1920, "quality": 85},
    "video": {
        "codec": "h264",
        "crf": 22,
        "max_width": None,
        "maxrate": None,
        "bufsize": None,
        "x264_preset": "veryfast",
        "nvenc_preset": "p4",
        "audio": True,
        "audio_bitrate": "128k",
    },
    "thumbnail": {"format": "jpg", "width": 320, "quality": 80},
    "advanced": {"faststart": True, "gop_seconds": 10.0, "tune": None},
}


def bench_video(seconds: int, scenes: int) -> Path:
    path = dirs.cache_dir() / "bench" / f"export_{seconds}s_{scenes}scenes_1080p.mp4"
    if path.exists():
        return path
    dirs.ensure(path.parent)
    shot = seconds / scenes
    parts = [
        f"{SOURCES[i % len(SOURCES)]},trim=duration={shot},setpts=PTS-STARTPTS,format=yuv420p,{GRAIN}[v{i}]"
        for i in range(scenes)
    ]
    graph = ";".join(parts) + ";" + "".join(f"[v{i}]" for i in range(scenes)) + f"concat=n={scenes}:v=1:a=0[v]"
    partial = path.with_suffix(".part.mp4")
    print(f"making {path.name} (once)...", flush=True)
    ffmpeg.run(
        [
            "-filter_complex",
            graph,
            "-f",
            "lavfi",
            "-t",
            str(seconds),
            "-i",
            "sine=frequency=220",
            "-map",
            "[v]",
            "-map",
            "0:a",
            "-c:v",
            "libx264",
            "-preset",
            "fast",
            "-crf",
            "20",
            "-g",
            str(RATE * 4),
            "-c:a",
            "aac",
            ffmpeg.file_arg(partial),
        ],
        duration=seconds,
    )
    partial.rename(path)
    return path


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed


def breakdown(db_file: str, artwork: str) -> str:
    """Seconds spent per kind of operation (summed over workers) in the run of `artwork`."""
    import sqlite3

    with sqlite3.connect(db_file) as db:
        rows = db.execute(
            "SELECT o.operation_type, COUNT(*), SUM(o.duration_seconds) FROM operation_log o "
            "JOIN processing_state p ON p.session_id = o.session_id WHERE p.artwork_name = ? "
            "GROUP BY o.operation_type ORDER BY 3 DESC",
            (artwork,),
        ).fetchall()
    return ", ".join(f"{kind} {count}x {seconds or 0:.1f}s" for kind, count, seconds in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--scenes", type=int, default=12)
    args = parser.parse_args()
    video = bench_video(args.seconds, args.scenes)
    cores = os.cpu_count() or 1
    bin_dir = Path(sys.executable).parent
    work = Path(tempfile.mkdtemp(prefix="vat-bench-export-"))
    env = {**os.environ, "VAT_DB": str(work / "bench.db"), "VAT_FFMPEG": ffmpeg.find_ffmpeg().path}
    # the bench preset goes into the bench database through vat's own code
    setup = (
        "import json, os; from db.connection import open_database; open_database();"
        "from core.pipeline.preset_store import preset_from_dict, save_preset;"
        "save_preset(preset_from_dict(json.loads(os.environ['VAT_BENCH_PRESET'])))"
    )
    subprocess.run(
        [sys.executable, "-c", setup],
        env={**env, "VAT_BENCH_PRESET": json.dumps(BENCH_PRESET)},
        check=True,
        cwd=HERE.parent,
    )
    results = {}
    decode = [env["VAT_FFMPEG"], "-nostdin", "-i", str(video), "-map", "0:v", "-f", "null", "-"]
    results["ffmpeg decode"] = timed(decode, env)
    sd_out = work / "scenedetect"
    sd_out.mkdir()
    results["scenedetect"] = timed(
        [
            str(bin_dir / "scenedetect"),
            "-q",
            "-i",
            str(video),
            "-o",
            str(sd_out),
            "detect-adaptive",
            "split-video",
            "save-images",
            "-n",
            "1",
        ],
        env,
    )
    for workers in (1, cores):
        out = work / f"vat_w{workers}"
        results[f"vat workers={workers}"] = timed(
            [
                str(bin_dir / "vat"),
                "run",
                str(video),
                "--artwork",
                f"Bench {workers}",
                "--out",
                str(out),
                "--preset",
                BENCH_PRESET["preset_id"],
                "--workers",
                str(workers),
                "--encoder",
                "x264",
            ],
            env,
        )
        print(f"vat workers={workers}: {breakdown(env['VAT_DB'], f'Bench {workers}')}", flush=True)
    clips = len(list((work / "scenedetect").glob("*.mp4")))
    print(f"\n{video.name}: {args.seconds}s 1080p, {args.scenes} scenes; {cores} cores; scenedetect made {clips} clips")
    for name, seconds in results.items():
        print(f"  {name:<22} {seconds:8.1f} s")
    best = min(results[f"vat workers={w}"] for w in (1, cores))
    print(f"  vat (best) / scenedetect      {best / results['scenedetect']:.2f}   (goal <= 0.70)")
    speedup = results["vat workers=1"] / results[f"vat workers={cores}"]
    print(f"  parallel speed-up {speedup:.2f}x on {cores} cores, efficiency {speedup / cores:.0%}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

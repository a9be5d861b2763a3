"""Whole-job speed: `vat run` with one worker and with one per core, against PySceneDetect's
`scenedetect detect-adaptive split-video save-images -n 1` on the same file, in one run.

    python bench/export.py [--seconds 120] [--scenes 12] [--workers 1,2] [--rounds 1]
                           [--skip-scenedetect] [--serial S] [--decode-cap 8] [--save F | --report F]

Makes (once, cached) a 1920x1080 25 fps H.264 video with AAC audio, `--scenes` hard-cut shots of
equal length with light film grain. vat runs with a preset whose clips match split-video's encoder
settings (libx264 -preset veryfast -crf 22, AAC audio, full size) so both make the same clips; vat
also makes HQ and web stills, thumbnails, the master copy, the log and the manifest, and verifies
every output by decoding it. Every vat run gets its own database and user folders (XDG_*), so its
detection decodes the master instead of replaying the per-frame statistics of an earlier run.

Prints, per command, wall and CPU time (user + system of the command and all its children, from
getrusage(RUSAGE_CHILDREN)), best of --rounds; vat / PySceneDetect; the speed-up of N workers over
one; per kind of operation the count, wall and CPU (operation_log); the critical path (detection,
serial, then the operations on the workers); and the scaling model of bench/export_model.py (its
assumptions are in that module's docstring) checked against the runs here, then its prediction
for 8 and 16 cores. With NVENC working (the doctor's test encode), vat also runs with
--encoder nvenc; otherwise it prints why not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
from export_model import DECODE_CAP, DEFAULT_SERIAL  # noqa: E402
from export_report import report  # noqa: E402

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


SETUP = (  # the bench preset goes into each run's database through vat's own code
    "import json, os; from db.connection import open_database; open_database();"
    "from core.pipeline.preset_store import preset_from_dict, save_preset;"
    "save_preset(preset_from_dict(json.loads(os.environ['VAT_BENCH_PRESET'])))"
)


def measured(command: list[str], env: dict) -> tuple[float, float]:
    """(wall, CPU) of one command: CPU is user + system of it and every child it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=HERE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fresh_env(base: dict, folder: Path) -> dict:
    """Its own database and user folders: no statistics cache, preset or session of another run."""
    env = {**base, "VAT_DB": str(folder / "vat.db")}
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(dirs.ensure(folder / name.split("_")[1].lower()))
    subprocess.run(
        [sys.executable, "-c", SETUP],
        env={**env, "VAT_BENCH_PRESET": json.dumps(BENCH_PRESET)},
        check=True,
        cwd=HERE.parent,
    )
    return env


def operations(db_file: str) -> list[tuple[str, float, float]]:
    """(kind, wall, CPU seconds) of every completed operation of the run (CPU: the ffmpeg children's
    and the worker thread's, not the threads PyAV's decoders start: see core/pipeline/measure.py)."""
    import sqlite3

    with sqlite3.connect(db_file) as db:
        rows = db.execute(
            "SELECT operation_type, duration_seconds, cpu_usage FROM operation_log WHERE status = 'completed'"
        ).fetchall()
    return [(kind, wall or 0.0, (wall or 0.0) * (usage or 0.0) / 100) for kind, wall, usage in rows]


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(runs)  # the fastest wall, with its own CPU


def main() -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--workers", default=f"1,{cores}", help="comma-separated worker counts (default 1,cores)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each command, interleaved; best wall kept")
    parser.add_argument("--skip-scenedetect", action="store_true", help="time vat alone (no ratios to it)")
    parser.add_argument("--serial", type=float, help=f"Amdahl serial fraction of a job (default {DEFAULT_SERIAL})")
    parser.add_argument("--decode-cap", type=int, default=DECODE_CAP, help="decoder threads that still help")
    parser.add_argument("--save", type=Path, help="also write the measurements to this JSON file")
    parser.add_argument("--report", type=Path, help="print the report of a --save file again (runs nothing)")
    args = parser.parse_args()
    if args.report:
        saved = json.loads(args.report.read_text())
        results = {name: (wall, cpu) for name, (wall, cpu) in saved["results"].items()}
        ops = {name: [(k, w, c) for k, w, c in rows] for name, rows in saved["ops"].items()}
        report(results, ops, saved["cores"], args.serial, args.decode_cap)
        return 0
    worker_counts = [int(w) for w in args.workers.split(",")]
    video = bench_video(args.seconds, args.scenes)
    bin_dir = Path(sys.executable).parent
    work = Path(tempfile.mkdtemp(prefix="vat-bench-export-"))
    base = {**os.environ, "VAT_FFMPEG": ffmpeg.find_ffmpeg().path}
    from core.media.encoders import nvenc_status

    nvenc_works, nvenc_why = nvenc_status()
    variants = [(w, "x264") for w in worker_counts] + ([(max(worker_counts), "nvenc")] if nvenc_works else [])
    decode = [base["VAT_FFMPEG"], "-nostdin", "-i", str(video), "-map", "0:v", "-f", "null", "-"]
    scenedetect = [str(bin_dir / "scenedetect"), "-q", "-i", str(video)]
    load_before = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    times: dict[str, list[tuple[float, float]]] = {}
    ops: dict[str, list[tuple[str, float, float]]] = {}
    try:
        for round_no in range(args.rounds):
            times.setdefault("ffmpeg decode", []).append(measured(decode, base))
            if not args.skip_scenedetect:
                times.setdefault("scenedetect detect", []).append(measured([*scenedetect, "detect-adaptive"], base))
                out = work / f"sd_{round_no}"
                out.mkdir()
                whole = [*scenedetect, "-o", str(out), "detect-adaptive", "split-video", "save-images", "-n", "1"]
                times.setdefault("scenedetect", []).append(measured(whole, base))
                shutil.rmtree(out)
            for workers, encoder in variants:
                name = f"vat workers={workers}" + (" nvenc" if encoder == "nvenc" else "")
                folder = work / f"{name.replace(' ', '_').replace('=', '')}_{round_no}"
                env = fresh_env(base, folder)
                # this checkout's vat (the venv's `vat` script would run the tree it was installed from)
                command = [sys.executable, "-m", "tui.cli", "run", str(video), "--artwork", "Bench"]
                command += ["--out", str(folder / "out")]
                command += ["--preset", BENCH_PRESET["preset_id"], "--workers", str(workers), "--encoder", encoder]
                wall, cpu = measured(command, env)
                times.setdefault(name, []).append((wall, cpu))
                if best(times[name]) == (wall, cpu):
                    ops[name] = operations(env["VAT_DB"])
                shutil.rmtree(folder)
                print(f"round {round_no + 1}: {name} {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\n{video.name}: {args.seconds}s 1080p, {args.scenes} scenes; {cores} cores; best of {args.rounds}")
    print(f"load average before {load_before}, after {load} (the model's check needs an idle machine)")
    print(f"NVENC: {'works here, run with the largest worker count' if nvenc_works else f'not run ({nvenc_why})'}")
    results = {name: best(runs) for name, runs in times.items()}
    if args.save:
        args.save.write_text(json.dumps({"results": results, "ops": ops, "cores": cores}, indent=1))
    report(results, ops, cores, args.serial, args.decode_cap)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

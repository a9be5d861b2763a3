"""A clip's verification (core.media.verify.verify: decoding the whole clip, then its first and last
frames against the source's), for the 6 clips of the export bench's 60 s 1080p master, in plan order.

    python bench/clip_verify.py [--repo PATH ...] [--rounds 3] [--threads 1|2] [--reverse] [--floor]

Makes once (cached in ~/.cache/vat/bench/clip_verify) the master's 6 clips, one per 10 s hard-cut
scene, through vat's own plan (core.pipeline.plan.build_plan on the probed master, the built-in
webflow_standard preset, x264) and maker (core.pipeline.execute.make_clip). Then, for each repository
given (default: this one), in a fresh process importing that repository's vat, with an empty frame
cache: verify() on each clip in plan order (`--reverse`: last clip first; `--threads 2`: two threads
taking the clips in turn, as two workers do), timing each clip's wall and CPU (this process, all
threads: PyAV decodes in-process). Repositories alternate round by round; the best total of
`--rounds` is kept for each. Where the repository's core.media.frames counts its decodes, the source
decoding passes and frames are shown too. `--floor`: the clips' ends not compared with the source
(the clip's own decoding alone, what no change to the end checks can save). With two threads the
per-clip CPU includes the other thread's: read the total.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECONDS, SCENES = 60, 6


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def plan_clips() -> list:
    """The 6 clips' operations, planned by the repository on sys.path, output under the bench cache."""
    from core import dirs
    from core.media.probe import packet_times, probe
    from core.pipeline.plan import PlanInput, build_plan
    from core.pipeline.presets import BUILTIN_PRESETS
    from core.scenes import scenes_from_cuts

    master = dirs.cache_dir() / "bench" / f"export_{SECONDS}s_{SCENES}scenes_1080p.mp4"
    media = probe(master)
    times, keyframes = packet_times(master)
    assert media.duration is not None
    per_scene = len(times) // SCENES
    scenes = scenes_from_cuts([i * per_scene for i in range(SCENES)], times, media.duration)
    preset = next(p for p in BUILTIN_PRESETS if p.preset_id == "webflow_standard")
    plan = build_plan(
        PlanInput(
            artwork="Bench",
            slug="Bench",
            project_date="26-12-02",
            out_root=dirs.cache_dir() / "bench" / "clip_verify",
            master=master,
            media=media,
            scenes=scenes,
            frame_times=times,
            keyframes=keyframes,
            selected=[s.index for s in scenes],
            groups=[],
            preset=preset,
            encoder="x264",
            copyright="© Bench",
        )
    )
    return [op for op in plan if op.kind == "clip"]


def make_clips() -> None:
    from core.pipeline.execute import Context, make_clip

    for op in plan_clips():
        if op.output.exists():
            continue
        print(f"making {op.output.name} (once)...", flush=True)
        op.output.parent.mkdir(parents=True, exist_ok=True)
        part = op.output.with_suffix(".part.mp4")
        make_clip(op, part, Context(cancel=threading.Event(), threads=2))
        part.rename(op.output)


def measure(threads: int, reverse: bool, floor: bool) -> dict:
    """One round in this process (the repository under test is first on sys.path)."""
    from core.media import frames
    from core.media.verify import verify

    ops = plan_clips()
    if floor:  # the clips decoded and counted, their ends not compared with the source
        ops = [dataclasses.replace(op, expected=dataclasses.replace(op.expected, ends=None)) for op in ops]
    if reverse:
        ops.reverse()
    frames._cache.clear()
    counted = hasattr(frames, "decode_count")
    per_clip: dict[str, tuple[float, float]] = {}

    def run(batch: list) -> None:
        for op in batch:
            wall, used = time.perf_counter(), cpu()
            verify(op, op.output)
            per_clip[op.key] = (time.perf_counter() - wall, cpu() - used)

    passes, decoded = (frames.decode_count(), frames.decoded_frames()) if counted else (0, 0)
    wall, used = time.perf_counter(), cpu()
    workers = [threading.Thread(target=run, args=(ops[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result = {"wall": time.perf_counter() - wall, "cpu": cpu() - used, "clips": per_clip}
    if counted:
        result["passes"] = frames.decode_count() - passes
        result["frames"] = frames.decoded_frames() - decoded
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", action="append", type=Path, help="a vat checkout to time (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument("--reverse", action="store_true", help="verify the last clip first")
    parser.add_argument("--floor", action="store_true", help="without the end-frame checks: the clip's decoding alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one round, in the repository given as the working directory
        sys.path.insert(0, str(Path.cwd()))
        print(json.dumps(measure(args.threads, args.reverse, args.floor)))
        return

    repos = [r.resolve() for r in (args.repo or [HERE.parent])]
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from export import bench_video

    bench_video(SECONDS, SCENES)
    make_clips()
    best: dict[Path, dict] = {}
    for n in range(args.rounds):
        for repo in repos:
            command = [sys.executable, str(Path(__file__).resolve()), "--child", "--threads", str(args.threads)]
            out = subprocess.run(
                command + (["--reverse"] if args.reverse else []) + (["--floor"] if args.floor else []),
                cwd=repo,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out.splitlines()[-1])
            print(f"round {n + 1} {repo}: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU", flush=True)
            if repo not in best or result["cpu"] < best[repo]["cpu"]:
                best[repo] = result
    order = ("reverse" if args.reverse else "plan") + " order" + (", ends unchecked" if args.floor else "")
    print(f"\nbest of {args.rounds}, {args.threads} thread(s), {order} (per clip: wall / CPU seconds)")
    for repo, result in best.items():
        print(f"{repo}")
        for key, (wall, used) in result["clips"].items():
            print(f"  {key}: {wall:.2f} / {used:.2f}")
        counts = f", {result['passes']} source decoding passes, {result['frames']} frames" if "passes" in result else ""
        print(f"  total: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU{counts}")
    if len(best) == 2:
        (a, first), (b, second) = best.items()
        ratio = f"wall {second['wall'] / first['wall']:.2f}x, CPU {second['cpu'] / first['cpu']:.2f}x"
        print(f"\n{b} against {a}: {ratio}")


if __name__ == "__main__":
    main()

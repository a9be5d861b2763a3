"""Whole `vat run` jobs from two source trees, interleaved: wall and CPU (children included).

    python bench/runner_bench.py MASTER --tree before=/work/main --tree after=. --workers 1 2 --rounds 2

Each run gets a fresh XDG_CACHE_HOME and VAT_DB, so detection is never replayed from a cache, and runs
`python -m tui.cli run MASTER --artwork Bench --out DIR --workers N --encoder x264` in its tree. CPU:
user + system of the run and every process it started (os.wait4). The operation_log of each run gives
where the time went: the first start, the last end, and the clips' own times.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(tree: Path, master: Path, workers: int, extra: list[str], keep: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="vat-runner-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(XDG_CACHE_HOME=f"{tmp}/cache", XDG_DATA_HOME=f"{tmp}/data", XDG_STATE_HOME=f"{tmp}/state")
        env["VAT_DB"] = f"{tmp}/vat.db"
        command = [sys.executable, "-m", "tui.cli", "run", str(master), "--artwork", "Bench", "--out", f"{tmp}/out"]
        command += ["--workers", str(workers), "--encoder", "x264", "--json", *extra]
        started = time.monotonic()
        with open(f"{tmp}/events.jsonl", "wb") as events:
            process = subprocess.Popen(command, cwd=tree, env=env, stdout=events, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if keep is not None:  # the events (--json), for where the time went
            keep.write_bytes(Path(f"{tmp}/events.jsonl").read_bytes())
        if code != 0:
            said = Path(f"{tmp}/events.jsonl").read_text(errors="replace").splitlines()
            failed = [line for line in said if '"failed"' in line or '"error"' in line]
            raise SystemExit(f"{tree}: vat run exited {code}\n" + "\n".join((failed or said)[-10:]))
        with sqlite3.connect(f"{tmp}/vat.db") as db:
            rows = db.execute(
                "SELECT operation_type, duration_seconds FROM operation_log WHERE status = 'completed'"
            ).fetchall()
        clips = sum(d or 0.0 for kind, d in rows if kind == "clip")
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "clips": clips, "ops": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("master", type=Path)
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH, a vat source tree")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="a folder: each run's events (--json lines) are kept there")
    args, extra = parser.parse_known_args()  # the rest: more `vat run` arguments
    trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)]
    results: dict[tuple[str, int], list[dict]] = {}
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for round_ in range(args.rounds):
        for workers in args.workers:
            for name, tree in trees:
                keep = args.keep / f"{name}-w{workers}-r{round_ + 1}.jsonl" if args.keep else None
                figures = one_run(tree, args.master.resolve(), workers, extra, keep)
                results.setdefault((name, workers), []).append(figures)
                print(
                    f"round {round_ + 1} {name:>8} workers={workers}: wall {figures['wall']:6.1f} s  "
                    f"CPU {figures['cpu']:6.1f} s  clips' own time {figures['clips']:6.1f} s  "
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    print("\nbest of", args.rounds)
    base = trees[0][0]
    for workers in args.workers:
        for name, _ in trees:
            wall = min(r["wall"] for r in results[(name, workers)])
            cpu = min(r["cpu"] for r in results[(name, workers)])
            ratio = wall / min(r["wall"] for r in results[(base, workers)])
            print(f"{name:>8} workers={workers}: wall {wall:6.1f} s ({ratio:.2f}x {base})  CPU {cpu:6.1f} s")


if __name__ == "__main__":
    main()

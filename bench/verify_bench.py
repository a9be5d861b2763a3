"""`vat verify` (without --deep) on an archive of 1,000 small outputs, against `sha256sum` of the same
files in the same run (goal: within 1.2x).

    python bench/verify_bench.py [--outputs 1000] [--size 65536] [--rounds 5]

In a temporary database (VAT_DB) and folder: writes `--outputs` files of `--size` random bytes and
registers each as core.pipeline.runner does (records.register_output with the final file's stat and
SHA-256), then times, best of `--rounds`, interleaved:
  - `sha256sum FILE...`: one process hashing every file (the baseline);
  - core.pipeline.fixity.check_session: the check in process (stat, size, SHA-256 of each file, the
    states written back in one transaction);
  - `python -m tui.cli verify SESSION`: the whole command, interpreter start and imports included
    (bytecode cached, as installed);
  - `python -c "import tui.cli.main"`: the interpreter's and vat's start alone, for reading the above.
The page cache is warm for all three (each round reads the same files).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=1000)
    parser.add_argument("--size", type=int, default=65536, help="bytes per output file")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        raise SystemExit("needs coreutils' sha256sum")

    with tempfile.TemporaryDirectory(prefix="vat-bench-verify-") as work:
        root = Path(work)
        os.environ["VAT_DB"] = str(root / "bench.db")
        for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            os.environ[var] = str(root / var.lower())
        from core.pipeline import fixity, records
        from core.pipeline.plan import Operation
        from db.connection import database, open_database
        from db.models import ProcessingState

        open_database()
        session_id = "26-12-02_Bench_00000000"
        project = root / "out" / "26-12-02_Bench"
        ProcessingState.create(
            session_id=session_id,
            artwork_name="Bench",
            project_date="26-12-02",
            master_path=str(root / "master.mp4"),
            output_path=str(project),
            preset_id="webflow_standard",
            total_operations=args.outputs,
            status="completed",
        )
        folder = project / "stills" / "web"
        folder.mkdir(parents=True)
        ops = [
            Operation(f"still_web:s{i:05d}", "still_web", folder / f"Bench_s{i:05d}_web.jpg", None, {"frame": i})
            for i in range(args.outputs)
        ]
        with database.atomic():
            for op in ops:
                op.output.write_bytes(os.urandom(args.size))
                records.register_output(
                    session_id, op, op.output.stat(), {"width": 640, "height": 360}, records.sha256_of(op.output), 1
                )
        fixity.write_checksums(session_id, project)
        names = [op.output.relative_to(project).as_posix() for op in ops]
        mib = args.outputs * args.size / 2**20
        print(f"{args.outputs} outputs of {args.size:,} bytes ({mib:.0f} MiB) written and registered", flush=True)

        def sha256sum() -> None:
            subprocess.run(["sha256sum", *names], cwd=project, check=True, stdout=subprocess.DEVNULL)

        def in_process() -> None:
            checked = fixity.check_session(session_id, project)
            assert checked.count(fixity.OK) == args.outputs

        # the children run as an installed vat does: with its bytecode cached (not compiled every start)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(REPO)

        def cli() -> None:
            done = subprocess.run(
                [sys.executable, "-m", "tui.cli", "verify", session_id],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stdout + done.stderr

        def startup() -> None:  # the interpreter and vat's imports, for reading the CLI figure
            subprocess.run([sys.executable, "-c", "import tui.cli.main"], cwd=REPO, env=env, check=True)

        cases = {"sha256sum": sha256sum, "verify, in process": in_process, "vat verify (CLI)": cli}
        cases["python + vat imports alone"] = startup

        def cpu() -> float:  # this process's and its finished children's CPU time, user + system
            own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

        best = {name: float("inf") for name in cases}
        best_cpu = {name: float("inf") for name in cases}
        for _ in range(args.rounds):
            for name, fn in cases.items():
                t, c = time.perf_counter(), cpu()
                fn()
                best[name] = min(best[name], time.perf_counter() - t)
                best_cpu[name] = min(best_cpu[name], cpu() - c)
        base, base_cpu = best["sha256sum"], best_cpu["sha256sum"]
        print(f"{'':28} {'wall':>8}  {'x':>5}   {'CPU':>8}  {'x':>5}   (best of {args.rounds})")
        for name in cases:
            print(
                f"{name:28} {best[name]:7.3f}s  {best[name] / base:5.2f}   "
                f"{best_cpu[name]:7.3f}s  {best_cpu[name] / base_cpu:5.2f}"
            )
        ratio = best["verify, in process"] / base
        print(f"in-process wall ratio {ratio:.2f} (goal <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'})")


if __name__ == "__main__":
    main()

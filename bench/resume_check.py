"""Resume's skip check: how long deciding "already done" takes for 3,000 unchanged outputs
(goal: under 2 s), and what a re-hash costs when every file's time has changed.

    python bench/resume_check.py [--outputs 3000] [--size 65536] [--rounds 5]

In a temporary database (VAT_DB) and folder: writes `--outputs` files of `--size` random bytes and
registers each as core.pipeline.runner does (records.register_output with the final file's stat and
SHA-256), then times, best of `--rounds`:
  - "skip check": records.registered_outputs + records.is_done for every operation, the loop
    Runner.run does before it starts any work (a stat per file, no reading);
  - "completed session check": records.changed_outputs, what `vat --resume SID` on a completed
    session does first;
  - "all touched": is_done after every file's modification time moved on (each one re-hashed, its
    new time recorded; the next check is a stat again), once.
The database is on the same disk as the files; the page cache is warm (a resume right after a run).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=3000)
    parser.add_argument("--size", type=int, default=65536, help="bytes per output file")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vat-bench-resume-") as work:
        root = Path(work)
        os.environ["VAT_DB"] = str(root / "bench.db")
        for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            os.environ[var] = str(root / var.lower())
        from core.pipeline import records
        from core.pipeline.plan import Operation
        from db.connection import database, open_database
        from db.models import ProcessingState

        open_database()
        session_id = "26-11-23_Bench_00000000"
        ProcessingState.create(
            session_id=session_id,
            artwork_name="Bench",
            project_date="26-11-23",
            master_path=str(root / "master.mp4"),
            output_path=str(root / "out"),
            preset_id="webflow_standard",
            total_operations=args.outputs,
            status="completed",
        )
        folder = root / "out" / "stills" / "web"
        folder.mkdir(parents=True)
        ops = [
            Operation(
                f"still_web:s{i:05d}",
                "still_web",
                folder / f"Bench_s{i:05d}_web.jpg",
                None,
                {"frame": i, "quality": 85},
                scene=i,
            )
            for i in range(args.outputs)
        ]
        t0 = time.perf_counter()
        with database.atomic():
            for op in ops:
                op.output.write_bytes(os.urandom(args.size))
                records.register_output(
                    session_id, op, op.output.stat(), {"width": 640, "height": 360}, records.sha256_of(op.output), 1
                )
        print(
            f"{args.outputs} outputs of {args.size:,} bytes written and registered in {time.perf_counter() - t0:.2f} s",
            flush=True,
        )

        def skip_check() -> int:
            registry = records.registered_outputs(session_id)
            return sum(records.is_done(op, registry) for op in ops)

        def timed(fn, rounds: int) -> tuple[float, object]:
            best, result = float("inf"), None
            for _ in range(rounds):
                t = time.perf_counter()
                result = fn()
                best = min(best, time.perf_counter() - t)
            return best, result

        seconds, done = timed(skip_check, args.rounds)
        assert done == args.outputs, f"only {done} of {args.outputs} trusted"
        print(
            f"skip check, unchanged:      {seconds:.3f} s ({seconds / args.outputs * 1e6:.0f} us per output)"
            f"  goal < 2 s: {'met' if seconds < 2 else 'NOT met'}"
        )
        seconds, changed = timed(lambda: records.changed_outputs(session_id), args.rounds)
        assert changed == []
        print(f"completed session check:    {seconds:.3f} s")
        for op in ops:
            st = op.output.stat()
            os.utime(op.output, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        seconds, done = timed(skip_check, 1)
        assert done == args.outputs
        mib = args.outputs * args.size / 2**20
        print(f"all touched (re-hash):      {seconds:.3f} s ({mib:.0f} MiB, {mib / seconds:.0f} MiB/s)")
        seconds, _ = timed(skip_check, 1)
        print(f"then again (times updated): {seconds:.3f} s")


if __name__ == "__main__":
    main()

"""Storage roots: what resolving a stored path costs (core/catalogue/roots.resolve runs per file in
`vat verify` and in resume's skip test), against building the Path alone (what those paths cost
before roots).

    python bench/roots_bench.py [--roots 10] [--paths 100000]

In a temporary database (VAT_DB): `--roots` roots, each with a current path on two other machines
and an earlier one, and one mounted here; then, best of 5, per path: Path(text); roots.resolve(text)
(the per-process cache, looked at once a second); the snapshot's resolve (roots.resolver(), as
vat verify uses it); and resolve of a path no root holds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best(label: str, paths: list[str], call: object) -> None:
    assert callable(call)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for path in paths:
            call(path)
        times.append(time.perf_counter() - start)
    print(f"{label:<40} {min(times) / len(paths) * 1e6:6.2f} us per path")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", type=int, default=10)
    parser.add_argument("--paths", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VAT_DB"] = str(Path(tmp) / "state.db")
        os.environ["VAT_HOST"] = "bench-here"
        from core.catalogue import roots
        from db.connection import open_database

        open_database()
        for n in range(args.roots):
            roots.add(f"R{n}", f"/mnt/old{n}", host="render")
            roots.add(f"R{n}", f"/mnt/r{n}", host="render")
            roots.add(f"R{n}", f"/Volumes/r{n}", host="mac")
            here = Path(tmp) / f"r{n}"
            here.mkdir()
            roots.add(f"R{n}", here)
        paths = [f"/mnt/r{i % args.roots}/26-11-30_Work/stills/hq/Work_s{i:05}_hq.png" for i in range(args.paths)]
        elsewhere = [p.replace("/mnt/", "/srv/") for p in paths]
        snapshot, host = roots.resolver(), roots.this_host()
        best("Path(text) alone", paths, Path)
        best("roots.resolve(text)", paths, roots.resolve)
        best("snapshot.resolve(text, host)", paths, lambda p: snapshot.resolve(p, host))
        best("roots.resolve, no root holds it", elsewhere, roots.resolve)


if __name__ == "__main__":
    main()

"""`vat find` on a collection: 3,000 projects, 100,000 registered outputs, tags, ids and scene texts,
against a plain `SELECT COUNT(*) FROM file_registry` timed in the same run (goal: a search well under
a second).

    python bench/find.py [--projects 3000] [--outputs 100000] [--rounds 5] [--postgres]

In a temporary database (VAT_DB), migrated as vat migrates it: each project has 10 scenes (every
fifth project with a title and a note on scene 3, every tenth with a tag on scene 2), two or three
project tags, every third an inventory number, and its outputs spread over the kinds as a run
registers them. Times, best of `--rounds`, interleaved: the count; core.catalogue.search.search for
a text found in a few projects (a scene title), a word found everywhere with --kind (every still of
one kind), a tag, a tag + text + --since, an external id, and two words with a non-ASCII letter (every
text case-folded, found nowhere: the folding's worst case), one of them folding to ASCII (ß: ss).

--postgres: the same on PostgreSQL, a server started in the temporary folder (tests/servers.Postgres,
the pgserver wheel of the test extra), the collection written in a fresh database there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

KINDS = ("still_hq", "still_web", "thumbnail", "clip")


def build(projects: int, outputs: int) -> None:
    from db.backend import sql
    from db.connection import database, is_postgres

    engine = "postgresql" if is_postgres() else "sqlite"

    per = -(-outputs // projects)  # rounded up: at least `outputs`
    with database.atomic():
        sessions, files, tags, ids = [], [], [], []
        for i in range(projects):
            sid = f"bench{i:05d}"
            scenes = []
            for n in range(1, 11):
                record: dict = {"index": n, "start_frame": (n - 1) * 250, "end_frame": n * 250 - 1}
                if n == 3 and i % 5 == 0:
                    record |= {"title": f"Heron {i % 97}", "note": "filmed from the north bank"}
                scenes.append(record)
            date = f"{20 + i % 7:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            folder = f"/archive/{date}_Work_{i}"
            sessions.append(
                (
                    sid,
                    f"Work {i} {'Sea' if i % 4 else 'Forest'}",
                    date,
                    f"/m/{i}.mov",
                    folder,
                    "web_standard",
                    0,
                    json.dumps(scenes),
                    "completed",
                )  # fmt: skip
            )
            for k in range(per):
                kind, scene = KINDS[k % 4], 1 + (k // 4) % 10
                name = f"{folder}/{kind}/Work_{i}_s{scene:03d}_{k}.jpg"
                files.append((sid, name, kind, kind, 50_000 + k, json.dumps({"scene": scene, "key": f"{kind}:{k}"})))
            tags += [(sid, None, "artist", f"Artist {i % 50}"), (sid, None, "year", str(2000 + i % 25))]
            if i % 3 == 0:
                tags.append((sid, None, "", "night"))
            if i % 10 == 0:
                tags.append((sid, 250, "theme", "birds"))
            if i % 3 == 0:
                ids.append((sid, "inventory", f"INV-{i:06d}"))
        cursor = database.cursor()
        cursor.executemany(
            sql(
                "INSERT INTO processing_state (session_id, artwork_name, project_date, master_path, output_path, "
                "preset_id, total_operations, scenes_data, status) VALUES (?,?,?,?,?,?,?,?,?)",
                engine,
            ),
            sessions,
        )
        cursor.executemany(
            sql(
                "INSERT INTO file_registry (session_id, file_path, file_type, file_category, file_size_bytes, "
                "compression_settings) VALUES (?,?,?,?,?,?)",
                engine,
            ),
            files,
        )
        cursor.executemany(
            sql(
                "INSERT INTO tags (session_id, scene_start_frame, namespace, value) VALUES (?,?,?,?)",
                engine,
            ),
            tags,
        )
        cursor.executemany(
            sql(
                "INSERT INTO external_ids (session_id, scheme, value) VALUES (?,?,?)",
                engine,
            ),
            ids,
        )
    database.execute_sql("ANALYZE")


def best(what: object, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = what() if callable(what) else None
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--outputs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (a server started here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        if args.postgres:
            from tests.servers import Postgres

            server = Postgres(Path(tmp) / "postgres")
            os.environ["VAT_DB"] = server.create_database()
        else:
            os.environ["VAT_DB"] = str(Path(tmp) / "state.db")
        try:
            run(args)
        finally:
            if server is not None:
                from db.connection import close_database

                close_database()
                server.stop()


def run(args: argparse.Namespace) -> None:
    """Build the collection in $VAT_DB and time the searches."""
    from core.catalogue.search import Query, search
    from db.connection import database, open_database

    open_database()
    start = time.perf_counter()
    build(args.projects, args.outputs)
    print(f"built {args.projects} projects, {args.outputs} outputs in {time.perf_counter() - start:.1f} s")
    cases = {
        "SELECT COUNT(*) FROM file_registry": None,
        "find 'heron 42' (a scene title)": Query("heron 42"),
        "find sea --kind still_web": Query("sea", kind="still_web"),
        "find --tag theme:birds (a scene tag)": Query(tags=("theme:birds",)),
        "find forest --tag night --since 24-01-01": Query("forest", tags=("night",), since="24-01-01"),
        "find inv-000300 (an external id)": Query("inv-000300"),
        "find héron (folded, found nowhere)": Query("héron"),
        "find straße (folded to ASCII, nowhere)": Query("straße"),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    found: dict[str, tuple[int, int]] = {}
    for _ in range(args.rounds):  # interleaved: the machine's load falls on every case alike
        for name, query in cases.items():
            start = time.perf_counter()
            if query is None:
                count = database.execute_sql("SELECT COUNT(*) FROM file_registry").fetchone()[0]
                found[name] = (0, count)
            else:
                result = search(query)
                found[name] = (len(result), sum(len(p.outputs) for p in result))
            timings[name].append(time.perf_counter() - start)
    base = min(timings["SELECT COUNT(*) FROM file_registry"])
    print(f"{'what':44} {'best':>9} {'ratio':>7} {'projects':>9} {'outputs':>8}")
    for name, times in timings.items():
        projects, outputs = found[name]
        print(f"{name:44} {min(times) * 1000:7.1f}ms {min(times) / base:7.1f} {projects:9} {outputs:8}")


if __name__ == "__main__":
    main()

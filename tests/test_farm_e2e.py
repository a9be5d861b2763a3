"""The render farm end to end on this machine: PostgreSQL and Redis started here, two render nodes
(`vat farm worker --concurrency 1`), `vat run --farm` coordinating a multi-scene master. One node is
killed with SIGKILL in the middle of an encode; the coordinator sees its lock go, sends the operation
again, the other node makes it, and the session completes: every output verified (the registry and
`vat verify`), one registry row per output, nothing left under a temporary name."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.pipeline.execute import is_temporary
from db.connection import close_database, open_database
from db.models import FileRegistry, OperationLog, ProcessingState
from tests.helpers import ROOT, VAT, json_events, vat
from tests.media import make_cut_video
from tests.servers import Postgres, Redis, Unavailable

pytestmark = pytest.mark.slow  # servers, two nodes and a whole session: some 40 s

# three scenes of 5 s at 480x270: each clip's encode (libx264 medium) lasts long enough to be killed
SCENE_FRAMES = [125, 125, 125]


@dataclass
class Farm:
    url: str
    broker: str
    folder: Path
    nodes: list[subprocess.Popen[bytes]]

    def start_node(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        node = subprocess.Popen(
            [*VAT, "farm", "worker", "--concurrency", "1"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.nodes.append(node)
        return node

    def log_of(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def farm(postgres_server: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Farm]:
    try:
        redis = Redis(tmp_path / "redis")
    except Unavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis server: {exc}")
    url = postgres_server.create_database()
    monkeypatch.setenv("VAT_DB", url)
    monkeypatch.setenv("VAT_BROKER", redis.url(0))
    farm = Farm(url, redis.url(0), tmp_path, [])
    try:
        yield farm
    finally:
        for node in farm.nodes:  # every node this test started goes with it
            if node.poll() is None:
                node.kill()
            node.wait(10)
        redis.stop()
        close_database()
        postgres_server.drop_database(url)


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.vat-part*") if is_temporary(p)] if folder.is_dir() else []


def wait_for_encode(node: subprocess.Popen[bytes], out: Path, coordinator: subprocess.Popen[str]) -> str:
    """The key of a clip that `node` is encoding now: its row says processing on that node, and its
    temporary file is being written."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert coordinator.poll() is None, "the run ended before a node took a clip"
        rows = OperationLog.select(OperationLog.operation_name).where(
            (OperationLog.status == "processing")
            & (OperationLog.operation_type == "clip")
            & OperationLog.node.endswith(f":{node.pid}")
        )
        for row in rows:
            key = str(row.operation_name)
            scene = key.split(":", 1)[1]
            if any(f"_{scene}." in p.name for p in temporaries(out)):
                return key
        time.sleep(0.05)
    raise AssertionError("no node started an encode in time")


def test_a_node_killed_mid_encode_hands_its_operation_to_the_other(farm: Farm, tmp_path: Path) -> None:
    master = make_cut_video(tmp_path / "master.mp4", SCENE_FRAMES, size=(480, 270))
    out = tmp_path / "out"
    doomed, survivor = farm.start_node("node-a"), farm.start_node("node-b")
    coordinator = subprocess.Popen(
        [*VAT, "run", str(master), "--artwork", "Farmed", "--out", str(out), "--now", "--farm", "--json"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        open_database()
        key = wait_for_encode(doomed, out, coordinator)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
        stdout, stderr = coordinator.communicate(timeout=120)
    finally:
        if coordinator.poll() is None:
            coordinator.kill()
            coordinator.wait()
    assert coordinator.returncode == 0, f"{stdout}\n{stderr}\n{farm.log_of('node-b')}"
    events = json_events(stdout)
    said = next(e["text"] for e in events if e["event"] == "message" and e["text"].startswith("session "))
    session_id = said.split(" ", 2)[1].rstrip(":")
    killed = f"{socket.gethostname()}:{doomed.pid}"
    # the coordinator saw the node go and sent its operation again; the other node made it
    assert {"event": "requeued", "key": key, "node": killed} in [
        {k: e.get(k) for k in ("event", "key", "node")} for e in events if e["event"] == "requeued"
    ]
    done = {e["key"]: e for e in events if e["event"] == "done"}
    assert done[key]["node"].endswith(f":{survivor.pid}")
    # each output a node made is told with its node, also one made between two of the coordinator's polls
    farmed_keys = [k for k in done if k.startswith(("clip:", "still_hq:", "still_web:"))]
    assert farmed_keys and all(done[k].get("node") for k in farmed_keys), [done[k] for k in farmed_keys]
    assert events[-1]["event"] == "result" and events[-1]["status"] == "completed"

    # every output registered once, verified, and the registry's files are those on disk
    rows = list(FileRegistry.select().where(FileRegistry.session == session_id))
    paths = [row.file_path for row in rows]
    assert len(paths) == len(set(paths)), "an output registered twice"
    assert rows and all(row.verified for row in rows)
    assert all(Path(path).is_file() for path in paths)
    log = OperationLog.get((OperationLog.session == session_id) & (OperationLog.operation_name == key))
    assert log.status == "completed" and str(log.node).endswith(f":{survivor.pid}")
    assert temporaries(out) == [], temporaries(out)
    # the broker it was sent with, for the TUI's resume (this one has no password to keep out)
    farmed = ProcessingState.get(ProcessingState.session_id == session_id).process_metadata["farm"]
    assert farmed["broker"] == os.environ["VAT_BROKER"] and farmed["fingerprint"]
    close_database()
    checked = vat("verify", session_id)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_coordinator_goes_and_comes_back_while_the_farm_works(farm: Farm, tmp_path: Path) -> None:
    """SIGHUP (a dropped SSH connection) stops the coordinator only: exit 130 and one line saying the farm
    goes on; `vat --resume --farm` follows again at once, the operation being made meanwhile is followed,
    not made a second time, and the session completes."""
    master = make_cut_video(tmp_path / "master.mp4", SCENE_FRAMES, size=(480, 270))
    out = tmp_path / "out"
    node = farm.start_node("node")
    command = [*VAT, "run", str(master), "--artwork", "Farmed", "--out", str(out), "--now", "--farm", "--json"]
    first = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, text=True)
    try:
        open_database()
        key = wait_for_encode(node, out, first)
        first.send_signal(signal.SIGHUP)
        stdout, _ = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 130, stdout
    events = json_events(stdout)
    said = next(e["text"] for e in events if e["event"] == "message" and e["text"].startswith("session "))
    session_id = said.split(" ", 2)[1].rstrip(":")
    stopped = [e["text"] for e in events if e["event"] == "message" and "render farm goes on" in e["text"]]
    assert len(stopped) == 1 and stopped[0].endswith(f"vat --resume --farm {session_id}"), stopped
    assert node.poll() is None  # the node goes on
    close_database()

    again = vat("--resume", session_id, "--farm", "--json", timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr + farm.log_of("node")
    resumed = json_events(again.stdout)
    assert resumed[-1]["event"] == "result" and resumed[-1]["status"] == "completed"
    open_database()
    rows = list(FileRegistry.select().where(FileRegistry.session == session_id))
    paths = [row.file_path for row in rows]
    assert rows and len(paths) == len(set(paths)) and all(row.verified for row in rows)
    # made once: the one in flight when the coordinator went, and every other operation of the farm
    logs = {r.operation_name: r for r in OperationLog.select().where(OperationLog.session == session_id)}
    assert logs[key].status == "completed" and logs[key].attempts == 1
    farmed = [r for r in logs.values() if r.node]
    assert farmed and all(r.attempts == 1 for r in farmed), {r.operation_name: r.attempts for r in farmed}
    assert temporaries(out) == []

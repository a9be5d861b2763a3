"""The render farm's node side: one operation made on a node exactly as the local pool makes it (once,
verified, registered once), the operation's lock across processes, what a killed node left, routing
by toolchain and encoder, and `vat farm worker` as a real process on a real Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.farm import node_checks, routing
from core.farm.operation import leftover_temporaries, lock_name, node_name, run_operation
from core.media import ffmpeg
from core.pipeline import session as sessions
from core.pipeline.plan import Operation
from db.connection import close_database, open_database
from db.models import FileRegistry, OperationLog, ProcessingState
from tests.farm_support import hold_elsewhere, slowed_ffmpeg
from tests.helpers import ROOT, VAT
from tests.servers import Postgres, Redis, Unavailable

KEY = "clip:s002"


@pytest.fixture
def catalogue(postgres_server: Postgres, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL catalogue (VAT_DB), opened here; dropped after the test."""
    url = postgres_server.create_database()
    monkeypatch.setenv("VAT_DB", url)
    open_database()
    yield url
    close_database()
    postgres_server.drop_database(url)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    try:
        server = Redis(tmp_path / "redis")
    except Unavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis server: {exc}")
    yield server
    server.stop()


def new_session(master: Path, out: Path) -> ProcessingState:
    """A detected session with scenes 1-2 selected, its folder made: as the coordinator leaves it."""
    out.mkdir(parents=True, exist_ok=True)
    options = sessions.SessionOptions(
        master=master, artwork="Farm Piece", project_date="26-12-02", out=out, encoder="x264", unattended=True
    )
    row = sessions.create_session(sessions.check_options(options))
    sessions.detect(row, *sessions.detection_parameters("adaptive", None, None))
    sessions.request_selection(ProcessingState.get_by_id(row.id), "1-2", [])
    sessions.select_requested(ProcessingState.get_by_id(row.id))
    return ProcessingState.get_by_id(row.id)


def plan_of(session: ProcessingState) -> list[Operation]:
    return sessions.plan_for(ProcessingState.get_by_id(session.id))[0]


def the_op(session: ProcessingState, key: str = KEY) -> tuple[int, Operation]:
    return next((seq, op) for seq, op in enumerate(plan_of(session), start=1) if op.key == key)


def rows_of(session_id: str, key: str) -> list[FileRegistry]:
    return [
        row
        for row in FileRegistry.select().where(FileRegistry.session == session_id)
        if (row.compression_settings or {}).get("key") == key
    ]


def test_an_operation_made_twice_gives_one_output_and_one_registry_row(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    node = node_name()
    assert run_operation(session.session_id, KEY, sequence, node) == "done"
    made = op.output.stat()
    assert run_operation(session.session_id, KEY, sequence, "elsewhere:1") == "skipped"
    assert op.output.stat().st_mtime_ns == made.st_mtime_ns  # not written again
    (row,) = rows_of(session.session_id, KEY)
    assert row.verified and row.file_size_bytes == made.st_size and Path(row.file_path) == op.output
    log = OperationLog.get((OperationLog.session == session.session_id) & (OperationLog.operation_name == KEY))
    assert (log.status, log.node, log.progress, log.attempts) == ("completed", node, 1.0, 1)
    assert not [p for p in op.output.parent.iterdir() if ".vat-part" in p.name]
    # the session's own row is the coordinator's: the node leaves its progress alone
    assert ProcessingState.get_by_id(session.id).completed_operations == 0


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_an_operation_another_process_makes_is_left_to_it(catalogue: str, cut_video: Path, tmp_path: Path) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    holder = hold_elsewhere(lock_name(session.session_id, KEY))
    try:
        assert run_operation(session.session_id, KEY, sequence, node_name()) == "busy"
        assert not op.output.exists() and rows_of(session.session_id, KEY) == []
    finally:
        holder.kill()
        holder.wait()
    # the holder died: its lock went with its connection, and the operation is made here
    assert run_operation(session.session_id, KEY, sequence, node_name()) == "done"


def test_what_a_killed_node_left_of_this_output_is_removed_and_nothing_else(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    op.output.parent.mkdir(parents=True)
    left = op.output.with_name(f".{op.output.stem}.vat-part-999999-0badc0de{op.output.suffix}")
    left.write_bytes(b"half an encode")
    other_op = the_op(session, "clip:s001")[1]
    others = other_op.output.with_name(f".{other_op.output.stem}.vat-part-999999-0badc0de{other_op.output.suffix}")
    others.write_bytes(b"another node's encode, still running")
    assert leftover_temporaries(op.output) == [left]
    assert run_operation(session.session_id, KEY, sequence, node_name()) == "done"
    assert not left.exists() and others.exists() and op.output.is_file()


def test_a_node_that_mounts_the_shared_storage_elsewhere_finds_the_master_and_the_project_folder(
    catalogue: str, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.catalogue import roots

    edit_box, node = tmp_path / "edit" / "nas", tmp_path / "node" / "mnt" / "share"
    (edit_box / "masters").mkdir(parents=True)
    master = edit_box / "masters" / "cuts.mp4"
    master.write_bytes(cut_video.read_bytes())
    monkeypatch.setenv("VAT_HOST", "edit-box")
    roots.add("NAS", edit_box)
    session = new_session(master, edit_box / "archive")
    sequence, op = the_op(session)
    roots.add("NAS", node, host="render-1")
    node.parent.mkdir(parents=True)
    edit_box.rename(node)  # the node sees the share at its own mount point only
    monkeypatch.setenv("VAT_HOST", "render-1")
    assert run_operation(session.session_id, KEY, sequence, node_name()) == "done"
    made = node / op.output.relative_to(edit_box)
    assert made.is_file() and not op.output.exists()
    (row,) = rows_of(session.session_id, KEY)
    assert roots.resolve(row.file_path) == made
    assert run_operation(session.session_id, KEY, sequence, node_name()) == "skipped"  # found made, there


def fake_ffmpeg(
    folder: Path, version: str = "ffmpeg version 0.0-elsewhere Copyright (c) the FFmpeg developers"
) -> Path:
    """An ffmpeg that says it is another version and is the real one otherwise (a node with another build)."""
    real = ffmpeg.find_ffmpeg().path
    script = folder / "ffmpeg"
    says = f'for a in "$@"; do [ "$a" = -version ] && {{ echo "{version}"; exit 0; }}; done'
    script.write_text(f'#!/bin/sh\n{says}\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    return script


def test_an_output_made_by_another_ffmpeg_is_made_again(
    catalogue: str, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parameter hash covers vat's and ffmpeg's versions: resume does not take another build's output."""
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    assert run_operation(session.session_id, KEY, sequence, node_name()) == "done"
    ours = op.params_hash
    monkeypatch.setenv("VAT_FFMPEG", str(fake_ffmpeg(tmp_path)))
    ffmpeg.find_ffmpeg(refresh=True)
    try:
        assert routing.toolchain()["ffmpeg"].startswith("ffmpeg version 0.0-elsewhere")
        assert the_op(session)[1].params_hash != ours
        assert run_operation(session.session_id, KEY, sequence, node_name()) == "done"  # not "skipped"
        (row,) = rows_of(session.session_id, KEY)
        assert row.compression_settings["params_hash"] != ours
    finally:
        monkeypatch.undo()
        ffmpeg.find_ffmpeg(refresh=True)


def test_queues_by_toolchain_and_encoder(cut_video: Path, tmp_path: Path, db: object) -> None:
    session = new_session(cut_video, tmp_path / "out")
    plan = plan_of(session)
    here = routing.fingerprint(routing.toolchain())
    assert len(here) == 12 and int(here, 16) >= 0
    assert routing.fingerprint({**routing.toolchain(), "ffmpeg": "ffmpeg version 0.0"}) != here
    clip = next(op for op in plan if op.kind == "clip")
    nvenc_clip = Operation(clip.key, clip.kind, clip.output, clip.source, {**clip.params, "encoder": "nvenc"})
    assert routing.queue_for(nvenc_clip, here) == f"vat.{here}.nvenc"
    # x264 nodes take the rest: x264 clips, stills, the master copy, thumbnails
    assert {routing.queue_for(op, here) for op in plan} == {f"vat.{here}.x264"}
    assert routing.queues(["x264", "nvenc"], here) == [f"vat.{here}.x264", f"vat.{here}.nvenc"]
    assert routing.queues(["nvenc"], here) == [f"vat.{here}.nvenc"]  # an NVENC-only node: no x264 work


def test_a_task_for_another_toolchain_is_refused_not_run(catalogue: str, cut_video: Path, tmp_path: Path) -> None:
    from core.farm.app import operation_task

    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    elsewhere = routing.fingerprint({**routing.toolchain(), "vat": "0.0.1"})
    assert operation_task(None, session.session_id, KEY, sequence, elsewhere) == "refused"
    assert log_row(session.session_id, KEY) is None and not op.output.exists()
    here = routing.fingerprint(routing.toolchain())
    assert operation_task(None, session.session_id, KEY, sequence, here) == "checking"  # on the node's checks
    node_checks.close()  # as a stopping node: every output handed over is checked and registered
    assert op.output.is_file() and len(rows_of(session.session_id, KEY)) == 1


# --- vat farm worker, a real process ---------------------------------------------------------------


def start_worker(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*VAT, "farm", "worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def ready_line(worker: subprocess.Popen[str]) -> str:
    assert worker.stdout is not None and worker.stderr is not None
    line = worker.stdout.readline()
    assert "ready" in line, (line, worker.poll(), worker.stderr.read() if worker.poll() is not None else "")
    return line


def stop(worker: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, then its exit status and what it said after its ready line (stdout and stderr)."""
    worker.send_signal(signal.SIGTERM)
    try:
        out, err = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, err = worker.communicate()
    return worker.returncode, out + err


def send(broker: str, session_id: str, sequence: int, key: str, fingerprint: str, queue: str) -> None:
    from core.farm.app import OPERATION_TASK, make_app

    app = make_app(broker)
    app.send_task(OPERATION_TASK, args=(session_id, key, sequence, fingerprint), queue=queue)
    app.close()


def wait_for(condition: object, seconds: float) -> bool:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if callable(condition) and condition():
            return True
        time.sleep(0.2)
    return False


def log_row(session_id: str, key: str) -> OperationLog | None:
    return OperationLog.get_or_none((OperationLog.session == session_id) & (OperationLog.operation_name == key))


@pytest.mark.slow
def test_a_worker_makes_its_queues_tasks_and_no_other_toolchains_or_encoders(
    catalogue: str, redis_server: Redis, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    plan = plan_of(session)
    here = routing.fingerprint(routing.toolchain())
    broker = redis_server.url(0)
    env = {**os.environ, "VAT_DB": catalogue, "VAT_BROKER": broker}
    other = {**env, "VAT_FFMPEG": str(fake_ffmpeg(tmp_path))}  # a node with another ffmpeg build
    stranger = start_worker("--concurrency", "1", "--encoders", "x264", env=other)
    worker = start_worker("--concurrency", "2", "--encoders", "x264", env=env)
    try:
        assert f"vat.{here}.x264" not in ready_line(stranger)
        line = ready_line(worker)
        assert f"queues vat.{here}.x264," in line and broker in line
        # an NVENC encode: no node here takes it (neither listens on the nvenc queue)
        sequence, op = the_op(session, "clip:s001")
        send(broker, session.session_id, sequence, op.key, here, routing.queue_name("nvenc", here))
        # the session's x264 work: only the node with the same toolchain takes it
        x264 = [(seq, op) for seq, op in enumerate(plan, start=1) if op.key != "clip:s001" and not op.final]
        for seq, op in x264:
            send(broker, session.session_id, seq, op.key, here, routing.queue_for(op, here))
        assert wait_for(
            lambda: all(getattr(log_row(session.session_id, op.key), "status", None) == "completed" for _, op in x264),
            60,
        )
        nodes = {log_row(session.session_id, op.key).node for _, op in x264}  # type: ignore[union-attr]
        assert nodes == {f"{socket.gethostname()}:{worker.pid}"}
        time.sleep(1)
        assert log_row(session.session_id, "clip:s001") is None and not the_op(session, "clip:s001")[1].output.exists()
        for _, op in x264:
            assert len(rows_of(session.session_id, op.key)) == 1 and op.output.is_file()
    finally:
        code, said = stop(worker)
        stop(stranger)
    assert (code, said) == (130, "")  # one line, when ready: nothing more unless something is wrong


def test_the_worker_refuses_a_sqlite_catalogue_and_a_missing_broker(tmp_path: Path) -> None:
    env = {**os.environ, "VAT_DB": str(tmp_path / "state.db")}
    env.pop("VAT_BROKER", None)
    done = subprocess.run([*VAT, "farm", "worker"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "vat: error: the farm needs the shared catalogue: set VAT_DB=postgresql://..."
    ]
    assert not (tmp_path / "state.db").exists()  # refused before anything was opened


def test_the_worker_without_a_broker_names_both_ways_to_give_one(catalogue: str) -> None:
    env = {**os.environ, "VAT_DB": catalogue}
    env.pop("VAT_BROKER", None)
    done = subprocess.run([*VAT, "farm", "worker"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "--broker" in line and "VAT_BROKER" in line


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_asking_for_nvenc_where_there_is_none_is_one_line_exit_3(catalogue: str, redis_server: Redis) -> None:
    from core.media.encoders import nvenc_status

    if nvenc_status()[0]:
        pytest.skip("NVENC works on this machine")
    env = {**os.environ, "VAT_DB": catalogue, "VAT_BROKER": redis_server.url(0)}
    done = subprocess.run(
        [*VAT, "farm", "worker", "--encoders", "nvenc"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("vat: error: --encoders nvenc: NVENC does not work on this machine")


@pytest.mark.slow
def test_no_password_is_ever_shown(catalogue: str, redis_server: Redis, tmp_path: Path) -> None:
    secret = "s3cret-pw"
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=5) as conn:  # the broker asks for it
        conn.sendall(f"CONFIG SET requirepass {secret}\r\n".encode())
        assert conn.recv(16).startswith(b"+OK")
    broker = f"redis://:{secret}@127.0.0.1:{redis_server.port}/0"
    # the catalogue's URL with a password too (the test server trusts its socket, so any is accepted)
    db_url = catalogue.replace("postgresql://postgres:@", f"postgresql://postgres:{secret}@")
    assert secret in db_url
    logs = tmp_path / "state"
    env = {**os.environ, "VAT_DB": db_url, "XDG_STATE_HOME": str(logs)}
    worker = start_worker("--broker", broker, "--concurrency", "1", "-v", env=env)
    try:
        line = ready_line(worker)
        assert f"redis://:***@127.0.0.1:{redis_server.port}/0" in line
    finally:
        code, said = stop(worker)
    assert code == 130
    written = "".join(p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
    assert written and secret not in written and secret not in line and secret not in said


def temporaries_of(op: Operation) -> list[Path]:
    return [p for p in op.output.parent.glob("*") if ".vat-part" in p.name] if op.output.parent.is_dir() else []


@pytest.mark.slow
def test_a_stopped_node_gives_its_task_back_and_a_killed_one_leaves_it_to_another(
    catalogue: str, redis_server: Redis, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    here = routing.fingerprint(routing.toolchain())
    broker = redis_server.url(0)
    env = {**os.environ, "VAT_DB": catalogue, "VAT_BROKER": broker, "VAT_FARM_VISIBILITY_TIMEOUT": "2"}
    slow = {**env, "VAT_FFMPEG": str(slowed_ffmpeg(tmp_path, 0.1))}
    sequence, op = the_op(session)
    send(broker, session.session_id, sequence, op.key, here, routing.queue_for(op, here))

    def encoding() -> bool:
        row = log_row(session.session_id, op.key)
        return row is not None and row.status == "processing" and bool(temporaries_of(op))

    # SIGTERM mid-encode: the encode stops, nothing is left, the row is pending, the exit is 130
    first = start_worker("--concurrency", "1", env=slow)
    ready_line(first)
    assert wait_for(encoding, 30)
    code, said = stop(first)
    assert code == 130, said
    assert getattr(log_row(session.session_id, op.key), "status", None) == "pending" and not temporaries_of(op)

    # the task went back to the queue: the next node takes it, and is SIGKILLed mid-encode
    second = start_worker("--concurrency", "1", env=slow)
    try:
        ready_line(second)
        assert wait_for(encoding, 30)
        os.kill(second.pid, signal.SIGKILL)
        second.wait(10)
        assert temporaries_of(op)  # what a killed node leaves
    finally:
        if second.poll() is None:
            second.kill()
        second.communicate()

    # unacknowledged, it goes to another node once the visibility timeout has passed
    third = start_worker("--concurrency", "1", env=env)
    try:
        ready_line(third)
        made = wait_for(lambda: getattr(log_row(session.session_id, op.key), "status", None) == "completed", 60)
    finally:
        stop(third)
    assert made
    row = log_row(session.session_id, op.key)
    assert row is not None and row.node == f"{socket.gethostname()}:{third.pid}"
    assert len(rows_of(session.session_id, op.key)) == 1 and op.output.is_file() and not temporaries_of(op)


def test_celery_is_loaded_only_by_the_node_and_the_app() -> None:
    """The farm extra stays optional: parsing `vat farm worker`, routing and making an operation load no Celery."""
    code = (
        "import sys\n"
        "from tui.cli.parser import parse\n"
        "parse(['farm', 'worker', '--concurrency', '2'])\n"
        "import core.farm.config, core.farm.routing, core.farm.operation, tui.cli.farm\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('celery', 'kombu')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

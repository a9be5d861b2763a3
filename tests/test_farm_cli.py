"""`vat run --farm` and `vat --resume --farm` refused in one line where the farm cannot work: on the
SQLite default (the farm needs the shared catalogue), --broker without --farm, a broker that does not
answer (exit 3) — and the broker's password never printed, even with -v."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import vat
from tests.servers import Postgres, free_port

SHARED = "vat: error: the farm needs the shared catalogue"


@pytest.mark.parametrize(
    "command",
    [
        ["run", "MASTER", "--artwork", "Farmed", "--farm"],
        ["--resume", "--farm"],
        ["resume", "some-session", "--farm", "--broker", "redis://127.0.0.1:1/0"],
    ],
)
def test_the_farm_is_refused_on_sqlite_before_anything_is_written(
    command: list[str], cut_video: Path, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAT_BROKER", "redis://127.0.0.1:1/0")
    args = [str(cut_video) if word == "MASTER" else word for word in command]
    done = vat(*args, "--out", tmp_path / "out") if command[0] == "run" else vat(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(SHARED) and len(done.stderr.splitlines()) == 1, done.stderr
    assert "postgresql://" in done.stderr  # says what to set
    assert not db_path.exists() and not (tmp_path / "out").exists()  # no database made, no folder


def test_broker_goes_with_farm(cut_video: Path) -> None:
    done = vat("run", cut_video, "--artwork", "A", "--broker", "redis://127.0.0.1:1/0")
    assert done.returncode == 2
    assert done.stderr.strip() == "vat: error: --broker goes with --farm (the render farm's broker)"
    assert vat("sessions", "--farm").returncode == 2  # not a listing's option


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_an_unreachable_broker_is_named_without_its_password(
    postgres_server: Postgres, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.create_database()
    try:
        monkeypatch.setenv("VAT_DB", url)
        port = free_port()  # nothing listens there
        secret = "s3cr3t-broker-pw"
        monkeypatch.setenv("VAT_BROKER", f"redis://farm:{secret}@127.0.0.1:{port}/3")
        for args in (
            ["run", cut_video, "--artwork", "Farmed", "--out", tmp_path / "out", "--farm", "-v"],
            ["--resume", "--farm", "-v"],
        ):
            done = vat(*args, timeout=60)
            assert done.returncode == 3, done.stderr
            assert secret not in done.stdout + done.stderr
            last = done.stderr.strip().splitlines()[-1]
            assert last.startswith(f"vat: error: cannot reach the broker redis://farm:***@127.0.0.1:{port}/3"), last
        assert not (tmp_path / "out").exists()  # refused before the session was created
    finally:
        postgres_server.drop_database(url)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_local_resume_waits_for_the_operations_a_render_node_makes(
    db: object, cut_video: Path, tmp_path: Path
) -> None:
    """While a render node holds an operation's lock (here this test, as a node would), a local run of
    the session would remove its temporary and make it twice: refused in one line, nothing changed."""
    from core.farm.operation import lock_name
    from core.pipeline.db_locks import AdvisoryLock
    from core.pipeline.session_queue import enqueue, entry_of
    from db.models import OperationLog, ProcessingState
    from tests.tui_flows import detected_session

    session = detected_session(cut_video, tmp_path / "out", "Farmed")
    OperationLog.create(
        session=session.session_id,
        operation_name="clip:s002",
        operation_type="clip",
        sequence_number=3,
        status="processing",
        node="render-7:4242",
    )
    status = ProcessingState.get_by_id(session.id).status
    enqueue(session.session_id, source="run")  # waiting in the queue, as a stopped farm run leaves it
    with AdvisoryLock(lock_name(session.session_id, "clip:s002")):
        done = vat("--resume", session.session_id)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"vat: error: session {session.session_id}: 1 operation(s) are being made on the render farm (first "
        f"clip:s002 on render-7:4242): follow them with vat --resume --farm {session.session_id}, or wait for them"
    )
    assert ProcessingState.get_by_id(session.id).status == status
    entry = entry_of(session.session_id)  # not turned into "to pick" (a refused selection) nor failed
    assert entry is not None and (entry.state, entry.reason) == ("waiting", None)


def test_a_worker_whose_broker_does_not_answer_says_so_in_one_line(
    postgres_server: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a silent hang (Celery retries a broker for ever): one line naming it without its password, exit 3."""
    url = postgres_server.create_database()
    try:
        monkeypatch.setenv("VAT_DB", url)
        port = free_port()  # nothing listens there
        secret = "s3cr3t-node-pw"
        monkeypatch.setenv("VAT_BROKER", f"redis://node:{secret}@127.0.0.1:{port}/2")
        done = vat("farm", "worker", "--concurrency", "1", timeout=30)
        assert done.returncode == 3, done.stdout + done.stderr
        assert secret not in done.stdout + done.stderr and done.stdout == ""
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"vat: error: cannot reach the broker redis://node:***@127.0.0.1:{port}/2"), line
    finally:
        postgres_server.drop_database(url)


def test_a_workers_concurrency_is_bounded_as_workers_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1 to four times the cores, as --workers (more only thrashes): said before anything else is checked."""
    import os

    monkeypatch.setenv("VAT_DB", str(tmp_path / "state.db"))
    most = 4 * (os.cpu_count() or 1)
    for given in (str(most + 1), "0", "two"):
        done = vat("farm", "worker", "--concurrency", given)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.strip().splitlines()[-1:]
        assert "argument --concurrency" in line and given in line, line
    assert "expected 1 to" in vat("farm", "worker", "--concurrency", str(most + 1)).stderr

"""A local run and the render farm never make the same output at once: on the shared catalogue the
local pool takes each operation's lock (the one a render node takes) around making and registering it,
a node leaves an operation a local run is making, a local run leaves one a node is making, and no run
removes a temporary whose operation is being made elsewhere. Real PostgreSQL, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from core.farm.operation import lock_name, node_name, run_operation
from core.pipeline.db_locks import AdvisoryLock
from core.pipeline.op_locks import remove_strays
from db.models import OperationLog, ProcessingState
from tests.farm_support import hold_elsewhere, let_go, slowed_ffmpeg
from tests.helpers import ROOT, VAT, json_events, vat
from tests.test_farm_node import KEY, catalogue, new_session, plan_of, rows_of, the_op, wait_for

__all__ = ["catalogue"]  # the fixture, used by name


def temporary_of(output: Path, pid: int = 999999) -> Path:
    return output.with_name(f".{output.stem}.vat-part-{pid}-0badc0de{output.suffix}")


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_node_leaves_an_operation_a_local_run_is_making(catalogue: str, cut_video: Path, tmp_path: Path) -> None:
    """A task still queued in the broker, taken by a node while a plain `vat --resume` makes the same
    output: the node finds the operation's lock held and leaves it (it used to take the free lock and
    remove the run's live temporary as a killed node's)."""
    session = new_session(cut_video, tmp_path / "out")
    made = [(seq, op) for seq, op in enumerate(plan_of(session), start=1) if not op.final]
    env = {**os.environ, "VAT_FFMPEG": str(slowed_ffmpeg(tmp_path, 0.1))}  # its encodes' temporaries stay for seconds
    local = subprocess.Popen(
        [*VAT, "--resume", session.session_id, "--workers", "1", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found: list[tuple[int, Path, str]] = []

        def encoding() -> bool:  # the first encode (the master copy, the longest) being written
            for seq, op in made:
                folder = op.output.parent
                live = list(folder.glob(f".{op.output.stem}.vat-part-*")) if folder.is_dir() else []
                if live and op.kind in ("master", "clip"):
                    found.append((seq, live[0], op.key))
                    return True
            return False

        assert wait_for(encoding, 60), "the local run started no encode"
        sequence, live, key = found[0]
        assert run_operation(session.session_id, key, sequence, node_name()) == "busy"
        assert live.exists()  # the run's temporary is left alone
        assert rows_of(session.session_id, key) == []
    finally:
        local.send_signal(signal.SIGTERM)
        local.communicate(timeout=60)
    assert local.returncode == 130


@pytest.mark.slow  # two local runs of a whole session: some 10 s
def test_a_local_run_leaves_an_operation_a_node_is_making_and_its_temporary(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    """A node holds the operation's lock (its row not yet processing, so the run is not refused): the
    run makes everything else, says what it left and to whom, exits 1 and leaves the session resumable;
    the node's temporary is not taken for a stray."""
    session = new_session(cut_video, tmp_path / "out")
    _, op = the_op(session)
    op.output.parent.mkdir(parents=True)
    live = temporary_of(op.output)
    live.write_bytes(b"a node's encode, being written")
    node = hold_elsewhere(lock_name(session.session_id, KEY))
    try:
        done = vat("--resume", session.session_id, "--json")
        assert done.returncode == 1, done.stdout + done.stderr
        failed = [e for e in json_events(done.stdout) if e["event"] == "failed"]
        assert [e["key"] for e in failed] == [KEY]
        assert "being made by" in failed[0]["error"] and "render-9" in failed[0]["error"]
        assert live.exists() and not op.output.exists() and rows_of(session.session_id, KEY) == []
        others = [o for o in plan_of(session) if o.key != KEY and not o.final]
        assert all(o.output.is_file() for o in others)
        assert (
            OperationLog.get_or_none(
                (OperationLog.session == session.session_id) & (OperationLog.operation_name == KEY)
            )
            is None
        )  # the node's row to write, not this run's
        assert ProcessingState.get_by_id(session.id).status == "failed"
    finally:
        let_go(node)
    # the node gone (its temporary a stray now): the next run removes it and makes the output
    again = vat("--resume", session.session_id)
    assert again.returncode == 0, again.stdout + again.stderr
    assert op.output.is_file() and not live.exists() and len(rows_of(session.session_id, KEY)) == 1


def test_the_end_of_a_run_removes_only_the_temporaries_whose_operation_is_not_being_made(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    plan = plan_of(session)
    ours = next(op for op in plan if op.key == KEY)
    other = next(op for op in plan if op.key == "clip:s001")
    ours.output.parent.mkdir(parents=True)
    live, stray = temporary_of(ours.output), temporary_of(other.output)
    unknown = ours.output.with_name(".gone_s009.vat-part-1-00000000.mp4")  # of no operation of the plan
    for path in (live, stray, unknown):
        path.write_bytes(b"x")
    node = hold_elsewhere(lock_name(session.session_id, KEY))
    try:
        assert remove_strays(session.session_id, Path(session.output_path), plan) == 2
        assert live.exists() and not stray.exists() and not unknown.exists()
    finally:
        let_go(node)
    assert remove_strays(session.session_id, Path(session.output_path), plan) == 1 and not live.exists()
    assert not AdvisoryLock(lock_name(session.session_id, KEY)).is_held_elsewhere()  # none kept here

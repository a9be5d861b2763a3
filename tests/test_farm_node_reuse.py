"""What a render node keeps between its tasks and how it shares its slots (issue 16's farm overhead): the
session's plan kept while the session is unchanged and rebuilt when it changes, a made clip handed to
the node's checks with its lock (the slot free for the next encode), and a task that finds its output made
telling the catalogue so when a coordinator set its row pending meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from core.catalogue.roots import resolve
from core.farm import follow, node_plans
from core.farm.operation import node_name, run_operation
from core.pipeline import session as sessions
from core.pipeline.verify_stage import VerifyStage
from db.models import OperationLog, ProcessingState
from tests.test_farm_node import KEY, catalogue, new_session, the_op

__all__ = ["catalogue"]  # the fixture, used by name


def log_row(session_id: str, key: str = KEY, must: bool = True) -> OperationLog | None:
    where = (OperationLog.session == session_id) & (OperationLog.operation_name == key)
    return OperationLog.get(where) if must else OperationLog.get_or_none(where)


def status_of(session_id: str) -> tuple[str, float]:
    row = OperationLog.get((OperationLog.session == session_id) & (OperationLog.operation_name == KEY))
    return row.status, float(row.progress or 0.0)


def test_the_plan_is_kept_while_the_session_is_unchanged_and_rebuilt_when_it_changes(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    node_plans.forget()
    session = new_session(cut_video, tmp_path / "out")
    master = resolve(session.master_path)
    first = node_plans.plan_of(ProcessingState.get_by_id(session.id), master)
    # the coordinator's progress writes are no change of the plan: the same operations, not rebuilt
    ProcessingState.update(completed_operations=3, current_operation=KEY, operation_details={"done": 3}).where(
        ProcessingState.id == session.id
    ).execute()
    again = node_plans.plan_of(ProcessingState.get_by_id(session.id), master)
    assert [op.key for op in again] == [op.key for op in first]
    assert all(a is b for a, b in zip(again, first, strict=True))
    assert "clip:s003" not in {op.key for op in first}
    # a new selection (a resume with --scenes) is a new plan at once
    sessions.request_selection(ProcessingState.get_by_id(session.id), "1-3", [])
    sessions.select_requested(ProcessingState.get_by_id(session.id))
    changed = node_plans.plan_of(ProcessingState.get_by_id(session.id), master)
    assert "clip:s003" in {op.key for op in changed}
    assert changed == sessions.plan_for(ProcessingState.get_by_id(session.id))[0]


def test_a_made_clip_is_handed_to_the_nodes_checks_with_its_lock_until_it_is_registered(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    checks = VerifyStage(1, threading.Event())
    busy = threading.Event()
    checks.submit(lambda: None if busy.wait(60) else None)  # the node's one check slot, taken by an earlier output
    outcome: list[str] = []
    task = threading.Thread(
        target=lambda: outcome.append(run_operation(session.session_id, KEY, sequence, "n:1", checks=checks))
    )
    try:
        task.start()
        deadline = time.monotonic() + 120
        while log_row(session.session_id, must=False) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        while status_of(session.session_id)[1] != 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        # encoded, waiting for a check slot: not registered, still this node's (its lock held)
        assert status_of(session.session_id)[0] == "processing" and task.is_alive()
        assert not op.output.exists()
        assert follow.held(session.session_id, [KEY]) == {KEY}
    finally:
        busy.set()
    task.join(60)
    assert outcome == ["checking"]  # the task ends once handed over: the node's slot takes the next one
    checks.close()
    assert op.output.is_file() and status_of(session.session_id)[0] == "completed"
    assert follow.held(session.session_id, [KEY]) == set()  # given back once registered
    assert run_operation(session.session_id, KEY, sequence, "n:2") == "skipped"  # one output, one row


def test_a_task_that_finds_its_output_made_marks_a_row_left_pending_completed(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, _ = the_op(session)
    node = node_name()
    assert run_operation(session.session_id, KEY, sequence, node) == "done"
    # a resuming coordinator set the row pending just after the output was registered
    OperationLog.update(status="pending", progress=0.0, node=None).where(OperationLog.operation_name == KEY).execute()
    assert run_operation(session.session_id, KEY, sequence, "elsewhere:1") == "skipped"
    assert status_of(session.session_id) == ("completed", 1.0)
    # a row a node is making (or that failed) is left as it says
    OperationLog.update(status="failed").where(OperationLog.operation_name == KEY).execute()
    assert run_operation(session.session_id, KEY, sequence, "elsewhere:1") == "skipped"
    assert status_of(session.session_id)[0] == "failed"

"""What a render node keeps between its tasks and how it shares its slots (issue 16's farm overhead): the
session's plan kept while the session is unchanged and rebuilt when it changes, an encode slot given
back once the encode is made (its check beside the next encode), and a task that finds its output made
telling the catalogue so when a coordinator set its row pending meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from core.catalogue.roots import resolve
from core.errors import Cancelled
from core.farm import encode_slots, node_plans
from core.farm.operation import node_name, run_operation
from core.pipeline import session as sessions
from db.models import OperationLog, ProcessingState
from tests.test_farm_node import KEY, catalogue, new_session, the_op

__all__ = ["catalogue"]  # the fixture, used by name


def log_row(session_id: str, key: str = KEY) -> OperationLog:
    return OperationLog.get((OperationLog.session == session_id) & (OperationLog.operation_name == key))


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


def test_an_encode_waits_for_a_slot_and_a_stopping_node_gives_the_task_back_untouched(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sequence, op = the_op(session)
    gate = encode_slots.gate(1)
    assert gate.acquire(timeout=5)  # the node's one slot, busy with another encode
    outcome: list[str] = []
    maker = threading.Thread(target=lambda: outcome.append(run_operation(session.session_id, KEY, sequence, "n:1")))
    try:
        maker.start()
        time.sleep(1.0)
        assert maker.is_alive() and not op.output.exists()  # no second encode beside the first
        assert OperationLog.get_or_none(OperationLog.operation_name == KEY) is None  # not begun
    finally:
        gate.release()
    maker.join(120)
    assert outcome == ["done"] and op.output.is_file()
    assert gate.acquire(timeout=1)  # given back after the task (once: a bounded semaphore)
    gate.release()
    # a node stopping while a task waits for a slot: the task goes back (Cancelled), its row untouched
    _, other = the_op(session, "clip:s001")
    stop = threading.Event()
    stop.set()
    assert gate.acquire(timeout=5)
    try:
        with pytest.raises(Cancelled):
            run_operation(session.session_id, "clip:s001", 1, "n:1", cancel=stop, slots=1)
    finally:
        gate.release()
    assert not other.output.exists() and OperationLog.get_or_none(OperationLog.operation_name == "clip:s001") is None


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
    assert (log_row(session.session_id).status, log_row(session.session_id).progress) == ("completed", 1.0)
    # a row a node is making (or that failed) is left as it says
    OperationLog.update(status="failed").where(OperationLog.operation_name == KEY).execute()
    assert run_operation(session.session_id, KEY, sequence, "elsewhere:1") == "skipped"
    assert log_row(session.session_id).status == "failed"

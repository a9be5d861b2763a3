"""A task a render node cannot make other than by a database fault (its operation gone from the plan, a
master that is no video, the storage out of reach through every retry) records its operation failed and
why: its coordinator ends with exit 1 naming it rather than waiting for a pending row for ever."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.farm import routing
from core.farm.app import OPERATION_TASK, make_app, operation_task
from db.models import OperationLog, ProcessingState
from tests.test_farm_node import KEY, catalogue, log_row, new_session, the_op

__all__ = ["catalogue"]  # the fixture, used by name


def sent(session: ProcessingState, key: str, sequence: int) -> None:
    """The row as the coordinator leaves it when it sends the task."""
    OperationLog.create(
        session=session.session_id,
        operation_name=key,
        operation_type="clip",
        sequence_number=sequence,
        status="pending",
        progress=0.0,
        attempts=0,
    )


def here() -> str:
    return routing.fingerprint(routing.toolchain())


def test_an_operation_no_longer_in_the_plan_is_recorded_failed(catalogue: str, cut_video: Path, tmp_path: Path) -> None:
    session = new_session(cut_video, tmp_path / "out")
    sent(session, "clip:s009", 30)
    assert operation_task(None, session.session_id, "clip:s009", 30, here()) == "gone"
    row = log_row(session.session_id, "clip:s009")
    assert row is not None and row.status == "failed"
    assert "clip:s009 is not in the session's plan" in str(row.error_details) and row.error_history


def test_a_master_that_is_no_video_fails_the_operation_with_the_reason(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    session = new_session(master, tmp_path / "out")
    sequence, op = the_op(session)
    sent(session, KEY, sequence)
    master.write_bytes(b"not a video any more")
    assert operation_task(None, session.session_id, KEY, sequence, here()) == "failed"
    row = log_row(session.session_id, KEY)
    assert row is not None and row.status == "failed" and "master.mp4" in str(row.error_details)
    assert not op.output.exists()


def test_storage_out_of_reach_through_every_retry_fails_the_operation(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    session = new_session(master, tmp_path / "out")
    sequence, _ = the_op(session)
    sent(session, KEY, sequence)
    master.unlink()  # a share that does not come back
    app = make_app("redis://127.0.0.1:1/0")  # run here, eagerly: every retry at once, no broker
    try:
        result = app.tasks[OPERATION_TASK].apply(args=(session.session_id, KEY, sequence, here()))
    finally:
        app.close()
    assert result.failed()
    row = log_row(session.session_id, KEY)
    assert row is not None and row.status == "failed"
    assert "cannot be reached" in str(row.error_details) and "tried 6 times" in str(row.error_details)

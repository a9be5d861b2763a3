"""Interruptions: SIGKILL at several points then resume, SIGTERM pauses cleanly, one process per session."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import start_vat, vat

if TYPE_CHECKING:
    from db.models import FileRegistry, OperationLog, ProcessingState

ARGS = ["--artwork", "Kill Test", "--date", "26-11-23", "--workers", "1", "--json"]


def read_until(proc: subprocess.Popen[str], stop: Callable[[list[dict]], object]) -> list[dict]:
    """Read the JSON events of a running vat until `stop(events)` says so (or the process ends)."""
    events: list[dict] = []
    assert proc.stdout is not None  # started with stdout=PIPE
    for line in proc.stdout:
        if line.startswith("{"):
            events.append(json.loads(line))
            if stop(events):
                break
    return events


def count(kind: str) -> Callable[[list[dict]], int]:
    return lambda events: sum(e["event"] == kind for e in events)


def kill_after(
    proc: subprocess.Popen[str], stop: Callable[[list[dict]], object], sig: signal.Signals = signal.SIGKILL
) -> list[dict]:
    events = read_until(proc, stop)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    return events


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".vat-part" in p.name]


def session_rows() -> tuple[type[ProcessingState], type[OperationLog], type[FileRegistry]]:
    from db.connection import open_database
    from db.models import FileRegistry, OperationLog, ProcessingState

    open_database()
    return ProcessingState, OperationLog, FileRegistry


@pytest.mark.backends
@pytest.mark.slow
def test_sigkill_at_several_points_then_resume_completes(cut_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    root = out / "26-11-23_Kill_Test"
    proc = start_vat("run", cut_video, "--out", out, *ARGS)
    kill_after(proc, lambda ev: count("done")(ev) >= 2)  # after the master and a still or two
    ProcessingState, OperationLog, FileRegistry = session_rows()
    session = ProcessingState.get()
    assert session.status == "processing"  # a dead process could not say otherwise
    first_outputs = [Path(r.file_path) for r in FileRegistry.select()]
    assert first_outputs

    # killed while an ffmpeg clip encode runs: its temporary file is left behind by the dead process
    proc = start_vat("--resume", *ARGS[-3:])
    events = kill_after(proc, lambda ev: any(e["event"] == "start" and e["key"].startswith("clip:") for e in ev))
    assert any(e["event"] == "skipped" for e in events)

    # an output made before the kills is deleted by the user: it must be made again
    first_outputs[-1].unlink()

    proc = start_vat("--resume", *ARGS[-3:])
    kill_after(proc, lambda ev: count("done")(ev) >= 3)

    done = vat("--resume", "--json")
    assert done.returncode == 0, done.stderr
    final_events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert any(e["event"] == "skipped" for e in final_events)
    assert first_outputs[-1].exists()
    assert temporaries(root) == []

    session = ProcessingState.get()
    assert session.status == "completed"
    names = [r.operation_name for r in OperationLog.select()]
    assert len(names) == len(set(names)), "operation_log has duplicates"
    paths = [r.file_path for r in FileRegistry.select()]
    assert len(paths) == len(set(paths)), "file_registry has duplicates"
    on_disk = sorted(str(p) for p in root.rglob("*") if p.is_file() and p.name != "checksums.sha256")
    assert sorted(paths) == on_disk
    sums = (root / "checksums.sha256").read_text().splitlines()  # kept current through the kills
    assert sorted(str(root / line.split("  ", 1)[1]) for line in sums) == on_disk
    assert all(r.verified for r in FileRegistry.select())
    assert all(r.status == "completed" for r in OperationLog.select())

    again = vat("--resume", session.session_id)
    assert again.returncode == 0 and "already completed" in again.stdout


@pytest.mark.backends(slow=True)  # the PostgreSQL run: make test
def test_sigterm_pauses_cleanly_and_exits_130(cut_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start_vat("run", cut_video, "--out", out, *ARGS)
    read_until(proc, lambda ev: any(e["event"] == "start" and e["key"].startswith("clip:") for e in ev))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    ProcessingState, OperationLog, _ = session_rows()
    assert ProcessingState.get().status == "paused"
    assert temporaries(out) == []
    assert not [r for r in OperationLog.select() if r.status == "processing"]


@pytest.mark.backends(slow=True)  # the PostgreSQL run: make test
@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT])
def test_hangup_and_ctrl_c_pause_too(cut_video: Path, tmp_path: Path, sig: signal.Signals) -> None:
    proc = start_vat("run", cut_video, "--out", tmp_path, *ARGS)
    read_until(proc, count("start"))
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 130
    ProcessingState, _, _ = session_rows()
    assert ProcessingState.get().status == "paused"


@pytest.mark.backends
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_session_being_processed_is_refused(cut_video: Path, tmp_path: Path) -> None:
    proc = start_vat("run", cut_video, "--out", tmp_path, *ARGS)
    try:
        read_until(proc, count("start"))
        proc.send_signal(signal.SIGSTOP)  # alive and holding the session, however fast the work is
        ProcessingState, _, _ = session_rows()
        session_id = ProcessingState.get().session_id
        second = vat("--resume", session_id)
        assert second.returncode == 2
        assert "being processed by process" in second.stderr and session_id in second.stderr
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.backends
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_plain_resume_passes_over_a_session_being_processed(cut_video: Path, tmp_path: Path) -> None:
    paused = start_vat("run", cut_video, "--out", tmp_path / "a", *ARGS)
    read_until(paused, count("start"))
    paused.send_signal(signal.SIGTERM)
    assert paused.wait(timeout=60) == 130
    busy = start_vat("run", cut_video, "--out", tmp_path / "b", *ARGS)  # newer, and held by a live process
    try:
        read_until(busy, count("start"))
        busy.send_signal(signal.SIGSTOP)
        ProcessingState, _, _ = session_rows()
        first, second = ProcessingState.select().order_by(ProcessingState.id)
        done = vat("--resume")
        assert done.returncode == 0, done.stderr
        assert f"archive: {tmp_path / 'a'}" in done.stdout  # the paused one, not the one being processed
        assert ProcessingState.get_by_id(first.id).status == "completed"
    finally:
        busy.kill()
        busy.wait()


@pytest.mark.backends
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_resume_uses_the_preset_as_it_was_when_the_session_started(cut_video: Path, tmp_path: Path) -> None:
    """Editing the preset between the stop and the resume changes nothing already made."""
    from core.pipeline.preset_store import load_preset, save_preset
    from core.pipeline.presets import Preset

    out = tmp_path / "out"
    vat("presets", check=True)
    ProcessingState, _, FileRegistry = session_rows()
    base = load_preset("preview_fast")
    save_preset(
        Preset(
            "mine",
            "Mine",
            "",
            base.stills_hq,
            base.stills_web,
            dict(base.video),
            base.thumbnail,
            {k: v for k, v in base.advanced.items() if k != "builtin"},
        )
    )
    proc = start_vat("run", cut_video, "--out", out, "--preset", "mine", *ARGS)
    kill_after(proc, lambda ev: count("done")(ev) >= 4)
    made_before = {r.file_path: r.file_size_bytes for r in FileRegistry.select()}
    changed = load_preset("mine")
    changed.video["crf"] = 40
    save_preset(changed)
    done = vat("--resume", "--json")
    assert done.returncode == 0, done.stderr
    skipped = [json.loads(line) for line in done.stdout.splitlines() if '"skipped"' in line]
    assert len(skipped) == len(made_before)
    assert ProcessingState.get().custom_settings["video"]["crf"] == base.video["crf"]

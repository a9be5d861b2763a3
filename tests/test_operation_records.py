"""Records that tell the truth (issue 10): resource and warning columns of operation_log, R&D files
skipped as rows, retries that keep the earlier failure, and project_history after a pause and resume.
Real runs of `vat` on tiny generated media; nothing is mocked."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from core.media import ffmpeg
from tests.helpers import start_vat, vat
from tests.media import make_cut_video
from tests.test_resume import read_until

if TYPE_CHECKING:
    from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory

DATE = "26-11-23"


def rows() -> tuple[type[OperationLog], type[ProcessingState], type[ProjectHistory], type[FileRegistry]]:
    """The models, on the database the `vat` child processes wrote (VAT_DB)."""
    from db.connection import open_database
    from db.models import FileRegistry, OperationLog, ProcessingState, ProjectHistory

    open_database()
    return OperationLog, ProcessingState, ProjectHistory, FileRegistry


def test_ffmpeg_warnings_are_picked_out_by_their_level_and_capped(tmp_path: Path) -> None:
    from core.media.usage import MAX_WARNINGS, ChildUsage

    usage = ChildUsage()
    # a full-range (yuvj) picture makes the scaler warn "deprecated pixel format used"
    ffmpeg.run(
        ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=5:d=1", "-pix_fmt", "yuvj420p", "-f", "null", "-"], usage=usage
    )
    assert usage.cpu_seconds > 0 and usage.peak_rss_mb()
    warnings = usage.warning_list()
    assert warnings and any("deprecated pixel format" in w for w in warnings), warnings
    assert not any("0x" in w for w in warnings)  # addresses taken out, so repeats look alike
    assert ffmpeg.split_level("[libx264 @ 0x5a] [warning] slow") == ("warning", "[libx264 @ 0x5a] slow")
    assert ffmpeg.split_level("[error] no such file") == ("error", "no such file")
    assert ffmpeg.split_level("Input #0") == (None, "Input #0")
    many = ChildUsage()
    for n in range(MAX_WARNINGS + 5):
        many.add_warning(f"warning {n}")
        many.add_warning(f"warning {n}")  # a repeat is kept once
    listed = many.warning_list()
    assert (
        listed is not None and len(listed) == MAX_WARNINGS + 1 and listed[-1].startswith("... and 10 more")
    )  # past the cap, repeats too


def test_busiest_reads_nvidia_smi_lines() -> None:
    from core.media.gpu_usage import busiest

    assert busiest("37, 80\n5, [N/A]\n") == 80.0
    assert busiest("") is None


def test_gpu_sampling_averages_nvidia_smi_and_is_none_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.media.gpu_usage import GpuSampler

    # this machine has no GPU: a stand-in nvidia-smi that answers as one busy encoding would
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    smi.write_text('#!/bin/sh\n[ "$1" = "--query-gpu=utilization.gpu,utilization.encoder" ] && echo "35, 70"\n')
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert GpuSampler().start().stop() == 70.0  # shorter than a period: one sample at the end
    (bin_dir / "nvidia-smi").unlink()
    assert GpuSampler().start().stop() is None


@pytest.mark.backends
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_real_run_fills_the_resource_and_warning_columns(tmp_path: Path) -> None:
    # a full-range H.264 master: each clip's scaling makes ffmpeg warn
    master = make_cut_video(tmp_path / "full range.mp4", [20, 20], audio=False, extra_args=["-pix_fmt", "yuvj420p"])
    done = vat("run", master, "--artwork", "Usage", "--date", DATE, "--out", tmp_path / "out", "--workers", "2")
    assert done.returncode == 0, done.stderr
    OperationLog, *_ = rows()
    clips = list(OperationLog.select().where(OperationLog.operation_type == "clip"))
    assert len(clips) == 2
    for clip in clips:
        # percent of one core: an encode is CPU-bound, so well above 1 (a fraction would be at most ~1)
        assert (clip.cpu_usage or 0) > 5 and (clip.memory_usage or 0) > 0, (clip.operation_name, clip.cpu_usage)
        assert clip.gpu_usage is None  # x264: no NVENC ran
        assert any("deprecated pixel format" in w for w in clip.warning_messages), clip.warning_messages
    stills = list(OperationLog.select().where(OperationLog.operation_type == "still_hq"))
    assert stills and all(s.cpu_usage is not None and s.cpu_usage > 0 for s in stills)  # PyAV, in this process
    master_copy = OperationLog.get(OperationLog.operation_type == "master")
    assert (master_copy.memory_usage or 0) > 0  # an ffmpeg stream copy


@pytest.mark.backends
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_skipped_rd_files_get_rows_with_the_reason(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    rd.mkdir()
    Image.new("RGB", (80, 40), (40, 120, 200)).save(rd / "sketch.png")
    (rd / "notes.txt").write_text("not media")
    (rd / "broken.jpg").write_bytes(b"not a jpeg at all")
    out = tmp_path / "out"
    done = vat("run", cut_video, "--artwork", "Skips", "--date", DATE, "--out", out, "--rd", rd, "--scenes", "1")
    assert done.returncode == 0, done.stderr
    OperationLog, *_ = rows()
    skipped = {r.operation_name: r for r in OperationLog.select().where(OperationLog.status == "skipped")}
    assert set(skipped) == {"rd_skipped:notes.txt", "rd_skipped:broken.jpg"}
    assert "unsupported type .txt" in (skipped["rd_skipped:notes.txt"].error_details or "")
    assert "not a readable image" in (skipped["rd_skipped:broken.jpg"].error_details or "")
    log_text = (out / f"{DATE}_Skips" / "Skips_process_log.txt").read_text()
    assert "R&D files skipped:\n" in log_text and "  notes.txt: unsupported type .txt\n" in log_text

    # the rows are those of the latest scan: a file no longer there (or usable now) loses its row
    (rd / "broken.jpg").unlink()
    next(out.rglob("sketch_web.*")).unlink()  # an output gone: the resume runs again, and scans again
    session_id = OperationLog.get().session_id
    again = vat("--resume", session_id)
    assert again.returncode == 0, again.stderr
    names = {r.operation_name for r in OperationLog.select().where(OperationLog.status == "skipped")}
    assert names == {"rd_skipped:notes.txt"}


@pytest.mark.backends
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_a_failure_then_a_success_keeps_the_first_error(cut_video: Path, tmp_path: Path) -> None:
    root = tmp_path / "out" / f"{DATE}_Retry"
    blocker = root / "clips" / "Retry_s002.mp4"
    blocker.mkdir(parents=True)  # a folder where the clip must go: its rename fails
    args: list[str | Path] = [
        "--artwork",
        "Retry",
        "--date",
        DATE,
        "--out",
        tmp_path / "out",
        "--scenes",
        "1-2",
        "--workers",
        "1",
    ]
    first = vat("run", cut_video, *args)
    assert first.returncode == 1, first.stderr
    OperationLog, ProcessingState, *_ = rows()
    failed = OperationLog.get(OperationLog.operation_name == "clip:s002")
    assert failed.status == "failed" and failed.attempts == 1
    first_error = failed.error_details
    assert first_error and [e["error"] for e in failed.error_history] == [first_error]

    blocker.rmdir()
    second = vat("--resume", ProcessingState.get().session_id)
    assert second.returncode == 0, second.stderr
    retried = OperationLog.get(OperationLog.operation_name == "clip:s002")
    assert retried.status == "completed" and retried.error_details is None
    assert retried.attempts == 2
    assert len(retried.error_history) == 1 and retried.error_history[0]["error"] == first_error
    assert retried.error_history[0]["at"]
    untouched = OperationLog.get(OperationLog.operation_name == "clip:s001")
    assert untouched.attempts == 1 and untouched.error_history is None  # made once, skipped on resume


@pytest.mark.backends
@pytest.mark.slow
def test_history_figures_after_a_pause_and_resume(cut_video: Path, tmp_path: Path) -> None:
    rd = tmp_path / "R&D"
    rd.mkdir()
    for name, size in (("a.png", (120, 60)), ("b.png", (90, 90))):  # two inputs, two outputs each
        Image.new("RGB", size, (200, 80, 40)).save(rd / name)
    args = ["--artwork", "Paused", "--date", DATE, "--workers", "1", "--json"]
    proc = start_vat("run", cut_video, "--out", tmp_path / "out", "--rd", rd, *args)
    read_until(proc, lambda ev: any(e["event"] == "start" and e["key"].startswith("clip:") for e in ev))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    _, ProcessingState, ProjectHistory, FileRegistry = rows()
    assert ProcessingState.get().status == "paused"
    done = vat("--resume", "--json")
    assert done.returncode == 0, done.stderr

    session = ProcessingState.get()
    runs = session.process_metadata["runs"]
    assert [r["status"] for r in runs] == ["paused", "completed"]
    assert all(r["seconds"] > 0 and r["started"] and r["ended"] for r in runs)
    history = ProjectHistory.get()
    assert history.total_processing_time_seconds == pytest.approx(sum(r["seconds"] for r in runs), abs=0.01)
    assert history.total_processing_time_seconds > runs[-1]["seconds"]  # not only the last run
    assert history.rd_files_processed == 2
    assert FileRegistry.select().where(FileRegistry.file_type == "rd_image").count() == 4
    records = ("master", "manifest", "process_log", "editorial", "contact_sheet", "contact_sheet_pdf", "index_page")
    deliverables = [r for r in FileRegistry.select() if r.file_type not in records]
    assert {r.file_type for r in deliverables} >= {"clip", "still_hq", "still_web", "thumbnail", "rd_image"}
    ratio = cut_video.stat().st_size / sum(Path(r.file_path).stat().st_size for r in deliverables)
    assert history.compression_ratio == pytest.approx(ratio, rel=1e-3)
    assert history.metadata["runs"] == 2

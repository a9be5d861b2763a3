"""Nothing lost at any moment: a `vat run` with a scene selection, killed before processing starts
(during probing, detection, planning) or at a random moment, is found by a plain `vat --resume`,
which finishes it with the selection intact and the full verified set."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, VAT, decode_rgb, json_events, start_vat, vat
from tests.media import make_cut_video
from tests.test_resume import kill_after

SELECTION = ["--scenes", "2-5", "--group", "3-4"]
ARGS = [
    "--artwork",
    "Kill Anywhere",
    "--date",
    "26-11-23",
    "--preset",
    "preview_fast",
    "--workers",
    "1",
    "--json",
    *SELECTION,
]
FOLDER = "26-11-23_Kill_Anywhere"
SELECTED, GROUPS = [2, 3, 4, 5], [[3, 4]]


@pytest.fixture(scope="module")
def long_video(media_dir: Path) -> Path:
    """640x360, 12 scenes of 50 frames: detection takes most of a second, so kills can land in it."""
    path = media_dir / "long_cuts.mp4"
    return path if path.exists() else make_cut_video(path, [50] * 12, size=(640, 360))


@pytest.fixture(scope="module")
def rd_folder(media_dir: Path) -> Path:
    """A small R&D folder, so planning includes its scan and processing its images."""
    from PIL import Image

    folder = media_dir / "kill_rd"
    folder.mkdir(exist_ok=True)
    for name, colour in (("sketch.png", (200, 40, 40)), ("notes/board.png", (40, 40, 200))):
        (folder / name).parent.mkdir(exist_ok=True)
        Image.new("RGB", (320, 200), colour).save(folder / name)
    return folder


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache of its own per test: detection decodes the master rather than replaying the
    statistics an earlier test cached, so a kill can land in it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def rows() -> tuple[Any, Any]:
    from db.connection import open_database
    from db.models import FileRegistry, ProcessingState

    open_database()
    return ProcessingState, FileRegistry


def finished_set(out: Path) -> dict[str, int | None]:
    """The completed session's outputs (relative path -> frames), after checking selection and files."""
    ProcessingState, FileRegistry = rows()
    session = ProcessingState.get()
    assert session.status == "completed", session.error_message
    assert session.selected_scenes == SELECTED and session.grouped_scenes == GROUPS
    root = out / FOLDER
    registry = {r.file_path: r for r in FileRegistry.select()}
    outputs = {str(p) for p in root.rglob("*") if p.is_file() and p.name != "checksums.sha256"}
    assert set(registry) == outputs, "unregistered or missing files"
    assert all(r.verified for r in registry.values())
    for clip in (root / "clips").iterdir():
        assert len(decode_rgb(clip)) == registry[str(clip)].compression_settings["frames"]
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest  # written last, over everything else
    return {str(Path(p).relative_to(root)): (r.compression_settings or {}).get("frames") for p, r in registry.items()}


# Each of these is a whole job (about 8 s of CPU): make test-fast keeps one kill point per test, the
# other points run in make test (they are marked slow).
@pytest.mark.parametrize(
    "stop_at",
    [
        pytest.param("session created", marks=pytest.mark.slow),
        "detecting",
        pytest.param("scenes detected", marks=pytest.mark.slow),
    ],
)
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_killed_before_processing_is_resumed_with_its_selection(
    long_video: Path, rd_folder: Path, tmp_path: Path, stop_at: str
) -> None:
    out = tmp_path / "out"
    proc = start_vat("run", long_video, "--out", out, "--rd", rd_folder, *ARGS)
    stop = {
        "session created": lambda ev: ev[-1]["event"] == "message" and ev[-1]["text"].startswith("session "),
        "detecting": lambda ev: ev[-1]["event"] == "detect",
        "scenes detected": lambda ev: ev[-1]["event"] == "message" and "scenes detected" in ev[-1]["text"],
    }
    events = kill_after(proc, stop[stop_at])
    assert not any(e["event"] == "plan" for e in events)
    resumed = vat("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    clips = sorted(p.name for p in (out / FOLDER / "clips").iterdir())
    assert clips == ["Kill_Anywhere_g01.mp4", "Kill_Anywhere_s002.mp4", "Kill_Anywhere_s005.mp4"]
    assert any(path.startswith("rd/images/notes/board") for path in finished_set(out))


@pytest.mark.parametrize(
    "sig",  # SIGHUP (a dropped SSH connection) in test-fast; SIGTERM also in test_resume's fast tests
    [
        pytest.param(signal.SIGTERM, marks=pytest.mark.slow),
        signal.SIGHUP,
        pytest.param(signal.SIGINT, marks=pytest.mark.slow),
    ],
)
@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_stopped_during_detection_is_resumed_with_its_selection(
    long_video: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "out"
    proc = start_vat("run", long_video, "--out", out, *ARGS)
    events = kill_after(proc, lambda ev: ev[-1]["event"] == "detect", sig=sig)
    assert not any(e["event"] == "plan" for e in events)
    resumed = vat("--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    finished_set(out)


def _created(event: dict) -> bool:
    return event["event"] == "message" and event["text"].startswith("session ")


def _phase(stdout: str) -> str:
    phase = "starting"
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if _created(event):
            phase = "probed"  # the session row exists; detection starts
        elif event["event"] == "detect":
            phase = "detection"
        elif event["event"] == "message" and "scenes detected" in event["text"]:
            phase = "planning"
        elif event["event"] in ("plan", "start", "done", "skipped"):
            phase = "processing"
    return phase


@pytest.mark.slow
def test_sigkill_at_random_moments_then_plain_resume(
    long_video: Path, rd_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """VAT_KILLS trials (default 8; the issue's check is 20), seeded (VAT_KILL_SEED): each a fresh
    `vat run` SIGKILLed at a random moment after its session row exists (as long after as a clean
    run took from there to its end: detection, planning, processing), then one plain `vat --resume`,
    which must end with the clean run's verified set."""
    kills = int(os.environ.get("VAT_KILLS", "8"))
    rng = random.Random(int(os.environ.get("VAT_KILL_SEED", "8")))
    monkeypatch.setenv("VAT_DB", str(tmp_path / "clean.db"))
    args = ["--rd", str(rd_folder), *ARGS]
    clean = vat("run", long_video, "--out", tmp_path / "clean", *args, check=True)
    events = json_events(clean.stdout)
    window = events[-1]["time"] - next(e["time"] for e in events if _created(e))
    expected = finished_set(tmp_path / "clean")

    phases = []
    for trial in range(kills):
        monkeypatch.setenv("VAT_DB", str(tmp_path / f"trial{trial}.db"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache{trial}"))
        out = tmp_path / f"trial{trial}"
        proc = subprocess.Popen(
            [*VAT, "run", str(long_video), "--out", str(out), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env=os.environ.copy(),
        )
        assert proc.stdout is not None  # PIPE
        seen = []
        for line in proc.stdout:  # until the session row exists
            seen.append(line)
            if line.startswith("{") and _created(json.loads(line)):
                break
        row_at = time.monotonic()
        try:
            proc.wait(timeout=rng.uniform(0.0, window))
            window = min(window, time.monotonic() - row_at)  # runs go faster than the clean one did
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        phases.append(_phase("".join(seen) + proc.stdout.read()) if proc.returncode == -signal.SIGKILL else "finished")
        proc.stdout.close()
        resumed = vat("--resume", "--json")
        assert resumed.returncode == 0, (trial, phases[-1], resumed.stderr)
        assert finished_set(out) == expected, (trial, phases[-1])
    print(
        f"\n{kills} SIGKILLs within {window:.1f}s of the session row, phases: "
        + ", ".join(f"{p} {phases.count(p)}" for p in sorted(set(phases)))
    )

"""`make demo` says what it does while it works, and where it writes (python -m core.sample)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import sample
from tests.helpers import ROOT


def _sample_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.sample", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


def test_the_demo_says_where_it_writes(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = sample.sample_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a video")  # a sample made earlier, as far as it knows: `--run` stops on it soon
    said = _sample_main("--run").stdout
    assert f"sample video: {path}" in said
    assert f"{tmp_path / 'cache' / 'vat' / 'demo-archive'} (the cache folder)" in said
    assert f"database {db_path}" in said


@pytest.mark.slow
def test_making_the_sample_shows_its_progress_and_the_demo_runs_twice(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no sample there yet
    done = _sample_main()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("making the sample video once (30 s of 1280x720")
    tenths = [line.strip() for line in lines if line.strip().endswith("%")]
    assert len(tenths) >= 3 and tenths[-1] == "100%" and tenths == sorted(tenths, key=lambda t: int(t[:-1]))
    assert lines[-1] == f"sample video: {sample.sample_path()}"
    for _ in range(2):  # `make demo` a second time in a row (the same day: the same project folder)
        done = _sample_main("--run")
        assert done.returncode == 0, done.stderr
        assert "archive: " in done.stdout

"""Shared helpers for tests that run the real `vat` command and look at real frames."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import av
import numpy as np

VAT = [sys.executable, "-m", "tui.cli"]
ROOT = Path(__file__).resolve().parent.parent


def vat(*args: str | Path, check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process (the environment carries VAT_DB and XDG_*)."""
    done = subprocess.run(
        [*VAT, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=os.environ.copy()
    )
    if check and done.returncode != 0:
        raise AssertionError(f"vat {' '.join(map(str, args))} -> {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


class VatProcess(subprocess.Popen[str]):
    """A vat child process whose stdout and stderr are pipes (typed so: Popen's may be None)."""

    stdout: IO[str]
    stderr: IO[str]


def start_vat(*args: str | Path) -> VatProcess:
    return VatProcess(
        [*VAT, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )


def json_events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def decode_rgb(path: Path) -> list[np.ndarray]:
    """Every frame of a video as an RGB array, in presentation order."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


def nearest_frame(frame: np.ndarray, candidates: list[np.ndarray]) -> int:
    """Index of the candidate that looks most like `frame` (mean absolute difference)."""
    scores = [np.abs(frame - c).mean() if c.shape == frame.shape else 1e9 for c in candidates]
    return int(np.argmin(scores))


@contextlib.contextmanager
def local_time_zone(zone: str) -> Iterator[None]:
    """Local times shown in ZONE (TZ), whatever this machine's own; the machine's again after."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()

"""Helpers of the farm's tests: another process holding an operation's lock, an ffmpeg that encodes slowly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from core.media import ffmpeg
from tests.helpers import ROOT


def hold_elsewhere(name: str, owner: str = "render-9") -> subprocess.Popen[str]:
    """Another process holding the lock `name` (this process's own hold would only count: a flock's rule)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys
                from core.pipeline.db_locks import AdvisoryLock
                AdvisoryLock({name!r}, owner={owner!r}).acquire()
                print("held", flush=True)
                sys.stdin.read()
            """),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def let_go(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()


def slowed_ffmpeg(folder: Path, rate: float) -> Path:
    """The real ffmpeg, its encodes reading their input at `rate` of real time (an encode's temporary
    file stays on disk for seconds): the same version, so the same toolchain."""
    real = ffmpeg.find_ffmpeg().path
    script = folder / f"ffmpeg-at-{rate}"
    script.write_text(
        f'#!/bin/sh\ncase " $* " in *" -progress "*) exec "{real}" -readrate {rate} "$@";; esac\nexec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return script

"""The versions that shape an output: vat's and the ffmpeg's it runs. Every operation's parameter hash
covers them (core/pipeline/plan.py), so an output made by another vat or another ffmpeg is not taken
as made on resume; the render farm routes a session's tasks to the nodes whose toolchain is the same
(core/farm/routing.py)."""

from __future__ import annotations

import subprocess
import threading

from core.errors import EnvironmentProblem
from core.media import ffmpeg
from db.connection import package_version

_cache: dict[str, dict[str, str]] = {}  # ffmpeg path -> toolchain: one `-version` per ffmpeg per process
_guard = threading.Lock()


def toolchain() -> dict[str, str]:
    """{"vat": vat's version, "ffmpeg": the first line of `ffmpeg -version`} for the ffmpeg vat uses."""
    path = ffmpeg.find_ffmpeg().path
    with _guard:
        found = _cache.get(path)
        if found is None:
            found = _cache[path] = {"vat": package_version() or "unknown", "ffmpeg": _version_line()}
        return dict(found)


def _version_line() -> str:
    try:
        done = ffmpeg.run_quiet(["-version"], timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvironmentProblem(f"{ffmpeg.find_ffmpeg().path}: `-version` does not run ({exc})") from None
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    return lines[0].strip() if lines else "unknown"

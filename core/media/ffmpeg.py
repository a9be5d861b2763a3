"""The one place where ffmpeg runs: locating the binary, argument lists, progress, cancellation.

Every call is an argument list (never a shell). ffmpeg is started in its own process session so a
cancellation (SIGTERM, then SIGKILL after a grace period) reaches it and nothing else, and with a
parent-death signal so that it dies with vat even when vat is SIGKILLed (core/parent_death.py); its
stderr is kept so a failure can say what went wrong. `-loglevel level+info` tags each stderr line with
its level: warnings are picked out by it (the tag is taken off again). The process is reaped with
os.wait4, which gives its own CPU time and peak memory (core/media/usage.py).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from core.errors import Cancelled, EnvironmentProblem, VatError
from core.events import FfmpegProgress
from core.media.parent_death import die_with_parent
from core.media.usage import ChildUsage

# info is ffmpeg's default level; `level+` only adds the tag that says which level a line is
COMMON_ARGS = ["-nostdin", "-hide_banner", "-loglevel", "level+info", "-y", "-progress", "pipe:1", "-nostats"]
STDERR_TAIL_LINES = 20
DEFAULT_GRACE_SECONDS = 3.0


@dataclass(frozen=True)
class FfmpegBinary:
    path: str
    source: str  # "VAT_FFMPEG", "PATH" or "bundled"


class FfmpegError(VatError):
    """ffmpeg exited non-zero: carries the command and the last lines of its stderr."""

    def __init__(self, command: Sequence[str], returncode: int, stderr_tail: list[str], first_error: str | None = None):
        self.command = list(command)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        # the first line ffmpeg tagged as an error names the cause; the tail's last line is mostly a
        # consequence ("Conversion failed!") or an encoder's statistics
        reason = first_error or (stderr_tail[-1] if stderr_tail else "no error output")
        super().__init__(f"ffmpeg failed (exit {returncode}): {reason}")

    def details(self) -> str:
        return "command: " + shlex.join(self.command) + "\n" + "\n".join(self.stderr_tail)


_found: FfmpegBinary | None = None


def find_ffmpeg(refresh: bool = False) -> FfmpegBinary:
    """VAT_FFMPEG, then `ffmpeg` on PATH, then imageio-ffmpeg's bundled binary."""
    global _found
    if _found is not None and not refresh:
        return _found
    override = os.environ.get("VAT_FFMPEG")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise EnvironmentProblem(f"VAT_FFMPEG={override}: not an executable file")
        _check_is_ffmpeg(override)
        _found = FfmpegBinary(override, "VAT_FFMPEG")
        return _found
    on_path = shutil.which("ffmpeg")
    if on_path:
        _found = FfmpegBinary(on_path, "PATH")
        return _found
    try:
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the package raises RuntimeError when its binary is missing
        raise EnvironmentProblem(f"no ffmpeg found (VAT_FFMPEG, PATH, imageio-ffmpeg): {exc}") from exc
    _found = FfmpegBinary(bundled, "bundled")
    return _found


def _check_is_ffmpeg(path: str) -> None:
    """`-version` once: any executable (/bin/false, a script) must not get as far as the first encode."""
    try:
        done = subprocess.run([path, "-version"], stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvironmentProblem(f"VAT_FFMPEG={path}: not an ffmpeg (it does not run: {exc})") from None
    first = done.stdout.decode("utf-8", "replace").strip().splitlines()[:1]
    if done.returncode != 0 or not first or not first[0].startswith("ffmpeg version"):
        said = first[0][:60] if first else f"exit {done.returncode}, no output"
        raise EnvironmentProblem(f"VAT_FFMPEG={path}: not an ffmpeg (`-version` gave: {said})")


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip().rstrip("x"))
    except ValueError:
        return None  # "N/A"
    return number if number >= 0 else None


def parse_progress_block(block: dict[str, str], duration: float | None) -> FfmpegProgress:
    """Turn one `-progress` block (key=value lines up to `progress=`) into an event."""
    out_us = _number(block.get("out_time_us") or block.get("out_time_ms"))
    out_time = out_us / 1_000_000 if out_us is not None else None
    fraction = None
    if out_time is not None and duration:
        fraction = max(0.0, min(1.0, out_time / duration))
    frame = _number(block.get("frame"))
    done = block.get("progress") == "end"
    if done and duration:
        fraction = 1.0
    return FfmpegProgress(
        fraction=fraction,
        frame=int(frame) if frame is not None else None,
        fps=_number(block.get("fps")),
        speed=_number(block.get("speed")),
        out_time=out_time,
        done=done,
    )


def _read_progress(
    stream: IO[bytes], duration: float | None, on_progress: Callable[[FfmpegProgress], None] | None
) -> None:
    block: dict[str, str] = {}
    for raw in stream:
        line = raw.decode("utf-8", "replace").strip()
        key, sep, value = line.partition("=")
        if not sep:
            continue
        block[key] = value
        if key == "progress":
            if on_progress is not None:
                on_progress(parse_progress_block(block, duration))
            block = {}


# "[libx264 @ 0x55d0] [warning] message" or "[warning] message": the context is optional
_LEVEL_TAG = re.compile(r"^(\[[^\]]*\] )?\[(panic|fatal|error|warning|info|verbose|debug|trace)\] ")
_ADDRESS = re.compile(r" @ 0x[0-9a-fA-F]+\]")


def split_level(line: str) -> tuple[str | None, str]:
    """(level, the line without its level tag); (None, line) for a line that has no tag."""
    found = _LEVEL_TAG.match(line)
    if not found:
        return None, line
    return found.group(2), (found.group(1) or "") + line[found.end() :]


ERROR_LEVELS = ("panic", "fatal", "error")


def _read_stderr(stream: IO[bytes], tail: deque[str], usage: ChildUsage | None, errors: list[str]) -> None:
    for raw in stream:
        level, line = split_level(raw.decode("utf-8", "replace").rstrip())
        if line:
            tail.append(line)
            if level in ERROR_LEVELS and not errors:
                errors.append(_ADDRESS.sub("]", line))
            if level == "warning" and usage is not None:
                usage.add_warning(_ADDRESS.sub("]", line))  # without the address, repeats look alike


def _stop(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after the grace period."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _reaped(proc: subprocess.Popen, usage: ChildUsage | None) -> bool:
    """Whether ffmpeg has ended; if so it is reaped here, its own resource usage added to `usage`."""
    try:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
    except ChildProcessError:  # reaped already (it cannot be by anyone else): its usage is lost
        return proc.poll() is not None
    if pid == 0:
        return False
    proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
    if usage is not None:
        usage.add_child(rusage)
    return True


def run(
    args: Sequence[str],
    *,
    duration: float | None = None,
    on_progress: Callable[[FfmpegProgress], None] | None = None,
    cancel: threading.Event | None = None,
    grace: float = DEFAULT_GRACE_SECONDS,
    usage: ChildUsage | None = None,
) -> list[str]:
    """Run ffmpeg with `args` (everything after the common options); return its stderr tail.

    `duration` (seconds of output expected) turns out_time into a fraction. `on_progress` is called
    from a reader thread. Setting `cancel` stops ffmpeg and raises Cancelled. `usage` receives the
    process's CPU time, peak memory and warning lines.
    """
    if isinstance(args, (str, bytes)):
        raise TypeError("ffmpeg arguments must be a list, never a string")
    command = [find_ffmpeg().path, *COMMON_ARGS, *map(str, args)]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    assert proc.stdout is not None and proc.stderr is not None  # both are PIPE above
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    errors: list[str] = []  # the first error line only
    readers = [
        threading.Thread(target=_read_progress, args=(proc.stdout, duration, on_progress), daemon=True),
        threading.Thread(target=_read_stderr, args=(proc.stderr, tail, usage, errors), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        pause = 0.001  # short at first, as Popen.wait's own polling: a quick ffmpeg is not held up
        while not _reaped(proc, usage):
            if cancel is not None and cancel.is_set():
                _stop(proc, grace)
                raise Cancelled("cancelled")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
    except BaseException:
        # KeyboardInterrupt or our own Cancelled: never leave ffmpeg running behind us
        if proc.poll() is None:
            _stop(proc, grace)
        raise
    finally:
        for reader in readers:
            reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")
    if proc.returncode != 0:
        raise FfmpegError(command, proc.returncode, list(tail), errors[0] if errors else None)
    return list(tail)


def run_quiet(args: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """A short ffmpeg query (-version, -encoders, a test encode) whose output we read whole."""
    command = [find_ffmpeg().path, "-nostdin", "-hide_banner", *map(str, args)]
    return subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, preexec_fn=die_with_parent()
    )


def version() -> str:
    first = run_quiet(["-version"]).stdout.decode("utf-8", "replace").splitlines()
    return first[0].removeprefix("ffmpeg version ").split(" Copyright")[0] if first else "unknown"


def file_arg(path: Path | str) -> str:
    """A path as an ffmpeg input or output argument that can never be read as an option or a protocol."""
    return "file:" + str(Path(path).absolute())

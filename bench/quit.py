"""Quit time: from q to the shell's screen back (alternate screen left) and to the process gone,
in the real `vat` in a pseudo-terminal, with the picker open while its worker decodes thumbnails.

    python bench/quit.py [--rounds 3] [--wait 0.0]   (--wait -1: q right after enter, the picker opening)

Makes (once, cached in the user cache folder) a 1920x1080 25 fps H.264 master of 2 shots of 24 s
with a single keyframe, so that one thumbnail (a scene's middle frame) costs hundreds of frames of
decoding (1-3 s, as on a real long-GOP master). Each round, with a fresh database and user folders
(a fresh thumbnail cache): a session of its 2 scenes, `python -m tui.cli` in a 120x40 pty, enter on
Sessions opens the picker, `--wait` seconds after its footer is drawn (its worker decoding) q.
Prints per round: q to the terminal restored (alternate screen left), q to the process gone.
Before issue 13, asyncio.run waited at exit for the decoding thread (figures in bench/README.md).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from core import dirs  # noqa: E402
from core.media import ffmpeg  # noqa: E402

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
SCENES = 2
SHOT = 600  # frames: each thumbnail (a scene's middle) hundreds of frames past the only keyframe


def long_gop_master() -> Path:
    path = dirs.cache_dir() / "bench" / "quit_1080p_longgop_v4.mp4"
    if path.exists() and path.stat().st_size > 0:
        return path
    dirs.ensure(path.parent)
    partial = path.with_suffix(".part.mp4")
    frames = SCENES * SHOT
    print(f"making {path} ...", flush=True)
    source = f"testsrc2=s=1920x1080:r=25,hue=h='mod(floor(n/{SHOT})*137.5,360)',format=yuv420p"
    args = ["-f", "lavfi", "-i", source, "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast"]
    ffmpeg.run(
        [*args, "-g", "1200", "-crf", "35", "-sc_threshold", "0", "-threads", "2", ffmpeg.file_arg(partial)],
        duration=frames / 25,
    )
    os.replace(partial, path)
    return path


def read_until(fd: int, done, timeout: float) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if done(seen):
                break
    return seen


def make_session(master: Path, root: Path) -> None:
    """A session of SCENES scenes of SHOT frames over the master, stored as detection stores them."""
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(root / var.lower())
    os.environ["VAT_DB"] = str(root / "vat.db")
    from core.pipeline.session import SessionOptions, check_options, create_session
    from core.pipeline.session_scenes import scene_record
    from core.scenes import Scene
    from db.connection import database, open_database
    from db.models import ProcessingState

    open_database()
    options = SessionOptions(master=master, artwork="Quit bench", out=root / "out", encoder="x264", detector="content")
    session = create_session(check_options(options))
    records = [
        scene_record(
            Scene(
                index=i + 1,
                start_frame=i * SHOT,
                end_frame=(i + 1) * SHOT - 1,
                start=i * SHOT / 25,
                end=(i + 1) * SHOT / 25,
            )
        )
        for i in range(SCENES)
    ]
    meta = dict(
        session.process_metadata or {}, detector="content", fps=25.0, frames=SCENES * SHOT, duration=SCENES * SHOT / 25
    )
    with database.atomic():
        ProcessingState.update(
            scenes_data=records, scene_threshold=27.0, min_scene_length=15, process_metadata=meta
        ).where(ProcessingState.id == session.id).execute()


def one_round(master: Path, wait: float) -> tuple[float, float, float]:
    root = Path(tempfile.mkdtemp(prefix="vat-quit-bench-"))
    make_session(master, root)
    from db.connection import close_database

    close_database()
    env = dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(HERE.parent))
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "tui.cli"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    read_until(fd, lambda b: b"Quit bench" in b, 30)  # Sessions drawn
    os.write(fd, b"\r")
    pressed = time.monotonic()
    opened = float("nan")
    if wait >= 0:
        read_until(fd, lambda b: b"Group" in b, 30)
        opened = time.monotonic() - pressed
        read_until(fd, lambda b: False, wait)
    start = time.monotonic()  # --wait -1: q right after enter, while the picker opens
    os.write(fd, b"q")
    restored = exited = float("nan")
    seen = b""
    while time.monotonic() - start < 30:
        ready, _, _ = select.select([fd], [], [], 0.005)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                pass
            if restored != restored and LEAVE_ALT_SCREEN in seen:
                restored = time.monotonic() - start
        if os.waitpid(pid, os.WNOHANG)[0]:
            exited = time.monotonic() - start
            break
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    return opened, restored, exited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        help="seconds between the picker drawn and q (-1: q right after enter, the picker opening)",
    )
    args = parser.parse_args()
    master = long_gop_master()
    times = [one_round(master, args.wait) for _ in range(args.rounds)]
    for i, (opened, restored, exited) in enumerate(times, 1):
        print(
            f"round {i}: picker drawn {opened:.2f} s after enter; "
            f"terminal restored {restored:.2f} s, process gone {exited:.2f} s after q"
        )
    opened, restored, gone = (statistics.median(t[i] for t in times) for i in (0, 1, 2))
    print(f"median: picker drawn {opened:.2f} s, restored {restored:.2f} s, gone {gone:.2f} s")


if __name__ == "__main__":
    main()

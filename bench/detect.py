"""Scene-detection speed: vat's detect_scenes against plain ffmpeg decoding and PySceneDetect's CLI.

    python bench/detect.py [--seconds 60] [--runs 3] [--no-cli] [--commands-only] [--video FILE]

Makes (once, cached in the user cache folder) a 1920x1080 25 fps H.264 video of hard-cut shots from
lavfi sources. Light film grain (the `noise` filter) is added so that the bit rate (~7 Mbit/s) and
the decoding cost are those of real footage, not of a flat synthetic picture that decodes for
nothing. Then, in one run, it times:
  - `ffmpeg -i FILE -map 0:v -f null -` (the floor: decoding only),
  - vat's detect_scenes with the combined default (transitions: cuts, dissolves, fades; target
    <= 1.3 wall) and the adaptive and content detectors (target <= 1.15), checking their cuts,
  - PySceneDetect's own CLI, `scenedetect -i FILE detect-adaptive`,
  - a re-detect from the cached per-frame statistics (core.detection.cache) at another threshold:
    what a second detection of the same master costs (fingerprint, load, replay; no decoding),
  - the whole commands as a user runs them (issue 15): `vat detect --detector adaptive FILE` and
    `vat detect FILE` (the default, transitions), each a fresh process with its own empty cache and a
    copy of one prepared database (so the per-frame statistics are never replayed and no run pays for
    creating the database), its table printed to a pipe; PyAV's decoding alone in a fresh process (the
    threads vat's frame source sets), to tell the decoder's share from vat's own,
and prints wall and CPU time (user + system of every thread and child process) with the ratios to
plain ffmpeg (targets: the adaptive command <= 1.15, the default command <= 1.3, as whole commands).
`--commands-only` times the subprocesses alone (quick); `--video FILE` times them on another master
(its cuts are not checked).
Rounds interleave the measures and the best of each is kept: on a shared machine a burst of other
load slows one run, never speeds one up.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from core import dirs  # noqa: E402
from core.media import ffmpeg  # noqa: E402
from core.scenes import Detection, detect_scenes  # noqa: E402

SIZE = "1920x1080"
RATE = 25
GRAIN = "noise=alls=6:allf=t"  # temporal grain: every frame differs, as from a camera
# One lavfi source per shot kind; consecutive shots look nothing alike, so each join is a hard cut.
SOURCES = [
    f"testsrc2=s={SIZE}:r={RATE}",
    f"gradients=s={SIZE}:r={RATE}:speed=0.03",
    f"color=c=0x6b4a2e:s={SIZE}:r={RATE},drawbox=x='mod(t*300,1600)':y=300:w=320:h=320:c=0xd8e0f0:t=fill",
    f"perlin=s=480x270:r={RATE}:tscale=0.3,scale={SIZE}",
    f"smptehdbars=s={SIZE}:r={RATE},hue=H=t",
    f"colorspectrum=s={SIZE}:r={RATE}:type=all,hue=H=t*0.4",
    f"testsrc=s={SIZE}:r={RATE}",
]
SHOT_SECONDS = [4, 7, 3, 9, 5, 6, 2, 8]


def shots(seconds: int) -> list[tuple[str, int]]:
    """(source, seconds) of every shot, cycling through SOURCES and SHOT_SECONDS."""
    out, total, i = [], 0, 0
    while total < seconds:
        length = min(SHOT_SECONDS[i % len(SHOT_SECONDS)], seconds - total)
        out.append((SOURCES[i % len(SOURCES)], length))
        total += length
        i += 1
    return out


def bench_video(seconds: int) -> Path:
    """The cached test video, made on first use (the .part name keeps a broken one from counting)."""
    path = dirs.cache_dir() / "bench" / f"detect_{seconds}s_1080p_v2.mp4"
    if path.exists() and path.stat().st_size > 0:
        return path
    dirs.ensure(path.parent)
    parts, labels = [], ""
    plan = shots(seconds)
    for i, (source, length) in enumerate(plan):
        parts.append(f"{source},trim=duration={length},setpts=PTS-STARTPTS,format=yuv420p,{GRAIN}[v{i}]")
        labels += f"[v{i}]"
    graph = ";".join(parts) + f";{labels}concat=n={len(plan)}:v=1:a=0[v]"
    partial = path.with_suffix(".part.mp4")
    print(f"making {path} ({len(plan)} shots, {seconds} s of {SIZE}) ...", flush=True)
    ffmpeg.run(
        [
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "22",
            "-g",
            "50",
            "-pix_fmt",
            "yuv420p",
            ffmpeg.file_arg(partial),
        ],
        duration=seconds,
    )
    os.replace(partial, path)
    return path


def expected_cuts(seconds: int) -> list[int]:
    """First frame of every shot after the first: the cuts a detector should find."""
    cuts, at = [], 0
    for _, length in shots(seconds)[:-1]:
        at += length * RATE
        cuts.append(at)
    return cuts


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds and CPU seconds (this process and its children, all threads) of fn()."""
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True))
    return wall, cpu, result


def plain_ffmpeg(path: Path) -> None:
    subprocess.run(
        [
            ffmpeg.find_ffmpeg().path,
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            ffmpeg.file_arg(path),
            "-map",
            "0:v",
            "-f",
            "null",
            "-",
        ],
        check=True,
    )


ROOT = Path(__file__).resolve().parent.parent
# PyAV's decoding alone, opened as vat's frame source opens it (its threads), every frame received
PYAV_DECODE = """
import sys
from core.media.framesource import open_video
container, stream = open_video(sys.argv[1])
for packet in container.demux(stream):
    packet.decode()
"""


class Commands:
    """Runs vat's commands as a user does, each in a fresh process with its own empty cache folder and
    a copy of one database prepared once: no run replays another's per-frame statistics
    (core.detection.cache), none pays for creating the database."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="vat-bench-detect-"))
        self.template = self.root / "template.db"
        subprocess.run(
            [sys.executable, "-m", "tui.cli", "settings"],
            env=self._env(self.root / "prep", self.template),
            **self._quiet,
        )

    _quiet: dict = dict(check=True, cwd=ROOT, stdout=subprocess.DEVNULL)

    @staticmethod
    def _env(folder: Path, db: Path) -> dict[str, str]:
        return dict(
            os.environ,
            XDG_CACHE_HOME=str(folder / "cache"),
            XDG_DATA_HOME=str(folder / "data"),
            XDG_STATE_HOME=str(folder / "state"),
            VAT_DB=str(db),
        )

    def run(self, args: list[str]) -> str:
        """`vat ARGS` (python -m tui.cli, this checkout's code), in a fresh folder; its stdout."""
        folder = Path(tempfile.mkdtemp(dir=self.root))
        try:
            shutil.copyfile(self.template, folder / "vat.db")
            done = subprocess.run(
                [sys.executable, "-m", "tui.cli", *args],
                env=self._env(folder, folder / "vat.db"),
                check=True,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            return done.stdout
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def pyav_decode(self, path: Path) -> None:
        subprocess.run([sys.executable, "-c", PYAV_DECODE, str(path)], **self._quiet)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class Table:
    """`vat detect`'s table, as printed to a pipe: its scenes' first frames (for accuracy())."""

    def __init__(self, text: str):
        self.scenes = [Row(int(cells[3])) for cells in _rows(text)]


class Row:
    def __init__(self, start_frame: int):
        self.start_frame = start_frame


def _rows(text: str) -> list[list[str]]:
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]
    return [cells for cells in rows if len(cells) > 3 and cells[0].isdigit()]


def scenedetect_cli(path: Path) -> None:
    exe = Path(sys.executable).with_name("scenedetect")
    subprocess.run(
        [str(exe), "-q", "-i", str(path), "detect-adaptive"],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=path.parent,
    )


def accuracy(result: object, expected: list[int]) -> str:
    if not hasattr(result, "scenes") or not expected:
        return ""
    found = [scene.start_frame for scene in result.scenes[1:]]
    hits = len(set(found) & set(expected))
    return f"  cuts {hits}/{len(expected)} exact, {len(found) - hits} other"


def cached(path: Path, detector: str, threshold: float) -> Detection:
    result = detect_scenes(path, detector, threshold)
    assert result.from_cache, "the re-detect decoded: the cache was not used"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the 1080p test video")
    parser.add_argument("--runs", type=int, default=3, help="rounds of every measure (best is kept)")
    parser.add_argument("--no-cli", action="store_true", help="skip PySceneDetect's CLI (slow)")
    parser.add_argument("--commands-only", action="store_true", help="only the whole commands (subprocesses)")
    parser.add_argument("--video", type=Path, help="time the commands on this master instead (cuts not checked)")
    args = parser.parse_args(argv)

    path = args.video or bench_video(args.seconds)
    expected = [] if args.video else expected_cuts(args.seconds)
    size_mb = path.stat().st_size / 1e6
    print(
        f"video: {path} ({size_mb:.1f} MB, {len(expected)} cuts), {os.cpu_count()} CPU cores, "
        f"ffmpeg {ffmpeg.version()}, load average {os.getloadavg()[0]:.1f}"
    )
    commands = Commands()
    measures: dict[str, Callable[[], object]] = {
        "plain ffmpeg (-f null)": lambda: plain_ffmpeg(path),
        "command: vat detect --detector adaptive": lambda: Table(
            commands.run(["detect", "--detector", "adaptive", str(path)])
        ),
        "command: vat detect (transitions)": lambda: Table(commands.run(["detect", str(path)])),
        "PyAV decoding alone (fresh process)": lambda: commands.pyav_decode(path),
    }
    if not args.commands_only:
        measures["vat detect_scenes transitions"] = lambda: detect_scenes(path, "transitions", use_cache=False)
        measures["vat detect_scenes adaptive"] = lambda: detect_scenes(path, "adaptive", use_cache=False)
        measures["vat detect_scenes content"] = lambda: detect_scenes(path, "content", use_cache=False)
        detect_scenes(path, "adaptive")  # the caches filled (or found) once, outside the timings
        detect_scenes(path, "transitions")
        measures["vat re-detect from cache, transitions"] = lambda: cached(path, "transitions", 2.5)
        measures["vat re-detect from cache, adaptive"] = lambda: cached(path, "adaptive", 2.5)
        measures["vat re-detect from cache, content"] = lambda: cached(path, "content", 25.0)
        if not args.no_cli:
            measures["scenedetect CLI detect-adaptive"] = lambda: scenedetect_cli(path)
    best: dict[str, tuple[float, float]] = {}
    try:
        # rounds interleave the measures, so a burst of load on a shared machine hits them all alike
        for run in range(args.runs):
            print(f"round {run + 1}/{args.runs} (load average {os.getloadavg()[0]:.1f})", flush=True)
            for label, fn in measures.items():
                wall, cpu, result = measure(fn)
                print(f"  {label:<40} {wall:7.2f} s wall {cpu:7.2f} s CPU{accuracy(result, expected)}", flush=True)
                old = best.get(label)
                best[label] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
    finally:
        commands.close()
    floor_wall, floor_cpu = best["plain ffmpeg (-f null)"]
    print(
        "\nbest of the rounds, ratio to plain ffmpeg decoding (targets: the adaptive command <= 1.15, the "
        "default command <= 1.3):"
    )
    for label, (wall, cpu) in best.items():
        print(f"  {label:<40} {wall:7.2f} s wall x{wall / floor_wall:.2f}   {cpu:7.2f} s CPU x{cpu / floor_cpu:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How fast vat's TUI starts and opens its screens, timed from outside as a user sees it, against
`python -c pass` timed in the same run (the interpreter's own start: the floor).

    python bench/startup.py [--rounds 7] [--size 80x24] [--sessions 12] [--repo PATH ...]

Each round starts `python -m tui.cli` (what `vat` runs) on a pseudo-terminal of --size, in a temporary
database with --sessions sessions (XDG folders temporary too), and reads what it writes to the terminal:
  - start: from the process's start until the Sessions screen is drawn (its first row and its footer
    have reached the terminal);
  - New session: n pressed on Sessions, until the form is drawn; escape back;
  - Presets, then the preset editor: P, until the list is drawn; enter on its first preset (a
    built-in, read-only), until the editor is drawn.
Then q. Each step is timed on the wall clock and in CPU seconds of vat's process (all its threads,
read from /proc; other jobs on the machine stretch the first, hardly the second). Figures are the best
of --rounds (the machine is shared: the best round is the least disturbed), the median beside it.
Bytecode is cached (as installed); the page cache is warm, as for any second start of the day.
`--repo` (repeated) times other checkouts of vat in the same rounds, interleaved (before and after a
change, under the same load). `--importtime` prints the imports of the start instead, slowest first;
`--profile FILE` runs one round under cProfile (stats in FILE, for `python -m pstats`).
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from fcntl import ioctl
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# what the terminal shows once each screen is drawn
ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<>=$ ]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[()][0-9A-Za-z]|[=>78DEHMc])"
)
SESSIONS_DRAWN = (b"Bench Artwork 01", b"Settings")
NEW_SESSION_DRAWN = (b"Archive a master video", b"Detect scenes")
PRESETS_DRAWN = (b"New copy", b"Set default")
EDITOR_DRAWN = (b"Built in, read-only", b"ffmpeg arguments", b"esc Cancel")
TIMEOUT = 30.0


class Terminal:
    """A child process on a pseudo-terminal, and everything it wrote there (escapes removed)."""

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int], repo: Path):
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the app
            try:
                os.chdir(repo)
                os.execve(command[0], command, env)
            finally:
                os._exit(127)
        ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.raw = b""
        self.seen = 0  # where the next wait looks from

    def cpu(self) -> float:
        """CPU seconds vat's process has used so far, all its threads (not its children: the NVENC
        check's ffmpeg): what the machine's other load does not inflate."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_for(self, markers: tuple[bytes, ...]) -> float:
        """Seconds from now (or the start) until every marker was written after the last wait."""
        deadline = time.perf_counter() + TIMEOUT
        while True:
            text = ESCAPES.sub(b"", self.raw[self.seen :])
            if all(m in text for m in markers):
                self.seen = len(self.raw)
                return time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SystemExit(
                    f"timed out waiting for {markers}; the screen said: {text.decode(errors='replace')[-3000:]}"
                )
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.raw += os.read(self.fd, 65536)
                except OSError:  # the child is gone
                    raise SystemExit(f"vat ended; it wrote: {ESCAPES.sub(b'', self.raw)[-400:]!r}") from None

    def press(self, keys: bytes) -> float:
        self.seen = len(self.raw)
        os.write(self.fd, keys)
        return time.perf_counter()

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                try:
                    self.raw += os.read(self.fd, 65536)
                except OSError:
                    return

    def close(self) -> None:
        os.write(self.fd, b"q")
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            self.drain(0.05)
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def database(root: Path, sessions: int, repo: Path) -> dict[str, str]:
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(VAT_DB=str(root / "bench.db"), TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(repo))
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        env[var] = str(root / var.lower())
    env.pop("NO_COLOR", None)
    code = (
        "from db.connection import open_database\n"
        "from db.models import ProcessingState\n"
        "from core.pipeline.preset_store import ensure_builtin_presets\n"
        "open_database(); ensure_builtin_presets()\n"
        f"for n in range({sessions}, 0, -1):\n"
        "    ProcessingState.create(session_id=f'26-12-02_Bench_{n:08d}', artwork_name=f'Bench Artwork {n:02d}',\n"
        "        project_date='26-12-02', master_path=f'/masters/{n}.mov', output_path=f'/archive/{n}',\n"
        "        preset_id='webflow_standard', total_operations=24, completed_operations=n % 24,\n"
        "        status=('processing', 'paused', 'initialized')[n % 3])\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=repo, check=True)
    return env


def python_pass() -> tuple[float, float]:
    """(wall, CPU) of `python -c pass`."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def one_round(
    env: dict[str, str], size: tuple[int, int], profile: Path | None = None
) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each step."""
    command = [sys.executable, *(["-m", "cProfile", "-o", str(profile)] if profile else []), "-m", "tui.cli"]
    term = Terminal(command, env, size, Path(env["PYTHONPATH"]))
    times: dict[str, tuple[float, float]] = {}

    def step(name: str, keys: bytes, drawn: tuple[bytes, ...]) -> None:
        term.drain(0.3)  # whatever the screen does after its first paint settles
        cpu = term.cpu()
        pressed = term.press(keys)
        times[name] = (term.wait_for(drawn) - pressed, term.cpu() - cpu)

    try:
        times["start"] = (term.wait_for(SESSIONS_DRAWN) - term.started, term.cpu())
        step("New session", b"n", NEW_SESSION_DRAWN)
        term.press(b"\x1b")
        term.wait_for(SESSIONS_DRAWN[1:])
        step("Presets", b"P", PRESETS_DRAWN)
        step("preset editor", b"\r", EDITOR_DRAWN)
        term.press(b"\x1b")
        term.drain(0.3)
        term.press(b"\x1b")
        term.wait_for(SESSIONS_DRAWN[1:])
        term.drain(0.2)
    finally:
        term.close()
    return times


def importtime(env: dict[str, str]) -> None:
    code = "import tui.cli.main, tui.app"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], env=env, cwd=REPO, capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    for cumulative, name in sorted(rows, reverse=True)[:40]:
        print(f"{cumulative / 1000:8.1f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--repo", type=Path, action="append", help="a vat checkout to time (default: this one)")
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--profile", type=Path, help="one round under cProfile, its stats written here")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    repos = [r.resolve() for r in args.repo or [REPO]]
    with tempfile.TemporaryDirectory(prefix="vat-bench-startup-") as work:
        envs = [database(Path(work) / str(n), args.sessions, repo) for n, repo in enumerate(repos)]
        if args.importtime:
            importtime(envs[0])
            return
        for env in envs:
            one_round(env, (width, height))  # bytecode compiled, files in the page cache
        if args.profile:
            print(one_round(envs[0], (width, height), args.profile.resolve()))
            return
        base: list[tuple[float, float]] = []
        rounds: list[list[dict[str, tuple[float, float]]]] = [[] for _ in repos]
        for _ in range(args.rounds):  # interleaved: a busy moment hits them all alike
            base.append(python_pass())
            for env, mine in zip(envs, rounds, strict=True):
                mine.append(one_round(env, (width, height)))
    floor = min(w for w, _ in base)
    cpu_floor = min(c for _, c in base)
    print(f"{args.rounds} rounds at {width}x{height}, {args.sessions} sessions; best (median)")
    print(f"{'what':<16} {'wall':>16} {'ratio':>6}  {'CPU':>16} {'ratio':>6}")
    walls, cpus = [w for w, _ in base], [c for _, c in base]
    print(
        f"{'python -c pass':<16} {floor:6.3f} s ({statistics.median(walls):.3f}) {1:6.2f}  "
        f"{cpu_floor:6.3f} s ({statistics.median(cpus):.3f}) {1:6.2f}"
    )
    for repo, mine in zip(repos, rounds, strict=True):
        if len(repos) > 1:
            print(repo)
        for what in mine[0]:
            walls = [r[what][0] for r in mine]
            cpus = [r[what][1] for r in mine]
            ratios = (f"{min(walls) / floor:6.2f}", f"{min(cpus) / cpu_floor:6.2f}") if what == "start" else ("", "")
            print(
                f"{what:<16} {min(walls):6.3f} s ({statistics.median(walls):.3f}) {ratios[0]:>6}  "
                f"{min(cpus):6.3f} s ({statistics.median(cpus):.3f}) {ratios[1]:>6}"
            )


if __name__ == "__main__":
    main()

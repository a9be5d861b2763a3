"""Scene picker responsiveness: key-to-render time with 1,000 scenes (goal: under 50 ms per key),
against the same keys with 20 scenes in the same run, in the real app.

    python bench/picker.py [--scenes 1000] [--baseline 20] [--sizes 120x40,80x24] [--rounds 1]
                           [--gap 0.05] [--trace] [--gc-freeze] [--profile [--profile-out FILE]]

Makes (once, cached in the user cache folder) a 320x180 10 fps H.264 video of `--scenes` hard-cut
shots of 8 frames (testsrc2 whose hue and brightness jump every 8 frames) with x264's default 25 s
keyframe interval, so that a thumbnail costs what it costs on a real master: a seek and up to a GOP
of decoding. Then, for each case (scene count x terminal size), with a fresh temporary database
(VAT_DB) and user folders (XDG_*), so a fresh thumbnail cache:
  - a session is made through core.pipeline.session (check_options, create_session) and its scenes_data is
    written as core.pipeline.session.detect writes it;
  - the real VatApp from tui.app.create_app runs headless (`run_test(size=...)`, toasts on); enter
    on the sessions screen opens the real PickerScreen on that session ("open picker");
  - pass 1, "during": the keys below, at once, while the picker's worker makes the thumbnails
    (every one decoded); only the keys during which the worker was busy (thumbnails wanted for the
    rows on screen, or made meanwhile) count in this column;
  - the worker is then asked for every thumbnail (time, RSS and thumbnail memory are printed);
  - pass 2, "after": the same keys, every thumbnail in memory.
Keys: home, j x30, k x30, pagedown x8, pageup x8, end, home, "/" (the jump dialog drawn with its field
focused), the digits of the middle scene's number, enter (the dialog gone, the list on that scene),
then (space, j, g) x4: unmark and move on, move, group the marked run under the cursor (until its
toast is drawn). A key that would do nothing (j on the last scene) is skipped. "list keys" in the
summary: home, j, k, pagedown, pageup, end, space (the list itself: no dialog, no toast).

Key-to-render time: from the key event handed to the app's driver (as a terminal's input thread
does) to the end of the first frame that shows everything the key changed. Every frame Textual makes
goes through App._display; the bench wraps it to also turn the update into the terminal's escape
sequences (headless Textual skips that step, a terminal session does not), then, once the screen's
update has returned, checks (1) that the app's state shows the key's whole effect (the list's
cursor, the picker's copy of it that drives the side panel and status line, marks, the dialog, the
new toast drawn) and (2) that nothing on screen is left to draw: no repaint, scroll or layout pending
on the screen or any visible widget, no such message queued. The first frame after which both hold
ends the measure. Textual's frame timer (up to 1/60 s between frames) is included, as in a terminal.
Pilot.press + pause are not used: they sleep until the process looks idle (at least 2 x 20 ms, and
never idle while the worker decodes), so they would measure the sleeps. Keys go `--gap` seconds
after the previous frame (a fast typist). A full garbage collection (generation 2) that runs during
a key is counted ("gc"): those, not the scene count, make the slowest keys. --gc-freeze shows what
gc.freeze() once the app has started would change (vat does not do it).

Prints per key kind the median, p95 (nearest rank: the maximum below 20 samples) and maximum, the
ratio of the medians 1000/20 and the UI thread's CPU per key; then RSS and thumbnail memory with
1,000 thumbnails in memory. --trace prints every key (time, frames, CPU); --profile prints
cProfile's top functions of the UI thread over the keys of the first 1000-scene case.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere

from core import dirs  # noqa: E402  (no db import yet: VAT_DB is set first)
from core.media import ffmpeg  # noqa: E402  (no db import yet: VAT_DB is set first)

RATE = 10
SHOT_FRAMES = 8
SIZE = "320x180"


def bench_video(scenes: int) -> Path:
    """The cached test video (real user cache folder), made on first use."""
    path = dirs.cache_dir() / "bench" / f"picker_{scenes}scenes_{SIZE}.mp4"
    if path.exists() and path.stat().st_size > 0:
        return path
    dirs.ensure(path.parent)
    frames = scenes * SHOT_FRAMES
    # the hue turns by 137.5 degrees and the brightness steps every SHOT_FRAMES: a hard cut each time
    source = (
        f"testsrc2=s={SIZE}:r={RATE},"
        f"hue=h='mod(floor(n/{SHOT_FRAMES})*137.5,360)':b='mod(floor(n/{SHOT_FRAMES}),3)-1',"
        f"format=yuv420p"
    )
    partial = path.with_suffix(".part.mp4")
    print(f"making {path} ({scenes} shots, {frames / RATE:.0f} s of {SIZE}) ...", flush=True)
    ffmpeg.run(
        [
            "-f",
            "lavfi",
            "-i",
            source,
            "-frames:v",
            str(frames),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "26",
            "-pix_fmt",
            "yuv420p",
            ffmpeg.file_arg(partial),
        ],
        duration=frames / RATE,
    )
    os.replace(partial, path)
    return path


def isolate(root: Path) -> None:
    """User folders and database of the bench in a temporary folder (before any db import)."""
    for var in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(root / var.lower())
    os.environ["VAT_DB"] = str(root / "setup.db")


def make_session(video: Path, scenes: int, root: Path) -> str:
    """A session over `video` with `scenes` scenes, made with core.pipeline.session; returns its id."""
    from core.pipeline.session import SessionOptions, check_options, create_session
    from core.pipeline.session_scenes import scene_record
    from core.scenes import Scene
    from db.connection import database, open_database
    from db.models import ProcessingState

    open_database()
    session = create_session(
        check_options(
            SessionOptions(
                master=video, artwork=f"Picker bench {scenes}", out=root / "out", encoder="x264", detector="content"
            )
        )
    )
    records = [
        scene_record(
            Scene(
                index=i + 1,
                start_frame=i * SHOT_FRAMES,
                end_frame=(i + 1) * SHOT_FRAMES - 1,
                start=i * SHOT_FRAMES / RATE,
                end=(i + 1) * SHOT_FRAMES / RATE,
            )
        )
        for i in range(scenes)
    ]
    meta = dict(session.process_metadata or {})
    meta.update(detector="content", fps=float(RATE), frames=scenes * SHOT_FRAMES, duration=scenes * SHOT_FRAMES / RATE)
    with database.atomic():  # as core.pipeline.session.detect stores what it found
        ProcessingState.update(
            scenes_data=records, scene_threshold=27.0, min_scene_length=SHOT_FRAMES // 2, process_metadata=meta
        ).where(ProcessingState.id == session.id).execute()
    return session.session_id


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --- measuring one key ----------------------------------------------------------------------------
class FrameProbe:
    """Wraps app._display: renders each frame to terminal sequences (as a terminal session does)
    and ends the current measure at the first frame that shows the key's whole effect."""

    def __init__(self, app, trace: bool = False) -> None:
        self.app = app
        self.trace = trace
        self.frames = 0
        self.gcs: list[tuple[float, float]] = []  # (start, seconds) of every full (generation 2) collection
        self._gc_started = 0.0
        self._expect = None
        self._done = asyncio.Event()
        self.start = self.end = self.end_cpu = self.last_frame = self.last_frame_cpu = 0.0
        self._frames_at_start = 0
        gc.callbacks.append(self._on_gc)
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is not None:
                render_segments = getattr(renderable, "render_segments", None)
                if render_segments is not None:
                    render_segments(app.console)  # what Textual writes to a terminal (skipped headless)
                self.frames += 1
                self.last_frame, self.last_frame_cpu = time.perf_counter(), time.thread_time()
                if self.trace and self._expect is not None:
                    print(f"    frame +{(self.last_frame - self.start) * 1000:5.1f} ms {type(renderable).__name__}")
            # checked once the screen's update has returned: while it draws, the screen's layout and
            # scroll flags are still set (it clears them after the frame)
            if self._expect is not None:
                asyncio.get_running_loop().call_soon(self.check)

        app._display = display

    def close(self) -> None:
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if info.get("generation") == 2:
            if phase == "start":
                self._gc_started = time.perf_counter()
            else:
                self.gcs.append((self._gc_started, time.perf_counter() - self._gc_started))

    def pending(self) -> str:
        """What the screen still has to draw: a repaint, a scroll or a layout ('' when nothing)."""
        from textual import messages

        screen = self.app.screen
        for flag in ("_layout_required", "_scroll_required", "_repaint_required", "_dirty_widgets"):
            if getattr(screen, flag):
                return f"{screen}.{flag}"
        for widget in screen._compositor.visible_widgets:
            for flag in ("_repaint_required", "_layout_required", "_scroll_required"):
                if getattr(widget, flag):
                    return f"{widget}.{flag}"
        for message in getattr(screen._message_queue, "_queue", ()):
            if isinstance(message, (messages.Update, messages.UpdateScroll, messages.Layout)):
                return f"{message} queued"
        return ""

    def check(self) -> None:
        if self._expect is not None and self.last_frame > self.start and self._expect() and not self.pending():
            self.end, self.end_cpu = self.last_frame, self.last_frame_cpu
            self._expect = None
            self._done.set()

    async def press(self, key: str, expect, timeout: float = 5.0) -> tuple[float, float, bool]:
        """Send `key` as the driver would; wait for the first frame after which expect() holds and
        nothing is left to draw. Returns (seconds, seconds of UI-thread CPU, a full GC ran meanwhile)."""
        import unicodedata

        from textual import events
        from textual.app import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:  # the event as App._press_keys (Pilot.press) makes it
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(self.app)
        self._done = asyncio.Event()
        self._expect = expect
        self._frames_at_start = self.frames
        start_cpu = time.thread_time()
        start = self.start = time.perf_counter()
        self.app._driver.send_message(event)  # what the driver's input thread does with a key
        # Checked after every frame; also every 5 ms, should the state complete after the last frame
        # without needing another (the change was then in that last frame).
        while not self._done.is_set() and time.perf_counter() - start < timeout:
            await asyncio.sleep(0.005)
            if not self._done.is_set():
                self.check()
        if not self._done.is_set():
            self._expect = None
            raise SystemExit(
                f"key {key!r}: no frame showed its effect within {timeout} s "
                f"(screen {self.app.screen}, focused {self.app.focused}, "
                f"still to draw: {self.pending() or 'nothing'})"
            )
        took, cpu = self.end - start, self.end_cpu - start_cpu
        gc_hit = any(start <= at <= self.end for at, _ in self.gcs)
        if self.trace:
            print(
                f"  {key}: {took * 1000:.1f} ms, {self.frames - self._frames_at_start} frames, "
                f"UI-thread CPU {cpu * 1000:.1f} ms{', full GC' if gc_hit else ''}"
            )
        return took, cpu, gc_hit


# --- one case: a scene count at a terminal size ---------------------------------------------------
async def run_case(
    video: Path, scenes: int, size: tuple[int, int], root: Path, args, fill: bool, profiler=None
) -> dict:
    from textual.widgets import Input
    from textual.widgets._toast import Toast

    from db.connection import open_database
    from tui.app import create_app
    from tui.screens.home import SessionsScreen
    from tui.screens.jump import JumpScreen
    from tui.screens.picker import PickerScreen

    case_root = root / f"case_{scenes}_{size[0]}x{size[1]}_{time.monotonic_ns()}"
    case_root.mkdir()
    os.environ["XDG_CACHE_HOME"] = str(case_root / "cache")  # fresh thumbnail cache: the worker decodes
    os.environ["VAT_DB"] = str(case_root / "vat.db")
    open_database()
    make_session(video, scenes, case_root)
    app = create_app()  # as the `vat` command makes it
    result: dict = {"during": {}, "after": {}, "busy": [0, 0]}

    def drawn(widget) -> bool:
        """The widget is laid out on the current screen (one only just mounted is not yet)."""
        return widget in app.screen._compositor.visible_widgets

    async with app.run_test(size=size, notifications=True) as pilot:  # toasts drawn, as in a terminal
        for _ in range(250):
            await pilot.pause(0.02)
            if isinstance(app.screen, SessionsScreen) and app.screen.rows:
                break
        await pilot.pause(0.1)
        if args.gc_freeze:  # what VatApp would get from gc.freeze() once started (not done by vat today)
            gc.collect()
            gc.freeze()
        probe = FrameProbe(app, trace=args.trace)
        result["rss_before"] = rss_mb()
        took, _, _ = await probe.press(
            "enter", lambda: isinstance(app.screen, PickerScreen) and drawn(app.screen.query_one("#scene-panel"))
        )
        result["open"] = took
        picker: PickerScreen = app.screen
        scene_list, store = picker.scene_list, picker.store
        result["rss_open"] = rss_mb()

        def worker_busy() -> bool:
            return bool(picker.wanted._frames) or any(
                store.cached(picker.scenes[i].midpoint_frame) is None for i in scene_list.visible_rows()
            )

        async def one(key: str, phase: str, expect, kind: str | None = None) -> None:
            made, busy = len(store._memory), worker_busy()
            if profiler is not None:
                profiler.enable()
            took, cpu, gc_hit = await probe.press(key, expect)
            if profiler is not None:
                profiler.disable()
            busy = busy or len(store._memory) != made
            if phase == "during":
                result["busy"][0] += busy
                result["busy"][1] += 1
            if phase == "after" or busy:
                sample = result[phase].setdefault(kind or key, {"ms": [], "cpu": [], "gc": 0})
                sample["ms"].append(took * 1000)
                sample["cpu"].append(cpu * 1000)
                sample["gc"] += gc_hit
            await asyncio.sleep(args.gap)

        def at(index: int):
            return lambda: scene_list.cursor == index and picker._cursor == index and app.screen is picker

        async def move(key: str, phase: str, target: int) -> None:
            target = max(0, min(target, len(picker.scenes) - 1))
            if target != scene_list.cursor:  # a key that would do nothing is not measured
                await one(key, phase, at(target))

        async def keys(phase: str) -> None:
            n = len(picker.scenes)
            page = max(1, scene_list.scrollable_content_region.height // scene_list.row_height - 1)
            await move("home", phase, 0)
            for _ in range(min(30, n - 1)):
                await move("j", phase, scene_list.cursor + 1)
            for _ in range(min(30, n - 1)):
                await move("k", phase, scene_list.cursor - 1)
            for _ in range(8):
                await move("pagedown", phase, scene_list.cursor + page)
            for _ in range(8):
                await move("pageup", phase, scene_list.cursor - page)
            await move("end", phase, n - 1)
            await move("home", phase, 0)
            # / to the middle: the modal drawn with its field focused, each digit, then enter
            number = str(max(1, n // 2))
            await one(
                "slash",
                phase,
                lambda: isinstance(app.screen, JumpScreen) and isinstance(app.focused, Input) and drawn(app.focused),
                "/ (open)",
            )
            typed = ""
            for digit in number:
                typed += digit
                await one(
                    digit,
                    phase,
                    lambda t=typed: isinstance(app.screen, JumpScreen) and app.focused.value == t,
                    "/ digit",
                )
            await one("enter", phase, at(int(number) - 1), "/ enter (jump)")
            # space (unmark, move on), j, g (group the marked run under the cursor: its toast drawn)
            for _ in range(4):
                if scene_list.cursor >= n - 3:
                    break
                version, cursor = picker.picks.version, scene_list.cursor
                await one(
                    "space",
                    phase,
                    lambda v=version, c=cursor: (
                        picker.picks.version == v + 1 and scene_list.cursor == c + 1 and picker._cursor == c + 1
                    ),
                )
                await move("j", phase, scene_list.cursor + 1)
                shown = {t._notification.identity for t in picker.query(Toast)}
                trial = copy.deepcopy(picker.picks)
                try:
                    trial.group_around(picker.scenes[scene_list.cursor].index)
                    version = picker.picks.version + 1
                except ValueError:  # g then only says why, in a toast
                    version = picker.picks.version
                await one(
                    "g",
                    phase,
                    lambda v=version, s=shown: (
                        picker.picks.version == v
                        and any(t._notification.identity not in s and drawn(t) for t in picker.query(Toast))
                    ),
                )

        await keys("during")
        if fill:
            # every thumbnail, by the picker's own worker (no key meanwhile: a key would replace the
            # wanted list with the rows around the cursor)
            started = time.perf_counter()
            picker.wanted.set([s.midpoint_frame for s in picker.scenes])
            while len(store._memory) < len(picker.scenes) and time.perf_counter() - started < 600:
                await asyncio.sleep(0.1)
            result["fill_s"] = time.perf_counter() - started
            result["thumbs"] = len(store._memory)
            result["rss_full"] = rss_mb()
            result["thumb_bytes"] = sum(im.width * im.height * len(im.getbands()) for im in store._memory.values())
        await keys("after")
        result["segments"] = len(scene_list._segments)
        result["frames"] = probe.frames
        result["gc"] = [seconds for _, seconds in probe.gcs]
        probe.close()
        await app.action_quit()
    gc.unfreeze()
    return result


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: with fewer than 20 samples, p95 is the largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(sample: dict | None) -> str:
    if not sample or not sample["ms"]:
        return f"{'-':>21}"
    ms = sample["ms"]
    return f"{statistics.median(ms):5.1f} {percentile(ms, 0.95):5.1f} {max(ms):5.1f} ({len(ms):2d})"


def merged(samples: list[dict]) -> dict:
    out = {"ms": [], "cpu": [], "gc": 0}
    for sample in samples:
        out["ms"] += sample["ms"]
        out["cpu"] += sample["cpu"]
        out["gc"] += sample["gc"]
    return out


LIST_KEYS = ("home", "j", "k", "pagedown", "pageup", "end", "space")  # the list itself, no modal or toast


def segment_cache_mb(count: int) -> float:
    """Python memory of the scene list's cached thumbnail rows for `count` thumbnails (tracemalloc)."""
    import tracemalloc

    from PIL import Image

    from tui.widgets.pixels import image_lines
    from tui.widgets.scene_list import THUMB_CELLS

    images = [Image.new("RGB", (96, 54), (i % 256, 255 - i % 256, (7 * i) % 256)) for i in range(count)]
    for i, image in enumerate(images):
        image.putpixel((i % 96, i % 54), (255 - i % 256, i % 256, 0))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [image_lines(image, THUMB_CELLS[1], 1, stretch=True) for image in images]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / 1e6


async def main_async(args, video: Path, baseline_video: Path, root: Path) -> int:
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    pooled: dict = {}
    for run in range(args.rounds):
        for size in sizes:
            for scenes, vid in ((args.scenes, video), (args.baseline, baseline_video)):
                profiler = None
                if args.profile and scenes == args.scenes and run == 0 and size == sizes[0]:
                    import cProfile

                    profiler = cProfile.Profile()
                started = time.perf_counter()
                result = await run_case(vid, scenes, size, root, args, fill=scenes == args.scenes, profiler=profiler)
                pooled.setdefault((size, scenes), []).append(result)
                every = [x for phase in ("during", "after") for v in result[phase].values() for x in v["ms"]]
                listed = [
                    x
                    for phase in ("during", "after")
                    for k, v in result[phase].items()
                    if k in LIST_KEYS
                    for x in v["ms"]
                ]
                gcs = result["gc"]
                print(
                    f"  round {run + 1}: {scenes:5d} scenes {size[0]}x{size[1]}: "
                    f"open {result['open'] * 1000:5.0f} ms;"
                    f" list keys median {statistics.median(listed):5.1f} p95 {percentile(listed, 0.95):5.1f} ms;"
                    f" all keys p95 {percentile(every, 0.95):5.1f} ms; {len(gcs)} full GCs"
                    f" (max {max(gcs, default=0) * 1000:.0f} ms); {time.perf_counter() - started:4.0f} s,"
                    f" load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
                if profiler is not None:
                    import pstats

                    print(
                        f"\ncProfile of the UI thread during the keys ({scenes} scenes, {size[0]}x{size[1]}), "
                        "top 30 by cumulative time:"
                    )
                    profile = pstats.Stats(profiler)
                    profile.sort_stats("cumulative").print_stats(30)
                    if args.profile_out:
                        profile.dump_stats(args.profile_out)
    big_n, small_n = args.scenes, args.baseline
    print("\nkey-to-render, ms: median p95 max (samples). 'during': only the keys pressed while the worker was")
    print(f"making thumbnails. cpu: median UI-thread CPU ms ({big_n} after). gc: keys during which a full GC ran.")
    for size in sizes:
        cases = {n: pooled[(size, n)] for n in (big_n, small_n)}
        table = {(n, phase): {} for n in cases for phase in ("during", "after")}
        for n, results in cases.items():
            for phase in ("during", "after"):
                kinds = dict.fromkeys(k for r in results for k in r[phase])
                for kind in kinds:
                    table[(n, phase)][kind] = merged([r[phase][kind] for r in results if kind in r[phase]])
        print(
            f"\n{size[0]}x{size[1]:<13}{big_n:>5} during{'':>8}{big_n:>5} after{'':>9}{small_n:>5} during{'':>8}"
            f"{small_n:>5} after{'':>4}x median  cpu gc"
        )
        kinds = list(dict.fromkeys([*table[(big_n, "after")], *table[(small_n, "after")]]))
        for kind in kinds:
            a, b = table[(big_n, "after")].get(kind), table[(small_n, "after")].get(kind)
            ratio = f"x{statistics.median(a['ms']) / statistics.median(b['ms']):.2f}" if a and b else "-"
            cpu = f"{statistics.median(a['cpu']):4.1f}" if a else "   -"
            hits = sum(t.get(kind, {"gc": 0})["gc"] for t in table.values())
            print(
                f"  {kind:<15}{stats(table[(big_n, 'during')].get(kind))} {stats(a)} "
                f"{stats(table[(small_n, 'during')].get(kind))} {stats(b)} {ratio:>6} {cpu} {hits:2d}"
            )
        for n, results in cases.items():
            busy = sum(r["busy"][0] for r in results)
            total = sum(r["busy"][1] for r in results)
            listed = [
                x
                for phase in ("during", "after")
                for k, v in table[(n, phase)].items()
                if k in LIST_KEYS
                for x in v["ms"]
            ]
            every = [x for phase in ("during", "after") for v in table[(n, phase)].values() for x in v["ms"]]
            opened = [r["open"] * 1000 for r in results]
            print(
                f"  {n:5d} scenes: list keys median {statistics.median(listed):5.1f} p95 "
                f"{percentile(listed, 0.95):5.1f} max {max(listed):5.1f} ms; all keys median "
                f"{statistics.median(every):5.1f} p95 {percentile(every, 0.95):5.1f} ms; open picker "
                f"{statistics.median(opened):.0f} ms; worker busy for {busy}/{total} keys of pass 1"
            )
    fills = [r for (size, n), results in pooled.items() for r in results if "fill_s" in r]
    if fills:
        print(f"\nthumbnails, {big_n} scenes (the picker's own worker, asked for every one):")
        r = fills[0]  # the first case only: later ones reuse the memory the first one freed
        print(
            f"  RSS {r['rss_before']:.0f} MB on the sessions screen, {r['rss_open']:.0f} MB once the picker is "
            f"open, {r['rss_full']:.0f} MB with all {r['thumbs']} thumbnails in memory "
            f"(+{r['rss_full'] - r['rss_open']:.0f} MB); thumbnail pixels {r['thumb_bytes'] / 1e6:.1f} MB; "
            f"list row cache {r['segments']} entries"
        )
        print(
            "  time to make them all (after pass 1): "
            + ", ".join(f"{f['thumbs']} in {f['fill_s']:.1f} s" for f in fills)
        )
        print(
            f"  list row cache if every row were drawn (Python objects, tracemalloc): "
            f"{segment_cache_mb(big_n):.1f} MB for {big_n} rows"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--scenes", type=int, default=1000, help="scenes of the measured session")
    parser.add_argument("--baseline", type=int, default=20, help="scenes of the baseline session")
    parser.add_argument("--sizes", default="120x40,80x24", help="terminal sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every case (samples are pooled)")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between a frame and the next key")
    parser.add_argument("--trace", action="store_true", help="print every key's time, frames and CPU")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app has started (what it would change; vat does not do it)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the UI thread (first case)")
    parser.add_argument("--profile-out", help="also write the profile's stats to this file")
    args = parser.parse_args(argv)

    video = bench_video(args.scenes)  # the real cache folder, before the bench's own folders
    baseline_video = bench_video(args.baseline)
    root = Path(tempfile.mkdtemp(prefix="vat-bench-picker-"))
    isolate(root)
    print(
        f"video: {video} ({video.stat().st_size / 1e6:.1f} MB); {os.cpu_count()} CPU cores, "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    try:
        return asyncio.run(main_async(args, video, baseline_video, root))
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

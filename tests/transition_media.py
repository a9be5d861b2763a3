"""Test footage with known gradual transitions: shots with motion, grain and camera moves, joined by
cuts, dissolves and fades through black or white, and a flash frame inside one shot.

Made with the real ffmpeg's lavfi sources and filters (one filter graph, one encode), so the ground
truth is known by construction: `make_transition_video` returns the file and every transition's kind
and first and last frame (0-based, inclusive). Used by the tests (TEST_PLAN, tiny) and by
bench/transitions.py (BENCH_PLAN, larger).

How each join is built, and so what its frames are:
- cut: the shots concatenated; the transition is the new shot's first frame (first == last).
- dissolve of D frames: xfade=transition=fade lasting D + 1 frames. xfade's first frame is still
  100% the old shot and its last blended frame (1/(D+1)) already mostly the new one, so exactly D
  frames mix the two shots; those D frames are the span.
- fade through black or white of F frames: the old shot's last F//2 frames fade out (the fade
  filter: its last frame fully black or white), the new shot's first F - F//2 frames fade in (its
  first frame black or white). The span is all F frames; the darkest (brightest) two are in its middle.
Grain (the noise filter, a fixed seed) is added over everything afterwards, black frames included,
as a film scan has it. The flash is one frame of one shot washed 85% white, well inside the shot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.media import ffmpeg

KINDS = ("cut", "dissolve", "fade_black", "fade_white")
MIN_CLEAN = 8  # frames of every shot that belong to no transition (so transitions never touch)


@dataclass(frozen=True)
class Join:
    """How a shot joins the next: kind (KINDS) and its length in frames (a cut: 1)."""

    kind: str
    frames: int = 1


@dataclass(frozen=True)
class Transition:
    kind: str
    first: int  # 0-based first frame of the transition; a cut: the new shot's first frame
    last: int  # inclusive; a cut: == first

    @property
    def middle(self) -> int:
        return (self.first + self.last) // 2


@dataclass(frozen=True)
class Plan:
    shots: tuple[int, ...]  # frames of every shot's source, transitions included
    joins: tuple[Join, ...]  # len(shots) - 1
    flash_shot: int  # index of the shot that gets the flash frame


@dataclass(frozen=True)
class Footage:
    path: Path
    fps: int
    size: tuple[int, int]
    frames: int  # total frames of the file
    transitions: list[Transition]
    flash: int  # the flash frame's index: not a transition
    shot_kinds: list[str]  # what each shot shows (SHOT_KINDS), for reports
    shot_starts: list[int]  # each shot's first frame in the file (for a dissolve, xfade's first)

    def shot_at(self, frame: int) -> int:
        """Index of the shot that frame `frame` belongs to (inside a dissolve: the new shot)."""
        return max(i for i, start in enumerate(self.shot_starts) if start <= frame)


# Small: 8 shots, 7 transitions of every kind, dissolves of 6 to 60 frames, 455 frames (18.2 s) at 25 fps.
TEST_PLAN = Plan(
    shots=(50, 48, 56, 60, 100, 110, 56, 64),
    joins=(
        Join("cut"),
        Join("dissolve", 6),
        Join("fade_black", 16),
        Join("cut"),
        Join("dissolve", 60),
        Join("fade_white", 16),
        Join("dissolve", 20),
    ),
    flash_shot=3,
)
# The example: 11 shots joined by 4 cuts, 4 dissolves (8 to 50 frames), a fade through black
# and one through white; 3-5 s shots.
BENCH_PLAN = Plan(
    shots=(90, 100, 110, 90, 120, 100, 90, 130, 110, 100, 100),
    joins=(
        Join("cut"),
        Join("dissolve", 8),
        Join("fade_black", 24),
        Join("dissolve", 25),
        Join("cut"),
        Join("dissolve", 50),
        Join("fade_white", 24),
        Join("cut"),
        Join("dissolve", 16),
        Join("cut"),
    ),
    flash_shot=4,
)

# Tiny, for the trimming of clips (tests/test_trim_transitions.py): a cut (kept), a dissolve long enough
# to hold the middle of the scene before it (its still must move), fades through black and white.
TRIM_PLAN = Plan(
    shots=(30, 40, 50, 30, 30),
    joins=(Join("cut"), Join("dissolve", 30), Join("fade_black", 8), Join("fade_white", 8)),
    flash_shot=3,
)

SHOT_KINDS = ("pan", "fast motion", "test pattern", "tilt", "slow gradient", "handheld")


# Flat grey levels for `flat` footage (a test of the joins' exact frames): neighbours far apart.
FLAT_LEVELS = ("0x505050", "0xb0b0b0", "0x303030", "0x909090", "0x606060", "0xc8c8c8")


def _shot(index: int, frames: int, fps: int, size: tuple[int, int], flat: bool = False) -> str:
    """A shot's filter chain (no input label), `frames` frames at `fps`, time base 1/fps, yuv420p.

    Every kind moves: camera pans (fast: a frame width in about 1.3 s) and tilts, a big object
    crossing the frame in under half a second, a handheld shake; none of it is a transition.
    `flat`: a still grey frame instead, so that every frame's level tells which shot(s) it shows."""
    w, h = size
    kind = index % len(SHOT_KINDS)
    seed = index + 1
    tail = f"trim=end_frame={frames},settb=1/{fps},setpts=N,format=yuv420p"
    if flat:
        return f"color=c={FLAT_LEVELS[index % len(FLAT_LEVELS)]}:s={w}x{h}:r={fps},{tail}"
    if kind in (0, 5):  # pan / handheld over a still perlin texture, rendered once and looped
        # the texture's detail is relative to its size: scaled so that every shot, at any frame size,
        # has about 16 x 8 blobs per frame (a pan at 8 px a frame changes luma by ~8 levels a frame)
        speed, mx, my = max(2, w // 32), max(4, w // 8), max(4, h // 6)
        wide, tall = (w + speed * frames, h) if kind == 0 else (w + mx, h + my)
        x = f"n*{speed}" if kind == 0 else f"{mx / 2}+{mx * 0.25}*sin(n*1.7)+{mx * 0.2}*sin(n*4.1)"
        y = "0" if kind == 0 else f"{my / 2}+{my * 0.4}*sin(n*2.3)"
        tint = "rr=1:gg=0.72:bb=0.42" if kind == 0 else "rr=0.35:gg=0.9:bb=0.5"
        return (
            f"perlin=s={wide}x{tall}:r={fps}:octaves=4:persistence=0.6"
            f":xscale={16 * wide / w:.4f}:yscale={8 * tall / h:.4f}:tscale=0"
            f":random_mode=seed:seed={seed},trim=end_frame=1,loop=loop=-1:size=1,"
            f"settb=1/{fps},setpts=N,crop={w}:{h}:x='{x}':y='{y}',format=rgb24,colorchannelmixer={tint},{tail}"
        )
    if kind == 1:  # a bright block racing across a dark blue frame, a smaller one bouncing
        bw, bh = max(8, w // 3), max(8, h // 2)
        return (
            f"color=c=0x1b2a4a:s={w}x{h}:r={fps}[bg{index}];"
            f"color=c=0xf2e6c8:s={bw}x{bh}:r={fps}[box{index}];"
            f"color=c=0xc83a2a:s={bw // 3}x{bh // 3}:r={fps}[dot{index}];"
            f"[bg{index}][box{index}]overlay=x='mod(n*{w // 8},W+w)-w':y='(H-h)/2+H/6*sin(n/4)':shortest=1[m{index}];"
            f"[m{index}][dot{index}]overlay=x='abs(mod(n*{w // 20},2*(W-w))-(W-w))':y='H/8':shortest=1,{tail}"
        )
    if kind == 2:
        return f"testsrc2=s={w}x{h}:r={fps},hue=h=120,{tail}"
    if kind == 3:  # tilt down over a tall test card
        speed = max(1, h // 24)
        return f"testsrc=s={w}x{h + speed * frames}:r={fps},crop={w}:{h}:x=0:y='n*{speed}',{tail}"
    # slowly drifting gradients with a slow box across them
    return (
        f"gradients=s={w}x{h}:r={fps}:speed=0.02:c0=0x30106a:c1=0xe07a2a:seed={seed}[g{index}];"
        f"color=c=0x101010:s={max(8, w // 6)}x{max(8, h // 4)}:r={fps}[b{index}];"
        f"[g{index}][b{index}]overlay=x='n*{max(1, w // 100)}':y='H/2':shortest=1,{tail}"
    )


def plan_transitions(plan: Plan) -> tuple[list[Transition], list[int], int]:
    """The transitions a plan makes, each shot's first output frame, and the total frame count."""
    if len(plan.joins) != len(plan.shots) - 1:
        raise ValueError("a plan needs one join fewer than shots")
    transitions, origins, length = [], [0], plan.shots[0]
    for join, shot in zip(plan.joins, plan.shots[1:], strict=True):
        if join.kind == "cut":
            transitions.append(Transition("cut", length, length))
            origins.append(length)
            length += shot
        elif join.kind == "dissolve":
            transitions.append(Transition("dissolve", length - join.frames, length - 1))
            origins.append(length - join.frames - 1)  # xfade starts one frame before the mix
            length += shot - join.frames - 1
        elif join.kind in ("fade_black", "fade_white"):
            out = join.frames // 2
            transitions.append(Transition(join.kind, length - out, length + join.frames - out - 1))
            origins.append(length)
            length += shot
        else:
            raise ValueError(f"unknown join kind {join.kind!r} (choose from {', '.join(KINDS)})")
    _check_room(plan, transitions, origins)
    return transitions, origins, length


def _check_room(plan: Plan, transitions: list[Transition], origins: list[int]) -> None:
    """Every shot keeps MIN_CLEAN frames outside its transitions, and the flash sits among them."""
    for i, shot in enumerate(plan.shots):
        start = transitions[i - 1].last + 1 if i else 0
        end = transitions[i].first - 1 if i < len(transitions) else origins[i] + shot - 1
        if end - start + 1 < MIN_CLEAN:
            raise ValueError(f"shot {i} ({shot} frames) is too short for its transitions")


def flash_frame(plan: Plan) -> int:
    """The flash: the middle of the flash shot's frames that belong to no transition."""
    transitions, origins, _ = plan_transitions(plan)
    i = plan.flash_shot
    if not 0 < i < len(transitions):
        raise ValueError("the flash shot must have a transition on both sides")
    return (transitions[i - 1].last + 1 + transitions[i].first - 1) // 2


def _graph(plan: Plan, fps: int, size: tuple[int, int], grain: int, flat: bool) -> str:
    transitions, origins, _ = plan_transitions(plan)
    flash = flash_frame(plan)
    parts = []
    for i, frames in enumerate(plan.shots):
        chain = _shot(i, frames, fps, size, flat)
        if i == plan.flash_shot:
            local = flash - origins[i]
            chain += f",drawbox=x=0:y=0:w=iw:h=ih:color=white@0.85:t=fill:enable='eq(n,{local})'"
        parts.append(f"{chain}[s{i}]")
    run, length = "s0", plan.shots[0]
    step = f"settb=1/{fps},setpts=N"
    for i, (join, shot) in enumerate(zip(plan.joins, plan.shots[1:], strict=True), start=1):
        a, b, out = run, f"s{i}", f"j{i}"
        if join.kind == "cut":
            parts.append(f"[{a}][{b}]concat=n=2:v=1:a=0,{step}[{out}]")
            length += shot
        elif join.kind == "dissolve":
            offset = (length - join.frames - 1) / fps
            duration = (join.frames + 1) / fps
            parts.append(f"[{a}][{b}]xfade=transition=fade:duration={duration:.6f}:offset={offset:.6f},{step}[{out}]")
            length += shot - join.frames - 1
        else:
            colour = "black" if join.kind == "fade_black" else "white"
            fade_out, fade_in = join.frames // 2, join.frames - join.frames // 2
            parts.append(
                f"[{a}]fade=t=out:start_frame={length - fade_out - 1}:nb_frames={fade_out}:color={colour}[o{i}]"
            )
            parts.append(f"[{b}]fade=t=in:start_frame=0:nb_frames={fade_in}:color={colour}[i{i}]")
            parts.append(f"[o{i}][i{i}]concat=n=2:v=1:a=0,{step}[{out}]")
            length += shot
        run = out
    grain_filter = f"noise=alls={grain}:allf=t:all_seed=7," if grain else ""
    parts.append(f"[{run}]{grain_filter}format=yuv420p[v]")
    return ";".join(parts)


def make_transition_video(
    path: Path,
    plan: Plan = TEST_PLAN,
    *,
    fps: int = 25,
    size: tuple[int, int] = (256, 144),
    grain: int = 8,
    flat: bool = False,
) -> Footage:
    """Encode `plan` to `path` (H.264, yuv420p, no audio) and return it with its ground truth.
    `grain`: the noise filter's strength (0: none); `flat`: still grey shots (see _shot)."""
    _, _, total = plan_transitions(plan)
    ffmpeg.run(
        [
            "-filter_complex",
            _graph(plan, fps, size, grain, flat),
            "-map",
            "[v]",
            "-frames:v",
            str(total),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-g",
            "50",
            "-bf",
            "2",
            "-threads",
            "2",
            ffmpeg.file_arg(path),
        ]
    )
    return describe(path, plan, fps=fps, size=size)


def describe(path: Path, plan: Plan, *, fps: int = 25, size: tuple[int, int] = (256, 144)) -> Footage:
    """The ground truth of `plan` made into `path` (by make_transition_video, earlier: a cached file)."""
    transitions, origins, total = plan_transitions(plan)
    return Footage(
        path=path,
        fps=fps,
        size=size,
        frames=total,
        transitions=transitions,
        flash=flash_frame(plan),
        shot_kinds=[SHOT_KINDS[i % len(SHOT_KINDS)] for i in range(len(plan.shots))],
        shot_starts=origins,
    )

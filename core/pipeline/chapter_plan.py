"""The master copy's chapters: one per detected scene, titled by the scene's title or "Scene N", unless
the master has chapters of its own. Then the copy keeps those (an author's chapters are not replaced)
and the scenes' chapters go into a WebVTT sidecar beside the copy, `<copy name>.chapters.vtt`: the
format of HTML's <track kind="chapters"> and of players' chapter files, readable as text.

A windowed detection (`--start`) has scenes only within the window: each scene's chapter starts at its
first frame, and the part of the copy before the window is one chapter of its own (BEFORE_WINDOW), for
MP4 keeps chapters as a text track starting at zero, where a first scene chapter would read as
starting at the copy's start.

Times are on the copy's timeline: a stream copy starts at the master's container start, so a frame at
master time t is at t - start_time in the copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from core.media.chapter_files import ChapterSpan

if TYPE_CHECKING:  # plan.py imports this module
    from core.pipeline.plan import PlanInput

SIDECAR_SUFFIX = ".chapters.vtt"
BEFORE_WINDOW = "Before the detected window"


def sidecar_path(master_copy: Path) -> Path:
    return master_copy.with_name(master_copy.stem + SIDECAR_SUFFIX)


def scene_chapters(p: PlanInput, end_seconds: Callable[[list[float], int, float], float]) -> list[ChapterSpan]:
    """One chapter per detected scene, frame-exact on the copy's timeline (`end_seconds`: when the frame
    after a scene's last starts, plan._end_seconds)."""
    times, offset = p.frame_times, p.media.start_time
    if not times:
        return []
    chapters: list[ChapterSpan] = []
    for scene in p.scenes:
        if not 0 <= scene.start_frame <= scene.end_frame < len(times):
            continue  # a record that does not fit this master's frames (a repair's source): no chapter
        # the first from the copy's start: a chapter list covers the whole copy (MP4's chapter track
        # starts at zero whatever the first chapter says; the first frame may come later, after audio)
        start = times[scene.start_frame] - offset if chapters or scene.start_frame > 0 else 0.0
        if not chapters and scene.start_frame > 0:  # a window's first scene: the copy's start before it
            chapters.append((0.0, round(max(0.0, start), 6), BEFORE_WINDOW))
        end = end_seconds(times, scene.end_frame, p.media.duration or 0.0) - offset
        title = p.titles.get(scene.index) or f"Scene {scene.index}"
        chapters.append((round(max(0.0, start), 6), round(max(0.0, end), 6), title))
    return chapters


def own_chapter_starts(p: PlanInput) -> tuple[float, ...]:
    """Where the master's own chapters start in the copy (p.own_chapters: on the frames' timeline)."""
    origin = (p.frame_times[0] if p.frame_times else p.media.start_time) - p.media.start_time
    return tuple(round(max(0.0, c.start + origin), 6) for c in p.own_chapters)

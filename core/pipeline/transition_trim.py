"""The frames of a scene (or a run of scenes) that lie outside its gradual transitions.

A scene starts at its incoming transition's boundary (a dissolve's middle, a fade's darkest or
brightest frame), so the second half of that transition lies at its start and the first half of the
next scene's at its end. A cut's single frame is the new shot's first frame: it is part of the shot
and never left out. Only gradual kinds (dissolves, fades, `other`) have frames to leave out.
"""

from __future__ import annotations

from typing import TypeGuard

from core.detection.transition import Transition
from core.scene import Scene

UNTRIMMED_NOTE = "kept whole: no frames outside its transitions"


def gradual(t: Transition | None) -> TypeGuard[Transition]:
    return t is not None and t.kind != "cut"


def clean_range(first_scene: Scene, last_scene: Scene, next_scene: Scene | None) -> tuple[int, int] | None:
    """first_scene.start_frame..last_scene.end_frame without the incoming transition's frames and the
    next scene's (`next_scene`: the scene after last_scene, None at the end); None when nothing is left.
    Transitions between first_scene and last_scene (a group's) are kept."""
    start, end = first_scene.start_frame, last_scene.end_frame
    incoming = first_scene.transition_in
    outgoing = next_scene.transition_in if next_scene is not None else None
    if gradual(incoming):
        start = max(start, incoming.last + 1)
    if gradual(outgoing):
        end = min(end, outgoing.first - 1)
    return (start, end) if start <= end else None


def inside_transition(frame: int, scene: Scene, next_scene: Scene | None) -> bool:
    """Whether `frame` lies in the scene's incoming gradual span or the next scene's."""
    spans = [t for t in (scene.transition_in, next_scene.transition_in if next_scene else None) if gradual(t)]
    return any(t.first <= frame <= t.last for t in spans)


def still_frame(scene: Scene, next_scene: Scene | None, midpoint: bool) -> int:
    """The frame a scene's stills are taken from: its midpoint (or first frame), unless that lies inside
    a transition; then the middle (or first frame) of its clean part, or the old frame if it has none."""
    frame = scene.midpoint_frame if midpoint else scene.start_frame
    if not inside_transition(frame, scene, next_scene):
        return frame
    clean = clean_range(scene, scene, next_scene)
    if clean is None:
        return frame
    return (clean[0] + clean[1]) // 2 if midpoint else clean[0]


def picture_frames(scenes: list[Scene]) -> list[int]:
    """Each scene's midpoint still frame (still_frame), in order: the picture the picker shows for it."""
    return [still_frame(s, scenes[i + 1] if i + 1 < len(scenes) else None, True) for i, s in enumerate(scenes)]

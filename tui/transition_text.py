"""How the TUI names transitions: a short label for a scene list row, a name for the scene panel, a
count of kinds for the detection summary. No Textual here.

A scene stored before transitions were kept (no transition_in) began with a cut, as every detector
then reported: `incoming` gives it one, so old sessions show as they always did, as cuts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.detection.transition import KINDS, Transition
from core.scene import Scene

# 3 letters each, so that the list's column stays narrow at 80 columns; the panel spells them out
SHORT = {"cut": "cut", "dissolve": "dis", "fade_black": "blk", "fade_white": "wht", "other": "oth"}
NAMES = {
    "cut": ("cut", "cuts"),
    "dissolve": ("dissolve", "dissolves"),
    "fade_black": ("fade through black", "fades through black"),
    "fade_white": ("fade through white", "fades through white"),
    "other": ("other transition", "other transitions"),
}


def incoming(scene: Scene) -> Transition | None:
    """The transition that starts `scene`: None for the first scene; a cut where none was stored."""
    if scene.transition_in is not None:
        return scene.transition_in
    return Transition.cut(scene.start_frame) if scene.index > 1 else None


def short_label(t: Transition | None) -> str:
    """'cut', or a gradual transition's kind and frames: 'dis 25', 'blk 16'; '' for none."""
    if t is None:
        return ""
    short = SHORT.get(t.kind, t.kind[:3])
    return short if t.kind == "cut" else f"{short}{t.frame_count:>3}"


def name(kind: str, count: int = 1) -> str:
    singular, plural = NAMES.get(kind, (kind.replace("_", " "), kind.replace("_", " ") + "s"))
    return singular if count == 1 else plural


def kinds_summary(kinds: Iterable[str]) -> str:
    """'9 cuts, 3 dissolves, 1 fade through black': the kinds in KINDS order, those found only."""
    counts = Counter(kinds)
    order = [k for k in KINDS if k in counts] + sorted(k for k in counts if k not in KINDS)
    return ", ".join(f"{counts[k]} {name(k, counts[k])}" for k in order)


def record_kinds(records: Iterable[dict]) -> list[str]:
    """The kind of each stored scene's incoming transition (processing_state.scenes_data): a record
    with none after the first is a cut, as `incoming` has it."""
    kinds = []
    for position, record in enumerate(records):
        t = record.get("transition_in")
        if isinstance(t, dict) and isinstance(t.get("kind"), str):
            kinds.append(t["kind"])
        elif position > 0:
            kinds.append("cut")
    return kinds

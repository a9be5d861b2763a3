"""A session's markers (db.models.Marker): the master's own chapters and the detected scenes, written
together with the scenes (one transaction), read by the plan (the master copy's chapters) and the picker.

Times are seconds from the master's first frame, as the scenes' are; frames are the master's.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from db.models import (
    FROM_DETECTION,
    FROM_FILE,
    MARKER_CHAPTER,
    MARKER_SCENE,
    Marker,
    ProcessingState,
)

# a chapter that starts this close before a frame starts on that frame (containers round chapter times to
# the millisecond or coarser)
FRAME_SLACK_S = 0.0005


@dataclass(frozen=True)
class Chapter:
    """One chapter of the master, on the scenes' timeline."""

    start: float  # seconds from the first frame
    end: float
    title: str
    start_frame: int | None = None


def chapters_on_frames(chapters: Sequence[tuple[float, float, str]], frame_times: Sequence[float]) -> list[Chapter]:
    """The master's chapters (probe: container seconds) on the timeline of its frames: seconds from the
    first frame, and the first frame that starts at or after each chapter's start."""
    if not frame_times:
        return []
    origin = frame_times[0]
    found = []
    for start, end, title in chapters:
        frame = min(bisect_left(frame_times, start - FRAME_SLACK_S), len(frame_times) - 1)
        found.append(Chapter(round(max(0.0, start - origin), 6), round(max(0.0, end - origin), 6), title, frame))
    return found


def replace_detected(session: ProcessingState, records: list[dict], chapters: Sequence[Chapter]) -> None:
    """The session's scene and file-chapter markers become these (the user's are kept). The caller holds
    the transaction that also stores the scenes: a redetect never leaves the old markers beside the new
    scenes, nor half of either."""
    Marker.delete().where(
        (Marker.session == session.session_id) & Marker.source.in_((FROM_DETECTION, FROM_FILE))
    ).execute()
    rows = [
        {
            "session": session.session_id,
            "master_path": session.master_path,
            "kind": MARKER_CHAPTER,
            "source": FROM_FILE,
            "start_time": c.start,
            "end_time": c.end,
            "start_frame": c.start_frame,
            "end_frame": None,
            "label": c.title or None,
            "confidence": None,
        }
        for c in chapters
    ]
    for r in records:
        score = (r.get("transition_in") or {}).get("score")  # kept with the scene where the detector gave one
        rows.append(
            {
                "session": session.session_id,
                "master_path": session.master_path,
                "kind": MARKER_SCENE,
                "source": FROM_DETECTION,
                "start_time": r["start"],
                "end_time": r["end"],
                "start_frame": r["start_frame"],
                "end_frame": r["end_frame"],
                "label": None,  # a scene's title is its record's (scene_titles): an edit would leave a copy stale
                "confidence": float(score) if isinstance(score, (int, float)) else None,
            }
        )
    # every row with the same keys: insert_many takes its columns from the first row
    for start in range(0, len(rows), 50):  # within SQLite's limit on bound variables
        Marker.insert_many(rows[start : start + 50]).execute()


def file_chapters(session_id: str) -> list[Chapter]:
    """The master's own chapters, as read when its scenes were detected, in time order."""
    query = (
        Marker.select()
        .where((Marker.session == session_id) & (Marker.kind == MARKER_CHAPTER) & (Marker.source == FROM_FILE))
        .order_by(Marker.start_time, Marker.id)
    )
    return [Chapter(m.start_time, m.end_time or m.start_time, m.label or "", m.start_frame) for m in query]


def chapters_starting_in(chapters: Sequence[Chapter], start_frame: int, end_frame: int) -> list[Chapter]:
    """The chapters whose first frame lies in start_frame..end_frame."""
    return [c for c in chapters if c.start_frame is not None and start_frame <= c.start_frame <= end_frame]


def chapter_at(chapters: Sequence[Chapter], frame: int) -> Chapter | None:
    """The chapter `frame` lies in: the last one starting at or before it."""
    current = None
    for c in chapters:
        if c.start_frame is not None and c.start_frame <= frame:
            current = c
    return current

"""A scene list read from a file instead of detected (`vat run --scenes-from FILE`): vat's own
`vat detect --format json`, PySceneDetect's `list-scenes` CSV, or an EDL / OTIO timeline.

Every format comes down to scenes as 0-based, inclusive frame ranges of the master, then checked
against it: overlaps and frames beyond the master are refused. Gaps between the listed scenes
become scenes of their own: an EDL of a hand-picked selection (vat's own export of a picked
session, an editor's cut) lists only the picked shots, and refusing it would refuse the most common
file; filled in, the scenes tile the master as a detection's do (the plan, the picker and the
stills rely on that), and a re-imported export of a picked session gives back its very scenes.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.detection.transitions import Transition
from core.errors import BadInput

if TYPE_CHECKING:
    from core.scenes import Detection

JSON_SUFFIXES = (".json",)
CSV_SUFFIXES = (".csv",)
TIMELINE_ADAPTERS = {".edl": "cmx_3600", ".otio": "otio_json"}
SUFFIXES = JSON_SUFFIXES + CSV_SUFFIXES + tuple(TIMELINE_ADAPTERS)


@dataclass(frozen=True)
class Listed:
    """One scene as the file gives it: 0-based frames, `last` included; its incoming transition."""

    first: int
    last: int
    transition: Transition | None = None


@dataclass(frozen=True)
class MasterFrames:
    """What the file is checked against: the master's frame count, and for EDL/OTIO its timecode."""

    count: int
    fps: float
    timecode: str | None = None


def detector_name(path: Path) -> str:
    """How the session records where its scenes came from (process_metadata["detector"])."""
    return f"file:{path.name}"


def read_listed(path: Path, master: MasterFrames) -> list[Listed]:
    """The file's scenes, in frame order, each checked against the master; BadInput (exit 2) names
    the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"{path}: not a scene list (expected {', '.join(SUFFIXES)})")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a text file") from None
    if suffix in JSON_SUFFIXES:
        listed = _from_json(path, text, master)
    elif suffix in CSV_SUFFIXES:
        listed = _from_csv(path, text)
    else:
        listed = _from_timeline(path, text, master, TIMELINE_ADAPTERS[suffix])
    return _checked(path, listed, master)


def tiled(listed: list[Listed], frame_count: int) -> list[Transition]:
    """The boundaries of scenes that tile the master: each listed scene's start (with its
    transition) and each gap's start (a cut), frame 0 excluded."""
    boundaries: list[Transition] = []
    at = 0
    for scene in listed:
        if scene.first > at:  # a gap: its own scene
            if at > 0:
                boundaries.append(Transition.cut(at))
        if scene.first > 0:
            boundaries.append(scene.transition or Transition.cut(scene.first))
        at = scene.last + 1
    if 0 < at < frame_count:
        boundaries.append(Transition.cut(at))
    return boundaries


def _checked(path: Path, listed: list[Listed], master: MasterFrames) -> list[Listed]:
    if not listed:
        raise BadInput(f"{path}: lists no scene")
    ordered = sorted(listed, key=lambda s: (s.first, s.last))
    for scene in ordered:
        if scene.first < 0 or scene.last < scene.first:
            raise BadInput(f"{path}: a scene from frame {scene.first} to {scene.last} is no range of frames")
        if scene.last >= master.count:
            raise BadInput(
                f"{path}: a scene ends at frame {scene.last}, beyond the master's last frame ({master.count - 1})"
            )
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.first <= before.last:
            raise BadInput(
                f"{path}: scenes overlap (frames {before.first}-{before.last} and {after.first}-{after.last})"
            )
    return ordered


def _from_json(path: Path, text: str, master: MasterFrames) -> list[Listed]:
    """`vat detect --format json`: {"frames", "scenes": [{"start_frame", "end_frame", "transition_in"}]}."""
    try:
        document = json.loads(text)
        frames = document.get("frames")
        records = document["scenes"]
        # a window's list (--start/--end) counts the window's frames: the rest of the master is a gap
        if frames is not None and "window" not in document and int(frames) != master.count:
            raise BadInput(f"{path}: made for a master of {int(frames)} frames; this one has {master.count}")
        listed = []
        for record in records:
            first, last = int(record["start_frame"]), int(record["end_frame"])
            listed.append(Listed(first, last, _transition(path, record.get("transition_in"), first, master.count)))
        return listed
    except BadInput:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInput(f"{path}: not a scene list of `vat detect --format json` ({_why(exc)})") from None


def _transition(path: Path, record: object, boundary: int, count: int) -> Transition | None:
    if record is None:
        return None
    if not isinstance(record, dict):
        raise TypeError("transition_in is not an object")
    first, last = int(record["first_frame"]), int(record["last_frame"])
    if not 0 <= first <= boundary <= last < count:
        raise BadInput(
            f"{path}: the transition into frame {boundary} spans {first}-{last}: not across it, or beyond the master"
        )
    score = record.get("score")  # the detector's, kept as the detection kept it
    return Transition(str(record["kind"]), first, last, boundary, None if score is None else float(score))


def _from_csv(path: Path, text: str) -> list[Listed]:
    """PySceneDetect's `list-scenes` CSV, with or without its first row (the "Timecode List:").
    Its Start Frame and End Frame count from 1 and both are in the scene: frames first-1..end-1."""
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if rows and rows[0] and rows[0][0].strip().lower().startswith("timecode list"):
        rows = rows[1:]
    if not rows:
        raise BadInput(f"{path}: an empty CSV")
    header = [cell.strip().lower() for cell in rows[0]]
    try:
        start, end = header.index("start frame"), header.index("end frame")
    except ValueError:
        raise BadInput(f"{path}: not PySceneDetect's list-scenes CSV (no Start Frame and End Frame columns)") from None
    listed = []
    for number, row in enumerate(rows[1:], start=2):
        try:
            listed.append(Listed(int(row[start]) - 1, int(row[end]) - 1))
        except (ValueError, IndexError):
            raise BadInput(f"{path}: row {number}: no whole Start Frame and End Frame") from None
    return listed


def _from_timeline(path: Path, text: str, master: MasterFrames, adapter: str) -> list[Listed]:
    """An EDL or OTIO file through OpenTimelineIO's adapters: the clips of its first video track,
    their source ranges in the master's timecode less its start timecode."""
    import opentimelineio as otio

    from core.editorial.formats import edl_rate
    from core.editorial.timeline import Source
    from core.media.timecode import SourceTimecode

    tc = SourceTimecode.of(master.fps, master.timecode)
    source = Source(path=path, fps=master.fps, frame_count=master.count, timecode=tc)
    rate = edl_rate(source) if adapter == "cmx_3600" else source.rate
    extra = {"rate": rate} if adapter == "cmx_3600" else {}
    try:
        timeline = otio.adapters.read_from_string(text, adapter_name=adapter, **extra)
        tracks = [t for t in timeline.video_tracks()] if isinstance(timeline, otio.schema.Timeline) else []
    except Exception as exc:  # the adapters raise their own and Python's errors alike
        raise BadInput(
            f"{path}: not a readable {'EDL' if adapter == 'cmx_3600' else 'OTIO'} file ({_why(exc)})"
        ) from None
    if not tracks:
        raise BadInput(f"{path}: no video track")
    listed = []
    for clip in tracks[0].find_clips(shallow_search=True):
        start = clip.source_range.start_time
        first = round(start.value_rescaled_to(rate)) - tc.start_frame
        count = round(clip.source_range.duration.value_rescaled_to(rate))
        listed.append(Listed(first, first + count - 1))
    return listed


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


def detection_from_file(path: Path, master: Path) -> Detection:
    """The file's scenes as a detection of `master` (its frame times from one demuxing pass): stored
    and planned like one. BadInput names the file and what is wrong; nothing is written."""
    from core.media.probe import packet_times, probe
    from core.scenes import Detection, scenes_from_transitions

    info = probe(master, require_video=True)
    times, _ = packet_times(master)
    if not times:
        raise BadInput(f"{master}: no video frame")
    fps = info.fps or 25.0
    listed = read_listed(path, MasterFrames(len(times), fps, info.timecode))
    boundaries = tiled(listed, len(times))
    step = times[-1] - times[-2] if len(times) > 1 else 1 / fps
    end = round(times[-1] + step - times[0], 9)
    return Detection(
        fps=fps,
        frames=len(times),
        duration=end,
        start_time=times[0],
        frame_times=times,
        scenes=scenes_from_transitions(boundaries, times, end),
        detector=detector_name(path),
        transitions=boundaries,
    )

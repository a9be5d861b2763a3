"""An OpenTimelineIO timeline of the selection: one clip per event on one video track (and the same
on an audio track where the master has audio), each referencing the master with its source range in
the master's own timecode (its start timecode + the frame index)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio
from opentimelineio import opentime

from core.editorial.events import Event
from core.media.timecode import SourceTimecode, is_ntsc, to_timecode
from core.text import terminal_safe

# Record timecode (the timeline's own) starts at 01:00:00:00: the default start of a sequence in
# Avid, Premiere and Resolve, so an EDL conforms onto a new timeline without an offset, and a
# pre-roll before the first event stays possible.
RECORD_START_HOURS = 1


@dataclass(frozen=True)
class Source:
    """What the files say of the master."""

    path: Path
    fps: float  # the average frame rate
    frame_count: int
    timecode: SourceTimecode
    has_audio: bool = False
    vfr: bool = False

    @property
    def rate(self) -> float:
        """The timeline rate: exactly 24000/1001, 30000/1001... where the master is NTSC (a stored
        29.97 would be off by 1 in 30000 frames), else the average rate as it is."""
        if is_ntsc(self.fps):
            return round(self.fps) * 1000 / 1001
        return self.fps

    def notes(self, rate: float | None = None) -> list[str]:
        """What the file cannot say itself. `rate`: the file's timeline rate, where it is not the
        source's (a VFR average that is no timecode rate: the nearest that is)."""
        tc = self.timecode
        notes = [
            f"Source {printable(self.path.name)}: start timecode {tc.start} "  # a line break would start an EDL line
            f"({tc.rate.nominal} {'drop-frame' if tc.rate.drop else 'non-drop'}); "
            f"record timecode starts at {to_timecode(record_start(tc), tc.rate)}.",
            "Gradual transitions are part of the master's picture: they are markers here, not NLE transitions.",
        ]
        if self.vfr:
            used = rate or self.rate
            what = (
                f"its average rate ({self.fps:.3f} fps)"
                if abs(used - self.rate) < 1e-6
                else f"{used:g} fps, the timecode rate nearest its average rate ({self.fps:.3f} fps)"
            )
            notes.append(
                "The master has a variable frame rate: no exact representation exists in this format. "
                f"The timeline rate is {what} and scenes are mapped by frame index."
            )
        return notes


_NOT_IN_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """A name as every format can hold it: control characters shown as escapes (a line break would
    start a new EDL line; XML 1.0 has no control characters), what XML cannot hold at all as U+FFFD."""
    return _NOT_IN_XML.sub("\ufffd", terminal_safe(text))


def record_start(tc: SourceTimecode) -> int:
    return tc.rate.from_timecode_parts(RECORD_START_HOURS, 0, 0, 0)


def _time(frames: int, rate: float) -> opentime.RationalTime:
    return opentime.RationalTime(frames, rate)


def _range(first: int, count: int, rate: float) -> opentime.TimeRange:
    return opentime.TimeRange(_time(first, rate), _time(count, rate))


def build_timeline(
    name: str, source: Source, events: list[Event], rate: float | None = None, labelled_at: float | None = None
) -> otio.schema.Timeline:
    """`rate`: the rate times are written at (the EDL writes non-drop 29.97 at 30: the same frame
    numbers, labels without drop); default the source's. `labelled_at`: the rate the file's labels
    count at, where the writer works at a stand-in (core/editorial/formats.py), for the notes."""
    rate = rate or source.rate
    tc = source.timecode
    drop = "DF" if tc.rate.drop else "NDF"
    timeline = otio.schema.Timeline(name=printable(name))
    timeline.global_start_time = _time(record_start(tc), rate)
    timeline.metadata["vat"] = {
        "notes": source.notes(labelled_at or rate),
        "start_timecode": tc.start,
        "vfr": source.vfr,
    }
    timeline.metadata["fcp_xml"] = {"timecode": {"displayformat": drop}}
    kinds = [otio.schema.TrackKind.Video] + ([otio.schema.TrackKind.Audio] if source.has_audio else [])
    for number, kind in enumerate(kinds, start=1):
        track = otio.schema.Track(name=f"{kind[0]}{number if kind == 'Audio' else 1}", kind=kind)
        for event in events:
            track.append(_clip(event, source, rate, drop, markers=kind == otio.schema.TrackKind.Video))
        timeline.tracks.append(track)
    return timeline


def _clip(event: Event, source: Source, rate: float, drop: str, markers: bool) -> otio.schema.Clip:
    tc = source.timecode
    reference = otio.schema.ExternalReference(
        target_url=source.path.absolute().as_uri(),
        available_range=_range(tc.frame(0), source.frame_count, rate),
    )
    reference.name = printable(source.path.name)
    reference.metadata["fcp_xml"] = {"timecode": {"displayformat": drop}}
    clip = otio.schema.Clip(
        name=printable(event.name),
        media_reference=reference,
        source_range=_range(tc.frame(event.first_frame), event.frames, rate),
    )
    clip.metadata["vat"] = {
        "scenes": list(event.scenes),
        "first_frame": event.first_frame,
        "last_frame": event.last_frame,
    }
    if markers:
        for mark in event.marks:
            clip.markers.append(
                otio.schema.Marker(
                    name=printable(f"{mark.kind.replace('_', ' ')} (in the master)"),
                    marked_range=_range(tc.frame(mark.first), mark.last - mark.first + 1, rate),
                    color=otio.schema.MarkerColor.YELLOW,
                )
            )
    return clip

"""The four editorial files, written by OpenTimelineIO's adapters from the timeline: CMX 3600 EDL,
.otio, FCPXML (Final Cut Pro X) and FCP 7 XML (which Premiere and Resolve import).

What the adapters leave out is added to their output, nothing more: the EDL's FCM line (drop or
non-drop), its channel (B: picture and sound, where the master has audio) and notes; the XML files'
notes as a comment; FCPXML's drop-frame flag and picture size."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio
from opentimelineio import opentime

from core.editorial.events import Event
from core.editorial.timeline import Source, build_timeline, record_start

FORMATS = ("edl", "otio", "fcpxml", "fcp7")
EXTENSIONS = {"edl": "edl", "otio": "otio", "fcpxml": "fcpxml", "fcp7": "xml"}
ADAPTERS = {"edl": "cmx_3600", "otio": "otio_json", "fcpxml": "otio_fcpx_xml_lite_adapter", "fcp7": "fcp_xml"}
_EVENT_CHANNEL = re.compile(r"^(\d{3}  .{8} )V    ", re.MULTILINE)


@dataclass(frozen=True)
class Size:
    width: int
    height: int


def timecode_rate(rate: float) -> float:
    """`rate`, or where no timecode counts at it (a VFR average) the nearest rate one does."""
    if opentime.RationalTime.is_valid_timecode_rate(rate):
        return rate
    return float(opentime.RationalTime.nearest_valid_timecode_rate(rate))


def edl_rate(source: Source) -> float:
    """The rate an EDL labels frames at. Drop-frame: the NTSC rate (OTIO writes it drop-frame).
    Otherwise the whole-number rate: the same frame numbers, labelled non-drop (a 29.97 master with
    non-drop timecode stays non-drop). A VFR average no timecode has: the nearest one that does."""
    tc = source.timecode
    if tc.rate.drop:
        return source.rate
    return timecode_rate(float(tc.rate.nominal))


def render(fmt: str, name: str, source: Source, events: list[Event], size: Size | None = None) -> str:
    if fmt == "edl":
        return _edl(name, source, events)
    # FCP 7 XML carries timecode strings: its rate must be one timecode counts at
    rate = timecode_rate(source.rate) if fmt == "fcp7" else source.rate
    timeline = build_timeline(name, source, events, rate=rate)
    text = otio.adapters.write_to_string(timeline, adapter_name=ADAPTERS[fmt])
    if fmt == "otio":
        return text
    if fmt == "fcpxml":
        text = _fcpxml_fixes(text, source, size)
    return _xml_notes(text, source.notes(rate))


def _edl(name: str, source: Source, events: list[Event]) -> str:
    rate = edl_rate(source)
    timeline = build_timeline(name, source, events, rate=rate)
    # record timecode from 01:00:00:00: the writer counts from the track's start, so a gap first
    # (gaps are no events in an EDL)
    lead = otio.schema.Gap(
        source_range=opentime.TimeRange(duration=opentime.RationalTime(record_start(source.timecode), rate))
    )
    track = timeline.tracks[0]
    if len(track):  # the notes: comments of the first event (the adapter's reader refuses them earlier)
        track[0].metadata["cmx_3600"] = {"comments": [f"NOTE: {note}" for note in source.notes(rate)]}
    track.insert(0, lead)
    text = otio.adapters.write_to_string(timeline, adapter_name="cmx_3600", rate=rate)
    if source.has_audio:
        text = _EVENT_CHANNEL.sub(r"\1B    ", text)
    fcm = "FCM: DROP FRAME" if source.timecode.rate.drop else "FCM: NON-DROP FRAME"
    head, sep, body = text.partition("\n\n")
    if not sep:  # no title line: the adapter starts with the events
        head, body = "", text
    return f"{head}\n{fcm}\n\n{body}" if head else f"{fcm}\n\n{body}"


def _xml_notes(text: str, notes: list[str]) -> str:
    """The notes as an XML comment after the declaration ('--' cannot appear in a comment)."""
    comment = "<!-- vat: " + " ".join(notes).replace("--", "- -") + " -->\n"
    declaration, sep, rest = text.partition("?>\n")
    return f"{declaration}?>\n{comment}{rest}" if sep else comment + text


def _fcpxml_fixes(text: str, source: Source, size: Size | None) -> str:
    if source.timecode.rate.drop:
        text = text.replace('tcFormat="NDF"', 'tcFormat="DF"')
    if size is not None:  # the adapter assumes 1920x1080
        text = re.sub(
            r'(<format [^>]*)width="\d+" height="\d+"', rf'\1width="{size.width}" height="{size.height}"', text
        )
    return text


def write_atomically(path: Path, text: str) -> None:
    """A temporary file beside it renamed over it, as every output of vat: never a partial file."""
    from core.pipeline.execute import temporary_path  # hidden, removed by remove_stray_temporaries

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

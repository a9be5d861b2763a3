"""The four editorial files, written by OpenTimelineIO's adapters from the timeline: CMX 3600 EDL,
.otio, FCPXML (Final Cut Pro X) and FCP 7 XML (which Premiere and Resolve import).

What the adapters leave out is added to their output, nothing more: the EDL's FCM line (drop or
non-drop), its channel (B: picture and sound, where the master has audio) and notes; the XML files'
notes as a comment; FCPXML's drop-frame flag and picture size."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio
from opentimelineio import opentime

from core.editorial.events import Event
from core.editorial.timeline import Source, build_timeline, record_start
from core.media.timecode import TimecodeRate, is_ntsc, to_timecode

FORMATS = ("edl", "otio", "fcpxml", "fcp7")
EXTENSIONS = {"edl": "edl", "otio": "otio", "fcpxml": "fcpxml", "fcp7": "xml"}
ADAPTERS = {"edl": "cmx_3600", "otio": "otio_json", "fcpxml": "otio_fcpx_xml_lite_adapter", "fcp7": "fcp_xml"}
_EVENT_CHANNEL = re.compile(r"^(\d{3}  .{8} )V    ", re.MULTILINE)


@dataclass(frozen=True)
class Size:
    width: int
    height: int


# OpenTimelineIO labels timecode only at the rates it knows (24, 25, 30, 48, 50, 60 and their NTSC
# rates). At any other (10, 12, 15, 20, 120 fps; the whole rate of a VFR average) the EDL and FCP 7
# XML are written by its adapters at STAND_IN with the same frame numbers, and their labels and rates
# are then replaced by vat's own (core/media/timecode): never labelled at a rate the master is not.
STAND_IN = 60.0


def label_rate(tc: TimecodeRate) -> float:
    """The rate OTIO labels a master's timecode at, derived from the one timecode rate: drop-frame at
    the NTSC rate (OTIO labels 29.97 and 59.94 drop-frame), non-drop at the whole rate (never 29.97:
    a 29.97 master with non-drop timecode has the same frame numbers, labelled without drop)."""
    return tc.nominal * 1000 / 1001 if tc.drop else float(tc.nominal)


def otio_labels(rate: float) -> bool:
    return bool(opentime.RationalTime.is_valid_timecode_rate(rate))


def edl_rate(source: Source) -> float:
    """The rate an EDL labels frames at (an EDL carries labels, no rate)."""
    return label_rate(source.timecode.rate)


def fcp7_rate(source: Source) -> float:
    """FCP 7 XML names a rate by a timebase and an NTSC flag: 29.97 is 30 with the flag whichever its
    labels (its timecode elements say DF or NDF); every other rate is the timecode's whole rate."""
    nominal = source.timecode.rate.nominal
    return nominal * 1000 / 1001 if is_ntsc(source.fps) else float(nominal)


def render(fmt: str, name: str, source: Source, events: list[Event], size: Size | None = None) -> str:
    if fmt == "edl":
        return _edl(name, source, events)
    if fmt == "fcp7":
        return _fcp7(name, source, events)
    timeline = build_timeline(name, source, events)
    text = otio.adapters.write_to_string(timeline, adapter_name=ADAPTERS[fmt])
    if fmt == "otio":
        return text
    return _xml_notes(_fcpxml_fixes(text, source, size), source.notes())


def _fcp7(name: str, source: Source, events: list[Event]) -> str:
    rate = fcp7_rate(source)
    written_at = rate if otio_labels(rate) else STAND_IN
    timeline = build_timeline(name, source, events, rate=written_at, labelled_at=rate)
    text = otio.adapters.write_to_string(timeline, adapter_name=ADAPTERS["fcp7"])
    if written_at != rate:
        text = _fcp7_own_labels(text, source.timecode.rate, ntsc=is_ntsc(source.fps))
    return _xml_notes(text, source.notes(rate))


_FCP7_STAND_IN_RATE = re.compile(rf"<timebase>{int(STAND_IN)}</timebase>(\s*)<ntsc>FALSE</ntsc>")
_FCP7_LABEL = re.compile(r"<string>[^<]*</string>(\s*)<frame>(\d+)</frame>")


def _fcp7_own_labels(text: str, tc: TimecodeRate, ntsc: bool) -> str:
    """The stand-in's rates and labels as the master's: every <timecode> carries its frame number."""
    flag = "TRUE" if ntsc else "FALSE"
    text = _FCP7_STAND_IN_RATE.sub(rf"<timebase>{tc.nominal}</timebase>\1<ntsc>{flag}</ntsc>", text)
    return _FCP7_LABEL.sub(
        lambda m: f"<string>{to_timecode(int(m.group(2)), tc)}</string>{m.group(1)}<frame>{m.group(2)}</frame>", text
    )


def _edl(name: str, source: Source, events: list[Event]) -> str:
    rate = edl_rate(source)
    written_at = rate if otio_labels(rate) else STAND_IN
    timeline = build_timeline(name, source, events, rate=written_at, labelled_at=rate)
    # record timecode from 01:00:00:00: the writer counts from the track's start, so a gap first
    # (gaps are no events in an EDL)
    lead = otio.schema.Gap(
        source_range=opentime.TimeRange(duration=opentime.RationalTime(record_start(source.timecode), written_at))
    )
    reel = reel_name(source.path)
    for track in timeline.tracks:
        for clip in track:  # the adapter's own reel is the file name cut to 8 characters, spaces and all
            clip.metadata.setdefault("cmx_3600", {})["reel"] = reel
    track = timeline.tracks[0]
    if len(track):  # the notes: comments of the first event (the adapter's reader refuses them earlier)
        track[0].metadata["cmx_3600"]["comments"] = [f"NOTE: {note}" for note in source.notes(rate)]
    track.insert(0, lead)
    text = otio.adapters.write_to_string(timeline, adapter_name="cmx_3600", rate=written_at)
    if written_at != rate:
        text = _edl_own_labels(text, source, events)
    if source.has_audio:
        text = _EVENT_CHANNEL.sub(r"\1B    ", text)
    fcm = "FCM: DROP FRAME" if source.timecode.rate.drop else "FCM: NON-DROP FRAME"
    head, sep, body = text.partition("\n\n")
    if not sep:  # no title line: the adapter starts with the events
        head, body = "", text
    return f"{head}\n{fcm}\n\n{body}" if head else f"{fcm}\n\n{body}"


_EDL_TIMES = re.compile(r"^(\d{3}\s.*\sC\s+)\S+ \S+ \S+ \S+$")
_EDL_LOC = re.compile(r"^(\* LOC: )\S+")


def _edl_own_labels(text: str, source: Source, events: list[Event]) -> str:
    """The stand-in's labels replaced, in the order the writer puts them, by the master's: each event's
    source in/out and record in/out, each marker's start."""
    tc = source.timecode
    times, record = [], record_start(tc)
    for event in events:
        first = tc.frame(event.first_frame)
        times.append((first, first + event.frames, record, record + event.frames))
        record += event.frames
    marks = [tc.frame(mark.first) for event in events for mark in event.marks]
    cuts, locs = iter(times), iter(marks)
    lines = []
    for line in text.split("\n"):
        if match := _EDL_TIMES.match(line):
            line = match.group(1) + " ".join(to_timecode(frame, tc.rate) for frame in next(cuts))
        elif match := _EDL_LOC.match(line):
            line = match.group(1) + to_timecode(next(locs), tc.rate) + line[match.end() :]
        lines.append(line)
    return "\n".join(lines)


_REEL_UNFIT = re.compile(r"[^A-Z0-9_]+")


def reel_name(path: Path) -> str:
    """The master as an EDL reel: [A-Z0-9_], 1 to 8 characters (readers split event lines on
    whitespace, so a space or a blank reel shifts every field after it); AX, the CMX name of an
    auxiliary source, where nothing of the name is left."""
    ascii_name = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    reel = _REEL_UNFIT.sub("_", ascii_name.upper()).strip("_")[:8].rstrip("_")
    return reel or "AX"


def _xml_notes(text: str, notes: list[str]) -> str:
    """The notes as an XML comment after the declaration ('--' cannot appear in a comment)."""
    comment = "<!-- vat: " + " ".join(notes).replace("--", "- -") + " -->\n"
    declaration, sep, rest = text.partition("?>\n")
    return f"{declaration}?>\n{comment}{rest}" if sep else comment + text


def _fcpxml_fixes(text: str, source: Source, size: Size | None) -> str:
    if source.has_audio:  # the adapter says the asset has none while the timeline has its audio lanes
        text = re.sub(r'(<asset [^>]*)hasAudio="0"', r'\1hasAudio="1"', text)
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

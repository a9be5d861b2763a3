"""Editorial exports of a session's selection (vat export): each format read back with OpenTimelineIO's
adapters and with a plain parser (the EDL's event lines, the XML tree), every event's source in/out
compared frame by frame with the session's scenes, at 23.976, 25, 29.97 DF and 59.94 DF masters with
a start timecode; a group is one event; a VFR master says so in each file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from core.detection.detectors import DEFAULT_DETECTOR
from core.editorial.export import default_path, source_of
from core.editorial.formats import ADAPTERS, FORMATS, edl_rate
from core.media.timecode import SourceTimecode, TimecodeRate, to_frames, to_timecode
from core.pipeline import session as sessions
from core.pipeline.session_scenes import scenes_of, select
from db.models import ProcessingState
from tests.editorial_media import RATES, make_timecode_master
from tests.helpers import vat
from tests.media import make_vfr_video

EVENT_LINE = re.compile(
    r"^(?P<num>\d{3})\s+(?P<reel>\S+)\s+(?P<channel>V|A|B|AA/V)\s+C\s+"
    r"(?P<src_in>\d\d:\d\d:\d\d[:;]\d\d) (?P<src_out>\S+) (?P<rec_in>\S+) (?P<rec_out>\S+)$"
)


def _session(master: Path, out: Path, groups: list[str], detector: str = "content") -> ProcessingState:
    options = sessions.SessionOptions(master=master, artwork="Night Piece", out=out)
    row = sessions.create_session(sessions.check_options(options))
    sessions.detect(row, *sessions.detection_parameters(detector, None, 10))
    select(row, None, groups)
    return ProcessingState.get_by_id(row.id)


def _expected(row: ProcessingState) -> list[tuple[str, int, int]]:
    """(name, first frame, frames) per event: scene 2-3 grouped, the others alone, in order."""
    scenes = {s.index: s for s in scenes_of(row)}
    return [
        ("Scene 1", scenes[1].start_frame, scenes[1].frame_count),
        ("Scenes 2-3", scenes[2].start_frame, scenes[3].end_frame - scenes[2].start_frame + 1),
        ("Scene 4", scenes[4].start_frame, scenes[4].frame_count),
    ]


def _read_otio(fmt: str, path: Path, rate: float) -> otio.schema.Timeline:
    extra = {"rate": rate} if fmt == "edl" else {}
    return otio.adapters.read_from_file(str(path), adapter_name=ADAPTERS[fmt], **extra)


def _clips(track: otio.schema.Track) -> list[otio.schema.Clip]:
    return [c for c in track if isinstance(c, otio.schema.Clip)]


@pytest.fixture
def db_open(db: object) -> None:
    return None


@pytest.mark.parametrize(("name", "rate", "timecode"), RATES, ids=[r[0] for r in RATES])
def test_every_format_carries_the_exact_source_ranges(
    tmp_path: Path, db_open: None, name: str, rate: str, timecode: str
) -> None:
    master = make_timecode_master(tmp_path / f"master_{name}.mov", rate, timecode)
    row = _session(master, tmp_path / "out", ["2-3"])
    assert len(row.scenes_data) == 4  # the four hard cuts: otherwise the comparison proves little
    expected = _expected(row)
    done = vat("export", row.session_id, check=True)
    paths = [default_path(row, fmt) for fmt in FORMATS]
    assert done.stdout.split() == [str(p) for p in paths]
    assert all(p.parent == Path(row.output_path) / "editorial" for p in paths)
    source, _ = source_of(row)
    tc = source.timecode
    assert tc.start == timecode and tc.rate.drop == (";" in timecode)

    # OpenTimelineIO's own readers: the source range of each clip, in the master's timecode frames
    for fmt, path in zip(FORMATS, paths, strict=True):
        timeline = _read_otio(fmt, path, edl_rate(source) if fmt == "edl" else source.rate)
        video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
        audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
        assert len(video) == 1 and len(audio) == 1, fmt  # the master has sound
        for track in (video[0], audio[0]):
            clips = _clips(track)
            assert [c.name for c in clips] == [e[0] for e in expected], fmt
            if fmt == "fcpxml" and rate != "25":
                continue  # see test_fcpxml_reader_limits: the plain parser below checks these
            got = [(round(c.source_range.start_time.value), round(c.source_range.duration.value)) for c in clips]
            assert got == [(tc.frame(first), count) for _, first, count in expected], fmt

    # plain parsers
    _check_edl(paths[0].read_text(), expected, tc)
    _check_fcp7(paths[3], expected, tc)
    _check_fcpxml(paths[2], expected, tc, rate)


def _check_edl(text: str, expected: list[tuple[str, int, int]], tc: SourceTimecode, channel: str = "B") -> None:
    assert ("FCM: DROP FRAME" if tc.rate.drop else "FCM: NON-DROP FRAME") in text.splitlines()
    events = [m for m in map(EVENT_LINE.match, text.splitlines()) if m]
    assert len(events) == len(expected)
    record = to_frames("01:00:00" + (";" if tc.rate.drop else ":") + "00", tc.rate)
    for event, (_, first, count) in zip(events, expected, strict=True):
        assert event["channel"] == channel  # B: picture and sound
        assert to_frames(event["src_in"], tc.rate) == tc.frame(first)
        assert to_frames(event["src_out"], tc.rate) == tc.frame(first) + count  # out is exclusive
        assert event["src_in"] == tc.label(first)
        assert to_frames(event["rec_in"], tc.rate) == record  # one after the other from 01:00:00:00
        record += count
        assert (";" in event["src_in"]) == tc.rate.drop


def _check_fcp7(path: Path, expected: list[tuple[str, int, int]], tc: SourceTimecode, audio: bool = True) -> None:
    root = ET.parse(path).getroot()
    items = root.findall(".//sequence/media/video/track/clipitem")
    assert [i.findtext("name") for i in items] == [e[0] for e in expected]
    for item, (_, first, count) in zip(items, expected, strict=True):
        # <in>/<out>: frames from the file's start, whose timecode the <file> carries
        assert int(item.findtext("in") or -1) == first
        assert int(item.findtext("out") or -1) == first + count
    file_tc = root.find(".//file/timecode")
    assert file_tc is not None and file_tc.findtext("string") == tc.start
    assert file_tc.findtext("displayformat") == ("DF" if tc.rate.drop else "NDF")
    assert len(root.findall(".//sequence/media/audio/track/clipitem")) == (len(expected) if audio else 0)


def _seconds(value: str | None) -> Fraction:
    return Fraction((value or "0s").rstrip("s"))


def _check_fcpxml(path: Path, expected: list[tuple[str, int, int]], tc: SourceTimecode, rate: str) -> None:
    root = ET.parse(path).getroot()
    frame = _seconds(root.find("./resources/format").get("frameDuration"))  # type: ignore[union-attr]
    assert frame == 1 / Fraction(rate)
    clips = [c for c in root.iter("asset-clip") if int(c.get("lane", "0")) >= 0]
    assert [c.get("name") for c in clips] == [e[0] for e in expected]
    for clip, (_, first, count) in zip(clips, expected, strict=True):
        # rational seconds on the frame grid: start / frameDuration is the master's timecode frame
        assert _seconds(clip.get("start")) / frame == tc.frame(first)
        assert _seconds(clip.get("duration")) / frame == count
    sequence = root.find(".//sequence")
    assert sequence is not None and sequence.get("tcFormat") == ("DF" if tc.rate.drop else "NDF")
    audio_lanes = [c for c in root.iter("asset-clip") if int(c.get("lane", "0")) < 0]
    assert audio_lanes and root.find("./resources/asset").get("hasAudio") == "1"  # type: ignore[union-attr]


def test_fcpxml_reader_limits(tmp_path: Path, db_open: None) -> None:
    """No OpenTimelineIO adapter reads FCPXML exactly at NTSC rates, so the exact-range check above
    reads only 25 through the adapter and the plain parser checks the file at every rate. The lite
    adapter's reader (otio-fcpx-xml-lite-adapter 0.2.3, utils._to_rational_time) divides the file's
    exact rational seconds by 1/int(rate): 29.97 counts frames of 1/29 s (23.976 of 1/23 s), still
    labelled 29.97, then rounds, so distinct frames can even fall on one value. The full adapter
    (otio-fcpx-xml-adapter 1.0) truncates the rate itself (29.97 -> 29) and the frames with it. This
    pins the lite reader's arithmetic: once it fails, the adapter counts right and the skip can go."""
    master = make_timecode_master(tmp_path / "m.mov", "30000/1001", "00:00:59;28", [20, 24])
    row = _session(master, tmp_path / "out", [])
    path = tmp_path / "x.fcpxml"
    vat("export", row.session_id, "-o", path, check=True)
    tc = source_of(row)[0].timecode
    scenes = scenes_of(row)
    _check_fcpxml(path, [(f"Scene {s.index}", s.start_frame, s.frame_count) for s in scenes], tc, "30000/1001")
    exact = [tc.frame(s.start_frame) for s in scenes]
    clips = _clips(_read_otio("fcpxml", path, 0).tracks[0])
    assert [c.name for c in clips] == ["Scene 1", "Scene 2"]
    assert all(c.source_range.start_time.rate == pytest.approx(30000 / 1001) for c in clips)
    got = [c.source_range.start_time.value for c in clips]
    # the file holds frame * 1001/30000 s exactly (above); the reader counts that in 1/29 s
    assert got == [round(frame * Fraction(1001, 30000) * 29) for frame in exact]
    assert got != exact


def test_a_vfr_master_is_mapped_by_frame_index_and_says_so(tmp_path: Path, db_open: None) -> None:
    master = make_vfr_video(tmp_path / "vfr.mp4", [30, 30], slow=(10, 20))
    row = _session(master, tmp_path / "out", [])
    source, _ = source_of(row)
    assert source.vfr
    done = vat("export", row.session_id, check=True)
    scenes = scenes_of(row)
    for fmt, line in zip(FORMATS, done.stdout.split(), strict=True):
        text = Path(line).read_text()
        assert "variable frame rate" in text and "mapped by frame index" in text, fmt
    timeline = otio.adapters.read_from_file(str(default_path(row, "otio")))
    assert timeline.tracks[0][0].source_range.start_time.rate == pytest.approx(source.fps)
    got = [(c.source_range.start_time.value, c.source_range.duration.value) for c in _clips(timeline.tracks[0])]
    assert got == [(s.start_frame, s.frame_count) for s in scenes]


def test_gradual_transitions_are_markers_not_transitions(tmp_path: Path, db_open: None, transition_footage) -> None:  # type: ignore[no-untyped-def]
    row = _session(transition_footage.path, tmp_path / "out", [], detector=DEFAULT_DETECTOR)
    path = tmp_path / "t.otio"
    vat("export", row.session_id, "-o", path, check=True)
    timeline = otio.adapters.read_from_file(str(path))
    gradual = [s for s in scenes_of(row) if s.transition_in is not None and s.transition_in.kind != "cut"]
    assert gradual, "the footage has dissolves and fades"
    assert not any(isinstance(item, otio.schema.Transition) for item in timeline.tracks[0])
    clips = _clips(timeline.tracks[0])
    tc = source_of(row)[0].timecode
    # each gradual transition is marked in the event it ends (its second half) and, where it begins
    # before its scene (a dissolve's first half), in the event before: every marked frame inside its clip
    expected = sum(1 + (t.first < t.boundary) for t in (s.transition_in for s in gradual) if t is not None)
    assert sum(len(c.markers) for c in clips) == expected
    for clip in clips:
        for marker in clip.markers:
            assert clip.source_range.start_time.value <= marker.marked_range.start_time.value
            assert marker.marked_range.end_time_exclusive().value <= clip.source_range.end_time_exclusive().value
    assert tc.frame(0) == clips[0].source_range.start_time.value


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_bad_sessions_exit_2(tmp_path: Path, db_open: None, cut_video: Path) -> None:
    done = vat("export", "no-such-session")
    assert done.returncode == 2 and "no-such-session" in done.stderr
    options = sessions.SessionOptions(master=cut_video, artwork="Undetected", out=tmp_path)
    row = sessions.create_session(sessions.check_options(options))
    done = vat("export", row.session_id)
    assert done.returncode == 2 and "no detection" in done.stderr
    assert not (Path(row.output_path) / "editorial").exists()
    done = vat("export", row.session_id, "-o", tmp_path / "x.txt")
    assert done.returncode == 2


def test_names_with_line_breaks_and_controls_cannot_forge_events(tmp_path: Path) -> None:
    """A title is the user's text: a line break in it must not start an EDL line of its own, and a
    control character must not make the XML unreadable (XML 1.0 has none)."""
    from core.editorial.events import events_of
    from core.editorial.formats import render
    from core.editorial.timeline import Source
    from core.scenes import Scene

    scenes = [Scene(1, 0, 9, 0.0, 0.4), Scene(2, 10, 19, 0.4, 0.8)]
    forged = "x\n002  AX       V     C        00:00:00:00 00:00:09:00 01:00:00:00 01:00:09:00\x1b\x07"
    events = events_of(scenes, [1, 2], [], {1: forged})
    source = Source(tmp_path / "m.mov", 25.0, 20, SourceTimecode.of(25.0, None))
    edl = render("edl", "Art\x1b", source, events)
    assert len([line for line in edl.splitlines() if EVENT_LINE.match(line)]) == 2
    for fmt in ("fcpxml", "fcp7"):
        root = ET.fromstring(render(fmt, "Art\x1b", source, events).encode())
        assert any((e.get("name") or e.text or "").startswith("x\\n002") for e in root.iter()), fmt


def _every_scene(row: ProcessingState) -> list[tuple[str, int, int]]:
    return [(f"Scene {s.index}", s.start_frame, s.frame_count) for s in scenes_of(row)]


@pytest.mark.parametrize(("rate", "timecode"), [("10", "01:00:00:00"), ("15", "00:59:59:10")])
def test_rates_opentimelineio_cannot_label_are_labelled_at_their_own(
    tmp_path: Path, db_open: None, rate: str, timecode: str
) -> None:
    """At 10 and 15 fps OTIO's writers refuse (10: 'SMPTE timecode does not support this rate') or label
    at another rate (15 as 23.976: frame 3000 would read 00:02:05:00); the files count at the master's."""
    master = make_timecode_master(tmp_path / f"m{rate}.mkv", rate, timecode)  # MOV keeps no tmcd at 10
    row = _session(master, tmp_path / "out", [])
    vat("export", row.session_id, check=True)
    source, _ = source_of(row)
    tc = source.timecode
    assert tc.rate == TimecodeRate(int(rate)) and tc.start == timecode
    expected = _every_scene(row)
    assert len(expected) == 4
    _check_edl(default_path(row, "edl").read_text(), expected, tc)
    _check_fcp7(default_path(row, "fcp7"), expected, tc)
    root = ET.parse(default_path(row, "fcp7")).getroot()
    assert {r.findtext("timebase") for r in root.iter("rate")} == {rate}
    assert {r.findtext("ntsc") for r in root.iter("rate")} == {"FALSE"}
    # OTIO's FCP 7 reader takes each <timecode>'s frame number: the same ranges
    clips = _clips(_read_otio("fcp7", default_path(row, "fcp7"), 0).tracks[0])
    got = [(round(c.source_range.start_time.value), round(c.source_range.duration.value)) for c in clips]
    assert got == [(tc.frame(first), count) for _, first, count in expected]


def test_a_vfr_average_that_is_no_timecode_rate_counts_at_its_whole_rate(tmp_path: Path, db_open: None) -> None:
    """An average of ~28.9 fps counts at 29, non-drop: not labelled at 29.97 drop-frame (';' under an
    FCM NON-DROP line) as OTIO's nearest rate would."""
    master = make_vfr_video(tmp_path / "vfr29.mp4", [40, 40], slow=(10, 13), fps=30)
    row = _session(master, tmp_path / "out", [])
    source, _ = source_of(row)
    assert source.vfr and round(source.fps) == 29 and abs(source.fps - 29) > 0.05
    tc = source.timecode
    assert tc.rate == TimecodeRate(29)
    vat("export", row.session_id, check=True)
    text = default_path(row, "edl").read_text()
    assert ";" not in "".join(line for line in text.splitlines() if EVENT_LINE.match(line))
    _check_edl(text, _every_scene(row), tc, channel="V")
    _check_fcp7(default_path(row, "fcp7"), _every_scene(row), tc, audio=False)
    root = ET.parse(default_path(row, "fcp7")).getroot()
    assert {(r.findtext("timebase"), r.findtext("ntsc")) for r in root.iter("rate")} == {("29", "FALSE")}


@pytest.mark.parametrize(("master", "reel"), [("Night Piece master.mov", "NIGHT_PI"), ("日本.mov", "AX")])
def test_the_edl_reel_is_one_word(tmp_path: Path, master: str, reel: str) -> None:
    """The adapter's reel is the file name cut to 8 characters: 'Night Pi' (a space) or 8 blanks,
    which readers splitting the event line on whitespace misread."""
    from core.editorial.events import Event
    from core.editorial.formats import render
    from core.editorial.timeline import Source

    source = Source(tmp_path / master, 25.0, 200, SourceTimecode.of(25.0, "10:00:00:00"), has_audio=True)
    events = [Event("A", 0, 99, (1,)), Event("B", 100, 199, (2,))]
    text = render("edl", "Artwork", source, events)
    fields = [line.split() for line in text.splitlines() if EVENT_LINE.match(line)]
    assert [f[:2] for f in fields] == [["001", reel], ["002", reel]]
    assert [f[4:6] for f in fields] == [["10:00:00:00", "10:00:04:00"], ["10:00:04:00", "10:00:08:00"]]
    timeline = otio.adapters.read_from_string(text, adapter_name="cmx_3600", rate=25)
    assert [c.source_range.start_time.value for c in _clips(timeline.tracks[0])] == [900000, 900100]


@pytest.mark.parametrize("fps", [12.0, 20.0, 120.0])
def test_every_rate_renders_at_its_own_labels(tmp_path: Path, fps: float) -> None:
    """12 and 20 fps (OTIO would label them 23.976) and 120 (60; 3-digit frames as vat writes them)."""
    from core.editorial.events import Event, Mark
    from core.editorial.formats import render
    from core.editorial.timeline import Source

    tc = SourceTimecode.of(fps, "10:00:00:00")
    source = Source(tmp_path / "m.mov", fps, 5000, tc)
    events = [Event("A", 0, 99, (1,), (Mark("dissolve", 90, 99),)), Event("B", 3000, 3099, (2,))]
    text = render("edl", "Artwork", source, events)
    lines = text.splitlines()
    times = [line.split()[-4:] for line in lines if line[:3].isdigit()]
    record = to_frames("01:00:00:00", tc.rate)
    assert [[to_frames(t, tc.rate) for t in row] for row in times] == [
        [tc.frame(0), tc.frame(100), record, record + 100],
        [tc.frame(3000), tc.frame(3100), record + 100, record + 200],
    ]
    assert [line.split()[2] for line in lines if line.startswith("* LOC:")] == [tc.label(90)]
    root = ET.fromstring(render("fcp7", "Artwork", source, events).encode())
    assert {r.findtext("timebase") for r in root.iter("rate")} == {str(int(fps))}
    assert [t.findtext("string") for t in root.iter("timecode")] == [tc.label(0), to_timecode(record, tc.rate)]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_paths_that_cannot_be_written_are_one_line_errors(tmp_path: Path, db_open: None, cut_video: Path) -> None:
    """-o under a regular file or in /proc: exit 2 (the user's path); the project's editorial/ folder
    unwritable (here a file where the folder goes, as root ignores permissions): exit 3. No traceback."""
    options = sessions.SessionOptions(master=cut_video, artwork="Unwritable", out=tmp_path / "out")
    row = sessions.create_session(sessions.check_options(options))
    sessions.detect(row, *sessions.detection_parameters("content", None, 10))
    plain = tmp_path / "afile"
    plain.write_text("x")
    for target in (plain / "x.edl", Path("/proc/x/x.edl")):
        done = vat("export", row.session_id, "-o", target)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and str(target) in done.stderr and "Traceback" not in done.stderr
    folder = Path(row.output_path) / "editorial"
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")
    done = vat("export", row.session_id, "--format", "edl")
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and str(folder) in done.stderr and "Traceback" not in done.stderr
    assert folder.read_text() == "not a folder"


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_export_leaves_the_runs_registered_files_alone(tmp_path: Path, cut_video: Path) -> None:
    """After a run the editorial files are the archive's: `vat export` (the selection retitled since)
    writes into editorial/export/, and `vat verify` still finds the run's files as registered."""
    out = tmp_path / "out"
    vat("run", cut_video, "--artwork", "Registered", "--date", "26-12-02", "--out", out, "--scenes", "1,2", check=True)
    from db.connection import open_database

    open_database()
    row = ProcessingState.get()
    scenes = row.scenes_data
    scenes[0]["title"] = "Retitled"
    ProcessingState.update(scenes_data=scenes).where(ProcessingState.id == row.id).execute()
    before = {fmt: default_path(row, fmt).read_bytes() for fmt in FORMATS}
    done = vat("export", row.session_id, check=True)
    folder = Path(row.output_path) / "editorial" / "export"
    assert done.stdout.split() == [str(folder / default_path(row, fmt).name) for fmt in FORMATS]
    assert "Retitled" in (folder / default_path(row, "edl").name).read_text()
    assert {fmt: default_path(row, fmt).read_bytes() for fmt in FORMATS} == before
    assert vat("verify", row.session_id).returncode == 0


def test_a_transition_at_the_tail_of_an_event_is_marked_there() -> None:
    """Scene 2's dissolve (frames 40-59, boundary 50) begins in scene 1: exported alone, scene 1's
    event carries its first half, clipped to the event (40-49); scene 2's the rest (50-59)."""
    from core.detection.transitions import Transition
    from core.editorial.events import Mark, events_of
    from core.scenes import Scene

    dissolve = Transition("dissolve", 40, 59, 50)
    scenes = [Scene(1, 0, 49, 0.0, 2.0), Scene(2, 50, 99, 2.0, 4.0, dissolve), Scene(3, 100, 149, 4.0, 6.0)]
    assert events_of(scenes, [1], [])[0].marks == (Mark("dissolve", 40, 49),)
    assert [e.marks for e in events_of(scenes, [1, 2], [])] == [
        (Mark("dissolve", 40, 49),),
        (Mark("dissolve", 50, 59),),
    ]
    assert events_of(scenes, [1, 2], [(1, 2)])[0].marks == (Mark("dissolve", 40, 59),)  # grouped: whole, once
    assert events_of(scenes, [3], [])[0].marks == ()


def test_the_master_name_is_escaped_in_the_notes(tmp_path: Path) -> None:
    """The master's file name is the user's too: a line break in it must not start an EDL line of its
    own, a control character must not make the XML unreadable."""
    from core.editorial.events import Event
    from core.editorial.formats import render
    from core.editorial.timeline import Source

    forged = "m\n002  AX       V     C        00:00:00:00 00:00:09:00 01:00:00:00 01:00:09:00\n\x07.mov"
    source = Source(tmp_path / forged, 25.0, 200, SourceTimecode.of(25.0, None))
    events = [Event("A", 0, 99, (1,)), Event("B", 100, 199, (2,))]
    edl = render("edl", "Art", source, events)
    assert len([line for line in edl.splitlines() if EVENT_LINE.match(line)]) == 2
    assert all(line.startswith(("TITLE:", "FCM:", "* ", "00")) for line in edl.splitlines() if line), edl
    for fmt in ("fcpxml", "fcp7"):
        ET.fromstring(render(fmt, "Art", source, events).encode())  # well-formed: no control character
    root = ET.fromstring(render("fcpxml", "Art", source, events).encode())
    assert root.find("./resources/asset").get("hasAudio") == "0"  # type: ignore[union-attr]  # none: none said


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_run_on_a_10_fps_master_writes_every_editorial_file(tmp_path: Path) -> None:
    """Before: editorial:edl and editorial:fcp7 failed ('SMPTE timecode does not support this rate'), exit 1."""
    from tests.media import make_cut_video

    master = make_cut_video(tmp_path / "ten.mp4", [20, 20], fps=10, audio=False)
    out = tmp_path / "out"
    done = vat("run", master, "--artwork", "Ten", "--date", "26-12-02", "--out", out, "--scenes", "1,2")
    assert done.returncode == 0, done.stdout + done.stderr
    edl = (out / "26-12-02_Ten" / "editorial" / "Ten.edl").read_text()
    times = [m["src_in"] for m in map(EVENT_LINE.match, edl.splitlines()) if m]
    assert times == ["00:00:00:00", "00:00:02:00"]  # frame 20 at 10 frames a second

"""Source timecode: the master's start timecode as probed, and exact frame <-> timecode at 23.976,
25, 29.97 drop-frame and 59.94 drop-frame, with no drift over an hour's worth of frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import BadInput
from core.media.probe import probe
from core.media.timecode import SourceTimecode, TimecodeRate, rate_for, to_frames, to_timecode
from tests.editorial_media import RATES, make_timecode_master
from tests.media import make_cut_video

DF30 = TimecodeRate(30, drop=True)
DF60 = TimecodeRate(60, drop=True)


@pytest.mark.parametrize(
    ("frame", "rate", "label"),
    [
        (107892, DF30, "01:00:00;00"),  # an hour of 29.97 DF: 108000 labels less 108 skipped
        (1799, DF30, "00:00:59;29"),
        (1800, DF30, "00:01:00;02"),  # ;00 and ;01 are skipped at every minute...
        (17982, DF30, "00:10:00;00"),  # ...but each tenth
        (2589407, DF30, "23:59:59;29"),
        (215784, DF60, "01:00:00;00"),
        (3600, DF60, "00:01:00;04"),
        (86400, TimecodeRate(24), "01:00:00:00"),  # 23.976 counts 24 labels a second: an hour is 86400 frames
        (90000, TimecodeRate(25), "01:00:00:00"),
        (108000, TimecodeRate(30), "01:00:00:00"),  # 29.97 non-drop
    ],
)
def test_known_labels(frame: int, rate: TimecodeRate, label: str) -> None:
    assert to_timecode(frame, rate) == label
    assert to_frames(label, rate) == frame


@pytest.mark.parametrize(
    "rate", [TimecodeRate(24), TimecodeRate(25), DF30, DF60], ids=["23.976", "25", "29.97DF", "59.94DF"]
)
def test_an_hour_of_frames_round_trips_without_drift(rate: TimecodeRate) -> None:
    """Every frame of an hour (and a bit) maps to a label and back to itself; labels only ever go up
    by one frame, so nothing is skipped or doubled."""
    hour = to_frames("01:00:00" + (";" if rate.drop else ":") + "00", rate)
    previous = None
    for frame in range(hour + 2 * 60 * rate.nominal):
        label = to_timecode(frame, rate)
        assert to_frames(label, rate) == frame
        if previous is not None:
            assert label > previous  # fixed width: the text order is the time order
        previous = label
    assert to_timecode(hour, rate) == f"01:00:00{';' if rate.drop else ':'}00"


def test_skipped_labels_and_nonsense_are_refused() -> None:
    with pytest.raises(BadInput, match="skipped"):
        to_frames("00:01:00;01", DF30)
    with pytest.raises(BadInput, match="out of range"):
        to_frames("00:00:00:25", TimecodeRate(25))
    with pytest.raises(BadInput, match="expected"):
        to_frames("one o'clock", TimecodeRate(25))


def test_drop_frame_follows_the_separator_and_the_rate() -> None:
    assert rate_for(30000 / 1001, "01:00:00;00") == DF30
    assert rate_for(30000 / 1001, "01:00:00:00") == TimecodeRate(30)  # non-drop 29.97 exists
    assert rate_for(29.97, "01:00:00.00") == DF30  # a stored 29.97 is NTSC too
    assert rate_for(25, "01:00:00;00") == TimecodeRate(25)  # no drop-frame at 25
    assert rate_for(24000 / 1001, None) == TimecodeRate(24)


@pytest.mark.parametrize(("name", "rate", "timecode"), RATES, ids=[r[0] for r in RATES])
def test_probe_reads_the_start_timecode(tmp_path: Path, name: str, rate: str, timecode: str) -> None:
    for container in ("mov", "mkv"):  # a tmcd track; a container tag
        info = probe(make_timecode_master(tmp_path / f"m{name}.{container}", rate, timecode, [12, 12]))
        assert info.timecode == timecode, container
        source = SourceTimecode.of(info.fps or 0, info.timecode)
        assert source.label(0) == timecode
        assert source.rate.drop == (";" in timecode)


def test_a_master_without_timecode_starts_at_zero(cut_video: Path) -> None:
    info = probe(cut_video)
    assert info.timecode is None
    assert SourceTimecode.of(info.fps or 0, info.timecode).label(25) == "00:00:01:00"


def test_the_video_stream_tag_counts_without_a_tmcd_track(tmp_path: Path) -> None:
    master = make_cut_video(
        tmp_path / "tagged.mp4", [10], audio=False, extra_args=["-metadata:s:v", "timecode=02:00:00:00"]
    )
    assert probe(master).timecode == "02:00:00:00"


def test_a_drop_separator_on_a_non_drop_master_reads_as_it_counts() -> None:
    """'10:00:00;00' tagged on a 25 or 23.976 master: no drop-frame there, so ':' (the manifest's
    start_timecode beside drop_frame false); at 29.97 the ';' stays."""
    for fps in (25.0, 24000 / 1001):
        tc = SourceTimecode.of(fps, "10:00:00;00")
        assert (tc.start, tc.rate.drop, tc.label(0)) == ("10:00:00:00", False, "10:00:00:00")
    assert SourceTimecode.of(30000 / 1001, "10:00:00;00").start == "10:00:00;00"
    assert SourceTimecode.of(30000 / 1001, "10:00:00.00").start == "10:00:00;00"

"""SMPTE timecode: the master's start timecode, and exact frame <-> timecode conversion.

Timecode counts frames at a whole-number "nominal" rate: 24 for 23.976, 30 for 29.97, 60 for 59.94.
At 29.97 and 59.94 drop-frame timecode skips labels (2 or 4 frame numbers at the start of every
minute but each tenth) so that the labels keep up with the clock; the frames themselves are never
dropped. All arithmetic here is on integers, so there is no drift however long the master (float
seconds x 23.976 is where drift comes from). Without a timecode of its own a master starts at
00:00:00:00 (non-drop at its nominal rate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import BadInput

# The rates where drop-frame timecode exists, and the labels each minute skips there.
DROP_FRAMES = {30: 2, 60: 4}
_TIMECODE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$")
ZERO = "00:00:00:00"


@dataclass(frozen=True)
class TimecodeRate:
    """How a master's frames are labelled: `nominal` frames a timecode second, `drop` or not."""

    nominal: int
    drop: bool = False

    @property
    def dropped_per_minute(self) -> int:
        return DROP_FRAMES[self.nominal] if self.drop else 0

    @property
    def frames_per_day(self) -> int:
        return self.from_timecode_parts(24, 0, 0, 0)

    def from_timecode_parts(self, hours: int, minutes: int, seconds: int, frames: int) -> int:
        total_minutes = 60 * hours + minutes
        labels = (3600 * hours + 60 * minutes + seconds) * self.nominal + frames
        return labels - self.dropped_per_minute * (total_minutes - total_minutes // 10)


def is_ntsc(fps: float) -> bool:
    """23.976, 29.97, 59.94... (a whole rate x 1000/1001), within what a stored rate's rounding leaves."""
    nominal = round(fps)
    return nominal > 0 and abs(fps - nominal * 1000 / 1001) < 0.001 * nominal and abs(fps - nominal) > 0.01


def nominal_rate(fps: float) -> int:
    """The whole-number rate timecode counts at: 24 for 23.976, 30 for 29.97, 25 for 25."""
    return max(1, round(fps))


def rate_for(fps: float, timecode: str | None = None) -> TimecodeRate:
    """The timecode rate of a master: drop-frame where its start timecode says so (';' or '.'), or,
    without one, never (a master without timecode counts 00:00:00:00 on, non-drop)."""
    nominal = nominal_rate(fps)
    drop = bool(timecode) and is_drop_separator(timecode or "") and nominal in DROP_FRAMES and is_ntsc(fps)
    return TimecodeRate(nominal, drop)


def is_drop_separator(timecode: str) -> bool:
    """SMPTE writes drop-frame with ';' (or '.', ',' where ';' is awkward) before the frames."""
    match = _TIMECODE.match(timecode.strip())
    return match is not None and match.group(4) in ";.,"


def to_frames(timecode: str, rate: TimecodeRate) -> int:
    """'01:00:00;00' -> 107892 at 29.97 DF: the frame number the label stands for."""
    match = _TIMECODE.match(timecode.strip())
    if not match:
        raise BadInput(f"timecode {timecode!r}: expected HH:MM:SS:FF (HH:MM:SS;FF for drop-frame)")
    hours, minutes, seconds, frames = (int(match.group(i)) for i in (1, 2, 3, 5))
    if minutes > 59 or seconds > 59 or frames >= rate.nominal:
        raise BadInput(f"timecode {timecode!r}: out of range at {rate.nominal} frames a second")
    if rate.drop and seconds == 0 and frames < rate.dropped_per_minute and minutes % 10:
        raise BadInput(f"timecode {timecode!r}: that label is skipped in drop-frame timecode")
    return rate.from_timecode_parts(hours, minutes, seconds, frames)


def to_timecode(frame: int, rate: TimecodeRate) -> str:
    """107892 -> '01:00:00;00' at 29.97 DF; past 24 hours it wraps, as timecode does."""
    frame %= rate.frames_per_day
    if rate.drop:
        drop = rate.dropped_per_minute
        per_minute = 60 * rate.nominal - drop  # a minute with its labels skipped
        per_ten = 10 * per_minute + drop  # the tenth minute keeps all its labels
        tens, rest = divmod(frame, per_ten)
        frame += 9 * drop * tens + (drop * ((rest - drop) // per_minute) if rest > drop else 0)
    seconds, frames = divmod(frame, rate.nominal)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    separator = ";" if rate.drop else ":"
    width = 3 if rate.nominal > 100 else 2
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{frames:0{width}d}"


def normalised(timecode: str | None) -> str | None:
    """A tag's timecode as vat writes it (';' for drop-frame), None when it is not a timecode."""
    if not timecode:
        return None
    text = timecode.strip()
    match = _TIMECODE.match(text)
    if not match:
        return None
    separator = ";" if match.group(4) in ";.," else ":"
    return f"{int(match.group(1)):02d}:{match.group(2)}:{match.group(3)}{separator}{match.group(5)}"


def _tag(metadata: dict[str, str]) -> str | None:
    for key, value in metadata.items():
        if key.lower() == "timecode" and normalised(value):
            return normalised(value)
    return None


def start_timecode_of(container: object, video: object | None) -> str | None:
    """Where ffprobe finds it, first found wins: a tmcd (data) stream's tag, the video stream's
    `timecode` tag, the container's (Matroska keeps it there as TIMECODE). PyAV objects."""
    streams = getattr(container, "streams", None)
    for stream in getattr(streams, "data", ()):
        found = _tag(dict(stream.metadata))
        if found:
            return found
    if video is not None:
        found = _tag(dict(getattr(video, "metadata", {})))
        if found:
            return found
    return _tag(dict(getattr(container, "metadata", {})))


@dataclass(frozen=True)
class SourceTimecode:
    """A master's frames as timecode: its start label, the rate, and frame index -> label."""

    start: str
    rate: TimecodeRate

    @classmethod
    def of(cls, fps: float, timecode: str | None) -> SourceTimecode:
        rate = rate_for(fps, timecode)
        start = normalised(timecode) or (ZERO if not rate.drop else "00:00:00;00")
        try:
            # written again at its rate: a ';' tag on a non-drop master (25, 23.976) reads ':' as it counts
            start = to_timecode(to_frames(start, rate), rate)
        except BadInput:
            start = to_timecode(0, rate)  # a tag that is no valid label at this rate: count from zero
        return cls(start, rate)

    @property
    def start_frame(self) -> int:
        return to_frames(self.start, self.rate)

    def frame(self, index: int) -> int:
        """The timecode frame number of the master's frame `index` (0-based)."""
        return self.start_frame + index

    def label(self, index: int) -> str:
        return to_timecode(self.frame(index), self.rate)

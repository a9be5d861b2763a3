"""What `/` in the picker accepts, read into a scene number (no Textual).

- a number alone: that scene;
- HH:MM:SS:FF (HH:MM:SS;FF drop-frame): a timecode, counted from the master's start timecode where
  detection found one (SourceTimecode), else from 00:00:00:00, i.e. time from the start in frames;
  ';' only where the master's timecode is drop-frame (it exists only at 29.97 and 59.94 fps);
- MM:SS or HH:MM:SS, with .mmm if wanted: time from the start of the master.
A moment goes to the scene that holds it. Anything else raises ValueError with the reason, one line.
"""

from __future__ import annotations

import re

from core.errors import BadInput
from core.media.timecode import DROP_FRAMES, SourceTimecode, to_frames
from core.scene import Scene
from tui.formatting import timecode as clock

_NUMBER = re.compile(r"^\d+$")
_TIMECODE = re.compile(r"^\d{1,2}:\d{2}:\d{2}[:;]\d{2,3}$")
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def accepts(source: SourceTimecode | None) -> str:
    """What the field takes; ';FF' only where the master's timecode is drop-frame (as the hint says)."""
    drop = " (;FF drop-frame)" if source is not None and source.rate.drop else ""
    return f"a scene number, a timecode HH:MM:SS:FF{drop} or a time MM:SS, HH:MM:SS.mmm"


def scene_at(text: str, scenes: list[Scene], source: SourceTimecode | None) -> int:
    """The number (1-based) of the scene `text` names."""
    text = text.strip()
    if not scenes:
        raise ValueError("there are no scenes")
    if _NUMBER.match(text):
        number = int(text)
        if not 1 <= number <= len(scenes):
            raise ValueError(f"scenes are numbered 1 to {len(scenes)}")
        return number
    if _TIMECODE.match(text):
        return _scene_at_timecode(text, scenes, source)
    match = _TIME.match(text)
    if match:
        hours, minutes, seconds = int(match.group(1) or 0), int(match.group(2)), float(match.group(3))
        if seconds >= 60 or (match.group(1) is not None and minutes >= 60):
            raise ValueError(f"{text}: minutes and seconds go up to 59")
        return _scene_at_time(text, 3600 * hours + 60 * minutes + seconds, scenes)
    raise ValueError(f"{text!r} is not {accepts(source)}")


def _scene_at_timecode(text: str, scenes: list[Scene], source: SourceTimecode | None) -> int:
    if source is None:
        raise ValueError("this session has no frame rate recorded: give a time (MM:SS) instead")
    if ";" in text and not source.rate.drop:  # counted as non-drop, a ;FF label would land frames off
        if source.rate.nominal in DROP_FRAMES:
            raise ValueError(f"{text}: this master's timecode is not drop-frame: use HH:MM:SS:FF")
        raise ValueError(
            f"{text}: drop-frame timecode exists only at 29.97 and 59.94 fps, and this master's counts "
            f"{source.rate.nominal} frames a second: use HH:MM:SS:FF"
        )
    try:
        label = to_frames(text, source.rate)
    except BadInput as exc:
        raise ValueError(exc.message) from None
    # timecode wraps at midnight: a master starting at 23:59:50:00 goes on at 00:00:00:00
    frame = (label - source.start_frame) % source.rate.frames_per_day
    last = scenes[-1].end_frame
    if frame > last:
        first = source.label(scenes[0].start_frame)
        raise ValueError(f"{text} is outside the scenes ({first} to {source.label(last)})")
    found = next((s.index for s in scenes if s.start_frame <= frame <= s.end_frame), None)
    if found is None:
        raise ValueError(f"{text} (frame {frame}) is in no scene: the scene list leaves it out")
    return found


def _scene_at_time(text: str, seconds: float, scenes: list[Scene]) -> int:
    hours = scenes[-1].end >= 3600
    if seconds >= scenes[-1].end:
        raise ValueError(f"{text} is past the last scene's end ({clock(scenes[-1].end, hours)})")
    found = next((s.index for s in scenes if s.start <= seconds < s.end), None)
    if found is None:
        raise ValueError(f"{text} is in no scene: the scene list leaves it out")
    return found


def examples(scenes: list[Scene], source: SourceTimecode | None) -> str:
    """What the field suggests typing, each inside this master: a scene number, the timecode and the
    time of the middle scene's first frame (the timecode counted as this master's is)."""
    if not scenes:
        return ""
    middle = scenes[len(scenes) // 2]
    shown = [f"1-{len(scenes)}"]
    if source is not None:
        shown.append(source.label(middle.start_frame))
    minutes, seconds = divmod(int(middle.start), 60)
    hours, minutes = divmod(minutes, 60)
    shown.append(f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}")
    return ", ".join(shown)


def describe_timecode(source: SourceTimecode | None) -> str:
    """The dialog's line on timecode: where it counts from on this master."""
    if source is None:
        return "no timecode (no frame rate recorded)"
    return f"timecode from {source.start}, {source.rate.nominal} fps{' drop-frame' if source.rate.drop else ''}"

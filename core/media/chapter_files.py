"""Chapters as text: ffmpeg's ffmetadata (the master copy's chapters go in through it) and WebVTT
chapters (the sidecar beside a master copy that keeps chapters of its own). Titles are untrusted text
(a user's, a file's): each format's special characters are escaped, never passed through."""

from __future__ import annotations

import re
from collections.abc import Sequence

# (start seconds, end seconds, title), on the copy's timeline
ChapterSpan = tuple[float, float, str]

# ffmpeg's ffmetadata format: "Metadata keys or values containing special characters ('=', ';', '#',
# '\' and a newline) must be escaped with a backslash"
_FFMETA_SPECIAL = re.compile(r"([=;#\\\n])")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def ffmetadata_escape(text: str) -> str:
    """`text` as an ffmetadata value: a line break stays one (escaped), a NUL (which would end the
    value) goes, a carriage return is a line break."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return _FFMETA_SPECIAL.sub(r"\\\1", text)


def ffmetadata(chapters: Sequence[ChapterSpan]) -> str:
    """An ffmetadata file holding only these chapters, in microseconds."""
    lines = [";FFMETADATA1"]
    for start, end, title in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000000",
            f"START={round(start * 1_000_000)}",
            f"END={round(end * 1_000_000)}",
            f"title={ffmetadata_escape(title)}",
        ]
    return "\n".join(lines) + "\n"


def vtt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    return f"{hours:02d}:{minutes:02d}:{ms // 1000:02d}.{ms % 1000:03d}"


def vtt_title(title: str) -> str:
    """A title as one WebVTT cue line: controls (line breaks too: a blank line would end the cue) as
    spaces, '&', '<' and '>' as character references (so no '-->' or tag can appear)."""
    text = _CONTROLS.sub(" ", title).strip()
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(chapters: Sequence[ChapterSpan]) -> str:
    """WebVTT chapters (the format of HTML's <track kind="chapters">), one cue per chapter."""
    out = ["WEBVTT", ""]
    for number, (start, end, title) in enumerate(chapters, start=1):
        out += [str(number), f"{vtt_time(start)} --> {vtt_time(end)}", vtt_title(title), ""]
    return "\n".join(out)


_CUE_TIMES = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2,}):(\d{2}):(\d{2})\.(\d{3})$")


def read_webvtt(text: str) -> list[ChapterSpan]:
    """The cues of a WebVTT chapters file as written by webvtt() (times in seconds, titles unescaped);
    ValueError where it is not one."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != "WEBVTT":
        raise ValueError("no WEBVTT header")
    cues: list[ChapterSpan] = []
    for i, line in enumerate(lines):
        match = _CUE_TIMES.match(line.rstrip("\r"))
        if not match:
            continue
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in match.groups())
        title = lines[i + 1].rstrip("\r") if i + 1 < len(lines) else ""
        title = title.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append((h1 * 3600 + m1 * 60 + s1 + f1 / 1000, h2 * 3600 + m2 * 60 + s2 + f2 / 1000, title))
    return cues

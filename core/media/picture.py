"""How a master's stored frames become the pictures people see: sample aspect ratio, display
rotation and deinterlacing, for ffmpeg (clips) and for PyAV-decoded stills alike.

A frame of 704x576 with a sample aspect ratio (SAR) of 16:11 is shown 1024x576: the width is
corrected, the full height kept (correcting the aspect is not upscaling). The rotation applies after.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational

# AVFieldOrder as PyAV's codec_context.field_order gives it (libavcodec/defs.h)
FIELD_ORDERS = {0: "unknown", 1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}
INTERLACED_ORDERS = ("tt", "bb", "tb", "bt")
# frame-count preserving: one output frame per input frame, each built from both fields
DEINTERLACE_FILTER = "bwdif=mode=send_frame:parity=auto:deint=all"
# ffmpeg's own autorotate turns, for a rotation given counter-clockwise (display matrix)
TRANSPOSE = {90: "transpose=cclock", 180: "hflip,vflip", 270: "transpose=clock"}


def sample_aspect(value: Rational | str | float | None) -> Fraction:
    """A SAR as a Fraction; 0/1 or missing (unknown) means square pixels."""
    if not value:
        return Fraction(1)
    try:
        sar = Fraction(value)  # any Rational (PyAV gives a Fraction), a number, or its text
    except (ValueError, ZeroDivisionError, TypeError):
        return Fraction(1)
    return sar if sar > 0 else Fraction(1)


def display_dimensions(width: int, height: int, sar: Fraction | None, rotation: int = 0) -> tuple[int, int]:
    """(width, height) as shown: the stored width corrected by the SAR (height kept), then rotated."""
    sar = sar or Fraction(1)
    w = max(1, round(width * sar)) if sar != 1 else width
    if rotation % 180 == 90:
        return height, w
    return w, height


def clip_filters(
    width: int,
    height: int,
    *,
    sar: str | None = None,
    deinterlace: bool = False,
    rotation: int = 0,
    keep_fields: bool = False,
) -> str:
    """The -vf chain of a clip: [deinterlace, rotate,] scale to width x height, pixel aspect.

    `sar`: keep the source's sample aspect ratio ("16/11"); otherwise square pixels. `rotation`
    is given only where ffmpeg's autorotate is turned off (it would rotate before the deinterlacer,
    which must see the stored rows). `keep_fields`: an interlaced source kept interlaced: scale each
    field on its own so they stay apart.
    """
    chain = []
    if deinterlace:
        chain.append(DEINTERLACE_FILTER)
        if rotation % 360 in TRANSPOSE:
            chain.append(TRANSPOSE[rotation % 360])
    chain.append(f"scale={width}:{height}:flags=lanczos" + (":interl=1" if keep_fields else ""))
    chain.append(f"setsar={sar or 1}")
    return ",".join(chain)

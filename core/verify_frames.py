"""A clip's first and last frames checked by content: each must be the source's frame at its planned
index, as the clip shows it (deinterlaced, rotated, scaled to the clip's size), so that an
off-by-one that keeps the frame count fails verification.

A frame passes when it is close to the wanted source frame (PSNR on luma) and no closer to either
neighbour of it, unless that neighbour is the same picture (a held shot, animation on twos), where
either match is right.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.frames import frames_at, rotate_for_display
from core.plan import EndFrames, FrameCheck

MIN_PSNR_DB = 35.0  # encoded at any preset's quality, the right frame is well above this
SAME_PICTURE_DB = 50.0  # source neighbours this close to the wanted frame are the same picture
MARGIN_DB = 1.0  # a neighbour must match clearly better than the wanted frame to count as a shift


def _luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _source_lumas(ends: EndFrames, check: FrameCheck, size: tuple[int, int]) -> list[np.ndarray | None]:
    """The previous, wanted and next source frames as the clip would show them."""
    present = [t for t in check.times if t is not None]
    images = iter(frames_at(ends.source, present, check.keyframe, deinterlace=ends.deinterlace))
    lumas: list[np.ndarray | None] = []
    for t in check.times:
        if t is None:
            lumas.append(None)
            continue
        image = rotate_for_display(next(images), ends.rotation)
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        lumas.append(_luma(image))
    return lumas


def end_problem(which: str, frame: Image.Image, ends: EndFrames, check: FrameCheck) -> str | None:
    """What is wrong with one end of a clip (None: it is the planned source frame)."""
    clip = _luma(frame)
    before, wanted, after = _source_lumas(ends, check, frame.size)
    score = psnr(clip, wanted)
    for neighbour, offset in ((before, -1), (after, 1)):
        if neighbour is None or psnr(neighbour, wanted) >= SAME_PICTURE_DB:
            continue
        closer = psnr(clip, neighbour)
        if closer > score + MARGIN_DB:
            return (f"{which} frame is the source's frame {check.index + offset}, planned {check.index} "
                    f"(PSNR {closer:.1f} dB against {score:.1f} dB)")
    if score < MIN_PSNR_DB:
        return f"{which} frame is not the source's frame {check.index} (PSNR {score:.1f} dB)"
    return None


def ends_problem(ends: EndFrames, first: Image.Image, last: Image.Image) -> str | None:
    return end_problem("first", first, ends, ends.first) or end_problem("last", last, ends, ends.last)

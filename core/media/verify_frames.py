"""A clip's first and last frames checked by content: each must be the source's frame at its planned
index, as the clip shows it (deinterlaced, rotated, scaled to the clip's size), so that an
off-by-one that keeps the frame count fails verification.

A frame passes when it is close to the wanted source frame (PSNR on RGB) and no closer to either
neighbour of it, unless that neighbour is the same picture (a held shot, animation on twos), where
either match is right.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.media.frames import frames_at, rotate_for_display
from core.pipeline.plan import EndFrames, FrameCheck

# The right frame, encoded and compared in RGB after two different scalers (swscale for the clip,
# Pillow for the source frame) and 4:2:0 chroma, measured 35-49 dB on clean test media but 28 dB on a
# grainy master (grain does not survive an encode), its neighbours 6-25 dB, another scene's frame
# 7 dB. So the decision is relative: a shift by one is caught by the neighbours, whose match must not
# be the better one; the absolute floor only catches gross errors (another scene, a broken picture).
MIN_PSNR_DB = 20.0
SAME_PICTURE_DB = 50.0  # source neighbours this close to the wanted frame are the same picture
MARGIN_DB = 1.0  # a neighbour must match clearly better than the wanted frame to count as a shift


def _pixels(image: Image.Image) -> np.ndarray:
    # RGB, not luma alone: two flat colours can share their luma (a red and a green scene here)
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR of two 8-bit pictures. The differences in float32 (exact: at most 255 in magnitude) and
    their squares summed by BLAS (float32 accumulation, about 1e-7 relative: a hundred-thousandth of a
    dB), five times faster than numpy's mean over float64 copies at 1080p."""
    d = np.subtract(a, b, dtype=np.float32).ravel()
    mse = float(np.dot(d, d)) / d.size
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _source_pixels(ends: EndFrames, check: FrameCheck, size: tuple[int, int]) -> list[np.ndarray | None]:
    """The previous, wanted and next source frames as the clip would show them."""
    present = [t for t in check.times if t is not None]
    images = iter(frames_at(ends.source, present, check.keyframe, deinterlace=ends.deinterlace))
    pixels: list[np.ndarray | None] = []
    for t in check.times:
        if t is None:
            pixels.append(None)
            continue
        image = rotate_for_display(next(images), ends.rotation)
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        pixels.append(_pixels(image))
    return pixels


def end_problem(which: str, frame: Image.Image, ends: EndFrames, check: FrameCheck) -> str | None:
    """What is wrong with one end of a clip (None: it is the planned source frame)."""
    clip = _pixels(frame)
    before, wanted, after = _source_pixels(ends, check, frame.size)
    assert wanted is not None  # the planned frame's time is always known; only its neighbours may not be
    score = psnr(clip, wanted)
    for neighbour, offset in ((before, -1), (after, 1)):
        if neighbour is None or psnr(neighbour, wanted) >= SAME_PICTURE_DB:
            continue
        closer = psnr(clip, neighbour)
        if closer > score + MARGIN_DB and closer >= MIN_PSNR_DB:
            return (
                f"{which} frame is the source's frame {check.index + offset}, planned {check.index} "
                f"(PSNR {closer:.1f} dB against {score:.1f} dB)"
            )
    if score < MIN_PSNR_DB:
        return f"{which} frame is not the source's frame {check.index} (PSNR {score:.1f} dB)"
    return None


def ends_problem(ends: EndFrames, first: Image.Image, last: Image.Image) -> str | None:
    return end_problem("first", first, ends, ends.first) or end_problem("last", last, ends, ends.last)

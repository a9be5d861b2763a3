"""Per-frame values gathered while decoding (core.detection.frame_arrays): one compact array each,
right whatever the frame count the master states (short, long, unknown)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.detection.frame_arrays import FrameArray
from core.detection.transitions import luma


@pytest.mark.parametrize("expected", [None, 0, 3, 5000])
def test_appended_rows_come_back_in_order_whatever_the_stated_count(expected: int | None) -> None:
    times = FrameArray(expected)
    thumbs = FrameArray(expected, (9, 16, 3), np.uint8)
    for i in range(3000):  # past the stated count: the array grows
        times.append(i / 25)
        thumbs.append(np.full((9, 16, 3), i % 256, np.uint8))
    assert len(times) == 3000
    assert times.array().tolist() == [i / 25 for i in range(3000)]
    assert thumbs.array().shape == (3000, 9, 16, 3)
    assert [int(t[0, 0, 0]) for t in thumbs.array()] == [i % 256 for i in range(3000)]


def test_values_set_by_frame_number_leave_nan_where_none_was_set() -> None:
    scores = FrameArray(2, fill=np.nan)
    for frame in (1, 2, 4000):  # no value for frame 0 (a first frame) nor between 3 and 3999
        scores.set(frame, frame * 0.5)
    out = scores.array(4003)  # frames past the last value: NaN too
    assert len(out) == 4003
    assert math.isnan(out[0]) and out[1] == 0.5 and out[2] == 1.0
    assert np.isnan(out[3:4000]).all() and out[4000] == 2000.0 and np.isnan(out[4001:]).all()
    assert scores.array(2).tolist() == [pytest.approx(float("nan"), nan_ok=True), 0.5]


def test_luma_of_a_long_master_is_that_of_each_frame_alone() -> None:
    """Computed a block of frames at a time (bounded memory on a two-hour master): the same values."""
    rng = np.random.default_rng(7)
    thumbs = rng.integers(0, 256, (20000, 9, 16, 3), dtype=np.uint8)
    whole = luma(thumbs)
    for i in (0, 8191, 8192, 19999):
        assert whole[i] == luma(thumbs[i : i + 1])[0]

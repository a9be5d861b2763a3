"""Resume rebuilds the plan from the master's packet times: they must be the very floats the plan
was made with (a clip's or still's parameters, hashed, hold them), however they are computed."""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.media.probe import _times


@pytest.mark.parametrize("tb", [Fraction(1, 25), Fraction(1, 90000), Fraction(1001, 30000), Fraction(1, 12800)])
def test_frame_times_are_the_exact_fractions_rounded_once(tb: Fraction) -> None:
    pts = [7 * 3600 * 90000 + 3003 * i for i in range(2000)] + [-1001, 0, 1, 2**40 + 17]
    assert _times(pts, tb) == [float(p * tb) for p in sorted(pts)]

"""Per-frame values gathered while decoding, kept as one compact numpy array each.

A two-hour master at 25 fps has 180,000 frames. Kept as Python objects (a list of floats, a dict of
scores, a list of 16x9 thumbnail arrays) they cost 50-600 bytes a frame over the values themselves
(the transitions detector's thumbnails: 78 MB of pixels, 100 MB of array objects beside them, then
a copy into one array at the end). Here each value is written into a preallocated array, whose rows
past the master's stated frame count are not touched, so cost no memory until used (the operating
system gives a large allocation's pages on first write); should the master have more frames than
stated, the array grows by half again.
"""

from __future__ import annotations

import numpy as np

SLACK = 1.05  # rows reserved beyond the stated count: a container's count may be a little short
MIN_ROWS = 1024


class FrameArray:
    """Rows of one dtype and shape, one per frame: appended in order, or set by frame number (the
    rows skipped over then hold `fill`)."""

    def __init__(self, expected: int | None, row: tuple[int, ...] = (), dtype: type = np.float64, fill: float = 0):
        capacity = max(MIN_ROWS, int((expected or 0) * SLACK) + 16)
        self._data: np.ndarray = np.empty((capacity, *row), dtype)
        self._fill = fill
        self.count = 0

    def _reserve(self, rows: int) -> None:
        if rows > len(self._data):
            grown = np.empty((max(rows, len(self._data) * 3 // 2), *self._data.shape[1:]), self._data.dtype)
            grown[: self.count] = self._data[: self.count]
            self._data = grown

    def append(self, value: object) -> None:
        self._reserve(self.count + 1)
        self._data[self.count] = value
        self.count += 1

    def set(self, index: int, value: object) -> None:
        """Row `index` = value; rows from the last one written up to it get `fill`."""
        self._reserve(index + 1)
        if index >= self.count:
            self._data[self.count : index] = self._fill
            self.count = index + 1
        self._data[index] = value

    def array(self, rows: int | None = None) -> np.ndarray:
        """The first `rows` rows (all written ones by default; rows past them hold `fill`): a view, not
        a copy, when they are written already."""
        rows = self.count if rows is None else rows
        if rows > self.count:
            self._reserve(rows)
            self._data[self.count : rows] = self._fill
            self.count = rows
        return self._data[:rows]

    def __len__(self) -> int:
        return self.count

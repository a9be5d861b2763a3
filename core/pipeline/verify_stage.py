"""The runner's verification stage: made videos (clips, R&D videos, the master copy) are checked on
threads of their own while the workers go on to make the next outputs, so that the cores do not idle
during a check's single-threaded parts (decoding the output and the source frames at its ends,
SHA-256) and the next encode does not wait for it.

Bounded: at most `slots` videos are in the stage (waiting or being checked); a worker with another
video waits for a slot, so that temporary files do not pile up. Pictures are checked by the worker
itself (milliseconds): behind a clip's long check they would hold the slot and the worker with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

SLOT_POLL = 0.1  # seconds: how often a worker waiting for a slot looks at the cancellation


class VerifyStage:
    def __init__(self, slots: int, cancel: threading.Event):
        self.cancel = cancel
        self._slots = threading.BoundedSemaphore(max(1, slots))
        self._pool = ThreadPoolExecutor(max_workers=max(1, slots), thread_name_prefix="vat-verify")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    def submit(self, check: Callable[[], None]) -> bool:
        """Hands `check` over as soon as a slot is free. False, and nothing handed over, when the run
        is cancelled meanwhile: the caller drops its output."""
        while not self._slots.acquire(timeout=SLOT_POLL):
            if self.cancel.is_set():
                return False

        def run() -> None:
            try:
                check()
            finally:
                self._slots.release()

        with self._lock:
            self._futures.append(self._pool.submit(run))
        return True

    def close(self) -> None:
        """Waits for every check handed over; raises the first error one let through (a bug, or a
        database fault: the checks record their outputs' own failures themselves)."""
        self._pool.shutdown(wait=True)
        with self._lock:
            futures = list(self._futures)
        for future in futures:
            future.result()

"""Where the TUI's thread workers run: quitting never waits for a frame being decoded.

Textual runs thread workers in the event loop's default executor, and asyncio.run waits for that
executor's threads before it returns: a thumbnail or preview frame being decoded from a long-GOP
master (seconds) kept the shell prompt away that long after q (issue 13). Here each worker runs on
a daemon thread; at shutdown the executor waits only for workers that write (creating a session,
starting a detection) and leaves the read-only ones below to die with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# Thread workers that only read (decode, probe, test-encode to null): safe to abandon at exit.
READ_ONLY_WORKERS = frozenset(
    {
        "making thumbnails",
        "decoding preview frames",
        "checking NVENC",
        "probing the master",
        "loading the detection statistics",  # the picker's graph: reads the statistics cache
        "deriving the scenes",  # computes only; the picker stores the result on the app's thread
        "summing the statistics",  # the Statistics screen: SELECTs only
    }
)


class QuitFastExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor (asyncio accepts no other as the default) that runs each task on its own
    daemon thread, so the interpreter never joins it; shutdown joins only the tasks that write."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # never used: submit starts its own threads
        self._lock = threading.Lock()
        self._must_finish: set[threading.Thread] = set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        from textual.worker import active_worker

        worker = active_worker.get(None)  # set in the worker's task, which calls run_in_executor
        name = worker.name if worker is not None else ""
        future: Future = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the awaiting worker, as ThreadPoolExecutor does
                future.set_exception(exc)
            else:
                future.set_result(result)
            finally:
                with self._lock:
                    self._must_finish.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=f"vat-worker {name}".strip(), daemon=True)
        if name not in READ_ONLY_WORKERS:
            with self._lock:
                self._must_finish.add(thread)
        thread.start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not wait:
            return
        with self._lock:
            writers = list(self._must_finish)
        for thread in writers:
            thread.join()

    def running(self) -> list[str]:
        """Names of the threads still running (for tests and the quit bench)."""
        return [t.name for t in threading.enumerate() if t.name.startswith("vat-worker")]

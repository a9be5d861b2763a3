"""One operation's resource figures for its operation_log row, measured from its start to its end.

cpu_usage: CPU time over wall time, in percent of one core (200 = two cores busy throughout): the
ffmpeg processes' own user + system time (each reaped with os.wait4) plus the worker thread's
(time.thread_time: stills decoded with PyAV) and the verification stage's thread's (verification,
hashing). Threads that PyAV's decoders start themselves are not counted. memory_usage: the peak
resident set of the operation's ffmpeg process, in MB (NULL for work done inside vat, whose memory is
the whole process's). gpu_usage: the average GPU utilisation while an NVENC operation ran
(core/media/gpu_usage.py). warning_messages: ffmpeg's warning lines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from core.media.gpu_usage import GpuSampler
from core.media.usage import ChildUsage
from core.pipeline.plan import Operation


@dataclass
class Measure:
    children: ChildUsage = field(default_factory=ChildUsage)
    gpu: GpuSampler | None = None
    _wall: float = field(default_factory=time.monotonic)
    _cpu: float = field(default_factory=time.thread_time)
    _spent: float = 0.0  # CPU of the threads that ran the operation before the current one
    _fields: dict | None = None

    @classmethod
    def start(cls, op: Operation) -> Measure:
        """Called in the worker thread that runs `op` (the thread's CPU time is this thread's)."""
        nvenc = op.params.get("encoder") == "nvenc"
        return cls(gpu=GpuSampler().start() if nvenc else None)

    def leave(self) -> None:
        """Called in the thread that made the output, as it hands the operation over to the
        verification stage: its CPU time so far is kept."""
        self._spent += time.thread_time() - self._cpu

    def take(self) -> None:
        """Called in the thread that takes the operation over: its CPU time counts from now."""
        self._cpu = time.thread_time()

    def finish(self) -> dict:
        """The operation_log columns; stops the GPU sampling. Only the first call measures."""
        if self._fields is None:
            wall = time.monotonic() - self._wall
            cpu = self.children.cpu_seconds + self._spent + (time.thread_time() - self._cpu)
            self._fields = {
                "cpu_usage": round(100 * cpu / wall, 1) if wall > 0 else None,
                "memory_usage": self.children.peak_rss_mb(),
                "gpu_usage": self.gpu.stop() if self.gpu is not None else None,
                "warning_messages": self.children.warning_list(),
            }
        return self._fields

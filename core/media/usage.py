"""What one operation's ffmpeg processes used, for its operation_log row.

ffmpeg runs in worker threads in parallel, so the process-wide RUSAGE_CHILDREN cannot tell one
operation's children from another's: each child is reaped with os.wait4, which gives that child's
own resource usage, and added here. Warning lines ffmpeg printed are kept too (distinct, capped).
"""

from __future__ import annotations

import math
import resource
import sys
import threading
from dataclasses import dataclass, field

MAX_WARNINGS = 20  # distinct lines kept; a warning repeated per frame must not fill the database
MAX_WARNING_CHARS = 300


@dataclass
class ChildUsage:
    cpu_seconds: float = 0.0  # user + system time of every child, summed
    peak_rss_kb: int = 0  # the largest child's peak resident set, KiB
    warnings: list[str] = field(default_factory=list)
    warnings_left_out: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_child(self, rusage: resource.struct_rusage) -> None:
        """One reaped child's rusage (os.wait4's third value)."""
        with self._lock:
            self.cpu_seconds += rusage.ru_utime + rusage.ru_stime
            peak = rusage.ru_maxrss
            # Linux reports KiB, macOS bytes
            self.peak_rss_kb = max(self.peak_rss_kb, peak // 1024 if sys.platform == "darwin" else peak)

    def add_warning(self, line: str) -> None:
        line = line[:MAX_WARNING_CHARS]
        with self._lock:
            if line in self.warnings:
                return
            if len(self.warnings) < MAX_WARNINGS:
                self.warnings.append(line)
            else:
                self.warnings_left_out += 1

    def warning_list(self) -> list[str] | None:
        """The JSON value of operation_log.warning_messages (None: ffmpeg warned of nothing)."""
        if not self.warnings:
            return None
        more = [f"... and {self.warnings_left_out} more warning lines (not kept)"] if self.warnings_left_out else []
        return [*self.warnings, *more]

    def peak_rss_mb(self) -> int | None:
        return math.ceil(self.peak_rss_kb / 1024) if self.peak_rss_kb else None

"""The GPU's utilisation while an NVENC operation runs, sampled with nvidia-smi.

Only used where NVENC runs; without nvidia-smi (or when it fails) nothing is sampled and the
operation's gpu_usage stays NULL. The figure is device-wide: operations running at the same time
see the same GPU.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

SAMPLE_SECONDS = 0.5
QUERY = ["--query-gpu=utilization.gpu,utilization.encoder", "--format=csv,noheader,nounits"]


def busiest(output: str) -> float | None:
    """The busier of the GPU engine and the encoder, over every GPU listed ("37, 80" a line)."""
    values = []
    for line in output.splitlines():
        for part in line.split(","):
            try:
                values.append(float(part))
            except ValueError:
                continue  # "[N/A]" on GPUs that do not report one of them
    return max(values) if values else None


class GpuSampler:
    """Samples in a daemon thread from start() to stop(); stop() gives the average percent, or None."""

    def __init__(self) -> None:
        self._smi = shutil.which("nvidia-smi")
        self._samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vat-gpu-sampler", daemon=True)

    def start(self) -> GpuSampler:
        if self._smi:
            self._thread.start()
        return self

    def _sample(self) -> None:
        assert self._smi is not None
        try:
            done = subprocess.run(
                [self._smi, *QUERY], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.SubprocessError):
            return
        value = busiest(done.stdout) if done.returncode == 0 else None
        if value is not None:
            self._samples.append(value)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def stop(self) -> float | None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=6)
        if self._smi and not self._samples:
            self._sample()  # shorter than a period: nvidia-smi's figure covers the last moments
        samples = list(self._samples)
        return round(sum(samples) / len(samples), 1) if samples else None

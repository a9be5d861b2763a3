"""The scaling model of bench/export.py: vat's and PySceneDetect's whole job on N cores, predicted
from CPU seconds measured on this machine (issue 15, goal 2).

Assumptions (stated here and in bench/README.md):
- A job's CPU seconds measured here are its single-thread work (threading overhead on this
  machine's few threads ignored).
- A job on t threads follows Amdahl's law with one serial fraction s for every job (x264's
  threading, the clip's own decoding and audio): wall = cpu * (s + (1 - s) / t). The default s comes
  from PySceneDetect's clip stage measured in the same run (its CPU over cores x wall), or 0.064
  (one 10 s clip: 12.5 s wall, 23.5 s CPU on 2 cores, 2026-12-02) where that is not measured.
- Detection is serial and decode-bound: its CPU seconds over min(N, cap) decoder threads, perfectly
  parallel up to the cap (default 8: frame-threaded H.264 decoding of 1080p).
- vat gives an encode (clip, R&D video), when it starts, cores // min(workers, encodes running +
  encodes not started) threads (core/pipeline/runner.Runner._threads: the last clips of a run, or six
  clips on sixteen workers, get the cores idle workers leave; stills are not counted) and its
  workers take the operations longest first (list scheduling, LPT); the work outside detection and
  the operations (start, probe, hashing, manifest) stays what it measured with one worker.
- PySceneDetect detects, then encodes one clip at a time, each ffmpeg on all N cores.
- Memory bandwidth, turbo clocks and disk are ignored: the model is an upper bound on scaling.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

DEFAULT_SERIAL = 0.064
DECODE_CAP = 8


def job_wall(cpu: float, threads: int, serial: float) -> float:
    return cpu * (serial + (1 - serial) / max(1, threads))


def serial_fraction(cpu: float, wall: float, threads: int) -> float | None:
    """Amdahl's s from one job's CPU and wall on `threads` threads (None: not measurable)."""
    if threads < 2 or wall <= 0 or cpu <= 0:
        return None
    efficiency = min(1.0, cpu / (threads * wall))
    return max(0.0, min(1.0, (1 / efficiency - 1) / (threads - 1)))


def makespan(walls: list[float], workers: int) -> float:
    """List scheduling, longest first: each job to the worker that is free first."""
    free = [0.0] * max(1, workers)
    for wall in sorted(walls, reverse=True):
        heapq.heapreplace(free, free[0] + wall)
    return max(free)


@dataclass(frozen=True)
class VatWork:
    detection_cpu: float  # seconds of single-thread decoding work
    op_cpus: list[float]  # each operation's CPU seconds (detection not included)
    encodes: list[bool]  # which of them are encodes (clips, R&D videos): the runner shares cores among those
    other_wall: float  # start, probe, hashing, manifest: measured, held constant


@dataclass(frozen=True)
class SceneDetectWork:
    detection_cpu: float
    rest_cpu: float  # split-video's clips and save-images, one ffmpeg at a time


def detection_wall(cpu: float, cores: int, cap: int = DECODE_CAP) -> float:
    return cpu / max(1, min(cores, cap))


def vat_makespan(cpus: list[float], encodes: list[bool], cores: int, workers: int, serial: float) -> float:
    """List scheduling, longest first, as the runner does it: each job starts on the first free worker;
    an encode with cores // min(workers, encodes running + encodes not started) threads, fixed for its
    run (the runner's other operations take what the cores leave: one thread in the model)."""
    workers = max(1, workers)
    free = [0.0] * workers  # when each worker is next free
    encode_ends: list[float] = []  # when the encodes started so far end
    jobs = sorted(zip(cpus, encodes, strict=True), key=lambda job: -job[0])
    unstarted = sum(encodes)
    end = 0.0
    for cpu, encode in jobs:
        start = heapq.heappop(free)
        threads = 1
        if encode:
            running = sum(1 for e in encode_ends if e > start)
            threads = max(1, cores // max(1, min(workers, running + unstarted)))
            unstarted -= 1
        end = start + job_wall(cpu, threads, serial)
        if encode:
            encode_ends.append(end)
        heapq.heappush(free, end)
    return max(free) if jobs else 0.0


def vat_wall(work: VatWork, cores: int, workers: int, serial: float, cap: int = DECODE_CAP) -> float:
    ops = vat_makespan(work.op_cpus, work.encodes or [True] * len(work.op_cpus), cores, workers, serial)
    return work.other_wall + detection_wall(work.detection_cpu, cores, cap) + ops


def scenedetect_wall(work: SceneDetectWork, cores: int, serial: float, cap: int = DECODE_CAP) -> float:
    return detection_wall(work.detection_cpu, cores, cap) + job_wall(work.rest_cpu, cores, serial)


def efficiency(work: VatWork, cores: int, serial: float, cap: int = DECODE_CAP) -> float:
    """Strong scaling from 1 core and 1 worker to `cores` cores with as many workers."""
    one = vat_wall(work, 1, 1, serial, cap)
    return one / (cores * vat_wall(work, cores, cores, serial, cap))

"""What the ffmpeg in use can encode, and whether NVENC really works on this machine."""

from __future__ import annotations

import functools
import re
import subprocess

from core.media import ffmpeg, nvidia

CHECKED_ENCODERS = ["libx264", "libx265", "libsvtav1", "libwebp", "h264_nvenc"]


def _encoder_names(out: str) -> set[str]:
    # rows look like " V....D libx264   description"; the header ends at "------"
    return {
        parts[1]
        for parts in map(str.split, out.splitlines())
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] in "VAS.T"
    }


def _filter_names(out: str) -> set[str]:
    # rows look like " TS scale   V->V   description" (flags are 2 or 3 columns by ffmpeg version):
    # the third column, inputs->outputs, tells a row from the legend above "------"
    return {
        parts[1]
        for parts in map(str.split, out.splitlines())
        if len(parts) >= 3 and "->" in parts[2] and set(parts[0]) <= set("TSC.")
    }


@functools.lru_cache(maxsize=None)
def _listing(kind: str, path: str) -> frozenset[str]:
    out = ffmpeg.run_quiet([f"-{kind}"]).stdout.decode("utf-8", "replace")
    return frozenset(_filter_names(out) if kind == "filters" else _encoder_names(out))


def available_encoders() -> frozenset[str]:
    return _listing("encoders", ffmpeg.find_ffmpeg().path)


def available_filters() -> frozenset[str]:
    return _listing("filters", ffmpeg.find_ffmpeg().path)


@functools.lru_cache(maxsize=None)
def _nvenc_test_encode(path: str) -> tuple[bool, str]:
    args = ["-f", "lavfi", "-i", "color=c=black:s=256x144:r=25:d=0.2", "-c:v", "h264_nvenc", "-f", "null", "-"]
    try:
        done = ffmpeg.run_quiet(["-loglevel", "error", *args], timeout=30)
    except subprocess.TimeoutExpired:
        return False, "test encode timed out"
    if done.returncode == 0:
        return True, "test encode succeeded"
    reason = first_reason(done.stderr.decode("utf-8", "replace"))
    # on a GPU without an encoder ffmpeg says "unsupported device": the GPU's name says why
    return False, nvidia.explain_failure(nvidia.gpu_names(), reason or f"test encode failed (exit {done.returncode})")


def first_reason(stderr: str) -> str | None:
    """The encoder's own first complaint (e.g. "Cannot load libcuda.so.1"), without ffmpeg's
    "[h264_nvenc @ 0x...]" prefix: the last line only says that nothing was written."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    chosen = next((line for line in lines if line.startswith("[h264_nvenc")), lines[0] if lines else None)
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", chosen) if chosen else None


def nvenc_status() -> tuple[bool, str]:
    """(works, why): a tiny real encode, since the encoder being listed says nothing about a GPU."""
    if "h264_nvenc" not in available_encoders():
        return False, "h264_nvenc not in this ffmpeg"
    return _nvenc_test_encode(ffmpeg.find_ffmpeg().path)

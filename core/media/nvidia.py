"""Which NVIDIA GPU is here, and whether it has an NVENC engine at all, so that a failed NVENC test
encode is explained in one line instead of ffmpeg's "OpenEncodeSessionEx failed: unsupported device".

NVIDIA's Video Encode and Decode GPU Support Matrix lists no NVENC engine (NVDEC only) for the
data-centre compute GPUs: GA100 (A100, A800, A30), GH100 (H100, H800, H200, H20, GH200) and the
Blackwell B100, B200 and GB200. Their siblings with an encoder (A10, A16, A40, L4, L40, T4, the RTX
workstation cards) must not match: "NVIDIA RTX A1000" is not an A100.
"""

from __future__ import annotations

import re
import shutil
import subprocess

_NO_ENGINE = re.compile(r"(?<![A-Za-z0-9])(A100|A800|A30|H100|H800|H200|H20|GH200|B100|B200|GB200)(?![0-9])")
NO_ENGINE = "no NVENC engine on this GPU (data-centre model)"


def has_no_nvenc_engine(name: str) -> bool:
    """True for a GPU (as nvidia-smi names it) that NVIDIA builds without an NVENC engine."""
    return bool(_NO_ENGINE.search(name))


def parse_gpu_names(smi_stdout: str) -> list[str]:
    """`nvidia-smi --query-gpu=name --format=csv,noheader`: one name a line, one line a GPU."""
    return [line.strip() for line in smi_stdout.splitlines() if line.strip()]


def gpu_names() -> list[str]:
    """The NVIDIA GPUs here ([] without nvidia-smi, or when it fails: no driver, no GPU)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        done = subprocess.run(
            [smi, "--query-gpu=name", "--format=csv,noheader"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_gpu_names(done.stdout) if done.returncode == 0 else []


def explain_failure(names: list[str], reason: str) -> str:
    """Why NVENC does not work, given the GPUs here and ffmpeg's own complaint: the GPU named, and
    for one without an encoder that alone (ffmpeg's message says nothing useful then)."""
    if not names:
        return reason
    distinct = list(dict.fromkeys(names))
    label = ", ".join(distinct)
    if all(has_no_nvenc_engine(name) for name in distinct):
        return f"{label}: {NO_ENGINE}"
    return f"{label}: {reason}"

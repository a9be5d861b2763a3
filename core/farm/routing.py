"""Which node takes which task: by toolchain (vat's and ffmpeg's versions, the parameter hash's too)
and by encoder. A node listens only on its own toolchain's queues, so a node whose vat or ffmpeg
differs from a session's never takes its tasks; NVENC nodes take the NVENC encodes, x264 nodes the
rest (stills, R&D, the master copy and the x264 clips)."""

from __future__ import annotations

import hashlib
import json

from core.pipeline.plan import Operation
from core.pipeline.toolchain import toolchain as toolchain

ENCODERS = ("x264", "nvenc")
FINGERPRINT_CHARS = 12


def fingerprint(chain: dict[str, str]) -> str:
    """A short hex name of a toolchain (toolchain()): the same on every machine with the same versions."""
    text = json.dumps(chain, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def encoder_of(op: Operation) -> str:
    """The encoder an operation needs a node to have: nvenc for an encode with NVENC, else x264."""
    return "nvenc" if op.params.get("encoder") == "nvenc" else "x264"


def queue_for(op: Operation, fingerprint: str) -> str:
    return queue_name(encoder_of(op), fingerprint)


def queue_name(encoder: str, fingerprint: str) -> str:
    return f"vat.{fingerprint}.{encoder}"


def queues(encoders: list[str], fingerprint: str) -> list[str]:
    """The queues a node with these encoders consumes."""
    return [queue_name(encoder, fingerprint) for encoder in encoders]

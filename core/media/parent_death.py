"""ffmpeg dies with vat: a SIGKILLed vat cannot stop its children, so the kernel does it for us.

On Linux the child asks for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), set between fork
and exec. The kernel sends it when the *thread* that forked the child exits, not the whole process:
every caller here waits for its ffmpeg in the thread that started it, so that thread outlives the
child unless vat itself dies. Elsewhere (macOS, BSD) there is no such call and nothing is set.

The TUI's detached workers (core/background.py) are meant to outlive it and never use this.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_SIGKILL = int(signal.SIGKILL)

_prctl: Callable[..., int] | None = None
_resolved = False


def _resolve_prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up once in the parent: the child must not load libraries after fork."""
    global _prctl, _resolved
    if not _resolved:
        _resolved = True
        if sys.platform.startswith("linux"):
            try:
                prctl = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
                prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
                prctl.restype = ctypes.c_int
                _prctl = prctl
            except (OSError, AttributeError):
                _prctl = None
    return _prctl


def die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn for subprocess.Popen that ends the child when this process dies; None where the
    platform cannot do it (the child then simply runs as before)."""
    prctl = _resolve_prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def in_child() -> None:
        # only a system call and two checks: no imports, no locks (the parent may have other threads)
        if prctl(PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0) != 0:
            return  # refused by the kernel: run without it rather than not at all
        if os.getppid() != parent:  # the parent died between fork and prctl: nobody will signal us
            os._exit(128 + _SIGKILL)

    return in_child

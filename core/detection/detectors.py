"""The scene detectors vat offers, by name: one list for the command line, the TUI and core.scenes.

Kept apart from core/scenes.py so the command-line parser can name them without importing
PySceneDetect and OpenCV (vat --help and completion stay quick)."""

from __future__ import annotations

DETECTORS = ("adaptive", "content", "threshold", "hash", "histogram")
DEFAULT_DETECTOR = "adaptive"

"""The scene detectors vat offers, by name: one list for the command line, the TUI and core.scenes.

Kept apart from core/scenes.py so the command-line parser can name them without importing
PySceneDetect and OpenCV (vat --help and completion stay quick)."""

from __future__ import annotations

DETECTORS = ("transitions", "adaptive", "content", "threshold", "hash", "histogram")
# cuts, dissolves and fades together, each once, with its span (core.detection.transitions); the
# others are PySceneDetect's single detectors, which report each boundary as a cut
DEFAULT_DETECTOR = "transitions"
# Learned detectors: optional, installed with an extra (core.detection.learned says which and how).
LEARNED_DETECTORS = ("transnetv2",)
ALL_DETECTORS = DETECTORS + LEARNED_DETECTORS

"""The learned detector's threshold on the app's scale, kept apart from core.detection.transnet so that
reading it (vat's settings, a resumed session) imports neither torch nor PySceneDetect."""

from __future__ import annotations

MODEL_THRESHOLD = 0.5  # TransNetV2's own: a frame whose transition probability is above it is in a transition
CONTENT_SETTING_DEFAULT = 30.0  # app setting scene_threshold_default (as core.scenes)


def default_threshold(content_setting: float = CONTENT_SETTING_DEFAULT) -> float:
    """The app's content-scale setting mapped onto a probability: 0.5 at vat's default, a higher setting
    a higher threshold (fewer transitions), as for every other detector; kept inside (0, 1)."""
    return max(0.01, min(0.99, MODEL_THRESHOLD * float(content_setting) / CONTENT_SETTING_DEFAULT))

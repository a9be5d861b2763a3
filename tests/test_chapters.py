"""Chapters and markers: the master copy carries one chapter per scene (titled), or keeps the master's
own and gets a WebVTT sidecar; markers hold both; verification checks the copy's chapters. Real ffmpeg,
real SQLite."""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from pathlib import Path

import av
import peewee
import pytest

from core.media import ffmpeg
from core.media.chapter_files import ffmetadata, ffmetadata_escape, read_webvtt, webvtt
from core.media.verify import VerificationError, verify
from core.pipeline import session as sessions
from core.pipeline.execute import Context, make_master
from core.pipeline.fixity import check_folder, check_session, decode_problem
from core.pipeline.plan import Expected, Operation
from core.pipeline.session_scenes import scenes_of
from db.models import FileRegistry, Marker, OperationLog, ProcessingState
from tests.conftest import SCENES
from tests.media import cut_starts, make_chaptered
from tests.test_db_support import refuse_updates

FPS = 25
# the master's own chapters: two, neither at a cut
OWN = [(0.0, 2.0, "Opening"), (2.0, 6.0, "Middle part")]
# a title an attacker could write: every ffmetadata special character, a line break, WebVTT's
HOSTILE = "a=b;c#d\\e\nf --> <b>&"


@pytest.fixture(scope="module")
def chaptered_master(cut_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chaptered")
    return make_chaptered(cut_video, folder / "chaptered.mp4", OWN, "With chapters")


def _session(
    master: Path, out: Path, titles: dict[int, str] | None = None, steering: dict | None = None
) -> ProcessingState:
    options = sessions.SessionOptions(
        master=master,
        artwork="Chaptered",
        project_date="26-12-02",
        out=out,
        encoder="x264",
        unattended=True,
        detection_steering=steering or {},
    )
    row = sessions.create_session(sessions.check_options(options))
    sessions.detect(row, *sessions.detection_parameters("adaptive", None, None))
    if titles:  # as the picker's title editing stores them (the record's "title")
        records = [dict(r, **({"title": titles[r["index"]]} if r["index"] in titles else {})) for r in row.scenes_data]
        ProcessingState.update(scenes_data=records).where(ProcessingState.id == row.id).execute()
    sessions.request_selection(row, "1", [])  # one scene: the chapters are every scene's all the same
    sessions.select_requested(row)
    return ProcessingState.get_by_id(row.id)


def _chapters(path: Path) -> list[tuple[float, str]]:
    with av.open(str(path)) as container:
        return [
            (float(ch["start"] * (ch["time_base"] or 0)), ch["metadata"].get("title", ""))
            for ch in container.chapters()
        ]


def registered_params(row: ProcessingState, key: str) -> dict:
    return OperationLog.get(
        (OperationLog.session == row.session_id) & (OperationLog.operation_name == key)
    ).settings_used


def _master_copy(row: ProcessingState) -> Path:
    return Path(
        FileRegistry.get((FileRegistry.session == row.session_id) & (FileRegistry.file_type == "master")).file_path
    )


def test_the_copy_of_a_master_without_chapters_has_one_per_scene_titled(
    cut_video: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(cut_video, tmp_path / "out", titles={2: HOSTILE, 3: "Ünïcode — title"})
    summary = sessions.process(row, workers=2)
    assert summary.status == "completed", summary.failed

    copy = _master_copy(row)
    found = _chapters(copy)
    starts = [n / FPS for n in cut_starts(SCENES)]
    assert [round(t, 3) for t, _ in found] == [round(s, 3) for s in starts]
    # the titles arrive whole: ffmetadata's specials escaped, the line break kept
    assert [title for _, title in found] == ["Scene 1", HOSTILE, "Ünïcode — title", "Scene 4", "Scene 5"]
    assert not list(copy.parent.glob("*.vtt"))  # no sidecar: the chapters are in the copy
    assert not list(copy.parent.glob(".*"))  # nor the ffmetadata file it was made with
    # the markers: one per scene, none from the file
    markers = list(Marker.select().where(Marker.session == row.session_id).order_by(Marker.start_time))
    assert [(m.kind, m.source) for m in markers] == [("scene", "detected")] * len(SCENES)
    assert [m.start_frame for m in markers] == cut_starts(SCENES)


def test_a_master_with_chapters_keeps_them_and_the_scenes_go_into_a_sidecar(
    chaptered_master: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(chaptered_master, tmp_path / "out", titles={4: "Fourth <i>"})
    summary = sessions.process(row, workers=2)
    assert summary.status == "completed", summary.failed

    copy = _master_copy(row)
    assert [(round(t, 3), title) for t, title in _chapters(copy)] == [(0.0, "Opening"), (2.0, "Middle part")]
    sidecar = copy.with_name(copy.stem + ".chapters.vtt")
    cues = read_webvtt(sidecar.read_text(encoding="utf-8"))
    starts = [n / FPS for n in cut_starts(SCENES)]
    assert [round(a, 3) for a, _, _ in cues] == [round(s, 3) for s in starts]
    assert [t for _, _, t in cues] == ["Scene 1", "Scene 2", "Scene 3", "Fourth <i>", "Scene 5"]
    assert round(cues[-1][1], 3) == sum(SCENES) / FPS  # the last ends with the video
    # registered and verified like any output, listed in the manifest
    registered = FileRegistry.get(FileRegistry.file_path == str(sidecar))
    assert registered.file_type == "chapters" and registered.verified
    manifest = json.loads((Path(row.output_path) / "manifest.json").read_text(encoding="utf-8"))
    assert {"path": f"masters/{sidecar.name}", "kind": "chapters"}.items() <= next(
        o for o in manifest["outputs"] if o["kind"] == "chapters"
    ).items()
    # vat verify --deep reads it back against the plan (from the records), and as a folder without them
    root = Path(row.output_path)
    assert not check_session(row.session_id, root, deep=True).problems
    assert not check_folder(root, deep=True).problems
    sidecar.write_text("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nforged\n", encoding="utf-8")
    op = Operation(sidecar.name, "chapters", sidecar, None, registered_params(row, "chapters"))
    assert decode_problem(op) == "1 chapters, planned 5"
    sidecar.write_text("not chapters", encoding="utf-8")
    assert (decode_problem(Operation(sidecar.name, "chapters", sidecar, None, {})) or "").startswith("not a WebVTT")
    # markers: the master's chapters (source file, on its frames) and the scenes
    chapters = list(Marker.select().where((Marker.session == row.session_id) & (Marker.kind == "chapter")))
    assert [(m.source, m.label, m.start_frame, m.start_time) for m in chapters] == [
        ("file", "Opening", 0, 0.0),
        ("file", "Middle part", 50, 2.0),
    ]
    assert Marker.select().where((Marker.session == row.session_id) & (Marker.kind == "scene")).count() == len(SCENES)


def test_a_windowed_detection_keeps_the_masters_chapters_on_the_masters_frames(
    chaptered_master: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    # the window's frame times start at 2 s: read against them, both chapters fell on its frame 0
    row = _session(chaptered_master, tmp_path / "out", steering={"window": {"start": "2.0"}})
    assert row.scenes_data[0]["start_frame"] == 50
    chapters = list(Marker.select().where((Marker.session == row.session_id) & (Marker.kind == "chapter")))
    assert [(m.label, m.start_frame, m.start_time) for m in chapters] == [
        ("Opening", 0, 0.0),
        ("Middle part", 50, 2.0),
    ]


def test_a_windowed_runs_copy_has_a_chapter_before_the_window_and_one_per_scene_in_it(
    cut_video: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(cut_video, tmp_path / "out", steering={"window": {"start": "2.0"}})
    summary = sessions.process(row, workers=2)
    assert summary.status == "completed", summary.failed
    starts = [round(r["start"], 3) for r in row.scenes_data]
    assert starts[0] == 2.0
    found = _chapters(_master_copy(row))
    assert [round(t, 3) for t, _ in found] == [0.0, *starts]
    assert [title for _, title in found] == ["Before the detected window"] + [
        f"Scene {n}" for n in range(1, len(starts) + 1)
    ]


def test_a_redetect_replaces_the_markers_in_one_go_and_keeps_the_users(
    chaptered_master: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(chaptered_master, tmp_path / "out")
    Marker.create(session=row.session_id, master_path=row.master_path, kind="cue", source="user", start_time=1.0)
    sessions.detect(row, "adaptive", 255.0, 15)  # a threshold no cut reaches: one scene
    kinds = sorted((m.kind, m.source) for m in Marker.select().where(Marker.session == row.session_id))
    assert kinds == [("chapter", "file"), ("chapter", "file"), ("cue", "user"), ("scene", "detected")]
    assert len(scenes_of(ProcessingState.get_by_id(row.id))) == 1


def test_a_redetect_that_fails_to_store_leaves_scenes_and_markers_as_they_were(
    cut_video: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(cut_video, tmp_path / "out")
    before = [(m.kind, m.start_frame) for m in Marker.select().order_by(Marker.id)]
    # the detection's log row cannot be written: the whole store is rolled back
    refuse_updates(db, "operation_log")
    with pytest.raises(Exception, match="refused"):
        sessions.detect(row, "adaptive", 255.0, 15)
    assert [(m.kind, m.start_frame) for m in Marker.select().order_by(Marker.id)] == before
    assert len(ProcessingState.get_by_id(row.id).scenes_data) == len(SCENES)
    assert OperationLog.select().count() == 1


def test_verification_refuses_a_copy_whose_chapters_are_not_the_plans(
    cut_video: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(cut_video, tmp_path / "out")
    plan, _, _ = sessions.plan_for(row)
    master = next(op for op in plan if op.kind == "master")
    assert len(master.expected.chapter_starts or ()) == len(SCENES)
    # the master itself has no chapters: as a copy, it is refused (its copyright aside)
    with pytest.raises(VerificationError, match="0 chapters, planned 5"):
        verify(Operation("master", "master", master.output, None, {}, master.expected), cut_video)
    shifted = Operation("master", "master", master.output, None, {}, Expected(chapter_starts=(0.0, 0.5, 2.2, 3.8, 4.8)))
    made = tmp_path / "made.mp4"
    make_master(master, made, Context(threading.Event(), 1))
    verify(master, made)  # the copy as planned
    with pytest.raises(VerificationError, match="chapter 2 starts at 1.200s, planned 0.500s"):
        verify(shifted, made)


def test_ffmetadata_escapes_what_would_break_it() -> None:
    assert ffmetadata_escape("a=b;c#d\\e\nf\r\x00g") == "a\\=b\\;c\\#d\\\\e\\\nf\\\ng"
    text = ffmetadata([(0.0, 1.5, "x\n[CHAPTER]\nSTART=0")])
    # the forged section stays inside the title: one chapter header only
    assert text.count("\n[CHAPTER]\n") == 1 and "title=x\\\n[CHAPTER]\\\nSTART\\=0" in text


def test_webvtt_titles_cannot_forge_a_cue() -> None:
    text = webvtt([(0.0, 1.0, "one\n\n00:00:05.000 --> 00:00:09.000\nforged"), (1.0, 2.0, "two")])
    assert text.count("-->") == 2
    cues = read_webvtt(text)
    assert [t for _, _, t in cues] == ["one  00:00:05.000 --> 00:00:09.000 forged", "two"]


def test_a_scene_marker_carries_the_detectors_score_where_the_record_has_one(
    cut_video: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    from core.pipeline.markers import Chapter, replace_detected

    row = _session(cut_video, tmp_path / "out")
    records = [dict(r) for r in row.scenes_data]
    for r in records:  # as recorded before scores were kept: no score
        if isinstance(r.get("transition_in"), dict):
            r["transition_in"] = {k: v for k, v in r["transition_in"].items() if k != "score"}
    records[1]["transition_in"] = {"kind": "cut", "first_frame": 30, "last_frame": 30, "score": 8.5}
    with db.atomic():
        replace_detected(row, records, [Chapter(0.0, 6.0, "All", 0)])
    found = [(m.kind, m.end_frame, m.confidence) for m in Marker.select().order_by(Marker.kind, Marker.start_time)]
    assert found[0] == ("chapter", None, None)
    # each scene marker whole after a chapter's (which has neither an end frame nor a score)
    ends = [n - 1 for n in cut_starts(SCENES)[1:]] + [sum(SCENES) - 1]
    assert found[1:] == [("scene", end, 8.5 if end == 54 else None) for end in ends]


def test_a_resume_keeps_a_verified_master_copy_made_before_copies_had_chapters(
    cut_video: Path, tmp_path: Path, db: peewee.SqliteDatabase
) -> None:
    row = _session(cut_video, tmp_path / "out")
    assert sessions.process(row, workers=2).status == "completed"
    copy = _master_copy(row)
    # the copy as a session from before chapters made and registered it: no chapters, its parameters without
    plain = copy.with_name("plain" + copy.suffix)
    subprocess.run(
        [
            ffmpeg.find_ffmpeg().path,
            "-v",
            "error",
            "-i",
            str(copy),
            "-map",
            "0",
            "-map_chapters",
            "-1",
            "-c",
            "copy",
            str(plain),
        ],
        check=True,
    )
    plain.replace(copy)
    params = {k: v for k, v in registered_params(row, "master").items() if k != "chapters"}
    registered = FileRegistry.get(FileRegistry.file_path == str(copy))
    stat = copy.stat()
    settings = dict(
        registered.compression_settings,
        params_hash=Operation("master", "master", copy, None, params).params_hash,
        sha256=hashlib.sha256(copy.read_bytes()).hexdigest(),
        mtime_ns=stat.st_mtime_ns,
    )
    FileRegistry.update(compression_settings=settings, file_size_bytes=stat.st_size).where(
        FileRegistry.id == registered.id
    ).execute()
    OperationLog.update(settings_used=params).where(
        (OperationLog.session == row.session_id) & (OperationLog.operation_name == "master")
    ).execute()
    made = stat.st_mtime_ns

    assert sessions.process(ProcessingState.get_by_id(row.id), workers=2).status == "completed"
    assert copy.stat().st_mtime_ns == made and _chapters(copy) == []  # not copied again
    assert "chapters" not in registered_params(row, "master")
    assert not check_session(row.session_id, Path(row.output_path), deep=True).problems

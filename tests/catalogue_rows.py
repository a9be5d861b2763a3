"""Catalogue test rows: real sessions and registered outputs in the test database, as a run leaves
them (the scene records, the outputs' kinds, sizes and scene numbers), without making the media."""

from __future__ import annotations

from db.models import FileRegistry, ProcessingState

OUT = "/archive"


def project(
    session_id: str,
    artwork: str,
    project_date: str,
    scenes: int = 3,
    texts: dict[int, dict] | None = None,
    out: str = OUT,
) -> ProcessingState:
    """A session of `scenes` scenes of 25 frames each; `texts`: scene number -> its record's texts."""
    records = [
        {"index": n, "start_frame": (n - 1) * 25, "end_frame": n * 25 - 1, **(texts or {}).get(n, {})}
        for n in range(1, scenes + 1)
    ]
    slug = artwork.replace(" ", "_")
    return ProcessingState.create(
        session_id=session_id,
        artwork_name=artwork,
        project_date=project_date,
        master_path=f"/masters/{slug}.mov",
        output_path=f"{out}/{project_date}_{slug}",
        preset_id="web_standard",
        total_operations=0,
        scenes_data=records,
        status="completed",
    )


def outputs(session: ProcessingState, scenes: int = 3) -> None:
    """The stills, thumbnails and clips of each scene and the master copy, registered."""
    folder, slug = session.output_path, session.artwork_name.replace(" ", "_")
    rows: list[tuple[str, str, str, int | None]] = [(f"{folder}/masters/{slug}.mov", "master", "masters", None)]
    for n in range(1, scenes + 1):
        tag = f"s{n:03d}"
        rows += [
            (f"{folder}/stills/hq/{slug}_{tag}_hq.png", "still_hq", "stills", n),
            (f"{folder}/stills/web/{slug}_{tag}_web.jpg", "still_web", "stills", n),
            (f"{folder}/thumbnails/{slug}_{tag}_thumb.jpg", "thumbnail", "thumbnails", n),
            (f"{folder}/clips/{slug}_{tag}.mp4", "clip", "clips", n),
        ]
    for path, kind, category, scene in rows:
        FileRegistry.create(
            session=session.session_id,
            file_path=path,
            file_type=kind,
            file_category=category,
            file_size_bytes=1000 + len(path),
            compression_settings={"key": f"{kind}:{scene}", "scene": scene, "group": None},
        )

"""From a session to an ordered list of operations, each with a stable key, an output path and a
hash of everything that shapes its output (README: Interruptions and resume)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.media.keyframes import keyframe_before
from core.media.picture import sample_aspect
from core.media.timecode import SourceTimecode
from core.pipeline import contact_sheet
from core.pipeline.chapter_plan import own_chapter_starts, scene_chapters, sidecar_path
from core.pipeline.layout import Layout
from core.pipeline.name_template import Naming, check_unique, template_of
from core.pipeline.presets import Preset, fit_width
from core.pipeline.rd import RdFile
from core.pipeline.rd_names import output_names
from core.pipeline.toolchain import toolchain
from core.pipeline.transition_trim import UNTRIMMED_NOTE, clean_range, still_frame

if TYPE_CHECKING:  # markers reads the database, which plans never do
    from core.pipeline.markers import Chapter

# made at the end, in plan order, every run: they describe everything else (index.html links the rest)
FINAL_KINDS = ("process_log", "manifest", "editorial", "index_page")
# made after every other operation (they show the stills), in plan order; skipped like any output on resume
AFTER_MEDIA_KINDS = ("contact_sheet", "contact_sheet_pdf")
TOOLCHAIN_KEY = "toolchain"  # hashed beside the parameters (no operation has a parameter so named)


@dataclass(frozen=True)
class FrameCheck:
    """One end of a clip: the source frame it must be, with the frames either side of it."""

    index: int  # the wanted frame's index in the master
    times: tuple[float | None, float, float | None]  # previous, wanted, next (stream seconds)
    keyframe: float | None  # where decoding can start cleanly for all three


@dataclass(frozen=True)
class EndFrames:
    """A clip's first and last frames as the source has them, and how the clip treats the source."""

    source: Path
    first: FrameCheck
    last: FrameCheck
    rotation: int = 0
    deinterlace: bool = False


@dataclass(frozen=True)
class Expected:
    """What verification checks an output against. Width and height are the stored (coded) size."""

    width: int | None = None
    height: int | None = None
    frames: int | None = None
    duration: float | None = None
    frames_exact: bool = True
    ends: EndFrames | None = None
    # a master copy's chapters: where each starts (seconds; None: not checked)
    chapter_starts: tuple[float, ...] | None = None


@dataclass
class Operation:
    key: str  # stable across runs: "still_hq:s003", "clip:g01", "rd_image:sketches/a.png:web"
    kind: str  # master, still_hq, still_web, clip, thumbnail, rd_image, rd_video, contact_sheet,
    # contact_sheet_pdf, index_page, process_log, manifest
    output: Path
    source: Path | None
    params: dict[str, Any]
    expected: Expected = field(default_factory=Expected)
    scene: int | None = None
    group: str | None = None

    @property
    def params_hash(self) -> str:
        """The parameters and the toolchain (vat's and ffmpeg's versions) that make the output: one
        made by another vat or ffmpeg (an upgrade, a render node's) is not taken as made on resume."""
        text = json.dumps({**self.params, TOOLCHAIN_KEY: toolchain()}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def category(self) -> str:
        return {
            "master": "masters",
            "chapters": "masters",
            "still_hq": "stills",
            "still_web": "stills",
            "clip": "clips",
            "thumbnail": "thumbnails",
            "rd_image": "rd",
            "rd_video": "rd",
        }.get(self.kind, "project")

    @property
    def final(self) -> bool:
        return self.kind in FINAL_KINDS

    @property
    def after_media(self) -> bool:
        return self.kind in AFTER_MEDIA_KINDS


@dataclass
class PlanInput:
    """Everything a plan is built from: the session's choices and what was learnt of the master."""

    artwork: str
    slug: str
    project_date: str
    out_root: Path
    master: Path
    media: Any  # core.media.probe.MediaInfo
    scenes: list  # core.scenes.Scene
    frame_times: list[float]
    keyframes: list[float]
    selected: list[int]
    groups: list[tuple[int, int]]
    preset: Preset
    encoder: str
    copyright: str
    credits: str = ""
    rd_files: list[RdFile] = field(default_factory=list)
    thumbnails: bool = True
    midpoint_stills: bool = True
    process_log: bool = True
    titles: dict[int, str] = field(default_factory=dict)  # scene -> its title (session_scenes.scene_titles)
    notes: dict[int, str] = field(default_factory=dict)  # scene -> its note
    scene_credits: dict[int, str] = field(default_factory=dict)  # scene -> its own credits
    own_chapters: list[Chapter] = field(default_factory=list)  # the master's own, on the frames' timeline


def _frame_check(p: PlanInput, index: int) -> FrameCheck:
    times = p.frame_times
    before = times[index - 1] if index > 0 else None
    after = times[index + 1] if index + 1 < len(times) else None
    return FrameCheck(
        index,
        (before, times[index], after),
        keyframe_before(p.keyframes, before if before is not None else times[index]),
    )


def clip_picture(p: PlanInput, src_w: int, src_h: int) -> tuple[int, int, dict]:
    """A clip's stored size and the picture parameters that are not the defaults (so that plans of
    progressive, square-pixel masters keep their hashes): deinterlacing, kept fields, kept SAR."""
    video, media = p.preset.video, p.media
    extra: dict[str, Any] = {}
    if getattr(media, "interlaced", False):
        if video.get("deinterlace", "auto") == "off":
            extra["keep_fields"] = True
        else:
            extra["deinterlace"] = True
            if media.rotation % 360:
                extra["rotation"] = media.rotation % 360  # rotated after the deinterlacer, not before
    sar = sample_aspect(getattr(media, "sample_aspect", 1))
    if video.get("keep_pixel_aspect") and sar != 1:
        # the stored size and the source's pixel shape (inverted by a quarter turn)
        if media.rotation % 180 == 90:
            sar, (w, h) = 1 / sar, (media.height, media.width)
        else:
            w, h = media.width, media.height
        limit = video.get("max_width")
        width, height = fit_width(w, h, max(16, int(limit / sar)) if limit else None, even=True)
        extra["sar"] = f"{sar.numerator}/{sar.denominator}"
        return width, height, extra
    width, height = fit_width(src_w, src_h, video.get("max_width"), even=True)
    return width, height, extra


def _margin(frame_times: list[float], index: int) -> float:
    """A hair less than the gap to the previous frame, so rounding keeps `index` and drops the one before."""
    gap = frame_times[index] - frame_times[index - 1] if index > 0 else 1.0
    return min(0.0005, gap / 2)


def clip_seek(
    frame_times: list[float], keyframes: list[float], index: int, container_start: float
) -> tuple[float, float]:
    """(input seek, output skip) in seconds: decode from the keyframe before the clip's first frame,
    then drop every frame before that first frame. ffmpeg's input -ss counts from the container's
    start time; its output -ss counts from where the input seek put zero."""
    t = frame_times[index]
    k = keyframe_before(keyframes, t)
    if k is None:
        k = frame_times[0]
    seek_in = max(0.0, k - container_start - 0.0005)
    return seek_in, max(0.0, t - container_start - seek_in - _margin(frame_times, index))


def _end_seconds(frame_times: list[float], last: int, fallback_duration: float) -> float:
    if last + 1 < len(frame_times):
        return frame_times[last + 1]
    step = (frame_times[-1] - frame_times[-2]) if len(frame_times) > 1 else 1 / 25
    return frame_times[last] + step if frame_times else fallback_duration


def clip_operation(
    p: PlanInput,
    layout: Layout,
    key_tag: str,
    first: int,
    last: int,
    src_w: int,
    src_h: int,
    scene: int | None,
    group: str | None,
    trim: dict[str, Any] | None = None,
    output: Path | None = None,
) -> Operation:
    video = p.preset.video
    width, height, picture = clip_picture(p, src_w, src_h)
    count = last - first + 1
    start = p.frame_times[first]
    duration = _end_seconds(p.frame_times, last, p.media.duration) - start
    params = {
        "first_frame": first,
        "last_frame": last,
        "frames": count,
        "seek": [round(x, 6) for x in clip_seek(p.frame_times, p.keyframes, first, p.media.start_time)],
        "duration": round(duration, 6),
        "size": [width, height],
        "video": video,
        "advanced": {k: v for k, v in p.preset.advanced.items() if k != "builtin"},
        "encoder": p.encoder,
        "audio": bool(video.get("audio") and p.media.audio_codec),
        "fps": p.media.fps,
        **embedded(p),
        **picture,
        **(trim or {}),
    }
    ends = EndFrames(
        p.master,
        _frame_check(p, first),
        _frame_check(p, last),
        p.media.rotation % 360,
        bool(picture.get("deinterlace")),
    )
    return Operation(
        f"clip:{key_tag}",
        "clip",
        output or layout.clip(key_tag, scene or 0),
        p.master,
        params,
        Expected(width, height, count, duration, ends=ends),
        scene=scene,
        group=group,
    )


# containers that carry copyright and title tags; a master in any other (MPEG-TS, MXF...) is copied
# stream for stream into Matroska, which carries them and every codec
TAGGED_CONTAINERS = (".mp4", ".m4v", ".mov", ".mkv", ".webm")


def master_suffix(master: Path) -> str:
    suffix = master.suffix.lower()
    return suffix if suffix in TAGGED_CONTAINERS else ".mkv"


def embedded(p: PlanInput) -> dict[str, str]:
    """The texts every output carries. Credits only when there are some: the plans (and so the
    params hashes) of sessions without credits stay what they were before credits existed."""
    meta = {"copyright": p.copyright, "title": p.artwork}
    if p.credits:
        meta["credits"] = p.credits
    return meta


def clip_range(p: PlanInput, by_index: dict, a: int, b: int) -> tuple[int, int, dict[str, Any]]:
    """Scenes a..b's clip: (first frame, last frame, what the params say of the trim). With the preset's
    trim_transitions, without the gradual transitions at its outer ends (a group keeps those between
    its scenes). The params change only when the range does (or a scene is kept whole for want of
    frames), so plans without transitions that matter keep their hashes."""
    start, end = by_index[a].start_frame, by_index[b].end_frame
    if not p.preset.video.get("trim_transitions"):
        return start, end, {}
    clean = clean_range(by_index[a], by_index[b], by_index.get(b + 1))
    if clean is None:
        return start, end, {"untrimmed": UNTRIMMED_NOTE}
    if clean == (start, end):
        return start, end, {}
    return clean[0], clean[1], {"trimmed_from": [start, end]}


def scene_texts(p: PlanInput, number: int) -> dict[str, str]:
    """What a scene's stills embed of its title, note and credits (XMP dc:title, dc:description,
    dc:creator): only where it has them, so that the plans of scenes without stay as they were, and a
    changed text changes the stills' params hash (a resume makes them again). A scene's credits follow
    the project's in the one creator entry the stills carry (verify checks it as it is planned)."""
    texts = {}
    if p.titles.get(number):
        texts["scene_title"] = p.titles[number]
    if p.notes.get(number):
        texts["scene_note"] = p.notes[number]
    if p.scene_credits.get(number):
        texts["credits"] = "; ".join(c for c in (p.credits, p.scene_credits[number]) if c)
    return texts


def naming_of(p: PlanInput) -> Naming:
    template = template_of(p.preset.advanced)
    timecodes: dict[int, str] = {}
    if "{tc}" in template and p.media.fps:
        tc = SourceTimecode.of(p.media.fps, getattr(p.media, "timecode", None))
        timecodes = {s.index: tc.label(s.start_frame) for s in p.scenes}
    return Naming(
        p.slug,
        p.project_date,
        p.preset.preset_id,
        template,
        dict(p.titles),
        timecodes,
        tuple((a, b) for a, b in p.groups),
    )


def build_plan(p: PlanInput) -> list[Operation]:
    layout = Layout(p.out_root, p.project_date, p.artwork, p.slug, len(p.scenes), naming_of(p))
    src_w, src_h = p.media.display_size  # square pixels at the display aspect, rotated
    meta = embedded(p)
    ops = master_operations(p, layout, meta)
    by_index = {s.index: s for s in p.scenes}
    grouped = {n for a, b in p.groups for n in range(a, b + 1)}
    hq, web, thumb = p.preset.stills_hq, p.preset.stills_web, p.preset.thumbnail
    for number in p.selected:
        scene = by_index[number]
        frame = still_frame(scene, by_index.get(number + 1), p.midpoint_stills)  # never inside a transition
        tag = layout.scene_tag(number)
        at = {
            "frame": frame,
            "pts": p.frame_times[frame],
            "rotation": p.media.rotation,
            "keyframe": keyframe_before(p.keyframes, p.frame_times[frame]),
        }
        if getattr(p.media, "interlaced", False):
            at["deinterlace"] = True  # pictures are always shown progressive: never a combed still
        texts = scene_texts(p, number)
        w, h = fit_width(src_w, src_h, hq.get("max_width"), even=False)
        ops.append(
            Operation(
                f"still_hq:{tag}",
                "still_hq",
                layout.still_hq(number, hq["format"]),
                p.master,
                {**at, **hq, **meta, **texts, "size": [w, h]},
                Expected(w, h),
                scene=number,
            )
        )
        w, h = fit_width(src_w, src_h, web.get("max_width"), even=False)
        ops.append(
            Operation(
                f"still_web:{tag}",
                "still_web",
                layout.still_web(number, web["format"]),
                p.master,
                {**at, **web, **meta, **texts, "size": [w, h]},
                Expected(w, h),
                scene=number,
            )
        )
        if number not in grouped:
            first, last, trim = clip_range(p, by_index, number, number)
            ops.append(clip_operation(p, layout, tag, first, last, src_w, src_h, number, None, trim))
        if p.thumbnails:
            w, h = fit_width(src_w, src_h, thumb["width"], even=False)
            ops.append(
                Operation(
                    f"thumbnail:{tag}",
                    "thumbnail",
                    layout.thumbnail(number, thumb["format"]),
                    p.master,
                    {**at, **thumb, **meta, "size": [w, h]},
                    Expected(w, h),
                    scene=number,
                )
            )
    for i, (a, b) in enumerate(p.groups, start=1):
        tag = layout.group_tag(i)
        first, last, trim = clip_range(p, by_index, a, b)
        output = layout.clip(tag, a, i)
        ops.append(clip_operation(p, layout, tag, first, last, src_w, src_h, None, f"{a}-{b}", trim, output))
    ops += rd_operations(p, layout, meta)
    # the selection for editing systems (core/editorial), made at the end like the records: the manifest lists them
    for fmt, ext in (("edl", "edl"), ("otio", "otio"), ("fcpxml", "fcpxml"), ("fcp7", "xml")):
        ops.append(Operation(f"editorial:{fmt}", "editorial", layout.root / "editorial" / f"{p.slug}.{ext}", None, {}))
    ops += overview_operations(p, layout, ops, meta)  # after the editorial files: index.html links them
    if p.process_log:
        ops.append(Operation("process_log", "process_log", layout.process_log, None, {}))
    ops.append(Operation("manifest", "manifest", layout.manifest, None, {}))
    check_unique([op.output for op in ops])  # a template and titles that name two outputs alike are refused
    return ops


def overview_operations(p: PlanInput, layout: Layout, ops: list[Operation], meta: dict) -> list[Operation]:
    """The contact sheet (PNG, and a PDF of it) and index.html. The sheet's parameters hold every
    still's parameters hash, so a still made differently makes the sheet again on resume."""
    by_key, by_index = {op.key: op for op in ops}, {s.index: s for s in p.scenes}
    grouped = {n for a, b in p.groups for n in range(a, b + 1)}
    spans = sorted([(n, n) for n in p.selected if n not in grouped] + list(p.groups))
    units = []
    for a, b in spans:
        tag = layout.scene_tag(a)
        still = by_key.get(f"still_web:{tag}") or by_key.get(f"still_hq:{tag}")
        frame = by_index[a].midpoint_frame
        at = {"pts": p.frame_times[frame], "keyframe": keyframe_before(p.keyframes, p.frame_times[frame])}
        if still is not None:
            at = {k: still.params[k] for k in ("pts", "keyframe", "rotation", "deinterlace") if k in still.params}
        units.append(
            {
                "label": f"{a}-{b}" if b != a else str(a),
                "scene": a,
                "first_frame": by_index[a].start_frame,
                "last_frame": by_index[b].end_frame,
                "start": round(by_index[a].start, 6),
                "end": round(by_index[b].end, 6),
                # relative to the project folder: a moved folder keeps the sheet's parameters hash
                "still": still.output.relative_to(layout.root).as_posix() if still else None,
                "still_hash": still.params_hash if still else None,
                "at": {"rotation": p.media.rotation, **at},
            }
        )
    titles = {str(n): t for n, t in sorted(p.titles.items()) if t}
    # the master's own timecode (00:00:00:00 without one); the end is the frame after the last, as an EDL's
    tc = SourceTimecode.of(p.media.fps, getattr(p.media, "timecode", None))
    for unit in units:
        unit["timecode"] = [tc.label(unit["first_frame"]), tc.label(unit["last_frame"] + 1)]
    src_w, src_h = p.media.display_size
    aspect = round(src_w / src_h, 6) if src_h else 16 / 9
    result = []
    if units:
        png = layout.contact_sheet("png")
        width, height = contact_sheet.grid_for(aspect).sheet_size(len(units))
        sheet = Operation(
            "contact_sheet",
            "contact_sheet",
            png,
            p.master,
            {"units": units, "titles": titles, "aspect": aspect, **meta},
            Expected(width, height),
        )
        pages = contact_sheet.grid_for(aspect).pages(len(units))
        pdf = Operation(
            "contact_sheet_pdf",
            "contact_sheet_pdf",
            layout.contact_sheet("pdf"),
            p.master,
            {**sheet.params, "pages": pages},
        )
        result += [sheet, pdf]
    records = ([layout.process_log.name] if p.process_log else []) + [layout.manifest.name]
    result.append(
        Operation(
            "index_page",
            "index_page",
            layout.index_page,
            None,
            {"titles": titles, "records": records, "timecodes": {u["label"]: u["timecode"] for u in units}},
        )
    )
    return result


def master_operations(p: PlanInput, layout: Layout, meta: dict) -> list[Operation]:
    """The master copy, with one chapter per scene (chapter_plan); where the master has chapters of its
    own, the copy keeps them and the scenes' chapters go into a sidecar beside it."""
    copy = layout.master(master_suffix(p.master))
    chapters = scene_chapters(p, _end_seconds)
    params: dict[str, Any] = {"copy": "streams", **meta}
    starts: tuple[float, ...] | None = None
    if p.own_chapters:
        starts = own_chapter_starts(p)
    elif chapters:
        params["chapters"] = [list(c) for c in chapters]
        starts = tuple(start for start, _, _ in chapters)
    expected = Expected(p.media.width, p.media.height, len(p.frame_times) or None, p.media.duration)
    ops = [Operation("master", "master", copy, p.master, params, replace(expected, chapter_starts=starts))]
    if p.own_chapters and chapters:
        sidecar = {"chapters": [list(c) for c in chapters]}
        ops.append(Operation("chapters", "chapters", sidecar_path(copy), p.master, sidecar))
    return ops


def rd_operations(p: PlanInput, layout: Layout, meta: dict) -> list[Operation]:
    ops = []
    hq, web, video = p.preset.stills_hq, p.preset.stills_web, p.preset.video
    names = output_names([(rd.relative, rd.kind) for rd in p.rd_files])
    for rd in p.rd_files:
        name = names[rd.relative]
        source_id = {"source_size": rd.size, "source_mtime": rd.mtime_ns}
        if rd.kind == "image":
            for variant, settings in (("hq", hq), ("web", web)):
                w, h = fit_width(rd.width, rd.height, settings.get("max_width"), even=False)
                ops.append(
                    Operation(
                        f"rd_image:{rd.relative.as_posix()}:{variant}",
                        "rd_image",
                        layout.rd_image(name, variant, settings["format"]),
                        rd.path,
                        {**settings, **meta, **source_id, "variant": variant, "size": [w, h]},
                        Expected(w, h),
                    )
                )
        else:
            w, h = fit_width(rd.width, rd.height, video.get("max_width"), even=True)
            ops.append(
                Operation(
                    f"rd_video:{rd.relative.as_posix()}",
                    "rd_video",
                    layout.rd_video(name),
                    rd.path,
                    {
                        "video": video,
                        "encoder": p.encoder,
                        **meta,
                        **source_id,
                        "size": [w, h],
                        "audio": bool(video.get("audio") and rd.has_audio),
                        "fps": rd.fps,
                    },
                    Expected(w, h, rd.frames, rd.duration, frames_exact=False),
                )
            )
    return ops

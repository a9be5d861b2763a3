"""A session's start: its options checked before anything is written (check_options), then its record
created (create_session). core/pipeline/session.py goes on from there and re-exports these names."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.detection.detectors import DEFAULT_DETECTOR
from core.errors import BadInput, EnvironmentProblem
from core.media import encoders, ffmpeg, nvidia
from core.media.probe import MediaInfo, probe
from core.pipeline import naming
from core.pipeline.layout import Layout
from core.pipeline.preset_store import load_preset, preset_to_dict
from core.pipeline.presets import Preset
from db.connection import write_transaction
from db.models import ProcessingState
from db.settings import get_setting, set_setting


@dataclass
class SessionOptions:
    master: Path
    artwork: str
    project_date: str | None = None
    rd_folder: Path | None = None
    preset_id: str | None = None
    out: Path | None = None
    encoder: str | None = None  # None: the encoder_preference setting
    detector: str = DEFAULT_DETECTOR
    threshold: float | None = None
    min_scene_len: int | None = None
    detection_steering: dict = field(default_factory=dict)  # options, window: tui.cli.common.detection_steering
    scenes: str | None = None
    groups: list[str] = field(default_factory=list)
    # the session's own texts, embedded in every output (None: the copyright_text setting; no credits)
    copyright: str | None = None
    credits: str | None = None
    # `vat run`: the selection is decided up front (stored before detection, so a resume after a kill
    # at any moment keeps it); the TUI leaves it to the scene picker
    unattended: bool = False


@dataclass
class Checked:
    """Options once every input has been checked: nothing has been written yet."""

    options: SessionOptions
    master: Path
    media: MediaInfo
    slug: str
    project_date: str
    out_root: Path
    rd_folder: Path | None
    preset: Preset
    encoder: str
    copyright: str = ""
    credits: str = ""
    master_sha256: str | None = None  # `vat run` hashes before the session exists; the TUI after


def resolve_encoder(choice: str | None) -> str:
    """The encoder to use: `choice` (--encoder, the form's), else the encoder_preference setting."""
    from_setting = choice is None
    if choice is None:
        choice = str(get_setting("encoder_preference"))
    if choice not in ("auto", "x264", "nvenc"):
        raise BadInput(f"--encoder {choice!r}: expected auto, x264 or nvenc")
    if choice == "x264":
        return "x264"
    works, why = encoders.nvenc_status()
    if choice == "nvenc" and not works:
        raise EnvironmentProblem(nvenc_refusal(why, from_setting))
    use_gpu = works and (choice == "nvenc" or bool(get_setting("gpu_enabled")))
    return "nvenc" if use_gpu else "x264"


def nvenc_refusal(why: str, from_setting: bool) -> str:
    """The one line that refuses NVENC asked for where it does not work (`why`: nvenc_status's)."""
    fix = "vat settings set encoder_preference auto, or --encoder x264" if from_setting else "--encoder x264 or auto"
    where = " (the encoder_preference setting)" if from_setting else ""
    if nvidia.NO_ENGINE in why:  # "NVIDIA H200: no NVENC engine on this GPU (data-centre model)" says it all
        return f"{why}; NVENC{where} cannot work here: use {fix}"
    return f"NVENC{where} does not work here ({why}); use {fix}"


def check_writable(folder: Path) -> Path:
    folder = folder.expanduser().absolute()
    probe_dir = folder
    while not probe_dir.exists():  # the nearest existing parent decides whether we can create it
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise BadInput(f"{probe_dir}: output location is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".vat-write-test-"):
            pass
    except OSError as exc:
        raise EnvironmentProblem(f"{folder}: output folder is not writable ({exc.strerror})") from None
    return folder


def check_options(options: SessionOptions) -> Checked:
    """Every check that can fail on bad input, before anything is written."""
    slug = naming.artwork_slug(options.artwork)
    project_date = naming.parse_project_date(options.project_date)
    master = Path(options.master).expanduser().absolute()
    media = probe(master, require_video=True)
    rd_folder = None
    if options.rd_folder:
        rd_folder = Path(options.rd_folder).expanduser().absolute()
        if not rd_folder.is_dir():
            raise BadInput(f"{rd_folder}: R&D folder does not exist or is not a folder")
    out = options.out or Path(get_setting("last_output_directory") or ".")
    out_root = check_writable(Path(out))
    preset = load_preset(options.preset_id)
    encoder = resolve_encoder(options.encoder)
    ffmpeg.find_ffmpeg()  # a VAT_FFMPEG that is no ffmpeg is refused now, not after the first stills
    given = options.copyright if options.copyright is not None else str(get_setting("copyright_text") or "")
    copyright_text = naming.embedded_text(given, what="copyright")
    credits_text = naming.embedded_text(options.credits or "", what="credits")
    return Checked(
        options, master, media, slug, project_date, out_root, rd_folder, preset, encoder, copyright_text, credits_text
    )


# The global settings that shape a plan, taken into the session when it is created: a resume builds
# the same plan whatever the settings say by then (README: Interruptions and resume).
PLAN_SETTINGS = ("extract_midpoint_stills", "generate_log")


def plan_settings_now() -> dict[str, bool]:
    return {key: bool(get_setting(key)) for key in PLAN_SETTINGS}


def new_session_id(checked: Checked) -> str:
    return f"{checked.project_date}_{checked.slug}_{uuid.uuid4().hex[:8]}"


def project_root(checked: Checked) -> Path:
    return Layout(checked.out_root, checked.project_date, checked.options.artwork, checked.slug, 0).root


def create_session(checked: Checked, session_id: str | None = None) -> ProcessingState:
    o = checked.options
    session_id = session_id or new_session_id(checked)
    meta = {
        "out_root": str(checked.out_root),
        "detector": o.detector,
        "media": media_summary(checked.media),
        "plan_settings": plan_settings_now(),
        # the history's compression ratio needs it after the master has gone (a repair from its copy)
        "master_size": checked.master.stat().st_size,
    }
    meta.update({"detection_options": dict(o.detection_steering)} if o.detection_steering else {})
    if o.unattended:
        meta["requested_selection"] = {"scenes": o.scenes, "groups": list(o.groups or [])}
    with write_transaction():
        row = ProcessingState.create(
            session_id=session_id,
            artwork_name=o.artwork,
            project_date=checked.project_date,
            master_path=str(checked.master),
            rd_folder_path=str(checked.rd_folder) if checked.rd_folder else None,
            output_path=str(project_root(checked)),
            preset_id=checked.preset.preset_id,
            encoder_type=checked.encoder,
            # the preset as it is now: a resume encodes the rest exactly like the start, even if the
            # preset is edited or deleted meanwhile
            custom_settings=preset_to_dict(checked.preset),
            scene_threshold=o.threshold,
            min_scene_length=o.min_scene_len,
            total_operations=0,
            status="initialized",
            process_metadata=meta,
            copyright_text=checked.copyright,
            credits=checked.credits,
            master_sha256=checked.master_sha256,
        )
        remember_directories(checked)
    return row


def media_summary(media: MediaInfo) -> dict:
    return {
        k: getattr(media, k, None)
        for k in (
            "width",
            "height",
            "fps",
            "duration",
            "video_codec",
            "audio_codec",
            "rotation",
            "frame_count",
            "start_time",
            "timecode",  # the start timecode: editorial exports when the master has gone
            "vfr",
        )
    }


def remember_directories(checked: Checked) -> None:
    set_setting("last_output_directory", str(checked.out_root))
    set_setting("last_master_directory", str(checked.master.parent))
    if checked.rd_folder:
        set_setting("last_rd_directory", str(checked.rd_folder))

"""Peewee models of the seed's tables (its §2), names exactly as written there.

The tables themselves are created by db/migrations.py from SQL; these models describe the same
columns (types, NULL-ability, defaults, foreign keys), which tests/test_db_schema.py checks.
JSON columns read back as Python values; TIMESTAMP columns as aware UTC datetimes.
Column defaults hold both in Python (model inserts) and in the DDL (raw SQL inserts, triggers).
"""

from __future__ import annotations

import peewee
from peewee import AutoField, FloatField, ForeignKeyField, IntegerField, Model, TextField

from db.connection import database
from db.fields import BooleanField, JsonField, TimestampField, default_now, sql_default, utc_now

# Values of processing_state.status (seed §2.1).
INITIALIZED, PROCESSING, PAUSED, COMPLETED, FAILED = "initialized", "processing", "paused", "completed", "failed"
ACTIVE_STATUSES = (INITIALIZED, PROCESSING, PAUSED)
RESUMABLE_STATUSES = (PROCESSING, PAUSED)
# Values of file_registry.check_state (migration 3), the verdict of the last `vat verify`.
CHECK_OK, CHECK_MISSING, CHECK_MODIFIED, CHECK_CORRUPT = "ok", "missing", "modified", "corrupt"
# there but not readable (EACCES, EIO): not known to be damaged, so never overwritten by a repair
CHECK_UNREADABLE = "unreadable"
FAILED_CHECKS = (CHECK_MISSING, CHECK_MODIFIED, CHECK_CORRUPT, CHECK_UNREADABLE)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class ProcessingState(BaseModel):
    """One session: what is processed, how, and how far it got (seed §2.1)."""

    id = AutoField()  # AUTOINCREMENT in the schema
    session_id = TextField(unique=True)
    artwork_name = TextField()
    project_date = TextField()  # YY-MM-DD
    master_path = TextField()
    rd_folder_path = TextField(null=True)
    output_path = TextField()
    preset_id = TextField()
    custom_settings = JsonField(null=True)
    encoder_type = TextField(null=True, **sql_default("x264"))
    scene_threshold = FloatField(null=True, **sql_default(30.0))
    min_scene_length = IntegerField(null=True, **sql_default(15))
    total_operations = IntegerField()
    completed_operations = IntegerField(null=True, **sql_default(0))
    current_operation = TextField(null=True)
    operation_details = JsonField(null=True)
    scenes_data = JsonField(null=True)
    selected_scenes = JsonField(null=True)
    grouped_scenes = JsonField(null=True)
    status = TextField(null=True, **sql_default(INITIALIZED))
    error_message = TextField(null=True)
    created_at = TimestampField(null=True, **default_now())
    updated_at = TimestampField(null=True, **default_now())  # trigger: set on every UPDATE
    completed_at = TimestampField(null=True)  # trigger: set when status becomes 'completed'
    process_metadata = JsonField(null=True)
    # migration 3: the master's SHA-256 (hashed once), and the texts embedded in every output
    master_sha256 = TextField(null=True)
    copyright_text = TextField(null=True)
    credits = TextField(null=True)

    class Meta:
        table_name = "processing_state"


class OperationLog(BaseModel):
    """One operation of a session, as it ran (seed §2.2)."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = ForeignKeyField(
        ProcessingState, field=ProcessingState.session_id, column_name="session_id", backref="operations", index=False
    )
    operation_type = TextField()
    operation_name = TextField()
    sequence_number = IntegerField()
    status = TextField()  # pending, processing, completed, failed, skipped
    progress = FloatField(null=True, **sql_default(0.0))
    start_time = TimestampField(null=True)
    end_time = TimestampField(null=True)
    duration_seconds = FloatField(null=True)
    input_file = TextField(null=True)
    output_files = JsonField(null=True)
    file_sizes = JsonField(null=True)
    settings_used = JsonField(null=True)
    error_details = TextField(null=True)
    warning_messages = JsonField(null=True)
    cpu_usage = FloatField(null=True)
    gpu_usage = FloatField(null=True)
    memory_usage = IntegerField(null=True)  # MB
    timestamp = TimestampField(null=True, **default_now())
    # migration 3: a retry counts its attempts and keeps the earlier failures' details
    attempts = IntegerField(null=True, **sql_default(1))
    error_history = JsonField(null=True)  # [{"at": ..., "error": ...}, ...], oldest first
    node = TextField(null=True)  # migration 6: the machine (host:pid) that made it, on a farm a render node

    class Meta:
        table_name = "operation_log"


class UserPreset(BaseModel):
    """A compression preset the user saved (seed §2.3)."""

    id = AutoField()
    preset_id = TextField(unique=True)
    preset_name = TextField()
    base_preset = TextField(null=True)
    is_default = BooleanField(null=True, **sql_default(False))
    stills_hq_settings = JsonField()
    stills_web_settings = JsonField()
    video_settings = JsonField()
    thumbnail_settings = JsonField(null=True)
    advanced_settings = JsonField(null=True)
    description = TextField(null=True)
    created_at = TimestampField(null=True, **default_now())
    modified_at = TimestampField(null=True, **default_now())
    last_used_at = TimestampField(null=True)  # trigger: set when a session uses the preset
    usage_count = IntegerField(null=True, **sql_default(0))

    class Meta:
        table_name = "user_presets"


class _HistoryColumns(BaseModel):
    """The columns project_history and its archive share (each adds its own session_id key)."""

    artwork_name = TextField()
    project_date = TextField()
    output_path = TextField()
    master_filename = TextField()
    master_duration = FloatField(null=True)
    master_resolution = TextField(null=True)
    master_fps = FloatField(null=True)
    master_codec = TextField(null=True)
    master_size_mb = FloatField(null=True)
    scenes_detected = IntegerField(null=True)
    scenes_exported = IntegerField(null=True)
    stills_created = IntegerField(null=True)
    clips_created = IntegerField(null=True)
    rd_files_processed = IntegerField(null=True)
    total_files_created = IntegerField(null=True)
    total_output_size_mb = FloatField(null=True)
    compression_ratio = FloatField(null=True)
    total_processing_time_seconds = FloatField(null=True)
    gpu_accelerated = BooleanField(null=True)
    average_fps_processed = FloatField(null=True)
    preset_used = TextField(null=True)
    encoder_used = TextField(null=True)
    completed_successfully = BooleanField(null=True)
    completion_notes = TextField(null=True)
    started_at = TimestampField(null=True)
    completed_at = TimestampField(null=True)
    metadata = JsonField(null=True)


class ProjectHistory(_HistoryColumns):
    """Summary of a finished project (seed §2.4)."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = ForeignKeyField(
        ProcessingState, field=ProcessingState.session_id, column_name="session_id", backref="history", unique=True
    )

    class Meta:
        table_name = "project_history"


class ProjectHistoryArchive(_HistoryColumns):
    """project_history rows moved out after 90 days (seed §6.1; created by migration 2)."""

    id = IntegerField(primary_key=True)  # the project_history id, kept
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = ForeignKeyField(
        ProcessingState, field=ProcessingState.session_id, column_name="session_id", backref="archived_history"
    )
    archived_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "project_history_archive"


class FileRegistry(BaseModel):
    """A file a session created (seed §2.5): resume skips operations whose file is registered."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = ForeignKeyField(
        ProcessingState, field=ProcessingState.session_id, column_name="session_id", backref="files", index=False
    )
    file_path = TextField()
    file_type = TextField()  # master, still_hq, still_web, clip, rd_image, rd_video
    file_category = TextField()  # masters, stills, clips, rd
    file_size_bytes = IntegerField(null=True)
    file_format = TextField(null=True)
    resolution = TextField(null=True)
    aspect_ratio = TextField(null=True)
    duration_seconds = FloatField(null=True)
    frame_number = IntegerField(null=True)
    source_file = TextField(null=True)
    compression_settings = JsonField(null=True)
    processing_time_ms = IntegerField(null=True)
    has_metadata = BooleanField(null=True, **sql_default(True))
    metadata_embedded = JsonField(null=True)
    file_exists = BooleanField(null=True, **sql_default(True))
    verified = BooleanField(null=True, **sql_default(False))
    created_at = TimestampField(null=True, **default_now())
    # migration 3: the last fixity check (vat verify; NULL: not checked since written)
    check_state = TextField(null=True)  # CHECK_OK or one of FAILED_CHECKS
    checked_at = TimestampField(null=True)
    check_detail = TextField(null=True)  # what was wrong, one line

    class Meta:
        table_name = "file_registry"


class AppSetting(BaseModel):
    """One setting, stored as text and typed by value_type (seed §2.6; see db/settings.py)."""

    key = TextField(primary_key=True)
    value = TextField()
    value_type = TextField(null=True, **sql_default("string"))  # string, integer, real, boolean (no json is left)
    category = TextField(null=True, **sql_default("general"))
    description = TextField(null=True)
    modified_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "app_settings"


# Values of markers.kind and markers.source (migration 4).
MARKER_CHAPTER, MARKER_SCENE, MARKER_CUE = "chapter", "scene", "cue"
FROM_FILE, FROM_DETECTION, FROM_USER = "file", "detected", "user"


class Marker(BaseModel):
    """A point or span of the master a session knows of (migration 4): the master's own chapters,
    the detected scenes, the user's cues. Times in seconds from the master's first frame."""

    id = AutoField()  # AUTOINCREMENT in the schema
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = ForeignKeyField(
        ProcessingState,
        field=ProcessingState.session_id,
        column_name="session_id",
        backref="markers",
        index=False,
        on_delete="CASCADE",
    )
    master_path = TextField()
    kind = TextField()  # MARKER_CHAPTER, MARKER_SCENE, MARKER_CUE
    source = TextField()  # FROM_FILE, FROM_DETECTION, FROM_USER
    start_time = FloatField()
    end_time = FloatField(null=True)
    start_frame = IntegerField(null=True)
    end_frame = IntegerField(null=True)  # inclusive, as a scene's
    label = TextField(null=True)  # a chapter's title (a scene's stays in its record: scene_titles)
    confidence = FloatField(null=True)  # the detector's score at the cut that starts a scene
    created_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "markers"


# Values of session_queue.state and .source (migration 5).
QUEUE_WAITING, QUEUE_TO_PICK, QUEUE_HELD, QUEUE_RUNNING = "waiting", "to_pick", "held", "running"
QUEUE_DONE, QUEUE_FAILED, QUEUE_SKIPPED = "done", "failed", "skipped"
QUEUE_PENDING = (QUEUE_WAITING, QUEUE_TO_PICK, QUEUE_HELD)  # not yet run: may be reordered
QUEUE_FINISHED = (QUEUE_DONE, QUEUE_FAILED, QUEUE_SKIPPED)


def _session_key(backref: str, unique: bool = False) -> ForeignKeyField:
    """The session a row of migration 5's tables belongs to, and goes with (ON DELETE CASCADE)."""
    return ForeignKeyField(
        ProcessingState,
        field=ProcessingState.session_id,
        column_name="session_id",
        backref=backref,
        index=False,
        on_delete="CASCADE",
        unique=unique,
    )


class QueueEntry(BaseModel):
    """A session in the machine's one queue (migration 5): batches, the watch folder, the TUI."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = _session_key("queue_entries", unique=True)
    batch_id = TextField(null=True)
    position = IntegerField()
    state = TextField(**sql_default(QUEUE_WAITING))
    source = TextField(**sql_default("run"))  # run, batch, watch, tui
    reason = TextField(null=True)  # why it failed or was skipped
    added_at = TimestampField(null=True, **default_now())
    started_at = TimestampField(null=True)
    finished_at = TimestampField(null=True)

    class Meta:
        table_name = "session_queue"


class Tag(BaseModel):
    """A tag on a project (scene_start_frame NULL) or on a scene (migration 5); namespace '' is free."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = _session_key("tags")
    scene_start_frame = IntegerField(null=True)
    namespace = TextField(**sql_default(""))
    value = TextField()
    created_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "tags"


class ExternalId(BaseModel):
    """A project's id in another system, an inventory number (migration 5)."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = _session_key("external_ids")
    scheme = TextField(**sql_default("inventory"))
    value = TextField()
    created_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "external_ids"


class Root(BaseModel):
    """A named storage root (migration 5): NAS, mounted at a path per machine (RootPath)."""

    id = AutoField()
    name = TextField(unique=True)
    created_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "roots"


class RootPath(BaseModel):
    """Where a machine (host name) mounts a root; replaced_at set once the root moved there."""

    id = AutoField()
    root = ForeignKeyField(Root, backref="paths", on_delete="CASCADE", index=False)
    host = TextField()
    path = TextField()
    added_at = TimestampField(null=True, **default_now())
    replaced_at = TimestampField(null=True)

    class Meta:
        table_name = "root_paths"


class Pack(BaseModel):
    """A delivery ZIP made from a project's outputs (migration 5)."""

    id = AutoField()
    session_id: str  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = _session_key("packs")
    pack_path = TextField()
    file_count = IntegerField()
    size_bytes = IntegerField()
    sha256 = TextField(null=True)
    licence = TextField(null=True)
    units = JsonField(null=True)
    kinds = JsonField(null=True)
    created_at = TimestampField(null=True, **default_now())
    verified_at = TimestampField(null=True)

    class Meta:
        table_name = "packs"


class WatchedMaster(BaseModel):
    """A file `vat watch` took (migration 5), one row per path: queued (it became the session), skipped
    (its content has a session already: that one), failed (the reason); its hash NULL when unreadable."""

    id = AutoField()
    watch_dir = TextField()
    master_path = TextField(unique=True)
    master_sha256 = TextField(null=True)
    size_bytes = IntegerField(null=True)
    mtime = FloatField(null=True)
    session_id: str | None  # the raw key peewee adds beside `session` (its stubs do not declare it)
    session = ForeignKeyField(
        ProcessingState,
        field=ProcessingState.session_id,
        column_name="session_id",
        backref="watched_masters",
        index=False,
        on_delete="SET NULL",
        null=True,
    )
    state = TextField(**sql_default("queued"))
    reason = TextField(null=True)
    seen_at = TimestampField(null=True, **default_now())

    class Meta:
        table_name = "watched_masters"


ALL_MODELS = (
    ProcessingState,
    OperationLog,
    UserPreset,
    ProjectHistory,
    ProjectHistoryArchive,
    FileRegistry,
    AppSetting,
    Marker,
    QueueEntry,
    Tag,
    ExternalId,
    Root,
    RootPath,
    Pack,
    WatchedMaster,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALL_MODELS",
    "CHECK_CORRUPT",
    "CHECK_MISSING",
    "CHECK_MODIFIED",
    "CHECK_OK",
    "CHECK_UNREADABLE",
    "ExternalId",
    "Pack",
    "QUEUE_DONE",
    "QUEUE_FAILED",
    "QUEUE_FINISHED",
    "QUEUE_HELD",
    "QUEUE_PENDING",
    "QUEUE_RUNNING",
    "QUEUE_SKIPPED",
    "QUEUE_TO_PICK",
    "QUEUE_WAITING",
    "QueueEntry",
    "Root",
    "RootPath",
    "Tag",
    "WatchedMaster",
    "FAILED_CHECKS",
    "AppSetting",
    "COMPLETED",
    "FAILED",
    "FileRegistry",
    "INITIALIZED",
    "FROM_DETECTION",
    "FROM_FILE",
    "FROM_USER",
    "MARKER_CHAPTER",
    "MARKER_CUE",
    "MARKER_SCENE",
    "Marker",
    "OperationLog",
    "PAUSED",
    "PROCESSING",
    "ProcessingState",
    "ProjectHistory",
    "ProjectHistoryArchive",
    "RESUMABLE_STATUSES",
    "UserPreset",
    "utc_now",
]


def sessions_with_failed_checks() -> peewee.ModelSelect[FileRegistry]:
    """The session ids with a registered file whose last check found it missing, modified, corrupt or unreadable."""
    return FileRegistry.select(FileRegistry.session).where(FileRegistry.check_state.in_(FAILED_CHECKS)).distinct()

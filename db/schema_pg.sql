-- vat database schema on PostgreSQL: version 5, what SQLite reaches through migrations 1-5
-- (db/schema_v1.sql and db/migrations.py), in one script; migrations 6 and later run on both engines.
--
-- Translated where the engines differ, nothing else:
--   * INTEGER PRIMARY KEY AUTOINCREMENT -> BIGSERIAL PRIMARY KEY; INTEGER -> BIGINT (SQLite's integers
--     are 64-bit: sizes in bytes pass 2^31); REAL -> DOUBLE PRECISION (SQLite's REAL is 8 bytes);
--   * BOOLEAN stays BOOLEAN (SQLite stores 0/1; Peewee's BooleanField writes either);
--   * timestamps stay UTC text 'YYYY-MM-DD HH:MM:SS', as SQLite stores them (db/fields.py): every
--     comparison, sort and reader sees the same values on both engines; vat_now() is CURRENT_TIMESTAMP's text
--     (the statement's time, as SQLite's, not now()'s start of the transaction);
--   * JSON stays TEXT (the code reads and writes it; queries that look inside cast to jsonb);
--   * the triggers are PL/pgSQL functions; the two that stamp processing_state run BEFORE UPDATE and set
--     NEW's column (an AFTER trigger that updates its own table would fire itself again on PostgreSQL);
--   * the views: datetime('now', '-30 days') as text, a ratio that a zero total makes NULL (SQLite's
--     division by zero) instead of an error, and sums and averages as SQLite types them (integer, real).

CREATE FUNCTION vat_now() RETURNS TEXT LANGUAGE SQL STABLE AS
$$ SELECT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') $$;

CREATE TABLE processing_state (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT UNIQUE NOT NULL,
    artwork_name TEXT NOT NULL,
    project_date TEXT NOT NULL,
    master_path TEXT NOT NULL,
    rd_folder_path TEXT,
    output_path TEXT NOT NULL,
    preset_id TEXT NOT NULL,
    custom_settings TEXT,
    encoder_type TEXT DEFAULT 'x264',
    scene_threshold DOUBLE PRECISION DEFAULT 30.0,
    min_scene_length BIGINT DEFAULT 15,
    total_operations BIGINT NOT NULL,
    completed_operations BIGINT DEFAULT 0,
    current_operation TEXT,
    operation_details TEXT,
    scenes_data TEXT,
    selected_scenes TEXT,
    grouped_scenes TEXT,
    status TEXT DEFAULT 'initialized',
    error_message TEXT,
    created_at TEXT DEFAULT vat_now(),
    updated_at TEXT DEFAULT vat_now(),
    completed_at TEXT,
    process_metadata TEXT,
    master_sha256 TEXT,
    copyright_text TEXT,
    credits TEXT
);
CREATE INDEX idx_session_status ON processing_state(status);
CREATE INDEX idx_session_date ON processing_state(created_at);
CREATE INDEX idx_session_master_sha256 ON processing_state(master_sha256);

CREATE TABLE operation_log (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES processing_state(session_id),
    operation_type TEXT NOT NULL,
    operation_name TEXT NOT NULL,
    sequence_number BIGINT NOT NULL,
    status TEXT NOT NULL,
    progress DOUBLE PRECISION DEFAULT 0.0,
    start_time TEXT,
    end_time TEXT,
    duration_seconds DOUBLE PRECISION,
    input_file TEXT,
    output_files TEXT,
    file_sizes TEXT,
    settings_used TEXT,
    error_details TEXT,
    warning_messages TEXT,
    cpu_usage DOUBLE PRECISION,
    gpu_usage DOUBLE PRECISION,
    memory_usage BIGINT,
    timestamp TEXT DEFAULT vat_now(),
    attempts BIGINT DEFAULT 1,
    error_history TEXT
);
CREATE INDEX idx_operation_session ON operation_log(session_id);
CREATE INDEX idx_operation_status ON operation_log(status);

CREATE TABLE user_presets (
    id BIGSERIAL PRIMARY KEY,
    preset_id TEXT UNIQUE NOT NULL,
    preset_name TEXT NOT NULL,
    base_preset TEXT,
    is_default BOOLEAN DEFAULT FALSE,
    stills_hq_settings TEXT NOT NULL,
    stills_web_settings TEXT NOT NULL,
    video_settings TEXT NOT NULL,
    thumbnail_settings TEXT,
    advanced_settings TEXT,
    description TEXT,
    created_at TEXT DEFAULT vat_now(),
    modified_at TEXT DEFAULT vat_now(),
    last_used_at TEXT,
    usage_count BIGINT DEFAULT 0
);
CREATE INDEX idx_preset_name ON user_presets(preset_name);
CREATE INDEX idx_preset_default ON user_presets(is_default);

CREATE TABLE project_history (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT UNIQUE NOT NULL REFERENCES processing_state(session_id),
    artwork_name TEXT NOT NULL,
    project_date TEXT NOT NULL,
    output_path TEXT NOT NULL,
    master_filename TEXT NOT NULL,
    master_duration DOUBLE PRECISION,
    master_resolution TEXT,
    master_fps DOUBLE PRECISION,
    master_codec TEXT,
    master_size_mb DOUBLE PRECISION,
    scenes_detected BIGINT,
    scenes_exported BIGINT,
    stills_created BIGINT,
    clips_created BIGINT,
    rd_files_processed BIGINT,
    total_files_created BIGINT,
    total_output_size_mb DOUBLE PRECISION,
    compression_ratio DOUBLE PRECISION,
    total_processing_time_seconds DOUBLE PRECISION,
    gpu_accelerated BOOLEAN,
    average_fps_processed DOUBLE PRECISION,
    preset_used TEXT,
    encoder_used TEXT,
    completed_successfully BOOLEAN,
    completion_notes TEXT,
    started_at TEXT,
    completed_at TEXT,
    metadata TEXT
);
CREATE INDEX idx_history_artwork ON project_history(artwork_name);
CREATE INDEX idx_history_date ON project_history(completed_at);

CREATE TABLE project_history_archive (
    id BIGINT PRIMARY KEY,  -- project_history's id, kept (no sequence)
    session_id TEXT NOT NULL REFERENCES processing_state(session_id),
    artwork_name TEXT NOT NULL,
    project_date TEXT NOT NULL,
    output_path TEXT NOT NULL,
    master_filename TEXT NOT NULL,
    master_duration DOUBLE PRECISION,
    master_resolution TEXT,
    master_fps DOUBLE PRECISION,
    master_codec TEXT,
    master_size_mb DOUBLE PRECISION,
    scenes_detected BIGINT,
    scenes_exported BIGINT,
    stills_created BIGINT,
    clips_created BIGINT,
    rd_files_processed BIGINT,
    total_files_created BIGINT,
    total_output_size_mb DOUBLE PRECISION,
    compression_ratio DOUBLE PRECISION,
    total_processing_time_seconds DOUBLE PRECISION,
    gpu_accelerated BOOLEAN,
    average_fps_processed DOUBLE PRECISION,
    preset_used TEXT,
    encoder_used TEXT,
    completed_successfully BOOLEAN,
    completion_notes TEXT,
    started_at TEXT,
    completed_at TEXT,
    metadata TEXT,
    archived_at TEXT DEFAULT vat_now()
);
CREATE INDEX idx_history_archive_session ON project_history_archive(session_id);
CREATE INDEX idx_history_archive_artwork ON project_history_archive(artwork_name);
CREATE INDEX idx_history_archive_date ON project_history_archive(completed_at);

CREATE TABLE file_registry (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES processing_state(session_id),
    file_path TEXT NOT NULL,
    file_type TEXT NOT NULL,
    file_category TEXT NOT NULL,
    file_size_bytes BIGINT,
    file_format TEXT,
    resolution TEXT,
    aspect_ratio TEXT,
    duration_seconds DOUBLE PRECISION,
    frame_number BIGINT,
    source_file TEXT,
    compression_settings TEXT,
    processing_time_ms BIGINT,
    has_metadata BOOLEAN DEFAULT TRUE,
    metadata_embedded TEXT,
    file_exists BOOLEAN DEFAULT TRUE,
    verified BOOLEAN DEFAULT FALSE,
    created_at TEXT DEFAULT vat_now(),
    check_state TEXT,
    checked_at TEXT,
    check_detail TEXT
);
CREATE INDEX idx_file_session ON file_registry(session_id);
CREATE INDEX idx_file_type ON file_registry(file_type);
CREATE INDEX idx_file_path ON file_registry(file_path);
CREATE INDEX idx_file_check_state ON file_registry(check_state);

CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    value_type TEXT DEFAULT 'string',
    category TEXT DEFAULT 'general',
    description TEXT,
    modified_at TEXT DEFAULT vat_now()
);

CREATE TABLE markers (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES processing_state(session_id) ON DELETE CASCADE,
    master_path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('chapter', 'scene', 'cue')),
    source TEXT NOT NULL CHECK (source IN ('file', 'detected', 'user')),
    start_time DOUBLE PRECISION NOT NULL,
    end_time DOUBLE PRECISION,
    start_frame BIGINT,
    end_frame BIGINT,
    label TEXT,
    confidence DOUBLE PRECISION,
    created_at TEXT DEFAULT vat_now()
);
CREATE INDEX idx_markers_session ON markers(session_id, kind, start_time);

CREATE TABLE session_queue (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE REFERENCES processing_state(session_id) ON DELETE CASCADE,
    batch_id TEXT,
    position BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'to_pick', 'held', 'running', 'done', 'failed', 'skipped')),
    source TEXT NOT NULL DEFAULT 'run' CHECK (source IN ('run', 'batch', 'watch', 'tui')),
    reason TEXT,
    added_at TEXT DEFAULT vat_now(),
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX idx_queue_state ON session_queue(state, position);
CREATE INDEX idx_queue_batch ON session_queue(batch_id);

CREATE TABLE tags (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES processing_state(session_id) ON DELETE CASCADE,
    scene_start_frame BIGINT,
    namespace TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL,
    created_at TEXT DEFAULT vat_now()
);
CREATE UNIQUE INDEX idx_tags_unique ON tags(session_id, COALESCE(scene_start_frame, -1), namespace, value);
CREATE INDEX idx_tags_value ON tags(namespace, value);

CREATE TABLE external_ids (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES processing_state(session_id) ON DELETE CASCADE,
    scheme TEXT NOT NULL DEFAULT 'inventory',
    value TEXT NOT NULL,
    created_at TEXT DEFAULT vat_now(),
    UNIQUE (session_id, scheme, value)
);
CREATE INDEX idx_external_ids_value ON external_ids(value);

CREATE TABLE roots (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT DEFAULT vat_now()
);

CREATE TABLE root_paths (
    id BIGSERIAL PRIMARY KEY,
    root_id BIGINT NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    path TEXT NOT NULL,
    added_at TEXT DEFAULT vat_now(),
    replaced_at TEXT
);
CREATE UNIQUE INDEX idx_root_paths_current ON root_paths(root_id, host) WHERE replaced_at IS NULL;

CREATE TABLE packs (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES processing_state(session_id) ON DELETE CASCADE,
    pack_path TEXT NOT NULL,
    file_count BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT,
    licence TEXT,
    units TEXT,
    kinds TEXT,
    created_at TEXT DEFAULT vat_now(),
    verified_at TEXT
);
CREATE INDEX idx_packs_session ON packs(session_id);

CREATE TABLE watched_masters (
    id BIGSERIAL PRIMARY KEY,
    watch_dir TEXT NOT NULL,
    master_path TEXT NOT NULL UNIQUE,
    master_sha256 TEXT,
    size_bytes BIGINT,
    mtime DOUBLE PRECISION,
    session_id TEXT REFERENCES processing_state(session_id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'skipped', 'failed')),
    reason TEXT,
    seen_at TEXT DEFAULT vat_now()
);
CREATE INDEX idx_watched_sha256 ON watched_masters(master_sha256);

-- §3.1 active_sessions view
CREATE VIEW active_sessions AS
SELECT
    session_id,
    artwork_name,
    status,
    ROUND((completed_operations::NUMERIC / NULLIF(total_operations, 0)) * 100, 1)::DOUBLE PRECISION
        AS progress_percent,
    current_operation,
    updated_at
FROM processing_state
WHERE status IN ('initialized', 'processing', 'paused')
ORDER BY updated_at DESC;

-- §3.2 project_statistics view
CREATE VIEW project_statistics AS
SELECT
    COUNT(*) AS total_projects,
    COUNT(CASE WHEN completed_successfully THEN 1 END) AS successful_projects,
    AVG(total_processing_time_seconds) AS avg_processing_time,
    SUM(total_files_created)::BIGINT AS total_files_created,
    SUM(total_output_size_mb) AS total_output_size_mb,
    AVG(compression_ratio) AS avg_compression_ratio
FROM project_history
WHERE completed_at >= to_char((now() AT TIME ZONE 'UTC') - INTERVAL '30 days', 'YYYY-MM-DD HH24:MI:SS');

-- §4.1 updated_at trigger
CREATE FUNCTION update_processing_state_timestamp() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := vat_now();
    RETURN NEW;
END $$;
CREATE TRIGGER update_processing_state_timestamp BEFORE UPDATE ON processing_state
    FOR EACH ROW EXECUTE FUNCTION update_processing_state_timestamp();

-- §4.2 preset usage trigger
CREATE FUNCTION track_preset_usage() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_presets SET usage_count = usage_count + 1, last_used_at = vat_now()
    WHERE preset_id = NEW.preset_id;
    RETURN NULL;
END $$;
CREATE TRIGGER track_preset_usage AFTER INSERT ON processing_state
    FOR EACH ROW EXECUTE FUNCTION track_preset_usage();

-- §4.3 completion trigger
CREATE FUNCTION complete_session() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    NEW.completed_at := vat_now();
    RETURN NEW;
END $$;
CREATE TRIGGER complete_session BEFORE UPDATE OF status ON processing_state
    FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION complete_session();

-- the default settings (db/schema_v1.sql's rows as migrations 3 and 5 left them; db_version is set by migrate)
INSERT INTO app_settings (key, value, value_type, category, description) VALUES
    ('app_version', '1.0.0', 'string', 'system', 'The vat version that last opened this database (set by vat)'),
    ('last_output_directory', '', 'string', 'paths', 'Last used output directory'),
    ('last_master_directory', '', 'string', 'paths', 'Last directory for master files'),
    ('last_rd_directory', '', 'string', 'paths', 'Last directory for R&D files'),
    ('scene_threshold_default', '30', 'real', 'processing', 'Default scene detection threshold'),
    ('min_scene_length_default', '15', 'integer', 'processing', 'Default minimum scene length in frames'),
    ('encoder_preference', 'x264', 'string', 'encoding', 'Preferred encoder (auto, x264 or nvenc): the TUI form and vat run without --encoder'),
    ('auto_open_output', '1', 'boolean', 'behavior', 'Print a link to the project folder when a run ends (a terminal hyperlink: works over SSH)'),
    ('generate_log', '1', 'boolean', 'behavior', 'Generate process log file'),
    ('extract_midpoint_stills', '1', 'boolean', 'processing', 'Extract stills from scene midpoints'),
    ('copyright_text', '© Yambo Studio', 'string', 'metadata', 'Copyright text for metadata'),
    ('parallel_workers', '4', 'integer', 'performance', 'Number of parallel processing workers'),
    ('gpu_enabled', '1', 'boolean', 'performance', 'Enable GPU acceleration when available'),
    ('cache_thumbnails', '1', 'boolean', 'performance', 'Cache scene thumbnails'),
    ('max_resume_age_days', '7', 'integer', 'behavior', 'Maximum age for resumable sessions'),
    ('log_level', 'INFO', 'string', 'system', 'Logging level (DEBUG, INFO, WARNING, ERROR)'),
    ('ui_theme', 'textual-dark', 'string', 'interface', 'Textual theme of the TUI'),
    ('log_retention_days', '0', 'integer', 'maintenance', 'Days operation_log rows of completed sessions are kept (0: forever)'),
    ('abandoned_session_days', '90', 'integer', 'maintenance', 'Days before a failed or never-processed session is removed'),
    ('retention_last_run', '', 'string', 'system', 'When retention last ran (set by vat)'),
    ('concurrent_sessions', '1', 'integer', 'performance', 'Sessions the queue processes at once (each with parallel_workers operations)'),
    ('watch_enabled', 'false', 'boolean', 'watch', 'The TUI starts vat watch on watch_folder, detached, when it opens'),
    ('watch_folder', '', 'string', 'watch', 'The folder vat watch polls for new masters'),
    ('watch_output', '', 'string', 'watch', 'Where the watch folder''s projects go (empty: the last one used)'),
    ('watch_preset', '', 'string', 'watch', 'The preset of the watch folder''s sessions (empty: the default)'),
    ('watch_scenes', 'all', 'string', 'watch', 'all: every scene is processed; pick: detected, then waits for a human to pick'),
    ('watch_artwork_from', 'name', 'string', 'watch', 'The artwork is named after the master''s file name (name) or its folder (parent)'),
    ('watch_settle_seconds', '10', 'integer', 'watch', 'Seconds a new master''s size and time must stay unchanged before it is taken'),
    ('watch_rd_from', '', 'string', 'watch', 'sibling: the folder <master name>_rd beside the master is its R&D folder (empty: none)');

"""`vat doctor`: can vat work here? ffmpeg, encoders, database, folders."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from core import dirs
from core.errors import VatError
from core.media import encoders, ffmpeg, nvidia


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def _writable(path: Path) -> tuple[bool, str]:
    try:
        dirs.ensure(path)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".vat-doctor-"):
            pass
    except OSError as exc:
        return False, f"{path}: {exc.strerror or exc}"
    return True, str(path)


def run_checks() -> list[Check]:
    checks: list[Check] = []
    try:
        found = ffmpeg.find_ffmpeg()
        checks.append(Check("ffmpeg", True, f"{found.path} ({found.source}), version {ffmpeg.version()}"))
    except (VatError, OSError) as exc:
        checks.append(Check("ffmpeg", False, str(exc)))
        found = None
    if found is not None:
        have = encoders.available_encoders()
        for name in encoders.CHECKED_ENCODERS:
            checks.append(
                Check(
                    f"encoder {name}",
                    name in have,
                    "available" if name in have else "missing",
                    required=name == "libx264",
                )
            )
        works, why = encoders.nvenc_status()
        if nvidia.NO_ENGINE in why:  # the hardware's answer, not a setup to fix
            why += "; clips use x264"
        checks.append(Check("nvenc works here", works, why, required=False))
        vmaf = "libvmaf" in encoders.available_filters()
        checks.append(Check("filter libvmaf", vmaf, "available" if vmaf else "missing", required=False))
    checks.append(_database_check())
    for label, folder in (
        ("data folder", dirs.data_dir()),
        ("cache folder", dirs.cache_dir()),
        ("log folder", dirs.log_dir()),
    ):
        ok, detail = _writable(folder)
        checks.append(Check(label, ok, detail))
    return checks


def _database_check() -> Check:
    from db import connection, migrations

    try:
        path = connection.db_file()
        connection.open_database(path)
        version = migrations.current_version()
    except VatError as exc:
        return Check("database", False, str(exc))
    return Check("database", True, f"{path} (schema version {version})")


def can_work(checks: list[Check]) -> bool:
    return all(c.ok for c in checks if c.required)

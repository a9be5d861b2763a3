"""Delivery packs (README: Delivery packs): a ZIP of a project's chosen outputs with LICENSE.txt,
manifest.json (every member's kind, unit, size and SHA-256) and the contact sheet.

The chosen outputs are checked against the registry before anything is written (pack_select); the
ZIP is written to a hidden temporary file beside the target, each output hashed again as it goes in,
then read back (every member's SHA-256 against the manifest, zipfile's own CRC test) and renamed into
place in the same transaction that registers it in the packs table: the target never holds a partial
ZIP, and the packs table never names one that is not there. Media is stored (it is compressed
already), text deflated."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from core.catalogue.licence import Licence, licence_of
from core.catalogue.pack_select import (
    Chosen,
    check_chosen,
    choose,
    parse_kinds,
    parse_units,
    session_of,
    stored_path,
)
from core.errors import BadInput, EnvironmentProblem, VatError
from core.pipeline.fixity import sha256_file
from core.pipeline.naming import artwork_slug
from core.text import terminal_safe
from db.connection import write_transaction
from db.fields import utc_now
from db.models import FileRegistry, Pack, ProcessingState

PACKS_FOLDER = "packs"
LICENCE_NAME, MANIFEST_NAME = "LICENSE.txt", "manifest.json"
CHUNK = 1 << 20


@dataclass
class PackResult:
    pack_id: int
    session_id: str
    artwork: str
    path: str
    file_count: int  # every member of the ZIP: outputs, contact sheet, licence, manifest
    size_bytes: int
    sha256: str
    licence: str
    units: list[str] | None  # None: every unit
    kinds: list[str]
    created_at: str
    verified_at: str
    members: list[dict] = field(default_factory=list)  # the manifest's files

    def to_dict(self) -> dict:
        return asdict(self)


def project_year(session: ProcessingState) -> int:
    """The year of the project date (YY-MM-DD), for the copyright line; this year when unreadable."""
    try:
        return 2000 + int(session.project_date.split("-")[0])
    except (ValueError, AttributeError):
        return date.today().year


def default_target(session: ProcessingState, today: date | None = None) -> Path:
    """<project>/packs/<artwork>_<YYYY-MM-DD>_pack.zip, or _pack_2.zip, _3... beside earlier ones."""
    folder = stored_path(session.output_path) / PACKS_FOLDER
    stem = f"{artwork_slug(session.artwork_name)}_{(today or date.today()).isoformat()}_pack"
    target, n = folder / f"{stem}.zip", 1
    while target.exists():
        n += 1
        target = folder / f"{stem}_{n}.zip"
    return target


def _target(session: ProcessingState, output: str | None) -> Path:
    if output is None:
        target = default_target(session)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EnvironmentProblem(f"{terminal_safe(target.parent)}: cannot be made ({exc.strerror})") from None
        return target
    target = Path(output).expanduser().absolute()
    if target.is_symlink():  # dangling or not: a link is never replaced by the pack
        raise BadInput(
            f"-o {terminal_safe(output)}: is a symbolic link; give a new file's name (a link is never replaced)"
        )
    if target.is_dir():
        raise BadInput(f"-o {terminal_safe(output)}: is a folder; give the ZIP file's name")
    if target.exists():
        raise BadInput(f"-o {terminal_safe(output)}: already exists; give another name (nothing is overwritten)")
    if not target.parent.is_dir():
        raise BadInput(f"-o {terminal_safe(output)}: no such folder {terminal_safe(target.parent)}")
    if target.suffix.lower() != ".zip":
        raise BadInput(f"-o {terminal_safe(output)}: not a .zip name; give FILE.zip")
    return target


def _hashed(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now().timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16  # a plain readable file when unpacked
    return info


def _add_file(zf: zipfile.ZipFile, item: Chosen) -> str:
    """Copy one output in (stored), hashing the bytes as they go; refuses one changed since its check."""
    digest = hashlib.sha256()
    with open(item.path, "rb") as src, zf.open(_info(item.arcname, zipfile.ZIP_STORED), "w", force_zip64=True) as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    actual = digest.hexdigest()
    if item.sha256 and actual != item.sha256:
        from core.catalogue.pack_select import OutputChanged

        raise OutputChanged(f"{terminal_safe(item.path)}: changed while it was packed; no pack made")
    return actual


def contact_sheet_of(session: ProcessingState) -> Chosen | None:
    """The project's registered contact sheet (PNG), to be checked and packed like an output."""
    row = FileRegistry.get_or_none(
        (FileRegistry.session == session.session_id) & (FileRegistry.file_type == "contact_sheet")
    )
    if row is None:
        return None
    path = stored_path(row.file_path)
    return Chosen(
        path,
        "contact_sheet",
        None,
        row.file_size_bytes or 0,
        (row.compression_settings or {}).get("sha256"),
        path.name,
    )


def write_zip(
    tmp: Path, session: ProcessingState, chosen: list[Chosen], sheet: Chosen | None, licence: Licence, document: dict
) -> list[dict]:
    """The ZIP at `tmp`: outputs, contact sheet, licence, then the manifest that lists them all."""
    members: list[dict] = []
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for item in chosen:
            digest = _add_file(zf, item)
            members.append(
                {"path": item.arcname, "kind": item.kind, "unit": item.unit, "size": item.size, "sha256": digest}
            )
        if sheet is not None:
            digest = _add_file(zf, sheet)
            members.append(
                {"path": sheet.arcname, "kind": "contact_sheet", "unit": None, "size": sheet.size, "sha256": digest}
            )
        else:
            from core.catalogue.pack_sheet import made_sheet

            made = made_sheet(session, chosen)
            if made is not None:
                name = f"{artwork_slug(session.artwork_name)}_contact_sheet.png"
                zf.writestr(_info(name, zipfile.ZIP_STORED), made)
                members.append(
                    {"path": name, "kind": "contact_sheet", "unit": None, "size": len(made), "sha256": _hashed(made)}
                )
        text = licence.text.encode("utf-8")
        zf.writestr(_info(LICENCE_NAME, zipfile.ZIP_DEFLATED), text)
        members.append(
            {"path": LICENCE_NAME, "kind": "licence", "unit": None, "size": len(text), "sha256": _hashed(text)}
        )
        document["files"] = members
        zf.writestr(
            _info(MANIFEST_NAME, zipfile.ZIP_DEFLATED), json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        )
    return members


class PackDamaged(VatError):
    """The ZIP read back does not hold what was written (exit 1): nothing is kept."""


def read_back(path: Path) -> dict:
    """The ZIP checked as a reader would: zipfile's CRC test of every member, and every member's
    SHA-256 against the manifest inside it; returns the manifest."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise PackDamaged(f"{path}: member {bad} fails its CRC when read back")
            manifest = json.loads(zf.read(MANIFEST_NAME))
            listed = {entry["path"]: entry for entry in manifest["files"]}
            names = set(zf.namelist()) - {MANIFEST_NAME}
            if names != set(listed):
                raise PackDamaged(f"{path}: its members are not the manifest's files")
            for name, entry in listed.items():
                digest = hashlib.sha256()
                with zf.open(name) as member:
                    while chunk := member.read(CHUNK):
                        digest.update(chunk)
                if digest.hexdigest() != entry["sha256"]:
                    raise PackDamaged(f"{path}: {name} read back with another SHA-256 than the manifest's")
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PackDamaged(f"{path}: does not read back as the pack written ({exc})") from None
    return manifest


def make_pack(
    project: str,
    *,
    units: str | None = None,
    kinds: str | None = None,
    licence: str = "all-rights-reserved",
    output: str | None = None,
) -> PackResult:
    """Make, verify and register one pack (see the module's note). BadInput (2) for bad options or an
    unknown project, OutputChanged (1) for an output missing or changed, EnvironmentProblem (3) for a
    folder that cannot be written."""
    wanted_units, wanted_kinds = parse_units(units), parse_kinds(kinds)
    session = session_of(project)
    chosen = choose(session, wanted_units, wanted_kinds)
    sheet = contact_sheet_of(session)
    check_chosen(chosen + ([sheet] if sheet else []))
    holder = session.copyright_text or ""
    if not holder:
        from db.settings import get_setting

        holder = str(get_setting("copyright_text") or "")
    chosen_licence = licence_of(licence, artwork=session.artwork_name, holder=holder, year=project_year(session))
    target = _target(session, output)
    created = utc_now()
    unit_labels = [u.label for u in wanted_units] if wanted_units is not None else None
    document = {
        "artwork": session.artwork_name,
        "session": session.session_id,
        "project_date": session.project_date,
        "date": created,
        "licence": chosen_licence.name,
        "copyright": holder or None,
        "units": unit_labels,
        "kinds": wanted_kinds,
    }
    from core.pipeline.execute import temporary_path

    tmp = temporary_path(target)
    try:
        try:
            members = write_zip(tmp, session, chosen, sheet, chosen_licence, document)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        except OSError as exc:  # no permission, a full disk, a read-only mount, /proc (no new files: ENOENT)
            why = "it takes no new files" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
            raise EnvironmentProblem(f"cannot write in {terminal_safe(target.parent)}: {why}") from None
        read_back(tmp)
        verified = utc_now()
        digest = sha256_file(tmp)
        size = tmp.stat().st_size
        with write_transaction():  # the row and the file together: a failed rename rolls it back
            row = Pack.create(
                session=session.session_id,
                pack_path=str(target),
                file_count=len(members) + 1,
                size_bytes=size,
                sha256=digest,
                licence=chosen_licence.name,
                units=unit_labels,
                kinds=wanted_kinds,
                created_at=created,
                verified_at=verified,
            )
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return PackResult(
        row.id,
        session.session_id,
        session.artwork_name,
        str(target),
        len(members) + 1,
        size,
        digest,
        chosen_licence.name,
        unit_labels,
        wanted_kinds,
        created,
        verified,
        members,
    )


def packs_of(session_id: str) -> list[Pack]:
    """A project's packs, oldest first."""
    return list(Pack.select().where(Pack.session == session_id).order_by(Pack.created_at, Pack.id))


def pack_row_dict(row: Pack) -> dict:
    return {
        "pack_id": row.id,
        "session_id": row.session_id,
        "path": row.pack_path,
        "file_count": row.file_count,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "licence": row.licence,
        "units": row.units,
        "kinds": row.kinds,
        "created_at": _text(row.created_at),
        "verified_at": _text(row.verified_at),
    }


def _text(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return None if value is None else str(value)

"""`vat run`'s new sessions: each master checked (before anything is written, every one of a batch),
then hashed, then recorded with its tags and external ids and put in the machine's queue."""

from __future__ import annotations

import argparse
import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.tags import add_tags, parse_tag
from core.errors import BadInput, VatError
from core.pipeline import selection, session_queue
from core.pipeline import session as sessions
from core.pipeline.session_queue import PICK_LATER
from core.text import terminal_safe
from db.models import QUEUE_RUNNING, QUEUE_WAITING, ExternalId, ProcessingState
from tui.cli.batch_input import Row
from tui.cli.session_work import Fresh

_SCHEME = re.compile(r"[a-z][a-z0-9_.-]{0,39}")


def parse_external_id(text: str) -> tuple[str, str]:
    """--external-id SCHEME:VALUE (inventory:INV-2024-001): the scheme a short lower-case word, the
    value one line of text."""
    scheme, sep, value = text.partition(":")
    scheme, value = scheme.strip().lower(), value.strip()
    if not sep or not _SCHEME.fullmatch(scheme) or not value:
        raise BadInput(f"--external-id {terminal_safe(text)!r}: expected SCHEME:VALUE, like inventory:INV-2024-001")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value) or len(value) > 200:
        raise BadInput(f"--external-id {terminal_safe(text)!r}: control characters or longer than 200")
    return scheme, value


@dataclass
class Prepared:
    row: Row
    checked: sessions.Checked
    fresh: Fresh
    session_id: str

    @property
    def root(self) -> Path:
        return sessions.project_root(self.checked)


def prepare(args: argparse.Namespace, row: Row) -> Prepared:
    """Every check of today's single run, for one master; a batch row's failure names its file and row."""
    from tui.cli.common import detection_settings, detection_steering
    from tui.cli.run import scene_list

    options = sessions.SessionOptions(
        master=row.master,
        artwork=row.artwork,
        project_date=row.date,
        rd_folder=Path(args.rd) if args.rd else None,
        preset_id=row.preset,
        out=Path(args.out) if args.out else None,
        encoder=args.encoder,
        detector=args.detector,
        threshold=args.threshold,
        scenes=None if row.pick else row.scenes,
        groups=row.groups,
        unattended=not row.pick,  # picked later: no selection is stored, the entry waits as to pick
        copyright=row.copyright,
        credits=args.credits,
    )
    try:
        checked = sessions.check_options(options)
        selection.check_syntax(options.scenes, options.groups)
        for tag in row.tags:
            parse_tag(tag)
        fps = checked.media.fps or 25.0
        detection = detection_settings(args, fps)
        options.min_scene_len = detection[2] if args.min_scene_len is not None else None
        options.detection_steering = detection_steering(args, fps)
        listed = scene_list(args, checked.master)
    except VatError as exc:
        if not row.where:
            raise
        raise type(exc)(row.where + exc.message) from None
    return Prepared(row, checked, Fresh(detection, checked.media, listed), sessions.new_session_id(checked))


def check_distinct(prepared: list[Prepared]) -> None:
    """Two masters of one batch would write one project folder: refused before anything is made."""
    seen: dict[Path, Row] = {}
    for item in prepared:
        other = seen.setdefault(item.root, item.row)
        if other is not item.row:
            if _same_file(item.row.master, other.master):
                raise BadInput(f"{item.row.where or 'vat run: '}{terminal_safe(item.row.master)} is given twice")
            where = item.row.where or f"{terminal_safe(item.row.master)}: "
            raise BadInput(
                f"{where}its project folder {terminal_safe(item.root)} is also "
                f"{terminal_safe(other.master.name)}'s: give another artwork or date"
            )


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:
        return one.absolute() == other.absolute()


def create(
    item: Prepared,
    args: argparse.Namespace,
    external_ids: list[tuple[str, str]],
    batch_id: str,
    source: str,
    held: contextlib.ExitStack,
    farm: str | None = None,
) -> ProcessingState:
    """Record the session and its entry in one transaction, under the folder's lock (a second writer is
    refused before anything is recorded). With --now the session's lock is taken here and kept (it is
    processed at once, outside the queue's turn); otherwise the queue's taker takes it. `farm`: the broker
    of `--farm`, recorded with the session: whoever takes it from the queue sends it to the farm too."""
    from core.pipeline.new_session import create_claimed

    def record(session: ProcessingState) -> None:  # in the session's own transaction
        if item.row.pick or farm:
            meta = {**(session.process_metadata or {}), **({PICK_LATER: True} if item.row.pick else {})}
            if farm:
                from core.farm.config import farm_intent

                meta["farm"] = farm_intent(farm)
            ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
            session.process_metadata = meta
        add_tags(session.session_id, item.row.tags)
        for scheme, value in external_ids:
            ExternalId.create(session=session.session_id, scheme=scheme, value=value)
        state = QUEUE_RUNNING if args.now else QUEUE_WAITING
        session_queue.enqueue(session.session_id, source=source, batch_id=batch_id, state=state)

    listed = item.fresh.listed
    session = create_claimed(
        item.checked,
        item.session_id,
        replace=args.replace,
        scene_file=(listed, Path(args.scenes_from)) if listed is not None else None,
        hold=held if args.now else None,
        record=record,
    )
    return session

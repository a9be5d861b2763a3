"""`vat run --farm` without --now queues the session, and the farm is part of it: whichever queue runner's
turn it is sends it to the render farm (VAT_BROKER, else the broker it recorded), never to its local pool,
which would race the farm's tasks still in the broker. A broker's password is never recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from core.errors import BadInput
from core.farm.config import broker_of, farm_intent
from core.pipeline import queue_runner, session_queue
from core.pipeline import session as sessions
from db.models import ProcessingState
from tests.helpers import ROOT, VAT, json_events, vat
from tests.servers import Redis
from tests.test_farm_node import catalogue, redis_server

__all__ = ["catalogue", "redis_server"]  # the fixtures, used by name


def test_the_intent_keeps_a_broker_without_a_password_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAT_BROKER", raising=False)
    assert farm_intent("redis://farm.lan:6379/0") == {"broker": "redis://farm.lan:6379/0"}
    assert farm_intent("redis://:s3cret@farm.lan:6379/0") == {"broker": None}
    assert broker_of("s1", {"broker": "redis://farm.lan:6379/0"}) == "redis://farm.lan:6379/0"
    with pytest.raises(BadInput, match="set VAT_BROKER, or run vat --resume --farm s1"):
        broker_of("s1", {"broker": None})
    monkeypatch.setenv("VAT_BROKER", "redis://:s3cret@farm.lan:6379/0")
    assert broker_of("s1", {"broker": None}) == "redis://:s3cret@farm.lan:6379/0"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_a_queued_farm_session_goes_to_the_farm_whoever_runs_the_queue(
    catalogue: str, redis_server: Redis, cut_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = redis_server.url(0)
    monkeypatch.setenv("VAT_BROKER", broker)
    # --scenes pick: detected in its turn, then it waits for its scenes (its `vat run` ends there)
    made = vat("run", cut_video, "--artwork", "Farmed", "--out", tmp_path / "out", "--farm", "--scenes", "pick")
    assert made.returncode == 0, made.stdout + made.stderr
    (session,) = ProcessingState.select()
    assert (session.process_metadata or {})["farm"] == {"broker": broker}
    sessions.request_selection(session, "1-2", [])  # picked (as the TUI's picker does): its turn again
    assert queue_runner.selection_given(session.session_id)
    monkeypatch.delenv("VAT_BROKER")  # the runner knows no broker: the one recorded is used
    runner = subprocess.Popen(
        [*VAT, "queue", "run", "--json"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    said: list[str] = []
    try:
        assert runner.stdout is not None
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up:
            line = runner.stdout.readline()
            if not line:
                break
            said.append(line)
            texts = [e.get("text", "") for e in json_events(line)]
            if any("render farm" in t or "at a time" in t for t in texts):
                break
    finally:
        runner.send_signal(signal.SIGTERM)
        rest, err = runner.communicate(timeout=60)
    texts = [e.get("text", "") for e in json_events("".join(said) + rest)]
    assert f"operations sent to the render farm (broker {broker})" in texts, "".join(said) + rest + err
    assert not any("at a time" in t for t in texts)  # not the local pool
    assert runner.returncode == 130  # stopped following: the farm goes on
    entry = session_queue.entry_of(session.session_id)
    assert entry is not None and entry.state == "waiting"


def test_a_nodes_planning_keeps_what_others_wrote_in_the_sessions_metadata(
    catalogue: str, cut_video: Path, tmp_path: Path
) -> None:
    """A session from before its plan settings were kept gets today's when planned (a node plans it too):
    written into the row as it is now, not over it from the node's older copy (the farm's record kept)."""
    from tests.test_farm_node import new_session

    session = new_session(cut_video, tmp_path / "out")
    meta = dict(session.process_metadata or {})
    meta.pop("plan_settings", None)
    ProcessingState.update(process_metadata=meta).where(ProcessingState.id == session.id).execute()
    stale = ProcessingState.get_by_id(session.id)  # as a node read it
    farmed = {**meta, "farm": {"broker": "redis://farm.lan:6379/0"}}  # the coordinator writes meanwhile
    ProcessingState.update(process_metadata=farmed).where(ProcessingState.id == session.id).execute()
    settings = sessions.plan_settings_of(stale)
    kept = ProcessingState.get_by_id(session.id).process_metadata or {}
    assert kept["farm"] == {"broker": "redis://farm.lan:6379/0"} and kept["plan_settings"] == settings

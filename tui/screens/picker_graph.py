"""The picker's detection graph and live threshold (d, then -/+ and </>), kept out of picker.py.

`d` shows the graph under the list and loads the session's cached statistics in a thread
(core.detection.live: the picker opens at once, nothing is decoded). While it shows, -/+ (=) and </>
step the threshold and the minimum scene length; the scenes are derived again from the statistics in
a thread (a long master takes seconds, the screen stays live), then stored as a detection stores them,
with the marks, groups, titles and notes of the scenes that survive (core.pipeline.session_detect
store_derived, under the session's lock: refused while a detached detection or processing runs).
Each step is saved once derived; one still being derived when the picker closes is derived and saved
then (flush).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from core.errors import VatError
from tui.picks import Picks, Snapshot, carry_by_frames, carry_over
from tui.safe_text import markup_safe
from tui.widgets.detection_graph import DetectionGraph

if TYPE_CHECKING:
    from core.detection import live
    from core.scenes import Detection, Scene
    from tui.screens.picker import PickerScreen

log = logging.getLogger(__name__)


class PickerGraph:
    def __init__(self, screen: PickerScreen):
        self.screen = screen
        self.statistics: live.LiveStatistics | live.NoStatistics | None = None  # None: not loaded
        self.loaded_for: str | None = None  # the detection (detector, options) they were loaded for
        self.loading = False
        self.threshold = 0.0  # wanted: applied once derived and stored
        self.min_len = 0
        self.asked = 0  # derivations asked for so far
        self.pending: int | None = None  # the one asked for last, until stored: an older one is dropped
        # where the marks of every step come from (tui.picks.carry_by_frames): the scenes and picks when
        # stepping began, kept while the picker shows what the last step stored (`expected`)
        self.baseline: tuple[list[Scene], Picks] | None = None
        self.expected: tuple[tuple[int, ...], Snapshot] | None = None

    @property
    def graph(self) -> DetectionGraph:
        return self.screen.query_one(DetectionGraph)

    @property
    def shown(self) -> bool:
        return bool(self.graph.display)

    def _detection_key(self) -> str:
        meta = self.screen.session.process_metadata or {}
        return json.dumps([meta.get("detector"), meta.get("detection_options")], sort_keys=True, default=str)

    # --- showing -----------------------------------------------------------------------------------
    def toggle(self) -> None:
        self.graph.display = not self.shown
        if self.shown:
            self.sync()

    def sync(self) -> None:
        """The graph after the scenes or the cursor changed (the picker calls it whenever it shows them);
        statistics loaded again when the session was detected again with another detector or options."""
        if not self.shown:
            return
        session = self.screen.session
        if self.loaded_for != self._detection_key() and not self.loading:
            self._load()
        if self.pending is None:
            meta = session.process_metadata or {}
            self.threshold = float(session.scene_threshold or 0.0)
            self.min_len = int(session.min_scene_length or 0)
            self.graph.set_params(str(meta.get("detector", "")), self.threshold, self.min_len)
        self.graph.set_scenes(self.screen.scenes, self.screen.scene_list.cursor)

    def _load(self) -> None:
        self.loading, self.statistics, self.loaded_for = True, None, self._detection_key()
        self.graph.show_loading()
        session = self.screen.session
        self.screen.run_worker(
            partial(self._load_in_thread, session),
            thread=True,
            exclusive=True,
            group="graph-statistics",
            exit_on_error=False,
            name="loading the detection statistics",
        )

    def _back_on_screen(self, callback: Callable[..., object], *args: object) -> bool:
        """callback(*args) on the app's thread, unless the picker has closed meanwhile."""
        if get_current_worker().is_cancelled:
            return False
        try:
            self.screen.app.call_from_thread(callback, *args)
        except RuntimeError:  # the app is closing
            return False
        return True

    def _load_in_thread(self, session: object) -> None:
        # imported here, in the thread: numpy, OpenCV and the detectors cost the UI thread about 0.3 s
        from core.detection import live

        found = live.for_session(session)  # type: ignore[arg-type]
        shown = self._back_on_screen(self._loaded, found)  # the graph shows now
        if shown and isinstance(found, live.LiveStatistics):
            found.prepare()  # then every step is quick (a step meanwhile computes what it needs itself)

    def _loaded(self, found: live.LiveStatistics | live.NoStatistics) -> None:
        from core.detection import live  # imported by the loading thread already

        self.loading, self.statistics = False, found
        if isinstance(found, live.NoStatistics):
            self.graph.unavailable(found.reason)
        else:
            self.graph.show_scores(found.scores, found.first_frame)

    # --- the live threshold ------------------------------------------------------------------------
    def step(self, threshold: int = 0, min_len: int = 0) -> None:
        """-/+ (threshold) or </> (min_len): one step down (-1) or up (1), then derive and store."""
        if not self.shown:
            self.screen.notify("d shows the detection graph; -/+ and </> then change the threshold")
            return
        stats = self.statistics
        if stats is None:
            self.screen.notify("cannot derive the scenes again: loading the statistics…", severity="warning")
            return
        from core.detection import live  # imported by the loading thread already

        if not isinstance(stats, live.LiveStatistics):
            why = stats.reason
            self.screen.notify(markup_safe(f"cannot derive the scenes again: {why}"), severity="warning")
            return
        busy = self._busy()
        if busy:
            self.screen.notify(markup_safe(busy), severity="warning")
            return
        if threshold:
            self.threshold = live.step_threshold(stats.detector, self.threshold, threshold)
        if min_len:
            self.min_len = live.step_min_len(self.min_len, min_len)
        self._keep_or_take_baseline()
        self.asked += 1
        self.pending = self.asked
        self.graph.set_params(stats.detector, self.threshold, self.min_len, busy=True)
        self.screen.run_worker(
            partial(self._derive_in_thread, stats, self.pending, self.threshold, self.min_len),
            thread=True,
            group="graph-derive",
            exit_on_error=False,
            name="deriving the scenes",
        )

    def _shown_now(self) -> tuple[tuple[int, ...], Snapshot]:
        screen = self.screen
        return tuple(s.start_frame for s in screen.scenes), screen.picks.snapshot()

    def _keep_or_take_baseline(self) -> None:
        """Steps carry the marks from where stepping began: the baseline goes on while the picker shows
        what the last step stored, and is taken anew once the user changed the selection (or the
        scenes changed otherwise) since."""
        if self.pending is not None and self.baseline is not None:
            return  # the last step is still being derived: nothing changed on screen since
        shown = self._shown_now()
        if self.baseline is None or shown != self.expected:
            screen = self.screen
            picks = Picks(screen.picks.count, set(screen.picks.selected), list(screen.picks.groups))
            self.baseline, self.expected = (list(screen.scenes), picks), shown

    def _busy(self) -> str | None:
        """Why the scenes cannot change now: another process works on the session (a detached
        detection, processing), as its lock says."""
        from core.pipeline.background import running_pid

        pid = running_pid(self.screen.session_id)
        if pid is not None:
            return f"process {pid} is working on this session (a detection or processing): wait for it"
        return None

    def _derive_in_thread(self, stats: live.LiveStatistics, asked: int, threshold: float, min_len: int) -> None:
        found = stats.derive(threshold, min_len)
        self._back_on_screen(self._derived, asked, found)

    def _derived(self, asked: int, found: Detection) -> None:
        if asked != self.pending:
            return  # a later key asked for another: that one's result follows
        problem = self._store(found, self.screen.scene_list.cursor)
        if problem is not None:
            self.screen.notify(markup_safe(problem), severity="error")
            self.sync()  # back to the stored threshold
            return
        self.screen._redetected(True)  # reload the scenes, picks, titles and title line as after `t`

    def _store(self, found: Detection, at: int) -> str | None:
        """Store the derived scenes with the picks and the cursor (`at`, 0-based) carried over to them;
        why not, when refused."""
        from core.pipeline.session_detect import store_derived

        screen = self.screen
        self.pending = None
        _, cursor = carry_over(screen.scenes, screen.picks, found.scenes, at)  # the cursor's frame
        if self.baseline is None:  # never: a step takes one first
            self.baseline = (list(screen.scenes), screen.picks)
        picks = carry_by_frames(*self.baseline, found.scenes)
        try:
            store_derived(screen.session, found, picks.chosen(), list(picks.groups), cursor)
        except VatError as exc:
            return exc.message
        self.expected = tuple(s.start_frame for s in found.scenes), picks.snapshot()
        return None

    def flush(self) -> bool:
        """The picker closes (quit, back, a dropped connection): a step still being derived is derived
        here and stored, not lost (quick: the statistics are prepared). True when it stored the scenes,
        picks and cursor: the picker's own, numbered for the old scenes, must not be saved after it."""
        stats = self.statistics
        if self.pending is None or stats is None:
            return False
        from core.detection import live  # imported by the loading thread already

        if not isinstance(stats, live.LiveStatistics):
            return False
        # the list may be gone already: the cursor the picker keeps for saving after unmount
        problem = self._store(stats.derive(self.threshold, self.min_len), self.screen._cursor)
        if problem is not None:
            log.warning("the new threshold was not saved: %s", problem)
        return problem is None

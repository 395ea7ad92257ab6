"""The app's side of the experiments on copies of the run
(tuinn.runs.experiments).  A run that stands still (paused, or at its epoch
limit) gets its diagnosis settled in the background, once per state: what
more epochs do and what each finding's advice does, measured; any change to
the run cancels that at once.  y tries each finding's advice on copies while
the run on screen goes on; the notice line then shows the proof of the best
fix, Y lists every fix tried, and u adopts the proven one."""

from textual import work
from textual.worker import get_current_worker

from tuinn.errors import ConfigError, TuinnError
from tuinn.runs import experiments
from tuinn.tui.screens import RepairScreen
from tuinn.tui.lock import TIMER_WAIT
from tuinn.tui.session import Session

SETTLE_SECONDS = experiments.DEFAULT_SECONDS


class RepairActions:
    """Mixed into a TerminalApp (its _say, show_error, plots_stale and text_stale),
    which also sets these:"""

    session: Session                # the live run (tuinn.tui.session)
    findings: list                  # the last diagnosis shown
    diagnosed_generation: int       # the run it is of (Session.generation)

    repair_rows = None          # the attempts of the last try, for Y and u
    repair_generation = None    # the run they were tried on
    repair_running = False
    settled = None              # (Session.settle_key(), the findings settled on copies)
    settling = None             # the key being settled in the background

    def settle_when_still(self):
        """After a frame's diagnosis is on screen: a run that stands still is
        settled on copies in the background, once per state."""
        s = self.session
        if not s.lock.acquire(TIMER_WAIT):
            return                      # it trains: not still
        try:
            key = s.settle_key()
            if key is None or key == self.settling or (self.settled and self.settled[0] == key):
                return
            twin = s.run.copy()
        except (OSError, TuinnError):
            return                      # the fast diagnosis stays, as it says: estimated
        finally:
            s.lock.release()
        self.settling = key
        self.text_stale()
        self.settle_in_background(twin, key)

    @work(thread=True, exclusive=True, group="settle", description="the diagnosis on copies")
    def settle_in_background(self, twin, key):
        worker = get_current_worker()
        s = self.session

        def cancelled():
            return worker.is_cancelled or s.settle_key() != key
        try:
            findings = experiments.measure(twin, "app", SETTLE_SECONDS, cancelled)
        except Exception:               # noqa: BLE001  (the fast diagnosis stays on screen)
            findings = None
        if worker.is_cancelled:
            return
        try:
            self.call_from_thread(self.settle_done, key, None if cancelled() else findings)
        except RuntimeError:
            pass                        # the app closed meanwhile

    def settle_state(self):
        """", measured" or ", measuring" for the status line while the run stands
        still (under the run's lock)."""
        key = self.session.settle_key()
        if key is None:
            return ""
        if self.settled and self.settled[0] == key:
            return ", measured"
        return ", measuring" if self.settling == key else ""

    def settle_done(self, key, findings):
        """On the UI thread: the settled findings replace the fast ones while the
        run stays as it was."""
        if self.settling == key:
            self.settling = None
        if findings is not None and key == self.session.settle_key():
            self.settled = (key, findings)
            self.plots_stale()
        self.text_stale()

    def action_try_advice(self):
        s = self.session
        if self.repair_running:
            raise ConfigError("the advice is being tried already: its result shows on the "
                              "notice line")
        findings = self.findings if self.diagnosed_generation == s.generation else []
        tryable = [f for f in findings if f.options]
        if not tryable:
            raise ConfigError("no finding with advice to try: the diagnosis panel says what it "
                              "finds" if findings else "no diagnosis of this run yet: train a "
                              "little first")
        try:
            with s.lock:
                twin, generation = s.run.copy(), s.generation
        except (OSError, TuinnError) as exc:
            raise TuinnError(f"could not copy the run to try the advice on: {exc}") from None
        epochs = twin.epoch or twin.spec.train.epochs
        self.repair_running = True
        s.touch(f"trying the advice of {len(tryable)} finding{'s' * (len(tryable) > 1)} on "
                f"copies of the run, {epochs:,} epochs each; the run goes on")
        self._say()
        self.try_in_background(twin, list(findings), epochs, generation)

    @work(thread=True, exclusive=True, group="repair", description="advice on copies")
    def try_in_background(self, twin, findings, epochs, generation):
        worker = get_current_worker()
        try:
            rows = experiments.attempts(twin, findings, epochs, cancelled=lambda: worker.is_cancelled)
        except Exception as exc:        # noqa: BLE001  (the run on screen goes on)
            rows = f"trying the advice failed: {exc}"
        if worker.is_cancelled:
            return
        try:
            self.call_from_thread(self.show_repair, rows, generation)
        except RuntimeError:
            pass                        # the app closed meanwhile

    def show_repair(self, rows, generation):
        """On the UI thread: the proof of the best fix on the notice line
        (`rows` is the attempts, or why they failed)."""
        self.repair_running = False
        if isinstance(rows, str):
            self.show_error(rows)
            return
        self.repair_rows, self.repair_generation = rows, generation
        tried = [a for a in rows if a.after is not None]
        chosen = next((a for a in rows if a.adopted), None)
        if chosen is not None:
            notice = f"advice proven: {chosen.proof()}. u adopts it; Y lists all {len(rows)}"
        elif tried:
            best = max(tried, key=lambda a: a.gain)
            notice = (f"no advice lowered the loss {experiments.PROVEN:g}x: the best, "
                      f"{best.proof()}. Y lists all {len(rows)}")
        else:
            notice = "no advice could be tried by itself: Y lists why"
        if generation != self.session.generation:
            notice += " (tried on the run before the last change: y tries again)"
        self.session.touch(notice)
        self._say()

    def action_repair_list(self):
        if not self.repair_rows:
            raise ConfigError("nothing tried yet: y tries each finding's advice on copies of "
                              "the run")
        self.push_screen(RepairScreen(self.repair_rows, experiments.PROVEN))

    def action_adopt(self):
        s = self.session
        chosen = next((a for a in self.repair_rows or () if a.adopted), None)
        if chosen is None:
            raise ConfigError("no proven fix to adopt: y tries the advice first" if not
                              self.repair_rows else "no fix was proven, so none is adopted "
                              "(Y lists them)")
        if self.repair_generation != s.generation:
            raise ConfigError("the run has changed since the advice was tried: y tries it "
                              "again")
        self.repair_rows = None
        if chosen.action == "restore-best":
            s.restore_best()
            self._say()
            return
        s.adopt(chosen.run, f"adopted: {chosen.proof()}; training goes on from there")
        self._say()

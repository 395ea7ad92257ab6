"""The live run behind the app: paced training on a worker thread, the user's
changes, and what the screen reads.  No Textual in here, so it is tested alone.

One lock guards the run: the worker holds it for one kernel call (sized to
about CHUNK_SECONDS of work), the UI thread for a key press or a frame, and
the worker lets a waiting UI thread go first.
"""

import copy
import datetime
import difflib
import math
import os
import threading
import time

import numpy as np

from tuinn import data as datasets
from tuinn import presets
from tuinn.errors import ConfigError
from tuinn.runs import Run, RunSpec
from tuinn.runs.run import load_data
from tuinn.runs.paths import last_run_dir, saved_runs_dir
from tuinn.settings import shown
from tuinn.tui.lock import UiFirstLock
from tuinn.tui.panel import SettingsPanel, show_value
from tuinn.status import Status

# What the data keys step through, as Playground's sliders do.
TEST_RATIO_RUNGS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
BATCH_RUNGS = (1, 2, 5, 10, 30, 100, 300, None)        # None: the full batch
# Epochs per second the run plays at; None plays as fast as the kernel goes.
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000,
          100_000, None)
PLAY_SECONDS = 10.0      # a run's epoch limit plays out over about this long by default
# Work per kernel call: a key waits at most this long.  After each call the
# trainer waits for the GIL (up to GIL_SWITCH_SECONDS, tui/app.py) while the UI
# draws: with 2 ms chunks the app trained at 72-78 % of direct speed, with
# 10 ms ones at 81-86 % (`tuinn bench --app`).
CHUNK_SECONDS = 0.01
def default_speed(epochs):
    """The slowest speed that plays `epochs` within about PLAY_SECONDS."""
    want = epochs / PLAY_SECONDS
    return next((s for s in SPEEDS if s is not None and s >= want), None)


class Trajectory:
    """The weights recorded after each chunk, for the Weights tab's chart: up to
    POINTS of them, the older half thinned when full, so that a long run keeps
    its whole span."""

    POINTS = 4000

    def __init__(self, theta):
        self.epochs, self.thetas = [0], [theta.copy()]

    @property
    def last_epoch(self):
        return self.epochs[-1]

    def record(self, epoch, theta):
        self.epochs.append(epoch)
        self.thetas.append(theta.copy())
        if len(self.epochs) > self.POINTS:
            half = len(self.epochs) // 2
            self.epochs[:half] = self.epochs[:half:2]
            self.thetas[:half] = self.thetas[:half:2]

    def copy(self):
        """(epochs, theta rows) as new lists: each row is a copy no one changes,
        so the arrays can be built outside the lock."""
        return list(self.epochs), list(self.thetas)


def _same_rows(a, b):
    """Whether two data sets hold the same rows, test set included."""
    pairs = ((a.X, b.X), (a.Y, b.Y), (a.X_test, b.X_test), (a.Y_test, b.Y_test))
    return all((p is None and q is None) or (p is not None and q is not None and
                                              np.array_equal(p, q)) for p, q in pairs)


class Session(SettingsPanel):
    """A Run with its pace, its pinned curves and its weight trajectory; its
    settings as the Settings tab edits them come from SettingsPanel."""

    def __init__(self, spec, paused=False, source=None, run=None):
        """A session of a new run of `spec`, or of `run` (already trained)."""
        self.lock = UiFirstLock()
        self.wake = threading.Event()
        self.pins = []                 # (label, epochs, loss) of earlier curves
        self.show_test = False         # the fit draws the test rows too
        self.discrete = False          # the heat map shows one shade per class
        self.notice = ""
        self.version = 0               # bumped by every change the screen should show
        self.generation = 0            # bumped by every new run: findings of the last one go
        self.paused = paused
        self._open(run or Run(spec), source or spec.name, "")

    # ------------------------------------------------------------ state

    def _install(self, run, source):
        self.run = run
        self.source = source
        self.generation += 1
        self.kernel_eps = 0.0          # epochs per second of the kernel calls: sizes the chunks
        self.progress_eps = 0.0        # epochs per second the run advances: what the screen shows
        self.tracked = list(range(min(run.net.theta.size, 6)))
        self.weights_over_time = Trajectory(run.net.theta)
        self.restored_from = None      # the epoch whose weights b put back, until training goes on
        self.version += 1

    @property
    def limit(self):
        return self.run.spec.train.epochs

    @property
    def state(self):
        status = self.run.status
        if status.diverged:
            return "diverged"
        if self.run.epoch >= self.limit:
            return "done"
        return "paused" if self.paused else "running"

    def _restart_pace(self):
        self._pace_time = time.perf_counter()
        self._pace_epoch = self.run.epoch
        self._progress_mark = (self._pace_time, self.run.epoch)

    def touch(self, notice=None):
        if notice is not None:
            self.notice = notice
        self.version += 1
        self.wake.set()

    # ------------------------------------------------------------ the worker

    def play(self, cancelled):
        """The worker thread's loop: train paced chunks until `cancelled()`."""
        while not cancelled():
            wait = self.play_once()
            if wait:
                self.wake.wait(wait)
                self.wake.clear()

    def play_once(self, per_call=None):
        """Train the chunk now due (at most `per_call` epochs when given); returns
        0, or how long to wait before one is due."""
        with self.lock.worker():
            chunk, wait = self._next_chunk(per_call)
            if chunk:
                try:
                    self._train(chunk)
                except Exception as exc:    # noqa: BLE001  (keep the app and the run)
                    self.paused = True
                    self.touch(f"training stopped: {exc}; the run is kept as it was")
        return 0 if chunk else wait

    def per_call(self):
        """Epochs one kernel call trains in about CHUNK_SECONDS."""
        return max(1, int(self.kernel_eps * CHUNK_SECONDS)) if self.kernel_eps else 1

    def _next_chunk(self, per_call=None):
        """(epochs to train now, seconds to wait when none)."""
        if self.state != "running":
            return 0, 0.25
        left = self.limit - self.run.epoch
        per_call = per_call or self.per_call()
        if self.speed is None:
            return min(left, per_call), 0.0
        due = self._pace_epoch + int(self.speed * (time.perf_counter() - self._pace_time))
        chunk = min(left, per_call, due - self.run.epoch)
        if chunk > 0:
            return chunk, 0.0
        return 0, min(0.1, 1.0 / self.speed)

    def _train(self, epochs):
        start = time.perf_counter()
        status = self.run.train(epochs)
        seconds = time.perf_counter() - start
        if epochs:
            self.restored_from = None
        done = self.run.epoch - self.weights_over_time.last_epoch
        if done and seconds > 0:
            rate = done / seconds
            self.kernel_eps = rate if not self.kernel_eps else 0.7 * self.kernel_eps + 0.3 * rate
        mark_time, mark_epoch = self._progress_mark
        if start + seconds - mark_time >= 0.5:
            self.progress_eps = (self.run.epoch - mark_epoch) / (start + seconds - mark_time)
            self._progress_mark = (start + seconds, self.run.epoch)
        self.weights_over_time.record(self.run.epoch, self.run.net.theta)
        if status.diverged:
            self.paused = True
            self.notice = f"{status}: the last finite weights are kept; lower the rate (-)"
        self.version += 1

    # ------------------------------------------------------------ keys

    def toggle_pause(self):
        with self.lock:
            if self.state == "done":
                self.run.spec.train.epochs += self._base_limit()
                self.paused = False
                self.touch(f"epoch limit raised to {self.limit}")
            elif self.state == "diverged":
                self.touch("the run diverged: lower the rate (-), restore the best weights "
                           "(b) or re-initialize (r)")
                return
            else:
                self.paused = not self.paused
                self.touch("paused" if self.paused else "running")
            self._restart_pace()

    def _base_limit(self):
        return max(1, self._first_limit)

    def step(self, epochs):
        """Train exactly `epochs` more epochs now (and pause)."""
        with self.lock:
            if self.state == "diverged":
                self.touch("the run diverged: lower the rate (-) or re-initialize (r) first")
                return
            self.paused = True
            if self.run.epoch + epochs > self.limit:
                self.run.spec.train.epochs = self.run.epoch + epochs
            self._train(epochs)
            self._restart_pace()
            if self.state == "diverged":
                self.touch()                    # _train has said why
            else:
                self.touch(f"stepped {epochs} epoch{'s' if epochs > 1 else ''} to epoch "
                           f"{self.run.epoch}")

    def change_speed(self, steps):
        with self.lock:
            i = SPEEDS.index(self.speed) if self.speed in SPEEDS else len(SPEEDS) - 1
            self.speed = SPEEDS[min(max(i + steps, 0), len(SPEEDS) - 1)]
            self._restart_pace()
            self.touch(f"speed: {speed_label(self.speed)}")

    def scale_lr(self, factor):
        with self.lock:
            lr = self.run.trainer.settings["lr"] * factor
            self.set_field("train.lr", repr(lr))

    def cycle(self, key, choices):
        with self.lock:
            current = self.field_value(key)
            i = choices.index(current) if current in choices else -1
            self.set_field(key, choices[(i + 1) % len(choices)])

    def ladder(self, key, rungs, direction):
        """Move setting `key` to the next of `rungs` (ascending; None, "full",
        after the last) up or down."""
        with self.lock:
            current = self.field_value(key)
            at = math.inf if current is None else current
            numbers = [math.inf if r is None else r for r in rungs]
            if direction > 0:
                later = [i for i, r in enumerate(numbers) if r > at]
                i = later[0] if later else None
            else:
                earlier = [i for i, r in enumerate(numbers) if r < at]
                i = earlier[-1] if earlier else None
            if i is None:
                self.touch(f"{key.rpartition('.')[2]} is already at its "
                           f"{'highest' if direction > 0 else 'lowest'}: {show_value(current)}")
                return
            value = rungs[i]
            self.set_field(key, "auto" if value is None else repr(value))

    def noise(self, direction):
        d = self.run.spec.data
        if d.csv is not None or "noise" not in datasets.generator_params(d.generator):
            raise ConfigError(f"{self.run.dataset.name} has no noise to change"
                              + (" (a CSV's noise is its own)" if d.csv is not None else ""))
        self.ladder("data.params.noise", datasets.noise_steps(d.generator), direction)

    def test_ratio(self, direction):
        """The share of test rows: the generator's own test_ratio when it has one."""
        d = self.run.spec.data
        own = datasets.generator_params(d.generator) if d.csv is None else {}
        if "n_test" in own:
            raise ConfigError(f"{self.run.dataset.name} comes with its own test set "
                              f"({self.run.dataset.n_test} rows): its share is fixed")
        key = "data.params.test_ratio" if "test_ratio" in own else "data.test_ratio"
        self.ladder(key, TEST_RATIO_RUNGS, direction)

    def batch_size(self, direction):
        self.ladder("train.batch_size", BATCH_RUNGS, direction)

    def hidden_units(self, delta):
        with self.lock:
            n = self.run.spec.model.hidden_units + delta
            if n < 1:
                raise ConfigError("a network needs at least one hidden unit")
            self.set_field("model.hidden_units", str(n))

    def reinitialize(self):
        """New initial weights (the next init seed), same data, epoch 0."""
        with self.lock:
            spec = copy.deepcopy(self.run.spec)
            spec.init.seed += 1
            how = f"seed {spec.init.seed}"
            if spec.drop_manual_weights():
                how = (f"scheme small, scale {spec.init.scale:g}, seed {spec.init.seed} "
                       "(in place of the preset's own weights)")
            self._rebuild(spec, f"re-initialized: new weights, {how}")

    def new_data(self):
        with self.lock:
            spec = copy.deepcopy(self.run.spec)
            spec.data.seed += 1
            fresh = load_data(spec.data)[0]
            if _same_rows(fresh, self.run.dataset):
                # A CSV or a fixed table: a new seed would change nothing but the
                # weights, which the user did not ask to change.
                self.touch(f"{self.run.dataset.name} has no data seed: its rows are fixed, "
                           "so nothing changed (r draws new weights)")
                return
            self._rebuild(spec, f"new data: data seed {spec.data.seed}, weights "
                                 "re-initialized")

    def settle_key(self):
        """What a diagnosis settled on copies is of: the run, its epoch and its
        settings; None while it trains (it is not still)."""
        if self.state == "running":
            return None
        return (self.generation, self.run.epoch, tuple(sorted(self.run.trainer.settings.items())))

    def pin(self):
        with self.lock:
            loss = self.run.trainer.history["loss"].copy()
            label = f"{self.run.spec.name} {self.describe_short()} @{self.run.epoch}"
            self.pins.append((label, np.arange(len(loss)), loss))
            self.pins = self.pins[-4:]
            self.touch(f"pinned: {label}")

    def clear_pins(self):
        with self.lock:
            self.pins = []
            self.touch("pins cleared")

    def restore_best(self):
        with self.lock:
            best = self.run.trainer.best
            if best is None:
                raise ConfigError("no best weights yet: train first")
            self.run.trainer.restore_best()
            self.restored_from = best[0]
            if self.run.status.diverged:
                self.run.trainer.status = Status("done")
            self.weights_over_time.record(self.run.epoch, self.run.net.theta)
            self.touch(f"restored the best weights: epoch {best[0]}, loss {best[1]:.6g}")

    def set_weight(self, name, index, text):
        """Put a typed value into weight `name`[index] (or raise a ConfigError)."""
        with self.lock:
            try:
                value = float(text)
            except ValueError:
                raise ConfigError(f"{shown(text)} is not a number") from None
            if not np.isfinite(value):
                raise ConfigError("a weight must be a finite number")
            array = self.run.net.weights()[name]
            array[index] = value
            self.run.net.set_weights(**{name: array})
            self.weights_over_time.record(self.run.epoch, self.run.net.theta)
            self.touch(f"{name}{list(index)} = {value:g}; training continues from it")

    def default_save_name(self):
        """The run's name and the time: a new folder for every save."""
        return f"{self.run.spec.name}-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}"

    def save(self, folder=None, history_csv=True):
        """Save the run (atomically; see Run.save); returns the folder.  Raises
        OSError/TuinnError."""
        with self.lock:
            if folder is None:
                folder = saved_runs_dir() / self.default_save_name()
            return self.run.save(folder, history_csv)

    def _rebuild(self, spec, notice):
        """Replace the run by one built from `spec`; a spec that makes no run
        raises its TuinnError, and the old run stays."""
        run = Run(spec)
        self._install(run, self.source)
        self._restart_pace()
        self.touch(notice)

    def open(self, spec, source, notice=None):
        """Switch to another run (a preset or a run file)."""
        with self.lock:
            self._open(Run(spec), source, notice or f"opened {source}")

    def open_any(self, what, preset=False):
        """Open what a user names: a preset (`preset`, or a name that is no
        path), "@last", a saved run folder or a run file.  Raises OSError or
        TuinnError."""
        if what == "@last":
            return self.open_saved(last_run_dir())
        if not preset:
            what = os.path.expanduser(what)
            preset = what in presets.PRESETS and not os.path.exists(what)
            if not preset and not os.path.exists(what):
                close = difflib.get_close_matches(what, presets.names(), n=1)
                raise ConfigError(f"{what!r} is no preset, run file or saved run folder" + (
                    f" (did you mean {close[0]}?)" if close else " (tuinn presets lists "
                    "the presets)"))
        if preset:
            return self.open(RunSpec.from_preset(what), what)
        if os.path.isdir(what):
            return self.open_saved(what)
        return self.open(RunSpec.read(what), what)

    def adopt(self, run, notice):
        """Go on with `run` (a tried fix, trained elsewhere) in place of this one."""
        with self.lock:
            self._install(run, self.source)
            self.paused = False         # a repair often follows a run that stopped
            self._restart_pace()
            self.touch(notice)

    def open_saved(self, folder):
        """Go on with a saved run (as `tuinn --resume` does)."""
        with self.lock:
            run = Run.load(folder)
            self._open(run, run.spec.name, f"resumed {folder} at epoch {run.epoch}")

    def _open(self, run, source, notice):
        """Show `run`, played at the pace its epoch limit calls for."""
        self._install(run, source)
        self.speed = default_speed(run.spec.train.epochs)
        self._first_limit = run.spec.train.epochs
        self._restart_pace()
        self.touch(notice)

    # ------------------------------------------------------------ for the screen

    def describe_short(self):
        m = self.run.spec.model
        return f"h={m.hidden_units} {m.activation} lr={self.run.trainer.settings['lr']:g}"

    def trajectory(self):
        """(epochs, theta rows) of the recorded weights, as lists: each row is a
        copy no one changes, so the arrays can be built outside the lock."""
        with self.lock:
            return self.weights_over_time.copy()

    def toggle_tracked(self, flat_index):
        with self.lock:
            if flat_index in self.tracked:
                self.tracked.remove(flat_index)
            else:
                self.tracked.append(flat_index)
            self.touch(f"trajectory: {len(self.tracked)} weights tracked")


def speed_label(speed):
    return "unlimited" if speed is None else f"{speed:,} epochs/s"

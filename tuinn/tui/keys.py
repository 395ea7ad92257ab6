"""The app's keys: one table, from which come the key bindings, the footer,
the help screen (and README's key table, which a test holds to it), and
`KeyActions`, what each key does."""

import os

from textual import work
from textual.binding import Binding
from textual.widgets import TabbedContent

from tuinn.data import features
from tuinn.errors import ConfigError, TuinnError
from tuinn.runs.paths import last_run_dir, saved_runs_dir
from tuinn.settings import ACTIVATIONS, FEATURE_SETS, OPTIMIZERS
from tuinn.tui import picture
from tuinn.tui.fit import DISCRETE_LEVELS, FitView
from tuinn.tui.lock import answered
from tuinn.tui.network import NetworkView
from tuinn.tui.panel import show_value
from tuinn.tui.screens import EditScreen, HelpScreen, InputsScreen, NotesScreen, PickerScreen
from tuinn.tui.session import Session
from tuinn.tui.tables import SettingsTable, WeightsTable, flat_index


class Key:
    """One row of the key table."""

    def __init__(self, keys, action, help, group, footer=None, bound=None):
        self.keys = keys            # as the help screen shows them: "n / N"
        self.action = action        # Textual action of the first key
        self.help = help
        self.group = group
        self.footer = footer        # the footer's label, or None: not in the footer
        self.bound = bound          # (key, action, label, in the footer) of a second key


# In reading order: the help screen and README's key table list them so.
KEYS = [
    Key("space", "toggle", "run / pause (at the epoch limit: raise it and go on)", "training",
        "run/pause"),
    Key("n / N", "step(1)", "step 1 / 10 epochs", "training", "step",
        bound=("N", "step(10)", "step 10", False)),
    Key("f / F", "speed(1)", "play faster / slower", "training", "faster",
        bound=("F", "speed(-1)", "slower", False)),
    Key("+ / -", "lr(2.0)", "double / halve the learning rate", "training", "lr*2",
        bound=("minus", "lr(0.5)", "lr/2", True)),
    Key("b", "best", "restore the best weights seen", "training", "best"),
    Key("y / Y", "try_advice", "try each finding's advice on copies of the run, in the "
        "background / list the fixes tried", "training", "try advice",
        bound=("Y", "repair_list", "fixes tried", False)),
    Key("u", "adopt", "adopt the fix the try proved (y)", "training"),
    Key("h / H", "units(1)", "add / remove a hidden unit (re-initializes)", "the network",
        "+unit", bound=("H", "units(-1)", "-unit", False)),
    Key("a", "activation", "next hidden activation (re-initializes)", "the network"),
    Key("m", "optimizer", "next optimizer (live)", "the network"),
    Key("r", "reinit", "re-initialize the weights (next init seed, same data)", "the network",
        "re-init"),
    Key("d", "new_data", "new data (next data seed)", "the data"),
    Key("z / Z", "noise(1)", "more / less noise in the data (new data, re-initializes)",
        "the data", bound=("Z", "noise(-1)", "less noise", False)),
    Key("x / X", "test_ratio(1)", "a larger / smaller share of test rows (re-initializes)",
        "the data", bound=("X", "test_ratio(-1)", "fewer test rows", False)),
    Key("c / C", "batch(1)", "a larger / smaller mini-batch (live; past 300: full batch)",
        "the data", bound=("C", "batch(-1)", "smaller batch", False)),
    Key("e", "features", "the net's inputs, as Playground's toggles: x1, x2, x1², x2², "
        "x1·x2, sin x1, sin x2 (re-initializes)", "the data"),
    Key("v", "test_points", "show / hide the test rows in the fit", "the data"),
    Key("k", "discrete", "discretize the heat map: one shade per class (a regression: "
        f"{DISCRETE_LEVELS} levels), as Playground's toggle", "views"),
    Key("1 2 3 4", "tab('train')", "Train, Settings, Weights, Network tab", "views"),
    Key("tab", None, "next panel", "views"),
    Key("arrows, Enter", None, "move, edit the setting or weight under the cursor (the "
        "Network tab: the picked edge), open the finding under it", "views"),
    Key("t", "track", "track / untrack the weight under the cursor in the trajectory",
        "views"),
    Key("p / P", "pin", "pin the loss curve / clear the pins", "views", "pin",
        bound=("P", "clear_pins", "clear pins", False)),
    Key("l", "log", "log scale", "views", "log"),
    Key("s", "save", "save the run under a name (a dated one is offered)", "runs", "save"),
    Key("o", "open", "open a preset or a run", "runs", "open"),
    Key("w", "picture", "save the screen as an SVG picture, in the current folder", "runs"),
    Key("i", "notes", "the run's notes: what to look for, and why it happens", "runs"),
    Key("g / G", "lesson_next", "a lesson's next step, once this one worked / skip this "
        "step (tuinn learn)", "runs", "next step",
        bound=("G", "lesson_skip", "skip step", False)),
    Key("?", "help", "this help", "runs", "help"),
    Key("q", "quit_keep", "quit (the run is kept: tuinn --resume)", "runs", "quit"),
]
# The footer shows its keys in this order and cuts what does not fit: help and
# quit come early so that an 80-column terminal keeps them.
FOOTER = ("toggle", "lesson_next", "step(1)", "lr(2.0)", "lr(0.5)", "help", "quit_keep", "best",
          "try_advice", "save", "open", "speed(1)", "units(1)", "reinit", "pin", "log")
MAX_TOGGLED_INPUTS = 6      # 33 toggles; more inputs choose the kinds of derived input
KEY_NAMES = {"space": "space", "?": "question_mark", "+": "plus,equals_sign", "-": "minus",
             "1": "1"}
GROUPS = ("training", "the network", "the data", "views", "runs")


def bindings(keys=None, footer=FOOTER, tabs=True):
    """Textual's bindings of a key table (the app's by default)."""
    out = []
    for key in keys or KEYS:
        if key.action is None:
            continue
        first = key.keys.split(" ")[0]
        out.append(Binding(KEY_NAMES.get(first, first), key.action,
                           key.footer or key.action.split("(")[0].replace("_", " "),
                           show=key.footer is not None))
        if key.bound:
            name, action, label, show = key.bound
            out.append(Binding(name, action, label, show=show))
    if tabs:
        out += [Binding("2", "tab('settings')", "settings", show=False),
                Binding("3", "tab('weights')", "weights", show=False),
                Binding("4", "tab('network')", "network", show=False)]
    shown = [b for b in out if b.show]
    return sorted(shown, key=lambda b: footer.index(b.action)) + [b for b in out if not b.show]


def key_of(action):
    """The key that does an action, as a learner types it ("g" for lesson_next)."""
    for key in KEYS:
        if key.action == action:
            return key.keys.split(" ")[0]
        if key.bound and key.bound[1] == action:
            return key.bound[0]
    raise KeyError(action)


def help_groups(keys=None):
    """[(group, [(keys, help)])] for the help screen."""
    keys = keys or KEYS
    return [(group, [(key.keys, key.help) for key in keys if key.group == group])
            for group in GROUPS if any(key.group == group for key in keys)]


def saved_runs():
    """The saved run folders, newest first (a folder without a run.toml is not one)."""
    folder = saved_runs_dir()
    try:
        runs = [p for p in folder.iterdir() if (p / "run.toml").is_file()]
    except OSError:
        return []
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


class KeyActions:
    """What the keys do; mixed into a TerminalApp (its part, _say and
    errors_shown), which also sets these:"""

    session: Session            # the live run (tuinn.tui.session)
    deferred: list              # keys pressed during a long epoch, in order
    log_scale: bool             # the loss chart's scale

    def defer(self, run, args):
        """A key pressed while one long epoch holds the run: say so now, and
        carry it out (with the others, in order) when the epoch ends."""
        self.deferred.append((run, args))
        if len(self.deferred) == 1:
            self.notify("the epoch in progress is long (this net is large): the key applies "
                        "when it ends", timeout=3)
            self.session.lock.hold_off_worker(True)
            self.wait_for_epoch()

    @work(thread=True, group="deferred")
    def wait_for_epoch(self):
        with self.session.lock:         # until the epoch in progress ends
            pass
        try:
            self.call_from_thread(self.run_deferred)
        except RuntimeError:
            pass                        # the app closed meanwhile

    def run_deferred(self):
        keys, self.deferred = self.deferred, []
        try:
            for run, args in keys:
                with self.errors_shown():
                    run(self, *args)
        finally:
            if keys:
                self.session.lock.hold_off_worker(False)

    @answered
    def action_toggle(self):
        self.session.toggle_pause()
        self._say()

    @answered
    def action_step(self, epochs):
        self.session.step(epochs)
        self._say()

    @answered
    def action_lr(self, factor):
        self.session.scale_lr(factor)
        self._say()

    @answered
    def action_speed(self, steps):
        self.session.change_speed(steps)
        self._say()

    @answered
    def action_units(self, delta):
        self.session.hidden_units(delta)
        self._say()

    @answered
    def action_activation(self):
        self.session.cycle("model.activation", ACTIVATIONS)
        self._say()

    @answered
    def action_optimizer(self):
        self.session.cycle("train.optimizer", OPTIMIZERS)
        self._say()

    @answered
    def action_reinit(self):
        self.session.reinitialize()
        self._say()

    @answered
    def action_new_data(self):
        self.session.new_data()
        self._say()

    @answered
    def action_noise(self, direction):
        self.session.noise(direction)
        self._say()

    @answered
    def action_test_ratio(self, direction):
        self.session.test_ratio(direction)
        self._say()

    @answered
    def action_batch(self, direction):
        self.session.batch_size(direction)
        self._say()

    def action_features(self):
        """Playground's toggles, one per input the net may see; for data with
        many inputs (hundreds of pairs), the kinds of derived inputs instead."""
        s = self.session
        current = s.field_value("data.features")
        base = s.run.dataset.base_names
        if len(base) > MAX_TOGGLED_INPUTS:
            self.push_screen(EditScreen(
                f"derived inputs  (now {current})", current,
                "added after the data's own inputs; arrows and Enter pick, Esc cancels "
                "(a list of inputs, as x1, x2^2, sin(x1), goes in --features or a run file)",
                lambda text: s.set_field("data.features", text), FEATURE_SETS),
                lambda changed: changed and self._say())
            return
        candidates = [(term, self.plain(features.label(term, base)))
                      for term in features.toggles(base)]
        self.push_screen(InputsScreen(
            candidates, features.terms(current, base),
            lambda picked: s.set_field("data.features", features.value_of(picked, base)),
            self.ascii_only), lambda changed: changed and self._say())

    @answered
    def action_test_points(self):
        self.session.show_test = not self.session.show_test
        shown = FitView.test_rows(self.session.run.dataset, self.ascii_only)
        self.session.touch("fit: test rows " + (shown if self.session.show_test else "hidden"))
        self._say()

    @answered
    def action_discrete(self):
        s = self.session
        s.discrete = not s.discrete
        what = "discretized" if s.discrete else "continuous"
        if FitView.mode(s.run.dataset) != "heat":
            what += " (shown when the data has two inputs: this fit is no heat map)"
        s.touch(f"heat map: {what}")
        self._say()

    @answered
    def action_pin(self):
        self.session.pin()
        self._say()

    @answered
    def action_clear_pins(self):
        self.session.clear_pins()
        self._say()

    @answered
    def action_log(self):
        self.log_scale = not self.log_scale
        self.session.touch(f"loss chart: {'log' if self.log_scale else 'linear'} scale")
        self._say()

    @answered
    def action_best(self):
        self.session.restore_best()
        self._say()

    def action_tab(self, tab):
        # A focused panel of the tab left behind would pull its tab back.
        self.screen_stack[0].set_focus(None)
        self.part(TabbedContent).active = tab
        self.focus_table(tab)

    def focus_table(self, tab):
        """The tab's table takes the keys at once, however the tab was chosen
        (key, click, arrows on the tab bar): Enter edits, arrows move."""
        table = {"settings": SettingsTable, "weights": WeightsTable,
                 "network": NetworkView}.get(tab)
        if table is not None:
            self.part(table).focus()

    def action_help(self):
        self.push_screen(HelpScreen(help_groups()))

    def action_notes(self):
        spec = self.session.run.spec
        self.push_screen(NotesScreen(spec.name, spec.title, spec.notes))

    def action_picture(self):
        """The screen as it is, in the current folder: no dialog, which the
        picture would show."""
        try:
            path = picture.save(self, picture.default_name(self.session))
        except TuinnError as exc:
            self.session.touch(str(exc))
            return
        self.session.touch(f"picture saved to {path}")

    def action_save(self):
        """Ask for a name (a dated one is offered), then save there."""
        def save(text):
            name = text.strip()
            if not name:
                raise ConfigError("give a name or a path")
            folder = os.path.expanduser(name) if os.sep in name or name.startswith("~") \
                else saved_runs_dir() / name
            saved = self.session.save(folder)
            self.session.touch(f"saved to {saved}")

        self.push_screen(EditScreen(
            "Save the run as", self.session.default_save_name(),
            f"a name (saved in {saved_runs_dir()}) or a path; Enter saves, Esc cancels",
            save), lambda saved: saved and self._say())

    def action_track(self):
        table = self.part(WeightsTable)
        if self.part(TabbedContent).active != "weights":
            raise ConfigError("t tracks the weight under the cursor in the Weights tab (3)")
        net = self.session.run.net
        where = table.weight_at(table.cursor_coordinate, net)
        if where:
            self.session.toggle_tracked(flat_index(net, *where))

    def on_data_table_row_selected(self, event):
        if isinstance(event.data_table, SettingsTable):
            key = event.row_key.value
            if key == "data.features":          # one toggle per input, as e shows them
                self.action_features()
                return
            field = next(f for f in self.session.fields() if f.key == key)
            hint = ("applies from the next epoch" if field.live else
                    "applies with new weights (epoch 0)")
            if field.choices:
                hint = f"arrows and Enter pick one; {hint}"
            self.push_screen(EditScreen(f"{key}  (now {show_value(field.value)})",
                                        show_value(field.value), hint,
                                        lambda text: self.session.set_field(key, text),
                                        field.choices))

    def on_data_table_cell_selected(self, event):
        if isinstance(event.data_table, WeightsTable):
            net = self.session.run.net
            where = event.data_table.weight_at(event.coordinate, net)
            if where is None:
                self.show_error("this cell is a label: move onto a weight (arrows), then "
                                "Enter edits it")
                return
            self.edit_weight(*where)

    def on_network_view_edit(self, event):
        self.edit_weight(*event.entry)

    def edit_weight(self, name, index):
        """Ask for a new value of weight name[index]; the run goes on from it."""
        value = float(self.session.run.net.weights()[name][index])
        self.push_screen(EditScreen(f"{name}{list(index)}  (now {value:.6g})", repr(value),
                                    "the run continues from the new value",
                                    lambda text: self.session.set_weight(name, index, text)))

    def action_open(self):
        self.push_screen(PickerScreen((last_run_dir() / "run.toml").is_file(), self.open_run,
                                      saved_runs()),
                         lambda opened: opened and self._say())

    def open_run(self, kind, what):
        """Open a preset, "@last", a run file or a saved run folder; raises
        OSError or TuinnError."""
        self.session.open_any(what, kind == "preset")

"""The run's settings as the app's Settings tab shows and edits them: one
field per row of the settings table (tuinn.settings), plus the data set's own
parameters.  Mixed into the Session, whose run, lock and rebuild it uses."""

import copy
import dataclasses

from tuinn import data as datasets
from tuinn import settings
from tuinn.errors import ConfigError
from tuinn.settings import SETTINGS, TRAINER
from tuinn.status import Status

# The Settings tab, in this order; the data source's own keys come first.
PANEL = [row.key for row in SETTINGS.values()
         if row.key not in settings.SOURCE_KEYS and row.key != "init.weights"]


@dataclasses.dataclass
class Field:
    """One editable setting of the run, as the settings panel shows it."""
    key: str             # "train.lr", "data.params.noise", ...
    value: object
    live: bool           # applies at the next chunk; otherwise re-initializes the run
    choices: tuple = ()
    row: settings.Setting | None = None    # how a typed value is read and checked


class SettingsPanel:
    """Session's settings: `fields()` to show, `set_field()` to apply typed text."""

    def fields(self):
        """Every setting of the run with its value, in panel order."""
        spec = self.run.spec
        d = spec.data
        out = []
        if d.csv is not None:
            out += [Field(key, spec.get(key), False) for key in ("data.csv", "data.target")]
        else:
            out.append(Field("data.generator", d.generator, False, tuple(datasets.GENERATORS)))
            params = {k: v for k, v in datasets.generator_params(d.generator).items()
                      if k != "seed"}
            params.update(d.params)
            for name, value in params.items():
                row = settings.Setting(f"data.params.{name}", str if value is None else
                                       type(value), value, "a parameter of the data set",
                                       label=name, optional=value is None)
                out.append(Field(row.key, value, False, row=row))
        trainer = self.run.trainer.settings
        for key in PANEL:
            row = SETTINGS[key]
            # A generator that splits its own rows shows its own test_ratio only.
            if key == "data.test_ratio" and not d.test_ratio and d.csv is None and \
                    {"test_ratio", "n_test"} & set(datasets.generator_params(d.generator)):
                continue
            value = trainer[row.name] if row.name in TRAINER and row.section == "train" \
                else spec.get(key)
            out.append(Field(key, value, row.live, row.choices, row))
        return out

    def field_value(self, key):
        return next(f.value for f in self.fields() if f.key == key)

    def set_field(self, key, text):
        """Apply a typed value to a setting, or raise a TuinnError that says why
        not (and nothing changed)."""
        with self.lock:
            value = self._parse(key, text)
            section, _, name = key.partition(".")
            if key == "train.epochs":
                if value < self.run.epoch:
                    raise ConfigError(f"epochs must be at least the current epoch "
                                      f"{self.run.epoch}")
                self.run.spec.train.epochs = value
                self._restart_pace()
                self.touch(f"epoch limit: {value}")
                return
            if section == "train":
                old = self.run.trainer.settings[name]
                self.run.set(**{name: value})
                note = ""
                if self.run.status.diverged:
                    # A new setting is the way out of a divergence: go on from
                    # the last finite weights the kernel kept.
                    self.run.trainer.status = Status("done")
                    note = "; space goes on from the last finite weights"
                self.touch(f"{name}: {show_value(old)} → {show_value(value)} "
                           f"(from the next epoch){note}")
                return
            spec = copy.deepcopy(self.run.spec)
            old = show_value(self.field_value(key))
            if key.startswith("data.params."):
                spec.data.params = {**spec.data.params, key.rpartition(".")[2]: value}
            else:
                spec.set(key, value)
            self._rebuild(spec, f"{key.split('.')[-1]}: {old} → {show_value(value)}; "
                          "weights re-initialized, epoch 0")

    def _parse(self, key, text):
        """Text typed into a field, as the value of that setting (or a ConfigError)."""
        field = next((f for f in self.fields() if f.key == key), None)
        if field is None:
            raise ConfigError(f"unknown setting {key!r}")
        if field.row is None:
            return settings.choose(key.split(".")[-1], str(text).strip(), field.choices)
        return field.row.parse(text)


def show_value(value):
    return "auto" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

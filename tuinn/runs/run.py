"""`Run`: the data, net and trainer a RunSpec describes, trained in as many
calls as you like, with its metrics and diagnosis.  `save` and `load` keep it
in a run folder (tuinn.runs.store)."""

import copy

from tuinn import data as datasets
from tuinn.data import features
from tuinn.diagnose import diagnose
from tuinn.engine import Net, Trainer, penalties
from tuinn.errors import ConfigError, TuinnError
from tuinn.runs import experiments as trials
from tuinn.runs import store
from tuinn.settings import TRAINER


def load_data(spec):
    """(dataset, input scaler, target scaler) for a DataSpec."""
    if (spec.generator is None) == (spec.csv is None):
        raise ConfigError("data: give either a generator or a csv file, not both or neither")
    if spec.csv is not None:
        ds = datasets.load_csv(spec.csv, target=spec.target, header=spec.header,
                               delimiter=spec.delimiter)
    else:
        if "seed" in spec.params:
            raise ConfigError("data.params: give the seed as data.seed, not as a parameter")
        ds = datasets.generate(spec.generator, seed=spec.seed, **spec.params)
    if spec.test_ratio > 0:
        if ds.X_test is not None:
            raise ConfigError(f"data.test_ratio: {ds.name} already has a test set; leave "
                              "test_ratio at 0 (or set the generator's own test_ratio)")
        ds = datasets.split(ds, spec.test_ratio, spec.seed)
    x_scaler = y_scaler = None
    if spec.standardize_inputs or spec.standardize_targets:
        ds, x_scaler, y_scaler = datasets.standardize(ds, inputs=spec.standardize_inputs,
                                                      targets=spec.standardize_targets)
    return features.add(ds, spec.features), x_scaler, y_scaler


def metrics_of(net, ds, penalty_rates):
    """{train,test}_{loss,mse,accuracy} of `net` on a Dataset (accuracy for
    classification only; test_* only with a test set); the losses with the
    penalties (l2, l1) of engine.penalties."""
    out = {}
    for label, X, Y in (("train", ds.X, ds.Y), ("test", ds.X_test, ds.Y_test)):
        if X is None:
            continue
        O = net.predict(X)
        out[f"{label}_loss"] = net.objective(X, Y, *penalty_rates)
        out[f"{label}_mse"] = datasets.mean_square(O - Y)
        if ds.task != "regression":
            out[f"{label}_accuracy"] = datasets.accuracy(O, Y)
    return out


class Run:
    """Data, net and trainer built from a RunSpec; `train` continues where it stopped."""

    def __init__(self, spec):
        self.spec = spec
        self.dataset, self.x_scaler, self.y_scaler = load_data(spec.data)
        ds, m = self.dataset, spec.model
        self.net = Net(ds.X.shape[1], m.hidden_units, ds.Y.shape[1], hidden=m.activation,
                       output=m.output, loss=m.loss)
        self._init_weights()
        self.trainer = Trainer(self.net, seed=spec.data.seed,
                               **{name: getattr(spec.train, name) for name in TRAINER})
        # The data must suit the net (e.g. targets in [0, 1] for a sigmoid output):
        # better said now than by the first train() call, perhaps on a worker thread.
        self.net.data(ds.X, ds.Y)
        if ds.X_test is not None:
            self.net.data(ds.X_test, ds.Y_test, names=("X_test", "Y_test"))

    def _init_weights(self):
        init = self.spec.init
        if init.scheme == "manual":
            # With no hidden layer there is one layer of weights: W2 (inputs x outputs), b2.
            names = ("W1", "b1", "W2", "b2") if self.net.n_hidden else ("W2", "b2")
            if not init.weights:
                raise ConfigError(f"init: scheme 'manual' needs [init.weights] with "
                                  f"{', '.join(names)}")
            missing = [n for n in names if n not in init.weights]
            if missing:
                raise ConfigError(f"init.weights: {missing[0]} is missing")
            try:
                self.net.set_weights(**init.weights)
            except TuinnError as exc:
                # Often a preset's start weights over data of another shape.
                raise ConfigError(f"init.weights: {exc}; these weights were made for "
                                  f"another shape of net or data: set init.scheme = "
                                  f"\"glorot\" (--init glorot) to draw new ones") from None
        else:
            self.net.init(init.scheme, seed=init.seed, scale=init.scale)

    def data_summary(self):
        """Lines that say what the net is trained on, scaling included."""
        ds = self.dataset
        lines = [ds.summary()]
        for label, scaler, names in (("inputs", self.x_scaler, ds.base_names),
                                     ("targets", self.y_scaler, ds.target_names)):
            if scaler is not None:
                cols = ", ".join(f"{name} (mean {m:.4g}, sd {s:.4g})"
                                 for name, m, s in zip(names, scaler.mean, scaler.scale))
                lines.append(f"{label} standardized with the training rows' statistics: {cols}")
        if features.listed(ds.features):
            lines.append(f"the net's inputs, chosen one by one: {', '.join(ds.feature_names)}")
        elif ds.features != "none":
            derived = ds.feature_names[ds.base_inputs:]
            lines.append(f"derived inputs ({ds.features}), after the data's own: "
                         + ", ".join(derived[:12]) + (" …" if len(derived) > 12 else ""))
        return lines

    # ------------------------------------------------------------ training

    @property
    def epoch(self):
        return self.trainer.epoch

    @property
    def status(self):
        return self.trainer.status

    def train(self, epochs=None):
        """Train `epochs` more epochs (default: up to the spec's epoch limit)."""
        if epochs is None:
            epochs = max(0, self.spec.train.epochs - self.epoch)
        ds = self.dataset
        return self.trainer.train(ds.X, ds.Y, epochs, ds.X_test, ds.Y_test)

    def set(self, **changes):
        """Change training settings for the following epochs (and in the spec)."""
        epochs = changes.pop("epochs", None)
        self.trainer.set(**changes)
        for name, value in changes.items():
            setattr(self.spec.train, name, self.trainer.settings[name])
        if epochs is not None:
            self.spec.train.epochs = int(epochs)

    def diagnose(self, surface="api", curvature_always=False, experiments=0.0, cancelled=None):
        """What tuinn.diagnose finds about this run now (problems first), its advice
        worded for `surface` ("app", "cli" or "api").

        experiments: seconds for settling the findings on copies of the run
        (tuinn.runs.experiments): what more epochs do, and what each finding's
        advice does.  0: the fast checks alone, whose claims about a change are
        estimates (and say so)."""
        if experiments > 0:
            return trials.measure(self, surface, experiments, cancelled)
        return self.fast_diagnose(surface, curvature_always=curvature_always)

    def fast_diagnose(self, surface="api", experiments=0.0, cancelled=None,
                      curvature_always=False):
        """The diagnosis's first stage (tuinn.diagnose.diagnose): its own
        experiments on copies of the net, within `experiments` seconds."""
        ds = self.dataset
        return diagnose(self.net, self.trainer, ds.X, ds.Y, X_test=ds.X_test, Y_test=ds.Y_test,
                        max_epochs=self.spec.train.epochs, surface=surface, spec=self.spec,
                        curvature_always=curvature_always, experiments=experiments,
                        cancelled=cancelled)

    def metrics(self):
        """Loss, mse and (for classification) accuracy on train and test sets."""
        return {"epoch": self.epoch, "status": self.status,
                **metrics_of(self.net, self.dataset, penalties(self.trainer.settings))}

    def copy(self):
        """An independent run in this one's state (data, weights, trainer state
        and history), to train on elsewhere while this one goes on."""
        twin = Run(copy.deepcopy(self.spec))
        twin.net.theta[:] = self.net.theta
        twin.trainer.restore(self.trainer.snapshot())
        return twin

    # ------------------------------------------------------------ saving

    def save(self, folder, history_csv=True):
        """Write the run folder (see tuinn.runs.store.save)."""
        return store.save(self, folder, history_csv)

    @classmethod
    def load(cls, folder):
        """The run saved in `folder`, ready to train on as if it had never stopped."""
        return store.load(cls, folder)

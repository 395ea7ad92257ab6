"""The Python face of the C kernel: `Net` (weights, forward pass, gradients) and
`Trainer` (optimizer state and history, continuable).

This is the only module that touches the compiled library.  Everything that
crosses into C is validated here first and converted to C-contiguous float64
(a float32 array handed to `ffi.from_buffer` as `double*` would be silently
reinterpreted).  The C calls release the GIL, so a UI thread stays live while a
chunk of epochs runs.
"""

import contextlib
import dataclasses
import math
import os
import signal
import threading
import time

import numpy as np

try:
    from tuinn._kernel import ffi, lib
except ModuleNotFoundError:
    # Typical cause: `python -m pytest` in the repo root imports the source tree.
    raise ImportError("tuinn's C kernel is not built in this copy of tuinn: install it with "
                      "`pip install .`, and in the repo root run `pytest`, not "
                      "`python -m pytest`") from None
from tuinn import activations, convert
from tuinn.errors import ConfigError, DataError, TuinnError
from tuinn.inputs import real_array
from tuinn.settings import INITS, SETTINGS, TRAINER, choose, trainer_defaults, whole
from tuinn.status import Status

DONE = Status("done")

# The one tie between the settings table's names and the kernel's codes.
KERNEL_CODES = {
    "model.activation": {a.name: getattr(lib, a.kernel) for a in activations.TABLE},
    "model.output": {"linear": lib.TN_LINEAR, "sigmoid": lib.TN_SIGMOID, "tanh": lib.TN_TANH,
                     "softmax": lib.TN_SOFTMAX},
    "model.loss": {"squared": lib.TN_SQUARED, "cross_entropy": lib.TN_CROSS_ENTROPY},
    "train.optimizer": {"sgd": lib.TN_SGD, "momentum": lib.TN_MOMENTUM,
                        "nesterov": lib.TN_NESTEROV, "adam": lib.TN_ADAM,
                        "rmsprop": lib.TN_RMSPROP},
    "train.schedule": {"constant": lib.TN_CONSTANT, "invscaling": lib.TN_INVSCALING,
                       "adaptive": lib.TN_ADAPTIVE},
}
# The kernel's code paths (csrc/layers_*.c): one instruction set each, the
# same bits from each (docs/math.md#reproducibility).
CODE_PATHS = {"auto": lib.TN_PATH_AUTO, "base": lib.TN_PATH_BASE, "avx2": lib.TN_PATH_AVX2,
              "avx512": lib.TN_PATH_AVX512}
PARAMS = ("W1", "b1", "W2", "b2")
MAX_UNITS = 1_000_000          # inputs, hidden units or outputs
MAX_PARAMS = 50_000_000        # 400 MB of weights, and five times that for the trainer
MAX_EPOCHS = 100_000_000       # per call: its history takes 8 bytes an epoch
MAX_THREADS = 1024
CHECK_ROWS = 65536
INTERRUPT_SECONDS = 0.05       # a Ctrl-C stops train() within about this long
INTERRUPT_WORK = 10**6         # a train() call of less work (about a ms) is not chunked


def _code(key, name):
    return KERNEL_CODES[key][SETTINGS[key].check(name)]


def penalties(settings):
    """(l2, l1) of a trainer's settings: what objective() and gradients() take."""
    return settings["l2"], settings["l1"]


def _penalties(l2, l1):
    """The two penalty rates, checked as their settings are."""
    return SETTINGS["train.l2"].check(l2), SETTINGS["train.l1"].check(l1)


def code_paths():
    """The code paths this CPU runs, narrowest first ("auto" aside)."""
    return [name for name, code in CODE_PATHS.items()
            if name != "auto" and lib.tn_path_supported(code)]


def _path_code(path=None):
    """The kernel's code of `path`, checked; None: TUINN_PATH, else "auto"."""
    from_env = path is None
    if from_env:
        path = os.environ.get("TUINN_PATH", "").strip() or "auto"
    if path not in CODE_PATHS:
        named = f"TUINN_PATH={path}" if from_env else repr(path)
        fix = f"set it to one of {', '.join(CODE_PATHS)}, or unset it" if from_env else \
            f"use one of {', '.join(CODE_PATHS)}"
        raise ConfigError(f"{named} is not a code path of the kernel: {fix}")
    if not lib.tn_path_supported(CODE_PATHS[path]):
        raise ConfigError(f"this CPU cannot run the {path} code path; it runs "
                          f"{', '.join(code_paths())}")
    return CODE_PATHS[path]


def default_threads():
    """TUINN_THREADS, else every core this process may use."""
    text = os.environ.get("TUINN_THREADS", "").strip()
    if not text:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
    if not text.isdigit() or not 1 <= int(text) <= MAX_THREADS:
        raise ConfigError(f"TUINN_THREADS={text} is not a thread count: set it to a whole "
                          f"number from 1 to {MAX_THREADS:,}, or unset it")
    return int(text)


def _check(status):
    if status != lib.TN_OK:
        # Python validates first, so reaching here is a bug in tuinn, not the user's input.
        raise RuntimeError("tuinn kernel: " + ffi.string(lib.tn_strerror(status)).decode())


def _ptr(array):
    return ffi.from_buffer("double[]", array, require_writable=False)


def as_matrix(name, values, n_cols, what):
    """`values` as a C-contiguous float64 (n, n_cols) array, or a DataError saying why not.

    A 1-D array is accepted only for a single column of targets (like
    scikit-learn's y); inputs must be 2-D so a row is never mistaken for a column.
    """
    arr = real_array(name, values, "encode labels or drop those columns first")
    if arr.ndim == 1 and name.startswith("Y") and n_cols == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        fix = f" (use {name}.reshape(-1, 1) for a single {what})" if arr.ndim == 1 else ""
        raise DataError(f"{name} must be a 2-D array (rows, {what}s), "
                        f"got {arr.ndim}-D with shape {arr.shape}{fix}")
    if arr.shape[0] == 0:
        raise DataError(f"{name} has no rows")
    if arr.shape[1] != n_cols:
        raise DataError(f"{name} has {arr.shape[1]} {what}s per row but the net expects "
                        f"{n_cols}; select the right columns or build the net for "
                        f"{arr.shape[1]} {what}s")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    # In blocks of rows: a whole-array isfinite() would cost a temporary as
    # large as the data, and training itself needs no memory that grows with N.
    for start in range(0, len(arr), CHECK_ROWS):
        finite = np.isfinite(arr[start:start + CHECK_ROWS])
        if not finite.all():
            row, col = np.argwhere(~finite)[0]
            raise DataError(f"{name} has a non-finite value ({arr[start + row, col]}) at row "
                            f"{start + row}, column {col}; remove or fill missing values first")
    return arr


class _Held:
    """Net.in_use's hold: a class, not a generator, since every train() call
    takes it and a generator's context costs several microseconds."""
    __slots__ = ("lock", "doing")

    def __init__(self, lock, doing):
        self.lock, self.doing = lock, doing

    def __enter__(self):
        if not self.lock.acquire(blocking=False):
            raise TuinnError(f"this Net is in use on another thread (training or "
                             f"predicting), so it cannot {self.doing} now; give each thread "
                             "a net of its own (net.copy())")

    def __exit__(self, *exc):
        self.lock.release()


class Net:
    """A one-hidden-layer network: X (N,d) -> g(X W1 + b1) (N,h) -> out(A W2 + b2) (N,k).

    W1, b1, W2, b2 are writable views into one float64 vector `theta`, which
    the kernel reads and the trainer updates in place.
    """

    def __init__(self, n_in, n_hidden, n_out, hidden="sigmoid", output="linear",
                 loss="squared", *, path=None, threads=None):
        # Read-only once built (properties below): the kernel's buffers are sized
        # for this shape, and another shape would make it read past their ends.
        self._shape = (whole("n_in (inputs)", n_in, 1, MAX_UNITS),
                       whole("n_hidden (hidden units)", n_hidden, 0, MAX_UNITS),
                       whole("n_out (outputs)", n_out, 1, MAX_UNITS))
        d, h, k = self._shape
        count = d * h + h + (h or d) * k + k
        if count > MAX_PARAMS:
            raise ConfigError(f"a {d}→{h}→{k} net has {count:,} weights; "
                              f"tuinn holds at most {MAX_PARAMS:,}: use fewer units")
        self.hidden = SETTINGS["model.activation"].check(hidden)
        self.output = SETTINGS["model.output"].check(output)
        self.loss = SETTINGS["model.loss"].check(loss)
        if self.loss == "cross_entropy" and self.output not in ("sigmoid", "softmax"):
            raise ConfigError(f"cross_entropy needs a sigmoid or softmax output, not "
                              f"{self.output}; use loss='squared' or change the output")
        self._arch = ffi.new("tn_arch *", {
            "n_in": self.n_in, "n_hidden": self.n_hidden, "n_out": self.n_out,
            "hidden": _code("model.activation", self.hidden),
            "output": _code("model.output", self.output), "loss": _code("model.loss", self.loss),
            "path": _path_code(path)})
        # Held for each kernel call: its scratch and weights serve one call at a time.
        self._busy = threading.RLock()
        # The data last validated, per role (training, test): (the arrays given,
        # what data() returned).  The arrays are held, so they cannot be freed
        # or resized under the kernel, and the same arrays again skip the checks.
        self._bound = {}
        self.threads = default_threads() if threads is None else threads
        self._theta = np.zeros(lib.tn_param_count(self.arch))
        d, h, k = self.n_in, self.n_hidden, self.n_out
        cuts = np.cumsum([d * h, h, self.fan_in * k])
        self._views = dict(zip(PARAMS, (
            self._theta[:cuts[0]].reshape(d, h), self._theta[cuts[0]:cuts[1]],
            self._theta[cuts[1]:cuts[2]].reshape(self.fan_in, k), self._theta[cuts[2]:])))

    @property
    def threads(self):
        """Threads of the passes big enough to share (50,000 rows, or rows x
        hidden units >= 60,000: the kernel's TN_PARALLEL_*); any number gives
        the same bits."""
        return self._arch.threads

    @threads.setter
    def threads(self, count):
        count = whole("threads", count, 1, MAX_THREADS)
        # Each thread has its own scratch, sized for the count, and the net its
        # own workers (freed with it): both change only between kernel calls,
        # never under one.
        with self.in_use("change its thread count"):
            self._arch.threads = count
            _check(lib.tn_check_arch(self.arch))
            self._work = np.empty(lib.tn_work_count(self._arch))
            self._pool = None
            self._arch.pool = ffi.NULL

    def _workers_for(self, rows):
        """Start this net's worker threads (csrc/pool.c) the first time a pass
        over `rows` rows is split: most nets never split one, and need none."""
        if self._pool is None and self._arch.threads > 1 and \
                lib.tn_part_count(self._arch, rows) > 1:
            self._pool = ffi.gc(lib.tn_pool_new(self._arch.threads), lib.tn_pool_free)
            self._arch.pool = self._pool

    def in_use(self, doing="use it"):
        """Hold the net for one kernel call (or a run of them, on this thread).
        A second thread is refused at once: the net's scratch and weights serve
        one call at a time, and sharing them would silently corrupt both."""
        return _Held(self._busy, doing)

    @property
    def path(self):
        """The code path the kernel runs this net on ("auto" resolved)."""
        return next(name for name, code in CODE_PATHS.items()
                    if code == lib.tn_path_chosen(self._arch))

    arch = property(lambda self: self._arch, doc="the kernel's view of the shape")
    work = property(lambda self: self._work, doc="the kernel's scratch memory")
    n_in = property(lambda self: self._shape[0])
    n_hidden = property(lambda self: self._shape[1])
    n_out = property(lambda self: self._shape[2])
    fan_in = property(lambda self: self.n_hidden or self.n_in,
                      doc="what the output layer reads: the hidden units, or with "
                      "n_hidden = 0 (no hidden layer) the inputs; W2 is (fan_in, n_out)")
    theta = property(lambda self: self._theta, doc="all weights in one vector (write in "
                     "place: theta[:] = ...; the vector itself is the kernel's)")
    W1 = property(lambda self: self._views["W1"])
    b1 = property(lambda self: self._views["b1"])
    W2 = property(lambda self: self._views["W2"])
    b2 = property(lambda self: self._views["b2"])

    @property
    def shapes(self):
        return {name: view.shape for name, view in self._views.items()}

    def __repr__(self):
        return (f"Net({self.n_in}, {self.n_hidden}, {self.n_out}, hidden={self.hidden!r}, "
                f"output={self.output!r}, loss={self.loss!r})")

    def describe(self):
        """One line such as `1→8 sigmoid→linear, squared`."""
        if not self.n_hidden:
            return f"{self.n_in}→{self.n_out} {self.output}, {self.loss} (no hidden layer)"
        return (f"{self.n_in}→{self.n_hidden}→{self.n_out} {self.hidden}→{self.output}, "
                f"{self.loss}")

    def entries(self):
        """(array name, index) of every entry of theta, in theta's order."""
        return [(name, index) for name, view in self._views.items()
                for index in np.ndindex(view.shape)]

    def names(self):
        """A name for every entry of theta, in theta's order: W1[i,j], b1[j], W2[j,o], b2[o]."""
        return [f"{name}[{','.join(map(str, index))}]" for name, index in self.entries()]

    def weights(self):
        """A copy of the four arrays, as a dict."""
        return {name: view.copy() for name, view in self._views.items()}

    def set_weights(self, **arrays):
        """Copy in any of W1, b1, W2, b2 after checking name, shape and finiteness."""
        checked = {}
        for name, values in arrays.items():
            if name not in self._views:
                raise ConfigError(f"unknown weight {name!r}; the net has {', '.join(PARAMS)}")
            arr = real_array(name, values, "give an array of numbers").astype(np.float64)
            want = self._views[name].shape
            # Unit axes may be left out: a (h,) vector for a (1, h) W1, a scalar b2.
            if arr.shape != want and arr.squeeze().shape != np.empty(want).squeeze().shape:
                raise DataError(f"{name} must have shape {want}, got {arr.shape}")
            if not np.isfinite(arr).all():
                raise DataError(f"{name} has NaN or Inf values; give finite weights")
            checked[name] = arr.reshape(want)
        for name, arr in checked.items():
            self._views[name][...] = arr
        return self

    def init(self, scheme="glorot", seed=0, scale=0.01):
        """Draw initial weights by a scheme of docs/math.md#initialization, with numpy
        default_rng(seed).

        Draw order: W1, b1, W2, b2 (biases drawn only where the scheme draws them).
        """
        scheme = choose("init scheme", scheme, INITS)
        seed = SETTINGS["init.seed"].check(seed)
        scale = SETTINGS["init.scale"].check(scale)
        rng = np.random.default_rng(seed)
        d, h, k = self.n_in, self.n_hidden, self.n_out
        layers = (("W1", "b1", d, h), ("W2", "b2", h, k)) if h else (("W2", "b2", d, k),)
        self.theta[:] = 0.0
        for w, b, fan_in, fan_out in layers:
            if scheme == "small":
                self._views[w][...] = rng.normal(0.0, scale, (fan_in, fan_out))
                self._views[b][...] = rng.normal(0.0, scale, fan_out)
            elif scheme == "glorot":
                a = math.sqrt(6.0 / (fan_in + fan_out))
                self._views[w][...] = rng.uniform(-a, a, (fan_in, fan_out))
            elif scheme in ("he", "he-bias"):
                sd = math.sqrt(2.0 / fan_in)
                self._views[w][...] = rng.normal(0.0, sd, (fan_in, fan_out))
                if scheme == "he-bias":
                    self._views[b][...] = rng.normal(0.0, sd, fan_out)
            elif scheme == "sklearn":
                a = math.sqrt((2.0 if self.hidden == "sigmoid" else 6.0) / (fan_in + fan_out))
                self._views[w][...] = rng.uniform(-a, a, (fan_in, fan_out))
                self._views[b][...] = rng.uniform(-a, a, fan_out)
        return self

    # ------------------------------------------------------------ other libraries

    @classmethod
    def from_dict(cls, d):
        """A net from plain data: W1 (inputs x units), b1, W2 (units x outputs), b2 and
        the hidden activation, with the output (default linear) and the loss
        (default: cross-entropy after a sigmoid or softmax, else squared)."""
        missing = [name for name in (*PARAMS, "hidden") if name not in d]
        if missing:
            raise ConfigError(f"the weights lack {', '.join(missing)}; they need W1 (inputs x "
                              "units), b1, W2 (units x outputs), b2 and the hidden activation "
                              "(hidden)")
        W1, W2 = (np.atleast_2d(real_array(name, d[name], "give arrays of numbers"))
                  for name in ("W1", "W2"))
        if W1.ndim != 2 or W2.ndim != 2 or W1.shape[1] != W2.shape[0]:
            raise ConfigError(f"W1 has shape {W1.shape} and W2 {W2.shape}: W2 needs one row "
                              "per hidden unit (a column of W1)")
        output = str(d.get("output", "linear"))
        loss = d.get("loss") and str(d["loss"])
        loss = loss or ("cross_entropy" if output in ("sigmoid", "softmax") else "squared")
        net = cls(W1.shape[0], W1.shape[1], W2.shape[1], hidden=str(d["hidden"]),
                  output=output, loss=loss)
        net.set_weights(W1=W1, b1=np.ravel(d["b1"]), W2=W2, b2=np.ravel(d["b2"]))
        return net

    def to_dict(self):
        """W1, b1, W2, b2, hidden, output and loss as plain data (the inverse of from_dict)."""
        return {**self.weights(), "hidden": self.hidden, "output": self.output,
                "loss": self.loss}

    @classmethod
    def from_sklearn(cls, est):
        """A fitted MLPRegressor / MLPClassifier with one hidden layer (tuinn.convert)."""
        return cls.from_dict(convert.sklearn_model(est))

    @classmethod
    def from_torch(cls, module, loss=None):
        """nn.Sequential(Linear, activation, Linear[, Sigmoid / Softmax]) (tuinn.convert)."""
        return cls.from_dict(convert.torch_model(module, loss))

    @classmethod
    def from_keras(cls, model, loss=None):
        """Keras Sequential(Dense, Dense) (tuinn.convert)."""
        return cls.from_dict(convert.keras_model(model, loss))

    def to_sklearn(self, est):
        """These weights in a fitted estimator of the same shape (tuinn.convert)."""
        return convert.to_sklearn(self, est)

    def to_torch(self, module):
        """These weights in a module of the same shape (tuinn.convert)."""
        return convert.to_torch(self, module)

    def copy(self):
        """An independent net with these weights, code path and thread count."""
        twin = Net(self.n_in, self.n_hidden, self.n_out, self.hidden, self.output, self.loss,
                   path=next(name for name, code in CODE_PATHS.items()
                             if code == self._arch.path), threads=self.threads)
        twin.theta[:] = self.theta
        return twin

    # ------------------------------------------------------------ evaluation

    def data(self, X, Y=None, names=("X", "Y")):
        """Validated arrays and the kernel's view of them (keep the arrays alive).

        `names` are what error messages call the arrays, so a bad test set is
        reported as the test set."""
        xname, yname = names
        bound = self._bound.get(names)
        if bound is not None and bound[0] is X and bound[1] is Y:
            return bound[2]
        given = (X, Y)
        X = as_matrix(xname, X, self.n_in, "feature")
        self._workers_for(len(X))
        if Y is None:
            return X, None, ffi.new("tn_data *", {"X": _ptr(X), "Y": ffi.NULL, "n": len(X)})
        Y = self.check_targets(as_matrix(yname, Y, self.n_out, "target"), yname)
        if len(Y) != len(X):
            raise DataError(f"{xname} has {len(X)} rows but {yname} has {len(Y)}; give one "
                            "target row per input row")
        out = X, Y, ffi.new("tn_data *", {"X": _ptr(X), "Y": _ptr(Y), "n": len(X)})
        # Arrays given as float64 rows are bound as they are, and only they: a
        # list, or an array converted, may change into something else unseen.
        # Values changed in place are read as they are then (a NaN shows as a
        # divergence).
        if X is given[0] and (Y is given[1] or Y.base is given[1]):
            self._bound[names] = (*given, out)
        return out

    def check_targets(self, Y, name="Y"):
        if self.output in ("sigmoid", "softmax") and (Y.min() < 0.0 or Y.max() > 1.0):
            raise DataError(f"a {self.output} output lies in [0, 1] but {name} spans "
                            f"[{Y.min():g}, {Y.max():g}]; rescale the targets or use a "
                            "linear output")
        if self.output == "softmax" and self.loss == "cross_entropy":
            sums = Y.sum(axis=1)
            if not np.allclose(sums, 1.0, rtol=0.0, atol=1e-9):
                row = int(np.argmax(np.abs(sums - 1.0)))
                raise DataError(f"softmax with cross_entropy needs one-hot (or probability) "
                                f"target rows, but row {row} sums to {sums[row]:g}")
        return Y

    def predict(self, X, hidden=False):
        """Outputs O (N,k); with hidden=True also the hidden activations A (N,h)."""
        X, _, data = self.data(X)
        out = np.empty((len(X), self.n_out))
        act = np.empty((len(X), self.n_hidden)) if hidden else None
        with self.in_use("predict"):
            _check(lib.tn_predict(self.arch, _ptr(self.theta), data, _ptr(out),
                                  _ptr(act) if hidden else ffi.NULL, _ptr(self.work)))
        return (out, act) if hidden else out

    def objective(self, X, Y, l2=0.0, l1=0.0):
        """The objective (docs/math.md#objective-and-metrics): mean data loss over the
        rows + (l2/2)(ΣW1² + ΣW2²) + l1(Σ|W1| + Σ|W2|)."""
        l2, l1 = _penalties(l2, l1)
        _, _, data = self.data(X, Y)
        loss = ffi.new("double *")
        with self.in_use("compute its loss"):
            _check(lib.tn_objective(self.arch, _ptr(self.theta), data, l2, l1, loss,
                                    _ptr(self.work)))
        return loss[0]

    def gradients(self, X, Y, l2=0.0, l1=0.0):
        """Gradient of objective(X, Y, l2, l1) as a dict of arrays shaped like the
        weights (L1's sign(0) is 0)."""
        l2, l1 = _penalties(l2, l1)
        _, _, data = self.data(X, Y)
        grad = np.empty_like(self.theta)
        loss = ffi.new("double *")
        with self.in_use("compute its gradients"):
            _check(lib.tn_gradients(self.arch, _ptr(self.theta), data, l2, l1, _ptr(grad), loss,
                                    _ptr(self.work)))
        return dict(zip(PARAMS, self._split(grad)))

    def gradient_function(self, X, Y, l2=0.0, l1=0.0):
        """grad(theta) -> the flat gradient of objective(X, Y, l2, l1) at `theta`
        (theta's layout), with the data validated once: for the many gradients of
        a Hessian-vector product.  The net's own weights are left alone."""
        l2, l1 = _penalties(l2, l1)
        X, Y, data = self.data(X, Y)
        theta = np.empty_like(self.theta)
        # Its own shape and scratch: a later change of the net's thread count
        # must not leave this scratch too small for the arch it is used with.
        arch = ffi.new("tn_arch *", self._arch[0])
        work = np.empty(lib.tn_work_count(arch))
        loss = ffi.new("double *")

        def grad(at):
            theta[:] = at
            out = np.empty_like(theta)
            _check(lib.tn_gradients(arch, _ptr(theta), data, l2, l1, _ptr(out), loss,
                                    _ptr(work)))
            return out
        grad.keep = (X, Y)      # the kernel's view points into these arrays
        return grad

    def _split(self, flat):
        out, start = [], 0
        for view in self._views.values():
            out.append(flat[start:start + view.size].reshape(view.shape).copy())
            start += view.size
        return out

    def unit_stats(self, X, covariance=True):
        """Per hidden unit over the rows of X: active share (Z > 0), mean g'(Z), min and
        max of Z, mean activation, and (unless covariance=False: it takes h x h
        numbers) the covariance matrix of the activations."""
        _, _, data = self.data(X)
        h = self.n_hidden
        stats = {name: np.empty(h) for name in ("active", "mean_deriv", "z_min", "z_max",
                                                "a_mean")}
        fields = {name: _ptr(arr) for name, arr in stats.items()}
        if covariance:
            stats["a_cov"] = np.empty((h, h))
            fields["a_cov"] = _ptr(stats["a_cov"])
        c_stats = ffi.new("tn_stats *", fields)
        with self.in_use("compute its unit statistics"):
            _check(lib.tn_unit_stats(self.arch, _ptr(self.theta), data, c_stats,
                                     _ptr(self.work)))
        return stats


@dataclasses.dataclass(frozen=True)
class TrainerView:
    """What a Trainer looked like at one moment, for readers on another thread
    (the app draws from one while the next epochs train).  The history arrays
    are views, not copies: training only writes past their end."""
    settings: dict
    status: Status
    best: tuple | None
    history: dict
    steps: int
    lr_now: float
    opt_state: np.ndarray      # a copy: the curvature reads Adam's second moments from it
    best_theta: np.ndarray     # a copy of the best weights seen
    start_theta: np.ndarray | None    # the weights at epoch 0 (Trainer.start_theta)


class Trainer:
    """Trains a Net in place, in as many calls as you like.

    Optimizer moments, the step counter, the schedule's state and the shuffle
    RNG persist between calls, so ten calls of 100 epochs give the same bits
    as one call of 1000.  Hyperparameters may change between calls (`set`).
    """

    def __init__(self, net, seed=0, **settings):
        if not isinstance(net, Net):
            raise ConfigError(f"Trainer needs a tuinn.Net, got {type(net).__name__}")
        self._net = net
        self._busy = threading.Lock()
        self.hyper = ffi.new("tn_hyper *")
        self.state = ffi.new("tn_state *", {"rng": whole("shuffle seed", seed, 0) % 2**64,
                                            "lr_scale": 1.0, "best_loss": math.inf,
                                            "min_loss": math.inf})
        self.best_theta = net.theta.copy()
        # The weights at epoch 0, once training starts from there (None for a
        # trainer restored mid-run): never written again, so views share it.
        self.start_theta = None
        self.opt_state = np.zeros(lib.tn_opt_state_count(net.arch))
        self.status = Status("new")
        self._loss = np.empty(0)
        self._test_loss = None   # becomes an array, aligned with _loss, once a test set is given
        self._size = 0
        self._perm = np.empty(0, dtype=np.int64)
        # The kernel's views of the buffers, made again only when a buffer is new.
        self._pointers = {}
        self._done = ffi.new("int64_t *")
        self.settings = {}
        self.set(**{**trainer_defaults(), **settings})

    def set(self, **changes):
        """Change training settings (tuinn.settings' train section, less epochs)
        between calls; all are checked before any changes.

        A new lr restarts the adaptive schedule's cuts from that rate.
        """
        unknown = sorted(set(changes) - set(TRAINER))
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; settings are "
                              f"{', '.join(TRAINER)}")
        checked = {name: SETTINGS[f"train.{name}"].check(value)
                   for name, value in changes.items()}
        if "lr" in checked and checked["lr"] != self.settings.get("lr"):
            self.state.lr_scale = 1.0
            self.state.misses = 0
        self.settings.update(checked)
        for name, value in self.settings.items():
            key = f"train.{name}"
            if SETTINGS[key].kernel:
                setattr(self.hyper, name, KERNEL_CODES[key][value] if key in KERNEL_CODES
                        else value)
        return self

    @property
    def net(self):
        """The Net this trainer trains: fixed, as its optimizer state fits its shape."""
        return self._net

    @property
    def epoch(self):
        """Epochs completed."""
        return self.state.epoch

    @property
    def steps(self):
        return self.state.step

    @property
    def lr_now(self):
        """The learning rate the next epoch will use (after the schedule)."""
        return lib.tn_learning_rate(self.hyper, self.state)

    @property
    def history(self):
        """{'loss': E+1 values, 'test_loss': as many, or none without a test set}."""
        test = np.empty(0) if self._test_loss is None else self._test_loss[:self._size]
        return {"loss": self._loss[:self._size], "test_loss": test}

    def _grow(self, extra):
        need = self._size + extra
        if need > len(self._loss):
            cap = max(need, 2 * len(self._loss), 64)
            self._loss = np.resize(self._loss, cap)
            if self._test_loss is not None:
                self._test_loss = np.resize(self._test_loss, cap)

    STATE_FIELDS = ("epoch", "step", "rng", "lr_scale", "best_loss", "misses", "min_loss",
                    "min_epoch")
    INT_FIELDS = ("epoch", "step", "rng", "misses", "min_epoch")

    @property
    def best(self):
        """(epoch, training loss) of the best weights seen, or None before training."""
        if self._size == 0:
            return None
        return int(self.state.min_epoch), float(self.state.min_loss)

    def view(self):
        """A TrainerView of now: settings, status, best, history, steps, rate and
        optimizer state."""
        return TrainerView(dict(self.settings), self.status, self.best, self.history,
                           self.steps, self.lr_now, self.opt_state.copy(),
                           self.best_theta.copy(), self.start_theta)

    def restore_best(self):
        """Put back the best weights seen ("the best performance during training").

        The optimizer starts afresh from there (moments and step cleared): the
        momentum gathered where the loss went wrong would carry the weights
        straight back out.  The epoch count and the history go on."""
        if self._size == 0:
            raise ConfigError("nothing to restore yet: train first")
        self.net.theta[:] = self.best_theta
        self.opt_state[:] = 0.0
        self.state.step = 0
        return self.best

    def snapshot(self):
        """Copies of everything besides the net's weights and the settings that a
        later `restore` needs to continue bit-identically (plain numpy values)."""
        snap = {name: np.array(getattr(self.state, name),
                               dtype=np.uint64 if name == "rng" else None)
                for name in self.STATE_FIELDS}
        snap["opt_state"] = self.opt_state.copy()
        snap["best_theta"] = self.best_theta.copy()
        history = self.history
        snap["loss"] = history["loss"].copy()
        snap["test_loss"] = history["test_loss"].copy()
        return snap

    # The range of each whole-number field of tn_state, given the epoch count.
    _INT_RANGES = {"epoch": lambda e: (0, e), "step": lambda e: (0, 2**63 - 1),
                   "rng": lambda e: (0, 2**64 - 1), "misses": lambda e: (0, e),
                   "min_epoch": lambda e: (0, e)}

    def _state_value(self, name, value, epoch):
        """One field of a snapshot, checked: a C struct field takes no NaN, no
        negative count and no number beyond its type."""
        try:
            number = float(np.asarray(value).item()) if name not in self.INT_FIELDS else \
                np.asarray(value).item()
        except (TypeError, ValueError):
            number = None
        if name in self.INT_FIELDS:
            low, high = self._INT_RANGES[name](epoch)
            if isinstance(number, float) and number.is_integer():
                number = int(number)
            if not isinstance(number, int) or isinstance(number, bool) or \
                    not low <= number <= high:
                raise DataError(f"the trainer state's {name} is {np.asarray(value).tolist()!r}; "
                                f"it must be a whole number in {low}..{high}")
            return number
        # The adaptive schedule divides the scale by 5 at every second miss: a long
        # plateau takes it below the smallest double, to 0.
        if number is None or math.isnan(number) or (name == "lr_scale" and not
                                                     0 <= number <= 1):
            raise DataError(f"the trainer state's {name} is {np.asarray(value).tolist()!r}, "
                            "which no training leaves")
        return number

    def restore(self, snap):
        """Puts back a `snapshot()` (of a trainer for a net of the same shape)."""
        if not isinstance(snap, dict):
            raise DataError(f"a trainer state is a dict from snapshot(), not "
                            f"{type(snap).__name__}")
        try:
            return self._restore(snap)
        except (TypeError, ValueError, OverflowError) as exc:
            raise DataError(f"the trainer state is damaged ({exc})") from None

    def _restore(self, snap):
        missing = [k for k in ("opt_state", "best_theta", "loss", "test_loss",
                               *self.STATE_FIELDS) if k not in snap]
        if missing:
            raise DataError(f"{missing[0]} is missing from the trainer state: it is not a "
                            "snapshot() of a Trainer")
        opt_state = np.asarray(snap["opt_state"], dtype=np.float64)
        if opt_state.shape != self.opt_state.shape:
            raise DataError(f"optimizer state has {opt_state.size} values but this net needs "
                            f"{self.opt_state.size}; it was saved for another architecture")
        best = np.asarray(snap["best_theta"], dtype=np.float64)
        if best.shape != self.best_theta.shape:
            raise DataError(f"best weights have {best.size} values but this net needs "
                            f"{self.best_theta.size}")
        if not (np.isfinite(best).all() and np.isfinite(opt_state).all()):
            raise DataError("the best weights or the optimizer state hold NaN or Inf; they "
                            "would never be restored")
        loss = np.asarray(snap["loss"], dtype=np.float64)
        test = np.asarray(snap["test_loss"], dtype=np.float64)
        epoch = int(snap["epoch"])
        # No history at all: a trainer saved before its first train() call.
        fresh = epoch == 0 and len(loss) == 0
        if (len(loss) != epoch + 1 and not fresh) or (len(test) and len(test) != len(loss)):
            raise DataError(f"the history has {len(loss)} losses for {epoch} epochs; "
                            "expected one more loss than epochs")
        values = {name: self._state_value(name, snap[name], epoch) for name in self.STATE_FIELDS}
        for name, value in values.items():
            setattr(self.state, name, value)
        self.opt_state[:] = opt_state
        self.best_theta[:] = best
        self._loss, self._size = loss.copy(), len(loss)
        self._test_loss = test.copy() if len(test) else None
        self.status = Status("done" if epoch else "new")
        return self

    def train(self, X, Y, epochs=1000, X_test=None, Y_test=None):
        """Run `epochs` more epochs on (X, Y); returns self.status.

        Stops early with status 'diverged at epoch e' when the loss or a weight
        turns NaN/Inf; the weights are then those after epoch e-1.
        """
        epochs = whole("epochs", epochs, 0, MAX_EPOCHS)
        if not self._busy.acquire(blocking=False):
            raise TuinnError("this Trainer is already training on another thread; give each "
                             "thread a Trainer (and a Net) of its own")
        try:
            with self.net.in_use("train"):
                return self._train(X, Y, epochs, X_test, Y_test)
        finally:
            self._busy.release()

    def _train(self, X, Y, epochs, X_test, Y_test):
        net = self.net
        X, Y, train = net.data(X, Y)
        if (X_test is None) != (Y_test is None):
            raise DataError("give both X_test and Y_test, or neither")
        test = ffi.NULL
        if X_test is not None:
            X_test, Y_test, test = net.data(X_test, Y_test, names=("X_test", "Y_test"))
            if self._test_loss is None:
                self._test_loss = np.full(len(self._loss), np.nan)
        if self._size == 0:
            self._grow(1)
            self._loss[0] = net.objective(X, Y, *penalties(self.settings))
            self.state.min_loss, self.state.min_epoch = self._loss[0], 0
            self.best_theta[:] = net.theta
            self.start_theta = net.theta.copy()
            if test != ffi.NULL:
                self._test_loss[0] = net.objective(X_test, Y_test, *penalties(self.settings))
            self._size = 1
        n = len(X)
        batch = self.settings["batch_size"]
        full = batch is None or batch >= n
        shuffle = self.settings["shuffle"]
        self.hyper.batch_size = 0 if full else batch
        self.hyper.shuffle = (not full) if shuffle is None else (shuffle and not full)
        if self.hyper.shuffle and len(self._perm) != n:
            self._perm = np.empty(n, dtype=np.int64)
        # Units of work (rows x units x outputs, per epoch) past which a call may
        # take long enough for a Ctrl-C to wait on it.
        long = epochs * n * max(net.n_hidden, 1) * net.n_out >= INTERRUPT_WORK
        if long:
            with _interruptible(long) as interrupted:
                status = self._calls(train, test, epochs, interrupted)
        else:
            interrupted, status = None, self._calls(train, test, epochs, None)
        if status == lib.TN_DIVERGED:
            self.status = Status("diverged", self.epoch + 1)
        else:
            _check(status)
            self.status = DONE
        if interrupted:
            raise KeyboardInterrupt
        return self.status

    def _calls(self, train, test, epochs, interrupted):
        """tn_train for `epochs`, in one call, or in chunks of INTERRUPT_SECONDS
        when a Ctrl-C may come (`interrupted` is then a list it fills)."""
        net, done, status = self.net, self._done, lib.TN_OK
        left, chunk = epochs, epochs if interrupted is None else min(epochs, 16)
        while left:
            self._grow(chunk)
            if self._test_loss is not None and test == ffi.NULL:
                self._test_loss[self._size:self._size + chunk] = np.nan
            start = time.perf_counter() if interrupted is not None else 0.0
            status = lib.tn_train(
                net.arch, self._pointer("theta", net.theta),
                self._pointer("opt_state", self.opt_state), self.state, self.hyper, train, test,
                chunk, self._pointer("loss", self._loss) + self._size,
                self._pointer("test_loss", self._test_loss) + self._size
                if test != ffi.NULL else ffi.NULL,
                self._pointer("perm", self._perm, "int64_t[]"), self._pointer("work", net.work),
                self._pointer("best_theta", self.best_theta), done)
            self._size += done[0]
            left -= done[0]
            if status != lib.TN_OK or interrupted or not left:
                break
            seconds = time.perf_counter() - start
            chunk = min(left, max(1, int(chunk * INTERRUPT_SECONDS / max(seconds, 1e-6))))
        return status

    def _pointer(self, role, array, kind="double[]"):
        """The kernel's view of one of the trainer's buffers, made again only
        when the buffer is a new array (the history, when it grows)."""
        held = self._pointers.get(role)
        if held is None or held[0] is not array:
            held = self._pointers[role] = (array, ffi.from_buffer(kind, array))
        return held[1]

@contextlib.contextmanager
def _interruptible(long):
    """Ctrl-C during a long train(): Python runs its handler only between
    kernel calls, so train() calls the kernel in chunks of INTERRUPT_SECONDS
    and stops after the chunk under way, its history whole.  Yields a list
    that a Ctrl-C makes true, or None for one call: a short one, or where
    Ctrl-C is not Python's default (another thread, a handler of the caller's)."""
    if (not long or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield None
        return
    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


__all__ = ["Net", "Trainer", "TuinnError", "as_matrix", "choose", "real_array"]

"""Bad input is refused before the kernel sees it, with its own TuinnError
subclass and a one-line message that names the problem; harmless variations of
good input (dtype, memory layout, read-only) give the same results."""

import math

import numpy as np
import pytest
import tuinn
from tuinn import ConfigError, DataError, TuinnError

from conftest import make_problem, net_for


def refused(kind, fragment, call, *args, **kwargs):
    with pytest.raises(TuinnError) as info:
        call(*args, **kwargs)
    exc = info.value
    assert type(exc) is kind, f"{type(exc).__name__}: {exc}"
    assert isinstance(exc, ValueError)
    message = str(exc)
    assert "\n" not in message and message.strip() == message and message
    assert fragment.lower() in message.lower(), message
    return message


@pytest.fixture
def setup():
    params, X, Y = make_problem("linear", N=10, d=2, h=3, k=2, seed=1)
    net = net_for(params, "tanh", "linear", "squared")
    return net, X, Y


def all_entry_points(net, X, Y):
    """Every call that takes data, as (name, function of (X, Y))."""
    return [
        ("objective", lambda x, y: net.objective(x, y)),
        ("gradients", lambda x, y: net.gradients(x, y)),
        ("train", lambda x, y: tuinn.Trainer(net).train(x, y, 1)),
        ("train test set", lambda x, y: tuinn.Trainer(net).train(X, Y, 1, x, y)),
    ]


# ---------------------------------------------------------------- data

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_name_row_and_column(setup, bad):
    net, X, Y = setup
    X = X.copy()
    X[6, 1] = bad
    for _, call in all_entry_points(net, X, Y)[:3]:
        msg = refused(DataError, "row 6, column 1", call, X, Y)
        assert "X" in msg and str(bad) in msg
    refused(DataError, "row 6, column 1", net.predict, X)
    refused(DataError, "row 6, column 1", net.unit_stats, X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_targets_name_row_and_column(setup, bad):
    net, X, Y = setup
    Y = Y.copy()
    Y[3, 0] = bad
    for _, call in all_entry_points(net, X, Y)[:3]:
        msg = refused(DataError, "row 3, column 0", call, X, Y)
        assert msg.startswith("Y")


def test_bad_test_set_is_named_as_the_test_set(setup):
    # A NaN in X_test reported as a problem of "X" would send the user to the
    # wrong array.
    net, X, Y = setup
    Xt = X.copy()
    Xt[2, 0] = np.nan
    msg = refused(DataError, "row 2, column 0", tuinn.Trainer(net).train, X, Y, 1, Xt, Y)
    assert "X_test" in msg, msg
    msg = refused(DataError, "rows", tuinn.Trainer(net).train, X, Y, 1, X, Y[:5])
    assert "Y_test" in msg, msg


def test_wrong_dimensions(setup):
    net, X, Y = setup
    refused(DataError, "2-D", net.predict, X[:, 0])
    refused(DataError, "reshape(-1, 1)", net.predict, X[:, 0])
    refused(DataError, "3-D", net.predict, X[None])
    refused(DataError, "3-D", net.objective, X[None], Y)
    refused(DataError, "0-D", net.predict, np.float64(1.0))
    refused(DataError, "2-D", net.objective, X, Y[None])
    refused(DataError, "2-D", net.objective, X, Y[:, 0])  # 1-D Y only for one output


def test_one_dimensional_y_is_fine_for_one_output():
    params, X, Y = make_problem("linear", N=10, d=2, h=3, k=1)
    net = net_for(params, "tanh", "linear", "squared")
    assert net.objective(X, Y[:, 0]) == net.objective(X, Y)


def test_row_count_mismatch(setup):
    net, X, Y = setup
    for _, call in all_entry_points(net, X, Y)[:3]:
        refused(DataError, "X has 10 rows but Y has 9", call, X, Y[:9])


def test_wrong_feature_and_target_counts(setup):
    net, X, Y = setup
    wide = np.hstack([X, X])
    refused(DataError, "4 features per row but the net expects 2", net.predict, wide)
    for _, call in all_entry_points(net, X, Y):
        refused(DataError, "features per row", call, wide, Y)
        refused(DataError, "3 targets per row but the net expects 2", call, X,
                np.hstack([Y, Y[:, :1]]))


def test_empty_data(setup):
    net, X, Y = setup
    for _, call in all_entry_points(net, X, Y):
        refused(DataError, "no rows", call, X[:0], Y[:0])
    refused(DataError, "no rows", net.predict, np.empty((0, 2)))
    refused(DataError, "no rows", net.unit_stats, np.empty((0, 2)))


def test_non_numeric(setup):
    net, X, Y = setup
    text = X.astype(str)
    refused(DataError, "text", net.predict, text)
    refused(DataError, "text", net.objective, X, Y.astype(str))
    refused(DataError, "objects", net.predict, X.astype(object))
    refused(DataError, "objects", net.predict, np.array([[1.0, None]] * 3))
    refused(DataError, "complex", net.predict, X.astype(complex))
    refused(DataError, "rectangular", net.predict, [[1.0, 2.0], [3.0]])
    refused(DataError, "bytes", net.predict, X.astype(bytes))


def test_caller_bad_data_changes_nothing(setup):
    net, X, Y = setup
    tr = tuinn.Trainer(net, lr=0.1)
    tr.train(X, Y, 2)
    theta, hist = net.theta.copy(), tr.history["loss"].copy()
    Xbad = X.copy()
    Xbad[0, 0] = np.nan
    refused(DataError, "row 0", tr.train, Xbad, Y, 5)
    refused(DataError, "X_test", tr.train, X, Y, 5, X)
    np.testing.assert_array_equal(net.theta, theta)
    np.testing.assert_array_equal(tr.history["loss"], hist)
    assert tr.epoch == 2


# ---------------------------------------------------------------- architecture

@pytest.mark.parametrize("n_hidden", [-1, 2.5, True, "3", None])
def test_bad_hidden_unit_count(n_hidden):
    refused(ConfigError, "n_hidden", tuinn.Net, 2, n_hidden, 1)


@pytest.mark.parametrize("n_in,n_out", [(0, 1), (1, 0), (1.0, 1), (1, False)])
def test_bad_input_and_output_counts(n_in, n_out):
    refused(ConfigError, "n_in" if n_out == 1 else "n_out", tuinn.Net, n_in, 2, n_out)


def test_whole_numbers_of_numpy_types_are_fine():
    net = tuinn.Net(np.int64(2), np.int32(3), np.uint8(1))
    assert net.shapes["W1"] == (2, 3)


@pytest.mark.parametrize("kind,kw,near", [
    ("hidden activation", {"hidden": "sigmod"}, "sigmoid"),
    ("hidden activation", {"hidden": "tahn"}, "tanh"),
    ("hidden activation", {"hidden": "softmax"}, None),
    ("output activation", {"output": "liner"}, "linear"),
    ("output activation", {"output": "relu"}, None),
    ("loss", {"loss": "cross-entropy"}, "cross_entropy"),
    ("loss", {"loss": "mse"}, None),
])
def test_unknown_net_names(kind, kw, near):
    msg = refused(ConfigError, f"unknown {kind}", tuinn.Net, 1, 2, 1, **kw)
    if near:
        assert f"did you mean '{near}'" in msg
    else:
        assert "did you mean" not in msg
    assert "choose one of" in msg


@pytest.mark.parametrize("kind,kw,near", [
    ("optimizer", {"optimizer": "adm"}, "adam"),
    ("optimizer", {"optimizer": "lbfgs"}, None),
    ("schedule", {"schedule": "invscale"}, "invscaling"),
    ("schedule", {"schedule": 3}, None),
])
def test_unknown_trainer_names(kind, kw, near):
    msg = refused(ConfigError, f"unknown {kind}", tuinn.Trainer, tuinn.Net(1, 2, 1), **kw)
    assert ("did you mean '%s'" % near in msg) if near else "did you mean" not in msg


def test_unknown_init_scheme_and_setting():
    msg = refused(ConfigError, "unknown init scheme", tuinn.Net(1, 2, 1).init, "glorrot")
    assert "did you mean 'glorot'" in msg
    refused(ConfigError, "unknown setting 'learning_rate'", tuinn.Trainer(tuinn.Net(1, 2, 1)).set,
            learning_rate=0.1)
    refused(ConfigError, "init seed", tuinn.Net(1, 2, 1).init, "small", seed=-1)
    refused(ConfigError, "init scale", tuinn.Net(1, 2, 1).init, "small", scale=-0.1)


@pytest.mark.parametrize("output", ["linear", "tanh"])
def test_cross_entropy_needs_sigmoid_or_softmax(output):
    refused(ConfigError, "cross_entropy needs a sigmoid or softmax output", tuinn.Net, 2, 3, 1,
            output=output, loss="cross_entropy")


@pytest.mark.parametrize("output,loss", [("sigmoid", "squared"), ("sigmoid", "cross_entropy"),
                                         ("softmax", "squared")])
def test_bounded_outputs_need_targets_in_0_1(output, loss):
    params, X, Y = make_problem(output, loss, N=8, k=2)
    net = net_for(params, "tanh", output, loss)
    for bad in (1.5, -0.25):
        Ybad = Y.copy()
        Ybad[4, 1] = bad
        if output == "softmax":
            Ybad[4] = [1 - bad, bad]
        for _, call in all_entry_points(net, X, Y):
            refused(DataError, "[0, 1]", call, X, Ybad)


def test_softmax_cross_entropy_needs_rows_summing_to_1():
    params, X, Y = make_problem("softmax", "cross_entropy", N=8, k=3)
    net = net_for(params, "tanh", "softmax", "cross_entropy")
    Ybad = Y.copy()
    Ybad[5] = [0.5, 0.0, 0.0]
    for _, call in all_entry_points(net, X, Y):
        refused(DataError, "row 5 sums to 0.5", call, X, Ybad)
    # Probability rows are fine, and so are non-normalized rows with squared loss.
    net.objective(X, np.full((8, 3), 1 / 3))
    net_for(params, "tanh", "softmax", "squared").objective(X, Ybad)


# ---------------------------------------------------------------- hyperparameters

@pytest.mark.parametrize("name,value", [
    ("lr", 0.0), ("lr", -0.1), ("lr", math.nan), ("lr", math.inf), ("lr", "0.1"), ("lr", None),
    ("momentum", 1.0), ("momentum", -0.1), ("momentum", math.nan),
    ("beta1", 1.0), ("beta1", -1e-9), ("beta2", 1.0), ("beta2", 1.5),
    ("alpha", 1.0), ("alpha", -0.5),
    ("eps", 0.0), ("eps", -1e-8),
    ("l2", -0.1), ("l2", math.nan), ("l2", math.inf),
    ("l1", -0.1), ("l1", math.nan), ("l1", math.inf),
    ("power_t", -0.5), ("tol", -1e-4),
    ("batch_size", 0), ("batch_size", -4), ("batch_size", 2.5), ("batch_size", True),
])
def test_bad_hyperparameters(name, value):
    label = "lr (learning rate)" if name == "lr" else name
    msg = refused(ConfigError, label, tuinn.Trainer, tuinn.Net(1, 2, 1), **{name: value})
    refused(ConfigError, label, tuinn.Trainer(tuinn.Net(1, 2, 1)).set, **{name: value})
    if isinstance(value, float) and math.isfinite(value):
        assert f"{value:g}" in msg


def test_good_edge_hyperparameters():
    tuinn.Trainer(tuinn.Net(1, 2, 1), momentum=0.0, beta1=0.0, beta2=0.0, alpha=0.0, l2=0.0,
                  tol=0.0, power_t=0.0, batch_size=1, lr=1e-300)


def test_negative_l2_in_objective_and_gradients(setup):
    net, X, Y = setup
    refused(ConfigError, "l2", net.objective, X, Y, -1.0)
    refused(ConfigError, "l2", net.gradients, X, Y, -1.0)
    refused(ConfigError, "l1", net.objective, X, Y, 0.0, -1.0)
    refused(ConfigError, "l1", net.gradients, X, Y, l1=math.nan)


@pytest.mark.parametrize("epochs", [-1, 1.5, True, "10", None])
def test_bad_epochs(setup, epochs):
    net, X, Y = setup
    refused(ConfigError, "epochs", tuinn.Trainer(net).train, X, Y, epochs)


def test_trainer_needs_a_net():
    refused(ConfigError, "needs a tuinn.Net", tuinn.Trainer, "net")


@pytest.mark.parametrize("seed", [-1, 1.5, "1"])
def test_bad_shuffle_seed(seed):
    refused(ConfigError, "seed", tuinn.Trainer, tuinn.Net(1, 2, 1), seed=seed)


def test_x_test_and_y_test_go_together(setup):
    net, X, Y = setup
    refused(DataError, "both X_test and Y_test", tuinn.Trainer(net).train, X, Y, 1, X, None)
    refused(DataError, "both X_test and Y_test", tuinn.Trainer(net).train, X, Y, 1, None, Y)


# ---------------------------------------------------------------- set_weights

def test_set_weights_refuses_bad_arrays(setup):
    net, _, _ = setup
    before = net.theta.copy()
    refused(DataError, "W1 must have shape (2, 3), got (3, 2)", net.set_weights,
            W1=np.zeros((3, 2)))
    refused(DataError, "b1 must have shape (3,)", net.set_weights, b1=np.zeros(4))
    refused(DataError, "W2 must have shape (3, 2), got (2, 3)", net.set_weights,
            W2=np.zeros((2, 3)))
    refused(DataError, "W2 must have shape", net.set_weights, W2=np.zeros((3, 2, 2)))
    bad = np.ones((3, 2))
    bad[1, 1] = np.nan
    refused(DataError, "NaN or Inf", net.set_weights, W2=bad)
    refused(DataError, "NaN or Inf", net.set_weights, b2=[1.0, np.inf])
    refused(ConfigError, "unknown weight 'W3'", net.set_weights, W3=np.zeros(2))
    refused(ConfigError, "unknown weight 'w1'", net.set_weights, w1=np.zeros((2, 3)))
    refused(DataError, "numbers", net.set_weights, b1=["a", "b", "c"])
    # Nothing is copied in when any array is bad, even the good ones.
    refused(DataError, "NaN or Inf", net.set_weights, b1=np.ones(3), b2=[np.nan, 0.0])
    np.testing.assert_array_equal(net.theta, before)


# ---------------------------------------------------------------- conversions

def variants(A):
    ro = A.copy()
    ro.setflags(write=False)
    big = np.zeros((2 * A.shape[0], 3 * A.shape[1]))
    big[::2, ::3] = A
    return {
        "fortran": np.asfortranarray(A),
        "strided": big[::2, ::3],
        "read-only": ro,
        "list": A.tolist(),
    }


def results(net, X, Y, Xt, Yt):
    out = {"predict": net.predict(X), "objective": net.objective(X, Y, 0.01),
           "stats": net.unit_stats(X)}
    out.update({"g_" + k: v for k, v in net.gradients(X, Y, 0.01).items()})
    trial = net.copy()
    tr = tuinn.Trainer(trial, optimizer="adam", lr=0.01, batch_size=4, l2=0.01, seed=3)
    tr.train(X, Y, 5, Xt, Yt)
    out.update(theta=trial.theta.copy(), loss=tr.history["loss"].copy(),
               test_loss=tr.history["test_loss"].copy())
    return out


def assert_same_results(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if key == "stats":
            for name in a[key]:
                np.testing.assert_array_equal(a[key][name], b[key][name], err_msg=name)
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_layout_variants_give_identical_results_and_stay_untouched():
    params, X, Y = make_problem("sigmoid", "squared", N=11, d=3, h=4, k=2, seed=2)
    net = net_for(params, "tanh", "sigmoid", "squared")
    want = results(net, X, Y, X[:5], Y[:5])
    for kind, Xv in variants(X).items():
        Yv = variants(Y)[kind]
        keep_X, keep_Y = np.array(Xv, copy=True), np.array(Yv, copy=True)
        got = results(net, Xv, Yv, np.asarray(Xv)[:5], np.asarray(Yv)[:5])
        assert_same_results(want, got)
        np.testing.assert_array_equal(np.asarray(Xv), keep_X, err_msg=kind)
        np.testing.assert_array_equal(np.asarray(Yv), keep_Y, err_msg=kind)


def test_float32_and_integer_arrays_are_converted_not_reinterpreted():
    params, X, Y = make_problem("linear", N=13, d=3, h=4, k=2, seed=6)
    net = net_for(params, "relu", "linear", "squared")
    X32 = (X * 8).astype(np.float32)   # values exactly representable both ways
    Y32 = Y.astype(np.float32)
    Xint = np.round(X * 4).astype(np.int32)
    Yint = np.round(Y * 2).astype(np.int64)
    for Xv, Yv in [(X32, Y32), (Xint, Yint), (Xint.astype(np.int8), Yint.astype(np.int16)),
                   (np.asfortranarray(X32), Y32[::1])]:
        keep_X, keep_Y = Xv.copy(), Yv.copy()
        want = results(net, Xv.astype(np.float64), Yv.astype(np.float64),
                       Xv[:4].astype(np.float64), Yv[:4].astype(np.float64))
        got = results(net, Xv, Yv, Xv[:4], Yv[:4])
        assert_same_results(want, got)
        assert Xv.dtype == keep_X.dtype
        np.testing.assert_array_equal(Xv, keep_X)
        np.testing.assert_array_equal(Yv, keep_Y)


def test_boolean_targets_for_a_sigmoid_classifier():
    params, X, Y = make_problem("sigmoid", "cross_entropy", N=10, k=1)
    net = net_for(params, "tanh", "sigmoid", "cross_entropy")
    Yb = Y > 0.5
    assert net.objective(X, Yb) == net.objective(X, Yb.astype(float))


def test_training_does_not_touch_the_callers_arrays():
    params, X, Y = make_problem("linear", N=20, d=2, h=3, k=1)
    keep = [a.copy() for a in (X, Y)] + [params[n].copy() for n in sorted(params)]
    net = net_for(params, "tanh", "linear", "squared")
    tuinn.Trainer(net, optimizer="rmsprop", lr=0.01, batch_size=6).train(X, Y, 5, X, Y)
    now = [X, Y] + [params[n] for n in sorted(params)]
    for a, b in zip(now, keep):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- misuse of the API

def test_a_nets_shape_and_weight_vector_cannot_be_replaced():
    net = tuinn.Net(2, 3, 1)
    trainer = tuinn.Trainer(net)
    for name, value in (("n_in", 5), ("n_hidden", 9), ("n_out", 2), ("theta", np.zeros(3)),
                        ("arch", None), ("work", np.zeros(1))):
        with pytest.raises(AttributeError):
            setattr(net, name, value)
    with pytest.raises(AttributeError):
        trainer.net = tuinn.Net(5, 9, 1)
    net.theta[:] = 0.5                      # writing the weights in place is the way
    assert (net.W1 == 0.5).all()


def test_a_second_thread_cannot_train_a_busy_trainer():
    import threading

    params, X, Y = make_problem("linear", N=2000, d=3, h=32, k=1)
    trainer = tuinn.Trainer(net_for(params, "tanh", "linear", "squared"), lr=1e-4)
    stop = threading.Event()

    def long_training():
        while not stop.is_set():
            trainer.train(X, Y, 5)
    worker = threading.Thread(target=long_training)
    worker.start()
    try:
        while True:             # until a call of ours lands while the worker's runs
            try:
                trainer.train(X[:10], Y[:10], 1)
            except TuinnError as exc:
                assert "already training on another thread" in str(exc)
                break
    finally:
        stop.set()
        worker.join()
    assert trainer.epoch == len(trainer.history["loss"]) - 1, "the history stayed whole"


@pytest.mark.parametrize("shape", [(1, 3_000_000_000, 1), (1, 3e9, 1), (10_000, 10_000, 1),
                                   (2_000_000, 1, 1)])
def test_absurd_sizes_are_refused_before_any_allocation(shape):
    refused(ConfigError, "", tuinn.Net, *shape)


def test_absurd_epoch_counts_and_empty_snapshots_are_refused(setup):
    net, X, Y = setup
    refused(ConfigError, "epochs must be a whole number in 0..100,000,000",
            tuinn.Trainer(net).train, X, Y, 10**18)
    refused(DataError, "is missing from the trainer state", tuinn.Trainer(net).restore, {})


def test_the_kernel_checks_an_activation_code_by_membership_not_by_range():
    """The kernel takes exactly the table's hidden activations and the
    settings' outputs, wherever their codes fall in its enum."""
    from tuinn.activations import TABLE
    from tuinn.engine import KERNEL_CODES, lib

    hidden = set(KERNEL_CODES["model.activation"].values())
    outputs = set(KERNEL_CODES["model.output"].values())
    assert len(hidden) == len(TABLE)
    net = tuinn.Net(2, 3, 1)
    for field, accepted in (("hidden", hidden), ("output", outputs)):
        saved = getattr(net.arch, field)
        for code in range(-2, max(hidden | outputs) + 3):
            setattr(net.arch, field, code)
            assert (lib.tn_check_arch(net.arch) == lib.TN_OK) == (code in accepted), (field, code)
        setattr(net.arch, field, saved)

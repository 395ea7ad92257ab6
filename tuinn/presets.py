"""The situations of docs/situations.md as ready runs.

A preset is a complete run in run-file form (the dict `tuinn.runs.RunSpec`
reads): data, model, initialization, training settings, seeds, a one-line
title and notes on what to look for and why it happens.  Where a situation's
source gives exact initial weights, the preset carries them as manual weights;
where it leaves a choice open (optimizer, rate, epochs, seed), the notes say
what we chose.

This module is plain data plus numpy: `tuinn.runs` builds runs from it.
"""

import copy
import difflib

import numpy as np

from tuinn.errors import ConfigError

PRESETS = {}


def _add(name, title, notes, data, model, train, init=None):
    PRESETS[name] = {"name": name, "title": title, "notes": " ".join(notes.split()),
                     "data": data, "model": model, "init": init or {"scheme": "glorot"},
                     "train": train}


def names():
    return list(PRESETS)


# Names before presets counted units as tuinn does: the study's h counts its
# bias unit, so its h = 2 is one unit here.  A saved run file may still say so.
RENAMED = {"exp-h2": "exp-h1", "exp-h5": "exp-h4", "exp-h8": "exp-h7",
           "sinpoly-h3": "sinpoly-h2", "sinpoly-h6": "sinpoly-h5", "sinpoly-h8": "sinpoly-h7",
           "sinpoly-h12": "sinpoly-h11"}


def get(name):
    """The run-file dict of preset `name` (a fresh copy the caller may change)."""
    if name in RENAMED:
        raise ConfigError(f"preset {name!r} is now {RENAMED[name]!r}: a preset's -hN is N "
                          f"hidden units, as --hidden N (the study's h counts a bias unit)")
    if name not in PRESETS:
        close = difflib.get_close_matches(str(name), list(PRESETS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown preset {name!r}{hint}; `tuinn presets` lists them")
    return copy.deepcopy(PRESETS[name])


def _manual(W1, b1, W2, b2):
    as_list = lambda a: np.asarray(a, dtype=np.float64).tolist()
    return {"scheme": "manual", "weights": {"W1": as_list(W1), "b1": as_list(b1),
                                            "W2": as_list(W2), "b2": as_list(b2)}}


# ---------------------------------------------------------------- the ReLU sum question
# docs/situations.md#a-relu-net-that-learns-a-constant

_SUM_DOC = " More in `tuinn help situations#a-relu-net-that-learns-a-constant`."

# The question's initialization: every weight and bias N(0, 2/fan_in).  Seed 13:
# both units start alive on the data, and both die.
_SUM_INIT = {"scheme": "he-bias", "seed": 13}
_SUM_MODEL = {"hidden_units": 2, "activation": "relu", "output": "linear", "loss": "squared"}
_SUM_TRAIN = {"optimizer": "sgd", "lr": 0.02, "epochs": 1000}

_add("sum-relu", "a 5-2-1 ReLU net meant to learn a sum learns the constant 15.5",
     """Two rows, [1,2,3,4,5] -> 15 and [1,2,3,4,6] -> 16, with the ReLU sum question's
     initialization (weights and biases N(0, 2/fan_in): init scheme he-bias; seed 13,
     where both units start alive; try other init seeds). The targets are far from the
     first outputs, so the first gradients are
     big: epoch 1 brings the loss from 132 down to 26, epoch 2 overshoots to 253 and
     pushes unit 1's pre-activation below zero on both rows, epoch 3 does the same to
     unit 2. A ReLU that is off on every row gets no gradient and never comes back:
     with both units dead only the output bias still learns, and it settles at 15.5,
     the mean of the targets, with loss 0.125. That is not an optimum of the net, only
     of what is left of it. The question gives neither the rate nor the seed: we use
     full-batch SGD at 0.02, where every seed we tried ends dead; at 0.01 this seed
     keeps both units and fits the two rows.""" + _SUM_DOC,
     {"generator": "sums", "params": {"variant": "positive"}}, _SUM_MODEL, _SUM_TRAIN,
     _SUM_INIT)

_OPTIMAL_SUM = _manual([[1.0, -1.0]] * 5, [0.0, 0.0], [[1.0], [-1.0]], [0.0])

_add("sum-relu-optimal", "the hand-set exact sum: loss 0, nothing moves",
     """The hand-set weights of the ReLU sum question: unit 1 computes relu(sum), unit 2
     relu(-sum), and the output their difference, which is the sum itself for every
     input. On 1000 random inputs the loss is exactly 0, so every gradient is exactly 0
     and no weight ever changes. The net can represent the sum; the other sum-relu runs
     show that gradient descent does not necessarily find it.""" + _SUM_DOC,
     {"generator": "sums", "params": {"variant": "random", "n": 1000}}, _SUM_MODEL,
     _SUM_TRAIN, _OPTIMAL_SUM)

_add("sum-relu-random", "the same net and start on 1000 random inputs learns the sum",
     """1000 rows of five inputs uniform on [-10, 10] (the ReLU sum question does not say
     how its random inputs were drawn), the same initial weights and rate as sum-relu.
     Inputs of both signs keep each unit active on about half the rows, so neither
     dies, and the net finds the exact sum (loss about 1e-7 after 1000 epochs). The
     question reports weights that grew very large here: its code multiplies the
     backpropagated error by relu(z) instead of by relu's derivative (1 where z > 0),
     which scales every hidden gradient by the pre-activation itself.""" + _SUM_DOC,
     {"generator": "sums", "params": {"variant": "random", "n": 1000}}, _SUM_MODEL,
     _SUM_TRAIN, _SUM_INIT)


# ---------------------------------------------------------------- the coverage question
# docs/situations.md#an-initialization-that-leaves-a-region-uncovered

_COVERAGE_DOC = (" More in `tuinn help situations"
                 "#an-initialization-that-leaves-a-region-uncovered`.")


def coverage_weights(w2, b2):
    """The coverage question's start: y1 = relu(x + 3), y2 = relu(w2 x + b2), output
    weights and bias 0."""
    return _manual([[1.0, w2]], [3.0, b2], [[0.0], [0.0]], [0.0])


_COVERAGE_MODEL = {"hidden_units": 2, "activation": "relu", "output": "linear",
                   "loss": "squared"}
_COVERAGE_TRAIN = {"optimizer": "adam", "lr": 0.05, "epochs": 2000}
_QUADRATIC = {"generator": "quadratic", "params": {"n": 10000, "noise": 1.0}}

_add("coverage-good", "two ReLUs whose active regions cover all the data fit the parabola",
     """y = x^2 - 10 + noise on [-10, 10]. Unit 1 starts as relu(x + 3), active for
     x > -3; unit 2 as relu(-x + 3), active for x < 3. Every region of the data is seen
     by at least one unit, so every row sends gradient somewhere, and the two units
     end as the two arms of a V that follows the parabola (loss about 6). The blog post
     behind the coverage question does not give the optimizer, rate or epochs: we use
     full-batch Adam at 0.05 for 2000 epochs, the same for coverage-bad, which differs
     only in unit 2's start.""" + _COVERAGE_DOC,
     _QUADRATIC, _COVERAGE_MODEL, _COVERAGE_TRAIN, coverage_weights(-1.0, 3.0))

_add("coverage-bad", "a ReLU start that leaves x < -3 uncovered never fits that side",
     """The same as coverage-good except unit 2 starts as relu(x - 3), active only for
     x > 3. Now no unit is active for x < -3: the rows there give no gradient to any
     hidden weight, so nothing ever learns the left arm of the parabola, and the
     output there stays a constant. Both units end up serving the right side, and
     the loss stays about 50 times that of coverage-good. Watch the unit table: both
     units are off on the whole region x < -3.""" + _COVERAGE_DOC,
     _QUADRATIC, _COVERAGE_MODEL, _COVERAGE_TRAIN, coverage_weights(1.0, -3.0))


# ---------------------------------------------------------------- the three-point question
# docs/situations.md#a-linear-hidden-layer-stuck-at-the-least-squares-line

_THREE_DOC = (" More in `tuinn help situations"
              "#a-linear-hidden-layer-stuck-at-the-least-squares-line`.")

_THREE = {"generator": "three-points"}
_THREE_TRAIN = {"optimizer": "adam", "lr": 0.01, "epochs": 2000}

_add("linear-hidden", "ten linear hidden units stop at mse 0.0057, the straight-line optimum",
     """Three points, a 1-10-1 net with linear hidden units (Keras' Dense default
     activation, which the person asking the three-point question did not know), Adam.
     A stack of linear layers is one linear map, so the whole net is y = a x + b however
     many units it has, and its best mse is the least-squares line's: 0.0057. Training
     gets there and stops. The question used Adam at 1e-5 for 10000 epochs; at 0.01 the
     same floor is reached in a few hundred epochs. Glorot initialization, as
     Keras.""" + _THREE_DOC,
     _THREE, {"hidden_units": 10, "activation": "linear", "output": "linear",
              "loss": "squared"}, _THREE_TRAIN)

_add("sigmoid-hidden", "the same net with sigmoid units goes below 0.0057, to 0",
     """linear-hidden with sigmoid hidden units: the net can now bend, three points
     are easy for ten units, and the mse falls past the least-squares line's 0.0057
     to practically zero.""" + _THREE_DOC,
     _THREE, {"hidden_units": 10, "activation": "sigmoid", "output": "linear",
              "loss": "squared"}, _THREE_TRAIN)


# ---------------------------------------------------------------- the scaling questions
# docs/situations.md#unscaled-inputs-saturated-units-and-the-loss-on-a-sigmoid

_SCALING_DOC = (" More in `tuinn help situations"
                "#unscaled-inputs-saturated-units-and-the-loss-on-a-sigmoid`.")

_BODY_MODEL = {"hidden_units": 3, "activation": "sigmoid", "output": "sigmoid",
               "loss": "cross_entropy"}
_BODY_TRAIN = {"optimizer": "adam", "lr": 1e-3, "l2": 1e-4, "epochs": 1000}
_BODY_INIT = {"scheme": "sklearn", "seed": 0}

_add("body-metrics", "height, weight and shoe size in raw units saturate the sigmoids",
     """The body-metrics question's MLPClassifier: 3 logistic hidden units, a sigmoid
     output with cross-entropy, Adam at 1e-3, L2 1e-4, scikit-learn's initialization,
     11 rows, the question's two rows as the test set. The inputs are heights near 170
     and weights near 70, so each hidden unit's pre-activation is in the tens from the
     first epoch: the sigmoids sit flat at 0 or 1, their derivatives are about 0, and
     almost no gradient reaches the first layer. Training crawls, and which units
     escape depends on the random start. The question's runs ended after 200
     iterations (its limit, with a convergence warning) and after 39, 4 and 158:
     scikit-learn stops early when the loss keeps improving by less than tol. A stop
     after 4 iterations fits the rule of scikit-learn before 0.20 (three epochs in a
     row without such an improvement), not today's default of 10 epochs in a row.
     tuinn does not stop early: this preset trains a fixed 1000 epochs, so it shows
     the saturation, not those early stops. Here two of the three units end saturated.
     Compare body-metrics-scaled.""" + _SCALING_DOC,
     {"generator": "body-metrics"}, _BODY_MODEL, _BODY_TRAIN, _BODY_INIT)

_add("body-metrics-scaled", "the same with standardized inputs: the units stay responsive",
     """body-metrics with each input standardized (mean 0, standard deviation 1, fitted
     on the training rows). The pre-activations start near 0, where a sigmoid is
     steepest, every unit gets gradient, and the same 1000 epochs reach a lower loss
     with no saturated unit.""" + _SCALING_DOC,
     {"generator": "body-metrics", "standardize_inputs": True}, _BODY_MODEL, _BODY_TRAIN,
     _BODY_INIT)

_TANH_MODEL = {"hidden_units": 2, "activation": "tanh", "output": "tanh", "loss": "squared"}
_TANH_TRAIN = {"optimizer": "sgd", "lr": 0.2, "batch_size": 1, "shuffle": True,
               "epochs": 500}
_TANH_INIT = {"scheme": "small", "seed": 0, "scale": 1.0}

_add("or-tanh", "OR with tanh units and online SGD, one row per step",
     """The 2-2-1 tanh net of the truth-table question (tanh output too), weights and
     biases N(0, 1) as np.random.randn draws them, SGD at 0.2 on one shuffled row at a
     time. 500 epochs are 2000 single-row steps, the question's EPOCHS. This preset
     trains the data file the question posted, which is OR; OR is linearly separable
     and learns quickly. The question's own log ([1 1] -> 0) shows it was training
     XOR: that is xor-tanh. The answerer first trained the posted OR data and blamed
     the forward pass running only when the output was printed, then took that back
     (the backward pass runs its own forward pass). Their conclusion: on XOR the
     network does learn, only more slowly than promised; it is sensitive to the
     learning rate and the initial weight scale, and tanh with squared loss is not the
     best choice for classification.""" + _SCALING_DOC,
     {"generator": "or"}, _TANH_MODEL, _TANH_TRAIN, _TANH_INIT)

_add("xor-tanh", "XOR with two tanh units and online SGD",
     """As or-tanh on the XOR table, the data the truth-table question was really
     training. XOR is not linearly separable: the two hidden
     units must split the plane between them. From this start they do, in 2000
     single-row steps; from others (try init seed 2) one unit ends up doing the work
     of both and the net stalls with one row wrong, a local minimum that a third unit
     or a new start usually escapes.""" + _SCALING_DOC,
     {"generator": "xor-table"}, _TANH_MODEL, _TANH_TRAIN, _TANH_INIT)

_AND_TRAIN = {"optimizer": "sgd", "lr": 1.0, "epochs": 2000}

_add("and-squared", "AND with a sigmoid output and squared loss learns slowly",
     """The AND table, a 2-2-1 sigmoid net, full-batch SGD at 1. With squared loss the
     output error is multiplied by the sigmoid's derivative o(1 - o), which is small
     exactly when the output is confidently wrong, so learning slows where it should
     be fastest. The AND question found that dropping that factor learns faster: that
     is and-cross-entropy. Compare their mse after the same 2000 epochs.""" + _SCALING_DOC,
     {"generator": "and"}, {"hidden_units": 2, "activation": "sigmoid", "output": "sigmoid",
                            "loss": "squared"}, _AND_TRAIN)

_add("and-cross-entropy", "AND with cross-entropy: the same net learns much faster",
     """and-squared with cross-entropy loss. Its gradient at the output logit is just
     o - y, with no o(1 - o) factor (the AND question's 'accidental' rule), so a wrong
     output is corrected at full speed; after the same 2000 epochs the mse is hundreds
     of times lower.""" + _SCALING_DOC,
     {"generator": "and"}, {"hidden_units": 2, "activation": "sigmoid", "output": "sigmoid",
                            "loss": "cross_entropy"}, _AND_TRAIN)

# The AND question's delta rule: one sigmoid neuron (no hidden layer), weights 0,
# bias -2, and its update summed over the 4 rows at rate 0.021; tuinn's gradient is
# the mean over the rows, so the same steps take a rate of 4 x 0.021.
_DELTA_TRAIN = {"optimizer": "sgd", "lr": 0.084, "epochs": 10000}
_DELTA_INIT = {"scheme": "manual", "weights": {"W2": [[0.0], [0.0]], "b2": [-2.0]}}

_add("and-delta", "the AND question's single neuron with the delta rule: 0.8447 after 10000",
     """A single sigmoid neuron (hidden_units = 0: no hidden layer), the AND table, the
     bias starting at -2 and both weights at 0, 10000 full-batch steps of the delta
     rule with the sigmoid's derivative: the gradient of squared loss. The question's
     rate 0.021 multiplied the sum over the 4 rows; tuinn averages, so its rate is
     0.084 for the same steps. The outputs for 11, 00, 01, 10 end at 0.8447, 0.0040,
     0.1292 and 0.1292, the question's numbers. The factor o(1 - o) is small exactly
     where the output is confidently wrong, so learning is slow. Compare
     and-delta-cross-entropy.""" + _SCALING_DOC,
     {"generator": "and"}, {"hidden_units": 0, "activation": "linear", "output": "sigmoid",
                            "loss": "squared"}, _DELTA_TRAIN, _DELTA_INIT)

_add("and-delta-cross-entropy", "the same neuron without the derivative: 0.9667 after 10000",
     """and-delta with the question's 'accidental' rule, the step without the sigmoid's
     derivative. That rule is the exact gradient of cross-entropy on a sigmoid output,
     so this neuron is a logistic regression. The outputs for 11, 00, 01, 10 end at
     0.9667, 0.00002, 0.0238 and 0.0238, as in the question: with no o(1 - o) factor a
     wrong output is corrected at full speed.""" + _SCALING_DOC,
     {"generator": "and"}, {"hidden_units": 0, "activation": "linear", "output": "sigmoid",
                            "loss": "cross_entropy"}, _DELTA_TRAIN, _DELTA_INIT)

_RULE_MODEL = {"hidden_units": 1, "activation": "sigmoid", "output": "linear",
               "loss": "squared"}
_RULE_TRAIN = {"optimizer": "sgd", "lr": 1.0, "epochs": 10000}
_RULE_INIT = {"scheme": "small", "seed": 0, "scale": 0.5}

_add("linear-rule", "a 1-1-1 sigmoid net on raw inputs 1..9 bends where it should not",
     """x = 1..9 -> (1.2 x + 1) / 10, the linear-rule question's 1-1-1 net. Its
     hand-written update was wrong twice. A weight's step was error * sigmoid'(error) *
     the weight itself, w <- w - lr * w * grad in effect: a step proportional to the
     weight can grow it without bound or shrink it toward 0 but never change its sign,
     hence the weights that ran off to infinity or to 0. And the hidden error
     sigmoid'(error) * weight is not the delta rule, which takes the derivative at the
     unit's weighted input and steps each weight by the delta times the input it
     carries. tuinn uses the real gradient; what is left is the scale. The single
     sigmoid unit sees w x + b with x up to 9, so it leaves its nearly linear middle
     and bends the line; its derivative, and with it the first weight's gradient,
     shrinks. The question's net also had a sigmoid output, but (1.2 * 9 + 1) / 10 =
     1.18 is out of a sigmoid's reach (tuinn refuses that pairing), so the output here
     is linear. Compare linear-rule-scaled, with the inputs divided by 10 as in the
     question's second edit.""" + _SCALING_DOC,
     {"generator": "linear-rule"}, _RULE_MODEL, _RULE_TRAIN, _RULE_INIT)

_add("linear-rule-scaled", "the same with inputs 0.1..0.9 fits the rule closely",
     """linear-rule with x / 10 as the input: the unit stays in its linear range and
     the same 10000 epochs end with a loss about 200 times lower.""" + _SCALING_DOC,
     {"generator": "linear-rule", "params": {"scaled_inputs": True}}, _RULE_MODEL,
     _RULE_TRAIN, _RULE_INIT)

_add("backprop-2-2-2", "the classic 2-2-2 backpropagation example, step by step",
     """One row, inputs 0.05 and 0.10, targets 0.01 and 0.99; sigmoid hidden and output
     units, squared loss, SGD at 0.5, and the well-known starting weights (0.15, 0.20,
     0.25, 0.30, hidden biases 0.35; 0.40, 0.45, 0.50, 0.55, output biases 0.60). The
     loss starts at 0.298371109 and after one step the first output weight is
     0.35891648, the numbers the 2-2-2 backpropagation example's author tried to
     reproduce. Their gradients were right, but their update w <- w - lr * w * grad
     multiplies each step by the weight itself, so it cannot change a weight's sign:
     all the weights start positive, so output 1 could sink only to 0.5, never to
     0.01, which needs a negative weighted input. tuinn takes the plain step
     w <- w - lr * grad. The classic worked example keeps the biases fixed; tuinn
     trains them like any weight, which does not change the first step's
     weights.""" + _SCALING_DOC,
     {"generator": "backprop-2-2-2"}, {"hidden_units": 2, "activation": "sigmoid",
                                       "output": "sigmoid", "loss": "squared"},
     {"optimizer": "sgd", "lr": 0.5, "epochs": 1000},
     _manual([[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35], [[0.40, 0.50], [0.45, 0.55]],
             [0.60, 0.60]))


# ---------------------------------------------------------------- the hidden-units study

_STUDY_DOC = (" More in `tuinn help situations#learning-rates-that-converge-oscillate-"
              "and-diverge-and-how-many-units-are-enough`.")

STUDY_WEIGHTS_SEED = 36255793825986746149655859236796938907


def study_weights(h):
    """The hidden-units study's standard initial weights for its h (which counts the
    hidden bias unit): U (h-1, 2) then V (1, h), N(0, 0.01^2), from one default_rng;
    U[:, 1] and V's last entry multiply the study's bias units, so they are our b1
    and b2."""
    rng = np.random.default_rng(STUDY_WEIGHTS_SEED)
    U = rng.normal(0, 0.01, (h - 1, 2))
    V = rng.normal(0, 0.01, (1, h))
    return _manual(U[:, :1].T, U[:, 1], V[0, :h - 1, None], V[0, h - 1:])


_H_NOTE = """The hidden-units study's h counts a bias unit in the hidden layer, so its
     h = {h} is {units} sigmoid unit{s} here, plus the bias b2."""


def _add_study(name, f, h, lr, epochs, title, notes):
    units = h - 1
    s = "" if units == 1 else "s"
    _add(name, f"{f}, {units} sigmoid unit{s}, lr {lr:g}, {epochs} epochs: {title}",
         notes + " " + _H_NOTE.format(h=h, units=units, s=s)
         + """ Full-batch gradient descent from the study's standard data and standard
         initial weights; the test loss is the study's error.""" + _STUDY_DOC,
         {"generator": f}, {"hidden_units": units, "activation": "sigmoid",
                            "output": "linear", "loss": "squared"},
         {"optimizer": "sgd", "lr": lr, "epochs": epochs}, study_weights(h))


_add_study("exp", "f1", 3, 0.1, 1000, "a smooth fit of exp(x/5), test loss 0.0068",
           """f1(x) = exp(x/5) on [-5, 5]. Learning is stable and the test loss ends at
           0.0068. Both units learn almost the same thing: one would do (see exp-h1).""")
_add_study("exp-lr1", "f1", 3, 1.0, 1000, "stable for 750 epochs, then oscillates",
           """Ten times the rate of exp. The loss falls fast and looks settled, then after
           about epoch 750 (the study saw it at 755) the weights start to swing and the
           loss jumps. The landscape got
           steeper where the weights went, and a step that was fine earlier now
           overshoots: a rate that works at the start may not work later.""")
_add_study("exp-lr2", "f1", 3, 2.0, 1000, "overshoots: the loss grows to about 2.7e4",
           """Twenty times the rate of exp: every step overshoots, the weights grow and the
           test loss ends near 2.7e4 without ever becoming infinite.""")
_add_study("exp-lr5", "f1", 3, 5.0, 1000, "diverges: overflow at epoch 193",
           """Fifty times the rate of exp: the loss overflows at epoch 193 (the study's
           'overflow error'). tuinn stops there, reports 'diverged at epoch 193' and keeps
           the last finite weights, those after epoch 192.""")
_add_study("exp-long", "f1", 3, 0.1, 10000, "a tenth of exp-lr1's rate, ten times as long",
           """The rate of exp for 10000 epochs: the same curve as exp-lr1 reaches, but
           smooth, without the oscillation, at ten times the cost.""")
_add_study("exp-h1", "f1", 2, 0.1, 1000, "one unit does better than two: 0.0051",
           """exp with a single hidden unit: the test loss after 1000 epochs is 0.0051,
           lower than exp's 0.0068. exp(x/5) needs only one bend, and fewer weights learn
           faster.""")
_add_study("exp-h4", "f1", 5, 0.1, 1000, "more units learn slower: 0.0100",
           """exp with four hidden units: they all learn the same thing, each a quarter of
           the job, and the test loss after 1000 epochs is 0.0100.""")
_add_study("exp-h7", "f1", 8, 0.1, 1000, "seven identical units: 0.0121",
           """exp with seven hidden units, all duplicates of each other: 0.0121 after 1000
           epochs. Extra units that learn the same thing cost time and help nothing.""")
_add_study("sinpoly", "f2", 8, 0.05, 10000, "sin(x)(25 - x^2) stagnates at test loss 1.0156",
           """f2(x) = sin(x)(25 - x^2) on [-5, 5], a harder function. At rate 0.05 learning
           is smooth and after 10000 epochs the test loss stagnates at 1.0156 (it improves
           less than 0.1 % over the last 2000 epochs): seven units are not enough for f2.
           sinpoly-h11 halves it.""")
_add_study("sinpoly-h2", "f2", 3, 0.1, 1000, "two units cannot follow f2",
           """f2 with two hidden units: a couple of bends cannot follow three humps; the
           test loss stays near 49.""")
_add_study("sinpoly-h5", "f2", 6, 0.1, 1000, "five units get the shape roughly",
           """f2 with five hidden units: the shape appears and the test loss falls to about
           2.5.""")
_add_study("sinpoly-h7", "f2", 8, 0.1, 1000, "seven units at rate 0.1",
           """f2 with seven hidden units at rate 0.1: test loss about 1.1 after 1000 epochs.
           The study ran this one to 1200 epochs, where it starts to oscillate: train 200
           more and watch. Several first-layer weights follow the same path for the first
           300 epochs before they separate.""")
_add_study("sinpoly-lr1", "f2", 8, 1.0, 1000, "unstable from the start, yet learns something",
           """sinpoly-h7 at rate 1: the loss oscillates from the first epochs (watch the
           weights), and still the net ends with a rough fit of f2.""")
_add_study("sinpoly-lr1.5", "f2", 8, 1.5, 1000, "diverges before the end",
           """sinpoly-h7 at rate 1.5: the oscillations grow until the loss overflows (the
           study's overflow error), at epoch 976 here; tuinn keeps the last finite
           weights.""")
_add_study("sinpoly-h11", "f2", 12, 0.05, 10000, "eleven units halve sinpoly's loss",
           """sinpoly with eleven hidden units: after 10000 epochs the test loss is about
           0.55, half of sinpoly's 1.0156. f2 needed the extra capacity.""")


# ---------------------------------------------------------------- TensorFlow Playground

_PLAYGROUND_TRAIN = {"optimizer": "adam", "lr": 0.01, "batch_size": 10, "shuffle": True}
_CLASSIFY = {"output": "sigmoid", "loss": "cross_entropy"}


def _add_playground(name, generator, units, epochs, title, notes, **model):
    _add(name, f"Playground {generator}: {title}", notes,
         {"generator": generator}, {"hidden_units": units, "activation": "tanh",
                                    **(model or _CLASSIFY)},
         {**_PLAYGROUND_TRAIN, "epochs": epochs}, {"scheme": "glorot", "seed": 0})


_PLAYGROUND_NOTE = """TensorFlow Playground's data with its defaults (half of the points
     are the test set, no noise; change them in the data settings), tanh units, Adam at
     0.01 on shuffled batches of 10."""

_add_playground("circle", "circle", 4, 300, "a disc inside a ring, four tanh units",
                """One class inside a circle, the other around it. No straight line
                separates them; four units draw a closed boundary. """ + _PLAYGROUND_NOTE)
_add_playground("xor2d", "xor", 4, 300, "the four quadrants, four tanh units",
                """The sign of x1 * x2: the two-dimensional XOR. It needs at least two
                bends; four units find it. """ + _PLAYGROUND_NOTE)
_add_playground("gauss", "gauss", 2, 100, "two separable blobs, two tanh units",
                """Two Gaussian blobs: a straight line separates them, so even two units
                are more than enough. """ + _PLAYGROUND_NOTE)
_add_playground("spiral", "spiral", 16, 1000, "two interleaved spirals, sixteen tanh units",
                """Two spiral arms wound into each other, the hardest Playground set. With
                one hidden layer it needs many units and many epochs; fewer units leave
                part of the arms misclassified. """ + _PLAYGROUND_NOTE)
_add_playground("plane", "plane", 2, 200, "regression on a tilted plane, two tanh units",
                """A regression target that is linear in x1 and x2 (Playground's plane):
                a linear model would do; the tanh units just stay in their linear
                range. """ + _PLAYGROUND_NOTE, output="linear", loss="squared")
_add_playground("gaussians", "gaussians", 12, 300, "six bumps up and down, twelve tanh units",
                """Playground's multi Gaussian: a regression target of six bumps, three
                up and three down, flat between them. Each bump needs units that bend
                around it; with too few, neighbouring bumps blur into one.
                """ + _PLAYGROUND_NOTE, output="linear", loss="squared")


# ---------------------------------------------------------------- pairs to compare
# tuinn --compare A B shows each pair side by side: the situations are best
# seen against the run that does not suffer from them.
PAIRS = [
    ("coverage-good", "coverage-bad", "an init that covers the data, and one that leaves a "
     "region uncovered"),
    ("and-squared", "and-cross-entropy", "squared loss against cross-entropy on a sigmoid"),
    ("linear-hidden", "sigmoid-hidden", "a linear hidden layer against a sigmoid one"),
    ("body-metrics", "body-metrics-scaled", "raw inputs that saturate the units, and "
     "standardized ones"),
    ("linear-rule", "linear-rule-scaled", "inputs 1..9 against 0.1..0.9"),
    ("sum-relu", "sum-relu-random", "inputs that kill both ReLUs, and inputs of both signs"),
    ("exp", "exp-lr2", "a rate below the stability limit, and one at it"),
]

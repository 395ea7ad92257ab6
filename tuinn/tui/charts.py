"""Plots drawn with plotext: the loss chart, the weight trajectories, and the fit
of 1-D data.  Each redraws only when asked (the app's plot timer)."""

import itertools

import numpy as np
from rich.text import Text
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tuinn.tui.session import min_max_downsample

PIN_COLORS = ("gray", "magenta", "cyan", "yellow")
UNIT_COLORS = ("cyan", "magenta", "yellow", "green", "red", "blue")


def nice_ticks(lo, hi, count=5, whole=False):
    """About `count` round values (steps of 1, 2 or 5 times a power of ten) in
    [lo, hi]; whole numbers only when `whole`."""
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        return [lo]
    magnitude = 10.0 ** np.floor(np.log10((hi - lo) / max(count - 1, 1)))
    step = min((m * magnitude for m in (0.5, 1, 2, 5, 10)),
               key=lambda st: abs((hi - lo) / st + 1 - count))
    if whole:
        step = max(step, 1.0)
    first = np.ceil(lo / step)
    ticks = [(first + i) * step for i in range(int(np.floor(hi / step) - first) + 1)]
    # Within rounding of zero is zero (no "-0" or "1e-17" tick).
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks] or [lo]


def tick_labels(ticks, log=False):
    """Short labels, with as many digits as the step between ticks needs."""
    if log:
        return [f"{10.0 ** t:g}" for t in ticks]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(ticks[0]) or 1.0
    big = max(abs(t) for t in ticks)
    if big >= 1e6 or 0 < big < 1e-3:
        digits = max(1, int(np.floor(np.log10(big)) - np.floor(np.log10(step))) + 1)
        return [f"{t:.{digits}g}" for t in ticks]
    decimals = max(0, int(-np.floor(np.log10(step))))
    return [f"{t:,.{decimals}f}" for t in ticks]


class Chart(PlotextPlot):
    """A plotext plot with tuinn's common settings (ASCII markers on request).

    plotext takes tens of milliseconds to build a busy plot; on the UI thread
    that would hold up key presses.  So each frame gets a fresh figure, built
    on a worker thread, and the widget shows the latest one that is done."""

    _frames = itertools.count()

    def __init__(self, ascii_only=False, **kwargs):
        super().__init__(**kwargs)
        self.ascii_only = ascii_only
        self._shown = Text("")
        self._latest = 0

    def start(self, title):
        self._plot = Plot()
        self._drawn = ([], [])          # the x and y values drawn, for the ticks
        plt = self.plt
        plt.title(title)
        if self.ascii_only:
            plt.frame(False)
        return plt

    def line(self, x, y, scatter=False, **style):
        """Plot (x, y), leaving out points that are not finite."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            return
        self._drawn[0].append(x[ok])
        self._drawn[1].append(y[ok])
        draw = self.plt.scatter if scatter else self.plt.plot
        draw(x[ok].tolist(), y[ok].tolist(),
             marker=self.point if scatter else self.marker, **style)

    def finish(self, xlabel, log_y=False, whole_x=False):
        """Round ticks with short labels (plotext's own print every digit, so
        a loss of 1e30 takes the whole width), then build the figure."""
        xs, ys = (np.concatenate(v) if v else np.zeros(0) for v in self._drawn)
        if len(xs):
            x_ticks = nice_ticks(xs.min(), xs.max(), whole=whole_x)
            self.plt.xticks(x_ticks, tick_labels(x_ticks))
            y_ticks = nice_ticks(ys.min(), ys.max(), count=4 if self.size.height < 12 else 5,
                                 whole=log_y)
            self.plt.yticks(y_ticks, tick_labels(y_ticks, log=log_y))
        self.plt.xlabel(xlabel)
        self.refresh()

    def refresh(self, *args, **kwargs):
        """Build the figure drawn since start() off the UI thread, then show it."""
        if args or kwargs or not self.is_mounted:
            return super().refresh(*args, **kwargs)
        plot, frame = self._plot, next(self._frames)
        self._latest = frame
        width, height = self.size.width, self.size.height
        plot.plotsize(width, height)
        plot._set_size(width, height)   # as PlotextPlot.render does (textual-plotext #5)
        plot.theme(self._get_plotext_theme_name(self.app.theme))

        def build():
            text = Text.from_ansi(plot.build())
            self.app.call_from_thread(self._show, frame, text)

        self.run_worker(build, thread=True, group=f"plot-{id(self)}")
        return self

    def _show(self, frame, text):
        if frame == self._latest:
            self._shown = text
            super().refresh()

    def render(self):
        return self._shown

    @property
    def marker(self):
        return "*" if self.ascii_only else "braille"

    @property
    def point(self):
        return "+" if self.ascii_only else "dot"

    def columns(self):
        return max(self.size.width - 10, 10)


class LossChart(Chart):
    """Train and test loss against epochs; pinned curves of earlier runs in faint colours.
    The log scale plots log10 of the loss, labelled with the loss itself."""

    def draw(self, curves, pins, log_scale):
        """curves: Session.loss_curves(self.columns()); pins: Session.pins."""
        self.start("loss" + (" (log)" if log_scale else ""))
        columns = self.columns()
        epochs, loss, test = curves
        for (label, pin_epochs, pin_loss), color in zip(pins, PIN_COLORS):
            keep = min_max_downsample(pin_loss, columns)
            self._curve(pin_epochs[keep], pin_loss[keep], color, label, log_scale)
        self._curve(epochs, loss, "blue+", "train", log_scale)
        if test is not None:
            self._curve(epochs, test, "orange+", "test", log_scale)
        self.finish("epoch", log_y=log_scale, whole_x=True)

    def _curve(self, x, y, color, label, log_scale):
        if log_scale:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(np.where(y > 0, y, np.nan))
        self.line(x, y, color=color, label=label)


class TrajectoryChart(Chart):
    """Chosen weights over the epochs (004's figures of U and V)."""

    def draw(self, trajectory, tracked, names):
        """trajectory: Session.trajectory(); tracked: indices into theta to plot."""
        self.start("weights over the epochs (t on a weight: track / untrack)")
        epochs, thetas = trajectory
        columns = self.columns()
        for flat, color in zip(tracked, UNIT_COLORS * 8):
            if flat >= thetas.shape[1]:
                continue
            y = thetas[:, flat]
            keep = min_max_downsample(y, columns)
            self.line(epochs[keep], y[keep], color=color, label=names[flat])
        self.finish("epoch", whole_x=True)


class FitChart(Chart):
    """1-D inputs: the targets, the net's output, each hidden unit's share and the
    ReLU kinks (001's and 004's pictures); otherwise predicted against target."""

    MAX_POINTS = 200
    MAX_UNIT_LINES = 8      # each line costs plotext about 1 ms per frame

    def draw_1d(self, net, X, Y, x_name="x", output=0):
        x = X[:, 0]
        lo, hi = float(x.min()), float(x.max())
        pad = 0.02 * (hi - lo or 1.0)
        grid = np.linspace(lo - pad, hi + pad, 2 * self.columns())[:, None]
        O, A = net.predict(grid, hidden=True)
        shares = A * net.W2[:, output]
        # With many units, the ones that move the output most.
        units = np.sort(np.argsort(-np.ptp(shares, axis=0), kind="stable")[:self.MAX_UNIT_LINES])
        what = "units" if len(units) == net.n_hidden else \
            f"the {len(units)} largest of {net.n_hidden} unit shares"
        relu = net.hidden in ("relu", "leaky_relu")
        self.start(f"fit: data, net, {what}" + (", kinks" if relu else ""))
        show = np.linspace(0, len(x) - 1, min(len(x), self.MAX_POINTS)).astype(int)
        self.line(x[show], Y[show, output], scatter=True, color="gray", label="target")
        for j in units:
            self.line(grid[:, 0], shares[:, j], color=UNIT_COLORS[j % len(UNIT_COLORS)])
        self.line(grid[:, 0], O[:, output], color="blue+", label="net")
        if relu:
            w, b = net.W1[0], net.b1
            for j in np.flatnonzero(w != 0):
                kink = -b[j] / w[j]
                if lo - pad <= kink <= hi + pad:
                    self.plt.vline(float(kink), color=UNIT_COLORS[j % len(UNIT_COLORS)])
        self.finish(x_name)

    def draw_scatter(self, net, X, Y, output=0):
        self.start(f"predicted against target (output {output})")
        show = np.linspace(0, len(X) - 1, min(len(X), self.MAX_POINTS)).astype(int)
        O = net.predict(X[show])
        self.line(Y[show, output], O[:, output], scatter=True, color="blue+")
        lo = float(min(Y[show, output].min(), O[:, output].min()))
        hi = float(max(Y[show, output].max(), O[:, output].max()))
        self.line([lo, hi], [lo, hi], color="gray")
        self.plt.ylabel("predicted")
        self.finish("target")

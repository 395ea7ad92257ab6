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
        plt = self.plt
        plt.title(title)
        if self.ascii_only:
            plt.frame(False)
        return plt

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
    """Train and test loss against epochs; pinned curves of earlier runs in faint colours."""

    def draw(self, curves, pins, log_scale):
        """curves: Session.loss_curves(self.columns()); pins: Session.pins."""
        plt = self.start("loss" + (" (log)" if log_scale else ""))
        columns = self.columns()
        epochs, loss, test = curves
        if log_scale:
            plt.yscale("log")
        for (label, pin_epochs, pin_loss), color in zip(pins, PIN_COLORS):
            keep = min_max_downsample(pin_loss, columns)
            self._line(pin_epochs[keep], pin_loss[keep], color, label, log_scale)
        self._line(epochs, loss, "blue+", "train", log_scale)
        if test is not None:
            self._line(epochs, test, "orange+", "test", log_scale)
        plt.xlabel("epoch")
        self.refresh()

    def _line(self, x, y, color, label, log_scale):
        ok = np.isfinite(y) & ((y > 0) if log_scale else True)
        if ok.any():
            self.plt.plot(x[ok].tolist(), y[ok].tolist(), color=color, label=label,
                          marker=self.marker)


class TrajectoryChart(Chart):
    """Chosen weights over the epochs (004's figures of U and V)."""

    def draw(self, trajectory, tracked, names):
        """trajectory: Session.trajectory(); tracked: indices into theta to plot."""
        plt = self.start("weights over the epochs (t on a weight: track / untrack)")
        epochs, thetas = trajectory
        columns = self.columns()
        for flat, color in zip(tracked, UNIT_COLORS * 8):
            if flat >= thetas.shape[1]:
                continue
            y = thetas[:, flat]
            keep = min_max_downsample(y, columns)
            plt.plot(epochs[keep].tolist(), y[keep].tolist(), color=color, label=names[flat],
                     marker=self.marker)
        plt.xlabel("epoch")
        self.refresh()


class FitChart(Chart):
    """1-D inputs: the targets, the net's output, each hidden unit's share and the
    ReLU kinks (001's and 004's pictures); otherwise predicted against target."""

    MAX_POINTS = 200
    MAX_UNIT_LINES = 4      # each line costs plotext several ms per frame

    def draw_1d(self, net, X, Y, x_name="x", output=0):
        plt = self.start("fit: data, net, units" + (", kinks" if net.hidden in
                                                     ("relu", "leaky_relu") else ""))
        x = X[:, 0]
        lo, hi = float(x.min()), float(x.max())
        pad = 0.02 * (hi - lo or 1.0)
        grid = np.linspace(lo - pad, hi + pad, 2 * self.columns())[:, None]
        O, A = net.predict(grid, hidden=True)
        show = np.linspace(0, len(x) - 1, min(len(x), self.MAX_POINTS)).astype(int)
        plt.scatter(x[show].tolist(), Y[show, output].tolist(), color="gray",
                    marker=self.point, label="target")
        if net.n_hidden <= self.MAX_UNIT_LINES:
            for j in range(net.n_hidden):
                share = A[:, j] * net.W2[j, output]
                plt.plot(grid[:, 0].tolist(), share.tolist(),
                         color=UNIT_COLORS[j % len(UNIT_COLORS)], marker=self.marker)
        plt.plot(grid[:, 0].tolist(), O[:, output].tolist(), color="blue+", label="net",
                 marker=self.marker)
        if net.hidden in ("relu", "leaky_relu"):
            w, b = net.W1[0], net.b1
            for j in np.flatnonzero(w != 0):
                kink = -b[j] / w[j]
                if lo - pad <= kink <= hi + pad:
                    plt.vline(float(kink), color=UNIT_COLORS[j % len(UNIT_COLORS)])
        plt.xlabel(x_name)
        self.refresh()

    def draw_scatter(self, net, X, Y, output=0):
        plt = self.start(f"predicted against target (output {output})")
        show = np.linspace(0, len(X) - 1, min(len(X), self.MAX_POINTS)).astype(int)
        O = net.predict(X[show])
        plt.scatter(Y[show, output].tolist(), O[:, output].tolist(), color="blue+",
                    marker=self.point)
        lo = float(min(Y[show, output].min(), O[:, output].min()))
        hi = float(max(Y[show, output].max(), O[:, output].max()))
        plt.plot([lo, hi], [lo, hi], color="gray", marker=self.marker)
        plt.xlabel("target")
        plt.ylabel("predicted")
        self.refresh()

"""Plots drawn with plotext: the loss chart, the weight trajectories, and the fit
of 1-D data.

A frame is drawn in two halves.  `draw(...)` runs on the app's frame thread:
it plots a fresh figure and renders it to the lines of the screen (plotext and
Rich together take tens of milliseconds for a busy plot, time a key press
would otherwise wait for).  `show(lines)` runs on the UI thread and only
swaps them in; the widget hands them to Textual line by line."""

import io

import numpy as np
from plotext._dict import color_codes as plotext_colors
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tuinn.activations import HIDDEN

PLAIN = Style()
# 256-colour codes where plotext has no name: its "orange" is the terminal's
# yellow, and it has no "yellow" at all.
ORANGE, YELLOW = 208, 220
PIN_COLORS = ("gray", "magenta", "cyan", YELLOW)
UNIT_COLORS = ("cyan", "magenta", YELLOW, "green", "red", "blue")
# Series told apart by colour, and under --ascii by their marker too: twelve of
# each, so that the weights tracked by default never share one.
SERIES_COLORS = ("cyan", "magenta", YELLOW, "green", "red", "blue+", ORANGE, 141, 118, 45, 226,
                 201)
ASCII_MARKERS = ("*", "+", "o", "x", "#", "@", "%", "&", "=", "$", "~", "^")
ASCII_FIT_MARKERS = {"units": ".", "kinks": "|", "net": "#", "target": "o", "test": "x"}
Y_LABEL_WIDTH = 7       # y tick labels padded to this: a frame's box edge never moves


def rich_color(color):
    """The Rich colour of a plotext colour (a name of its own, or a 256-colour
    code): the legend shows exactly what the curve is drawn in."""
    if color is None:
        return None
    code = color if isinstance(color, int) else plotext_colors.get(color)
    if code is None:
        raise ValueError(f"{color!r} is not a plotext colour")
    return f"color({code})"


def min_max_downsample(y, columns):
    """Indices of y keeping its min and max per column: about two points per
    column, and an oscillation keeps its full swing however long the run."""
    n = len(y)
    if n <= 2 * columns:
        return np.arange(n)
    edges = np.linspace(0, n, columns + 1).astype(np.int64)[:-1]
    safe = np.where(np.isfinite(y), y, np.nan)
    keep = [0, n - 1]
    for lo, hi in zip(edges, np.r_[edges[1:], n]):
        part = safe[lo:hi]
        if np.all(np.isnan(part)):
            continue
        keep += [lo + int(np.nanargmin(part)), lo + int(np.nanargmax(part))]
    return np.unique(keep)


def loss_curves(history, columns):
    """(epochs, loss, test loss or None) of a trainer's history, downsampled to
    about two points per column."""
    loss, test = history["loss"], history["test_loss"]
    keep = min_max_downsample(loss, max(columns, 1))
    return keep, loss[keep], test[keep] if len(test) else None


def nice_ticks(lo, hi, count=5, whole=False):
    """About `count` round values (steps of 1, 2 or 5 times a power of ten) in
    [lo, hi]; whole numbers only when `whole`.  A range flat to rounding is
    one tick; one too wide or too fine for round steps, its two ends."""
    lo, hi = float(lo), float(hi)
    span = hi - lo
    if not span > 1e-12 * max(abs(lo), abs(hi)):
        return [lo]
    raw = span / max(count - 1, 1)
    if not 1e-300 < raw < 1e300:
        return [lo, hi]
    magnitude = 10.0 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (0.5, 1, 2, 5, 10)),
               key=lambda st: abs(span / st + 1 - count))
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
    if not 0 < step < np.inf:
        return [f"{t:.3g}" for t in ticks]
    if big >= 1e6 or 0 < big < 1e-3:
        digits = max(1, int(np.floor(np.log10(big)) - np.floor(np.log10(step))) + 1)
        return [f"{t:.{digits}g}" for t in ticks]
    decimals = max(0, int(-np.floor(np.log10(step))))
    return [f"{t:,.{decimals}f}" for t in ticks]


def to_strips(renderable, width, height):
    """`renderable` as `height` lines of `width` cells (off the UI thread: a
    console of its own, which writes nowhere)."""
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    options = console.options.update_dimensions(width, height)
    # Every segment gets a style: Textual's colour filters (NO_COLOR, --color
    # none) read the style of each one, and Rich leaves padding without.
    return [Strip([Segment(seg.text, seg.style or PLAIN, seg.control) for seg in line], width)
            for line in console.render_lines(renderable, options, pad=True)]


class Figure:
    """One plotext figure being drawn, and the values drawn so far (for the ticks)."""

    def __init__(self, title, size, theme, ascii_only, note=""):
        self.width, self.height = size
        self.note = note            # after the legend, when it fits
        self.ascii_only = ascii_only
        self.plt = Plot()
        self.plt.plotsize(self.width, self.height)
        # As PlotextPlot.render does (textual-plotext #5).
        self.plt._set_size(self.width, self.height)
        self.plt.theme(theme)
        self.title = title
        self.plt.title(title)        # keeps its line: the legend is drawn there
        if ascii_only:
            self.plt.frame(False)
        self._drawn = ([], [])
        self._legend = []

    @property
    def marker(self):
        return "*" if self.ascii_only else "braille"

    @property
    def point(self):
        return "+" if self.ascii_only else "dot"

    def series_marker(self, i):
        """The marker of the i-th of several series: under --ascii each its own."""
        return ASCII_MARKERS[i % len(ASCII_MARKERS)] if self.ascii_only else self.marker

    def columns(self):
        return columns(self.width)

    def line(self, x, y, scatter=False, label=None, marker=None, **style):
        """Plot (x, y), leaving out points that are not finite.  A labelled
        line goes into the legend, which is drawn on the title's line, off
        the data."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        marker = marker or (self.point if scatter else self.marker)
        if label is not None:
            self._legend.append((label, style.get("color"), marker, scatter))
        if not ok.any():
            return
        self._drawn[0].append(x[ok])
        self._drawn[1].append(y[ok])
        draw = self.plt.scatter if scatter else self.plt.plot
        draw(x[ok].tolist(), y[ok].tolist(), marker=marker, **style)

    def strips(self, xlabel, log_y=False, whole_x=False):
        """The figure as screen lines, with round ticks and short labels
        (plotext's own print every digit: a loss of 1e30 took the whole width)."""
        xs, ys = (np.concatenate(v) if v else np.zeros(0) for v in self._drawn)
        if len(xs):
            x_ticks = nice_ticks(xs.min(), xs.max(), whole=whole_x)
            self.plt.xticks(x_ticks, tick_labels(x_ticks))
            y_ticks = nice_ticks(ys.min(), ys.max(), count=4 if self.height < 12 else 5,
                                 whole=log_y)
            self.plt.yticks(y_ticks, [label.rjust(Y_LABEL_WIDTH)
                                      for label in tick_labels(y_ticks, log=log_y)])
        self.plt.xlabel(xlabel)
        lines = to_strips(Text.from_ansi(self.plt.build()), self.width, self.height)
        if lines:
            lines[0] = to_strips(self.legend_line(), self.width, 1)[0]
        return lines

    def legend_line(self):
        """The title, each labelled series as its mark in its colour (as many
        as fit, and how many more), then the note when there is room."""
        text = Text(self.title, style="bold")
        entries = []
        for label, color, marker, scatter in self._legend:
            glyph = marker if self.ascii_only else ("•" if scatter else "━")
            entries.append((glyph, rich_color(color), label))
        for i, (glyph, color, label) in enumerate(entries):
            more = len(entries) - i - 1
            tail = len(f" +{more} more") if more else 0
            if text.cell_len + 2 + len(label) + tail > self.width:
                text.append(f" +{len(entries) - i} more", style="dim")
                break
            text.append(" " if i else "  ")
            text.append(glyph, style=color)
            text.append(label)
        # The note whole or not at all, and a column to spare: a chart beside
        # this one starts its own title there.
        note = f"  ({self.note})" if self.note else ""
        if note and text.cell_len + len(note) < self.width:
            text.append(note, style="dim")
        text.truncate(self.width)
        return text


def columns(width):
    """Data columns of a chart `width` cells wide (less the axis labels)."""
    return max(width - 10, 10)


class Drawn:
    """A widget that shows lines drawn elsewhere (Textual's line API)."""

    _strips = ()

    def show(self, strips):
        """On the UI thread: the lines of the next frame."""
        self._strips = strips
        self.refresh()

    def on_resize(self):
        # Lines drawn for the old size would be cut, or leave rows blank.
        self.app.plots_stale()

    def render_line(self, y):
        width = self.size.width
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, PLAIN)
        return Strip.blank(width, PLAIN)


class Chart(Drawn, PlotextPlot):
    """A plotext plot whose lines are drawn on the frame thread (see above)."""

    def __init__(self, ascii_only=False, label="", **kwargs):
        super().__init__(**kwargs)
        self.ascii_only = ascii_only
        self.label = label          # before the title: the run it shows ("A", "B")

    def frame_layout(self, size=None):
        """(size, plotext theme) for the frame thread, read on the UI thread."""
        size = size or (self.size.width, self.size.height)
        return size, self._get_plotext_theme_name(self.app.theme)

    def figure(self, title, layout, note=""):
        size, theme = layout
        return Figure(f"{self.label} {title}".lstrip(), size, theme, self.ascii_only, note)


class LossChart(Chart):
    """Train and test loss against epochs; pinned curves of earlier runs in faint colours.
    The log scale plots log10 of the loss, labelled with the loss itself."""

    DECADES = 3     # a loss spanning more than this many decades is drawn on a log scale

    def draw(self, layout, curves, pins, log_scale):
        """curves: session.loss_curves(history, columns); pins: Session.pins."""
        epochs, loss, test = curves
        cols = columns(layout[0][0])
        lines = []
        for (label, pin_epochs, pin_loss), color in zip(pins, PIN_COLORS):
            keep = min_max_downsample(pin_loss, cols)
            lines.append((pin_epochs[keep], pin_loss[keep], color, label))
        lines.append((epochs, loss, "blue+", "train"))
        if test is not None:
            lines.append((epochs, test, ORANGE, "test"))
        return self.draw_lines(layout, lines, loss, log_scale)

    def draw_lines(self, layout, lines, scale_of, log_scale):
        """lines: (epochs, loss, colour, label) each; a loss `scale_of` that
        spans more than DECADES puts the chart on a log scale by itself."""
        title, note = ("loss (log)" if log_scale else "loss"), ""
        spread = _decades(scale_of)
        if not log_scale and spread > self.DECADES:
            # On a linear axis a blow-up to 1e300 would flatten the rest to one line.
            log_scale, title = True, "loss (log)"
            note = f"it spans {spread:.0f} decades"
        fig = self.figure(title, layout, note)
        for x, y, color, label in lines:
            _curve(fig, x, y, color, label, log_scale)
        return fig.strips("epoch", log_y=log_scale, whole_x=True)


def _decades(values):
    """How many powers of ten the finite positive values span."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) < 2:
        return 0.0
    return float(np.log10(values.max()) - np.log10(values.min()))


def _curve(fig, x, y, color, label, log_scale):
    if log_scale:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(np.where(y > 0, y, np.nan))
    fig.line(x, y, color=color, label=label)


class TrajectoryChart(Chart):
    """Chosen weights over the epochs, as the hidden-units study plots its weights."""

    def draw(self, layout, trajectory, tracked, names):
        """trajectory: Session.trajectory(); tracked: indices into theta to plot."""
        fig = self.figure("weights", layout, "t on a weight in the table: track / untrack")
        epochs, thetas = np.array(trajectory[0]), np.array(trajectory[1])
        for i, flat in enumerate(tracked):
            if flat >= thetas.shape[1]:
                continue
            y = thetas[:, flat]
            keep = min_max_downsample(y, fig.columns())
            fig.line(epochs[keep], y[keep], color=SERIES_COLORS[i % len(SERIES_COLORS)],
                     label=names[flat], marker=fig.series_marker(i))
        return fig.strips("epoch", whole_x=True)


def _unscale(scaler, column, shift=True):
    """Values of one standardized column back in the data's own units."""
    if scaler is None:
        return lambda v: v
    mean, scale = float(scaler.mean[column]), float(scaler.scale[column])
    return lambda v: np.asarray(v) * scale + (mean if shift else 0.0)


class FitChart(Chart):
    """1-D inputs: the targets, the net's output, each hidden unit's share and the
    ReLU kinks (as docs/situations.md's pictures draw them); otherwise predicted against target."""

    MAX_POINTS = 200
    MAX_UNIT_LINES = 8      # each line costs plotext about 1 ms per frame

    def draw_1d(self, layout, net, ds, output=0, show_test=False):
        """Over the data's one input (derived inputs computed from it), in the
        data's own units when it was standardized for training."""
        Y, x_name = ds.Y, ds.base_names[0]
        x = ds.base_X[:, 0]
        lo, hi = float(x.min()), float(x.max())
        pad = 0.02 * (hi - lo or 1.0)
        grid = np.linspace(lo - pad, hi + pad, 2 * columns(layout[0][0]))[:, None]
        O, A = net.predict(ds.inputs(grid), hidden=True)
        shares = A * net.W2[:, output]
        # With many units, the ones that move the output most.
        units = np.sort(np.argsort(-np.ptp(shares, axis=0), kind="stable")[:self.MAX_UNIT_LINES])
        what = f"the {len(units)} largest of {net.n_hidden} units"
        # A kink sits at a point of x only when x is the unit's one input.
        kinked = HIDDEN[net.hidden].left_slope is not None and net.n_hidden and net.n_in == 1 \
            and ds.feature_names == ds.base_names
        # A net far out (after a blow-up) would scale the chart to 1e152 and flatten
        # the data: curves are clipped to a band around the targets, and the title says so.
        t_lo, t_hi = float(Y[:, output].min()), float(Y[:, output].max())
        margin = 2.0 * max(t_hi - t_lo, abs(t_hi), 1e-9)
        band = (t_lo - margin, t_hi + margin)
        with np.errstate(invalid="ignore"):
            clipped = bool(np.any(~np.isfinite(O)) or O[:, output].min() < band[0]
                           or O[:, output].max() > band[1])
        if clipped:
            O = np.clip(np.nan_to_num(O, nan=band[0]), *band)
            shares = np.clip(np.nan_to_num(shares, nan=band[0]), *band)
        # Drawn in the data's own units: the net sees standardized ones.
        to_x = _unscale(ds.x_scaler, 0)
        to_y = _unscale(ds.y_scaler, output)
        unit_y = _unscale(ds.y_scaler, output, shift=False)   # a share has no offset
        notes = [note for note, on in ((what, len(units) < net.n_hidden),
                                       ("the data's own units", ds.x_scaler or ds.y_scaler),
                                       ("net clipped to the targets' range", clipped)) if on]
        fig = self.figure("fit", layout, "; ".join(notes))
        show = np.linspace(0, len(x) - 1, min(len(x), self.MAX_POINTS)).astype(int)
        gx = to_x(grid[:, 0])
        net_y, target_y = to_y(O[:, output]), to_y(Y[show, output])
        # Drawn in this order, each over the last: the units, their kinks, the
        # net, and the data on top: a point is never hidden under a curve.
        # Under --ascii each kind of line has its own marker (colour may be gone).
        marks = ASCII_FIT_MARKERS if self.ascii_only else {}
        for n, j in enumerate(units):
            fig.line(gx, unit_y(shares[:, j]), color=UNIT_COLORS[j % len(UNIT_COLORS)],
                     label="units" if n == 0 else None, marker=marks.get("units"))
        if kinked:
            # Drawn as lines with the chart's marker: plotext's vline is always "│".
            span_y = np.concatenate([unit_y(shares[:, units]).ravel(), net_y, target_y])
            span_y = span_y[np.isfinite(span_y)]
            low, high = float(span_y.min()), float(span_y.max())
            w, b = net.W1[0], net.b1
            first = True
            for j in np.flatnonzero(w != 0):
                kink = -b[j] / w[j]
                if lo - pad <= kink <= hi + pad:
                    fig.line(to_x(np.array([kink, kink])), [low, high],
                             color=UNIT_COLORS[j % len(UNIT_COLORS)],
                             label="kinks" if first else None, marker=marks.get("kinks"))
                    first = False
        fig.line(gx, net_y, color="blue+", label="net", marker=marks.get("net"))
        fig.line(to_x(x[show]), target_y, scatter=True, color="gray", label="target",
                 marker=marks.get("target"))
        if show_test and ds.X_test is not None:
            shown_test = np.linspace(0, ds.n_test - 1, min(ds.n_test, self.MAX_POINTS)).astype(int)
            fig.line(to_x(ds.base_X_test[shown_test, 0]), to_y(ds.Y_test[shown_test, output]),
                     scatter=True, color=ORANGE, label="test", marker=marks.get("test"))
        return fig.strips(x_name)

    def draw_scatter(self, layout, net, X, Y, output=0):
        fig = self.figure(f"predicted against target (output {output})", layout)
        show = np.linspace(0, len(X) - 1, min(len(X), self.MAX_POINTS)).astype(int)
        O = net.predict(X[show])
        fig.line(Y[show, output], O[:, output], scatter=True, color="blue+")
        lo = float(min(Y[show, output].min(), O[:, output].min()))
        hi = float(max(Y[show, output].max(), O[:, output].max()))
        fig.line([lo, hi], [lo, hi], color="gray")
        fig.plt.ylabel("predicted")
        return fig.strips("target")

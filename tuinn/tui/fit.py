"""The fit view: what the net computes, drawn the way the data calls for.

1-D inputs: a plotext chart (charts.FitChart).  2-D inputs: the output as a
heat map with the data points, as TensorFlow Playground draws it, two pixels
per character with half blocks.  More inputs: predicted against target for
regression, a confusion matrix for classification.
"""

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from tuinn.tui.charts import ASCII_FIT_MARKERS, PLAIN, Drawn, FitChart, to_strips

LOW, MID, HIGH = (245, 147, 34), (232, 234, 235), (8, 119, 189)   # Playground's orange / blue


def blend(t):
    """Colour of a value scaled to [0, 1]: orange, through light grey, to blue."""
    t = float(np.clip(t, 0.0, 1.0))
    a, b, u = (LOW, MID, t * 2) if t < 0.5 else (MID, HIGH, t * 2 - 1)
    return tuple(int(round(a[i] + (b[i] - a[i]) * u)) for i in range(3))


def _rgb(c):
    return f"rgb({c[0]},{c[1]},{c[2]})"


# A mark per class: letters, so that a test row (a capital) differs under any colours.
CLASS_GLYPHS = "xovsdnkhwz"
# Without colour the map is drawn with glyphs: a ramp for a regression's output,
# and for classes a dot where the predicted class changes.
RAMP = ".:-=+*#"
DISCRETE_LEVELS = 5         # a regression's output, discretized


class HeatMap(Drawn, Widget):
    """The net's output over the plane of two inputs, with the data points: a
    title line that says which colour and mark is which, the map, and a line
    that gives both axes' names and ranges."""

    @classmethod
    def draw(cls, size, net, ds, show_test=False, ascii_only=False, plain=False,
             discrete=False, label=""):
        """On the frame thread: the lines of the map, `size` (width, height) cells,
        over the data's own two inputs.  plain: no colour (NO_COLOR), so glyphs
        carry the map; discrete: each class (a regression: one of a few levels)
        as one shade, as Playground's "discretize output" does."""
        X, Y, task = ds.base_X, ds.Y, ds.task
        width, height = max(size[0], 4), max(size[1], 4)
        map_height = height - 2
        rows = map_height if ascii_only or plain else 2 * map_height
        both = X if not (show_test and ds.X_test is not None) else np.vstack([X, ds.base_X_test])
        x0, x1 = span(both[:, 0])
        y0, y1 = span(both[:, 1])
        gx, gy = np.meshgrid(np.linspace(x0, x1, width), np.linspace(y1, y0, rows))
        out = net.predict(ds.inputs(np.column_stack([gx.ravel(), gy.ravel()])))
        # Classes: the winning one.  Regression: the first output (a second
        # one would need a map of its own).
        value = out.argmax(axis=1) / (out.shape[1] - 1) \
            if out.shape[1] > 1 and task == "multiclass" else out[:, 0]
        finite = value[np.isfinite(value)]
        lo, hi = (0.0, 1.0) if task != "regression" or net.output == "sigmoid" or \
            not finite.size else (float(finite.min()), float(finite.max()))
        with np.errstate(invalid="ignore", over="ignore"):
            shade = ((value - lo) / ((hi - lo) or 1.0)).reshape(rows, width)
        # An output that overflowed shows as the middle shade, not as an error.
        shade = np.where(np.isfinite(shade), shade, 0.5)
        if discrete:
            shade = np.round(shade) if task != "regression" else \
                np.clip(np.floor(shade * DISCRETE_LEVELS), 0, DISCRETE_LEVELS - 1) \
                / (DISCRETE_LEVELS - 1)
        box = (x0, x1, y0, y1)
        marks = cls._marks(X, Y, task, box, width, map_height)
        if show_test and ds.X_test is not None:
            marks.update(cls._marks(ds.base_X_test, ds.Y_test, task, box, width, map_height,
                                    test=True))
        styles = {}         # a few dozen colour pairs: parse each once

        def style(color, bgcolor, bold=False):
            key = (color, bgcolor, bold)
            if key not in styles:
                styles[key] = Style(color=color, bgcolor=bgcolor, bold=bold)
            return styles[key]

        text = Text(no_wrap=True, overflow="crop")
        head = f"{label} " if label else ""
        legend = head + cls.legend(ds, lo, hi, show_test, ascii_only, plain, discrete,
                                   width - len(head))
        text.append(fit_line(legend, width, ascii_only) + "\n", style="bold")
        if plain:
            ground = cls._glyphs(shade, task, len(ds.classes or ()), ascii_only)
            for r in range(map_height):
                for c in range(width):
                    mark = marks.get((r, c))
                    text.append(mark[0] if mark else ground[r][c],
                                style(None, None, True) if mark else PLAIN)
                text.append("\n")
        else:
            colors = [[_rgb(blend(t)) for t in row] for row in shade]
            for r in range(map_height):
                for c in range(width):
                    mark = marks.get((r, c))
                    if ascii_only:
                        text.append(mark[0] if mark else " ",
                                    style(mark[1] if mark else None, colors[r][c], True))
                    elif mark:
                        text.append(mark[0], style(mark[1], colors[2 * r][c], True))
                    else:
                        text.append("▀", style(colors[2 * r][c], colors[2 * r + 1][c]))
                text.append("\n")
        n0, n1 = ds.base_names[:2]
        arrow, up, dots = ("->", "^", "..") if ascii_only else ("→", "↑", "…")
        # Shorter forms for a narrow map (compare mode): the ranges close up,
        # then go, before a name is cut.
        text.append(fitting([f"{n0} {x0:.3g} {dots} {x1:.3g} {arrow}   "
                             f"{up} {n1} {y0:.3g} {dots} {y1:.3g}",
                             f"{n0} {x0:.3g}{dots}{x1:.3g}{arrow} {up}{n1} {y0:.3g}{dots}{y1:.3g}",
                             f"{n0} {arrow}  {up} {n1}"], width, ascii_only), style="dim")
        return to_strips(text, width, height)

    @staticmethod
    def _glyphs(shade, task, n_classes, ascii_only):
        """Without colour, a glyph per cell: a regression's output on a ramp;
        for classes, a dot where the predicted class changes from its right or
        lower neighbour, so that the boundaries show as dotted lines."""
        if task == "regression":
            level = np.clip(np.round(shade * (len(RAMP) - 1)), 0, len(RAMP) - 1).astype(int)
            return [[RAMP[i] for i in row] for row in level]
        predicted = np.round(shade * max(n_classes - 1, 1)).astype(np.int64)
        edge = np.zeros(shade.shape, dtype=bool)
        edge[:, :-1] |= predicted[:, :-1] != predicted[:, 1:]
        edge[:-1, :] |= predicted[:-1, :] != predicted[1:, :]
        dot = "." if ascii_only else "·"
        return [[dot if e else " " for e in row] for row in edge]

    @staticmethod
    def legend(ds, lo, hi, show_test, ascii_only=False, plain=False, discrete=False,
               width=80):
        """The title line: what the colours (without colour: the glyphs) and
        the marks mean, shortened to `width` by cutting the class names."""
        test = "" if not show_test or ds.X_test is None else \
            "; test rows: O X" if ds.task == "binary" else "; test rows: capitals"
        if discrete:
            test = ("; discretized" if ds.task != "regression"
                    else f"; {DISCRETE_LEVELS} levels") + test
        arrow = "->" if ascii_only else "→"
        if ds.task == "regression":
            name, many = ds.target_names[0], len(ds.target_names)
            low, high = (f"'{RAMP[0]}'", f"'{RAMP[-1]}'") if plain else ("orange", "blue")
            scale = f"{low} {lo:.3g} {arrow} {high} {hi:.3g}{test}"
            return fitting([f"{name}, the first of {many} outputs: {scale}",
                            f"{name} (1st of {many}): {scale}", f"{name}: {scale}"]
                           if many > 1 else [f"{name}: {scale}"], width, ascii_only)
        if plain:
            test = f"; {'.' if ascii_only else '·'} boundary" + test
        names = [str(c) for c in ds.classes]
        if ds.task == "binary":
            neg, pos = names
            return fitting([f"o {pos}, x {neg}{test}"] if plain else
                           [f"blue: {pos} (o), orange: {neg} (x){test}",
                            f"blue {pos} o, orange {neg} x{test}", f"o {pos}, x {neg}{test}"],
                           width, ascii_only)
        head = "" if plain else f"orange {arrow} blue: "

        def line(cut):
            shown = [n if len(n) <= cut else n[:max(cut - 1, 1)] + ("~" if ascii_only else "…")
                     for n in names]
            return head + ", ".join(f"{CLASS_GLYPHS[i % len(CLASS_GLYPHS)]} {n}"
                                    for i, n in enumerate(shown)) + test
        longest = max(len(n) for n in names)
        cut = next((c for c in range(longest, 1, -1) if len(line(c)) <= width), 2)
        return line(cut)

    @staticmethod
    def _marks(X, Y, task, box, width, height, test=False):
        """Character cell -> (glyph, colour) for the data points (at most one per
        cell); test rows in capitals."""
        x0, x1, y0, y1 = box
        col = np.clip(((X[:, 0] - x0) / ((x1 - x0) or 1) * (width - 1)).round(), 0, width - 1)
        row = np.clip(((y1 - X[:, 1]) / ((y1 - y0) or 1) * (height - 1)).round(), 0, height - 1)
        if Y.shape[1] > 1 and task == "multiclass":
            index = Y.argmax(axis=1)
            label = index / (Y.shape[1] - 1)
            glyphs = [CLASS_GLYPHS[i % len(CLASS_GLYPHS)] for i in index]
        else:
            label = (Y[:, 0] - Y[:, 0].min()) / (np.ptp(Y[:, 0]) or 1.0) \
                if task == "regression" else Y[:, 0]
            glyphs = ["o" if t >= 0.5 else "x" for t in label]
        marks = {}
        for r, c, t, glyph in zip(row.astype(int), col.astype(int), label, glyphs):
            dark = tuple(int(v * 0.55) for v in blend(t))
            marks[(r, c)] = (glyph.upper(), "rgb(255,255,255)") if test else (glyph, _rgb(dark))
        return marks


def fitting(forms, width, ascii_only=False):
    """The first of `forms` (longest first) that fits `width`, else the last cut."""
    return next((f for f in forms if len(f) <= width), fit_line(forms[-1], width, ascii_only))


def fit_line(text, width, ascii_only=False):
    """One line of `width` columns: cut with a mark when longer."""
    mark = "~" if ascii_only else "…"
    return text if len(text) <= width else text[:max(width - 1, 0)] + mark


def span(v):
    lo, hi = float(v.min()), float(v.max())
    pad = 0.05 * ((hi - lo) or 1.0)
    return lo - pad, hi + pad


class Confusion(Static):
    """Counts of (true class, predicted class) on the training rows."""

    TITLES = ("confusion matrix (row: true, column: predicted)",
              "confusion (row: true, col: predicted)", "confusion matrix")

    @classmethod
    def draw(cls, net, X, Y, classes, width=80, label=""):
        """On the frame thread: the matrix as text, `width` columns at most: a
        line that wrapped would run into the frame under it."""
        O = net.predict(X)
        if Y.shape[1] == 1:
            true, pred, names = (Y[:, 0] >= 0.5).astype(int), (O[:, 0] >= 0.5).astype(int), \
                [str(c) for c in classes]
        else:
            true, pred, names = Y.argmax(axis=1), O.argmax(axis=1), [str(c) for c in classes]
        k = len(names)
        counts = np.zeros((k, k), dtype=int)
        np.add.at(counts, (true, pred), 1)
        # Columns as wide as the longest name, narrowed (names cut) to fit the
        # panel: a matrix row that wrapped read as another row.
        longest = max(8, max(len(n) for n in names) + 1, len(str(counts.max())) + 1)
        limit, width = width, min(longest, max(width // (k + 1), len(str(counts.max())) + 1))
        head = f"{label} " if label else ""
        title = head + next((t for t in cls.TITLES if len(head + t) <= limit), cls.TITLES[-1])
        cut = [fit_line(n, width - 1, ascii_only=True) for n in names]
        lines = [title, " " * width + "".join(f"{n:>{width}}" for n in cut)]
        for i, name in enumerate(cut):
            lines.append(f"{name:<{width}}" + "".join(f"{c:>{width}}" for c in counts[i]))
        accuracy = f"{np.trace(counts) / max(counts.sum(), 1):.1%}"
        lines.append(fitting([f"accuracy {accuracy} on {counts.sum()} training rows",
                              f"accuracy {accuracy}, {counts.sum()} rows",
                              f"accuracy {accuracy}"], limit))
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")

    def show(self, text):
        self.update(text, layout=False)


class FitView(Container):
    """Holds the one drawing that suits the current data.  `draw` runs on the
    frame thread and returns what `show` puts on screen."""

    def __init__(self, ascii_only=False, label="", **kwargs):
        super().__init__(**kwargs)
        self.ascii_only = ascii_only
        self.label = label          # the run it shows, before each title ("A", "B")
        self.plain = False          # no colour: set from the app once mounted

    def on_mount(self):
        self.plain = self.app.no_color

    def compose(self):
        self.chart = FitChart(ascii_only=self.ascii_only, label=self.label, id="fit-chart")
        yield self.chart
        yield HeatMap(id="fit-heat")
        yield Confusion(id="fit-confusion")

    def frame_layout(self):
        """For the frame thread, read on the UI thread: the size of the view
        (its drawings fill it) and the plotext theme."""
        return self.chart.frame_layout((self.size.width, self.size.height))

    def draw(self, layout, net, ds, show_test=False, discrete=False):
        """net: a copy the trainer does not touch; ds: the run's dataset;
        show_test: draw the test rows too; discrete: the heat map shows each
        class as one shade."""
        mode = self.mode(ds)
        if mode == "heat":
            return mode, HeatMap.draw(layout[0], net, ds, show_test, self.ascii_only,
                                      self.plain, discrete, self.label)
        if mode == "confusion":
            return mode, Confusion.draw(net, ds.X, ds.Y, ds.classes, layout[0][0], self.label)
        if ds.base_inputs == 1:
            return mode, self.chart.draw_1d(layout, net, ds, show_test=show_test)
        return mode, self.chart.draw_scatter(layout, net, ds.X, ds.Y)

    def show(self, drawn):
        mode, lines = drawn
        for name in ("chart", "heat", "confusion"):
            self.query_one(f"#fit-{name}").display = name == mode
        self.query_one(f"#fit-{mode}").show(lines)

    @classmethod
    def test_rows(cls, ds, ascii_only=False):
        """How the fit draws the test rows, in words for `v`'s answer, or why
        it draws none."""
        if ds.X_test is None:
            return "this run has no test rows (data.test_ratio)"
        mode = cls.mode(ds)
        if mode == "heat":
            return "drawn as the capitals of their marks (O X)" if ds.task == "binary" \
                else "drawn as the capitals of their marks"
        if mode == "confusion":
            return "not drawn: the confusion matrix counts the training rows"
        if ds.base_inputs == 1:
            return f"drawn as orange {ASCII_FIT_MARKERS['test'] if ascii_only else '•'}"
        return "not drawn: predicted against target shows the training rows"

    @staticmethod
    def mode(ds):
        """The drawing for the data's own inputs (derived ones are not axes)."""
        if ds.base_inputs == 2:
            return "heat"
        if ds.base_inputs > 2 and ds.task != "regression":
            return "confusion"
        return "chart"

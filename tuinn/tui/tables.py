"""Tables that update live: the weights, the hidden units, the settings."""

import numpy as np
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tuinn.activations import HIDDEN
from tuinn.tui.panel import show_value
from tuinn.tui.scroll import ScrollPanel

STATE_GLYPHS = {"dead": ("✗", "x", "red"), "off": ("✗", "x", "red"),
                "saturated": ("◐", "s", "yellow"), "linear-on-data": ("∕", "/", "cyan"),
                "duplicate": ("=", "=", "magenta"), "constant": ("—", "-", "cyan")}
ALIVE = ("●", "o", "green")
MAX_ROWS = 500          # units listed in a table; the diagnosis counts them all


class WeightsTable(DataTable):
    """One row per hidden unit: its input weights, its bias, its output weights;
    a last row for the output biases.  Colour: sign (blue +, red -) and size;
    an arrow shows the change since the last frame."""

    def __init__(self, ascii_only=False, **kwargs):
        super().__init__(cursor_type="cell", zebra_stripes=False, **kwargs)
        self.arrows = "^v" if ascii_only else "▲▼"
        self._shape = self._all = None
        self._last = None

    def show(self, net):
        if not net.n_hidden:
            self._show_single_layer(net)
            return
        # A table of 100,000 rows would take the UI thread seconds a frame.
        shape = (net.n_in, min(net.n_hidden, MAX_ROWS), net.n_out)
        if shape != self._shape or self._all != net.n_hidden:
            self.clear(columns=True)
            d, h, k = shape
            # Headed as the trajectory's legend names the weights: W1[i,j], W2[j,o].
            self.add_columns("unit j", *[f"W1[{i},j]" for i in range(d)], "b1[j]",
                             *[f"W2[j,{o}]" for o in range(k)])
            for j in range(h):
                self.add_row(*([""] * (d + 2 + k)), key=f"u{j}")
            self.add_row(*([""] * (d + 2 + k)), key="out")
            if net.n_hidden > h:
                self.add_row(Text(f"units {h:,}-{net.n_hidden - 1:,} are not listed "
                                  f"({net.n_hidden:,} in all)", style="dim"),
                             *([""] * (d + 1 + k)), key="more")
            self._shape, self._last, self._all = shape, None, net.n_hidden
            self.move_cursor(row=0, column=1)       # on a weight: Enter edits it
        W1, b1, W2, b2 = net.W1, net.b1[:MAX_ROWS], net.W2[:MAX_ROWS], net.b2
        last = self._last
        if self._unchanged((W1, b1, W2, b2)):
            return
        scale = float(np.max(np.abs(net.theta))) or 1.0
        d, h, k = shape
        for j in range(h):
            cells = [Text(f"{j}", style="bold")]
            cells += [self._cell(W1[i, j], scale, last and last[0][i, j]) for i in range(d)]
            cells.append(self._cell(b1[j], scale, last and last[1][j]))
            cells += [self._cell(W2[j, o], scale, last and last[2][j, o]) for o in range(k)]
            for c, cell in enumerate(cells):
                self.update_cell_at(Coordinate(j, c), cell)
        out = [Text("b2", style="bold")] + [Text("")] * d + [Text("")]
        out += [self._cell(b2[o], scale, last and last[3][o]) for o in range(k)]
        for c, cell in enumerate(out):
            self.update_cell_at(Coordinate(h, c), cell)
        self._last = (W1.copy(), b1.copy(), W2.copy(), b2.copy())

    def _show_single_layer(self, net):
        """No hidden layer: one row per input, its weight to each output; a last
        row for the output biases."""
        d, k = net.n_in, net.n_out
        shape = (d, 0, k)
        if shape != self._shape:
            self.clear(columns=True)
            self.add_columns("input i", *[f"W2[i,{o}]" for o in range(k)])
            for i in range(d + 1):
                self.add_row(*([""] * (k + 1)), key=f"x{i}")
            self._shape, self._last = shape, None
            self.move_cursor(row=0, column=1)
        last = self._last
        if self._unchanged((net.W1, net.b1, net.W2, net.b2)):
            return
        scale = float(np.max(np.abs(net.theta))) or 1.0
        for i in range(d):
            cells = [Text(f"x{i}", style="bold")]
            cells += [self._cell(net.W2[i, o], scale, last and last[2][i, o]) for o in range(k)]
            for c, cell in enumerate(cells):
                self.update_cell_at(Coordinate(i, c), cell)
        out = [Text("b", style="bold")]
        out += [self._cell(net.b2[o], scale, last and last[3][o]) for o in range(k)]
        for c, cell in enumerate(out):
            self.update_cell_at(Coordinate(d, c), cell)
        self._last = (net.W1.copy(), net.b1.copy(), net.W2.copy(), net.b2.copy())

    def _unchanged(self, arrays):
        """Whether the weights are those last shown: then the table stays, and its
        arrows keep saying how the last step moved them."""
        return self._last is not None and all(
            np.array_equal(a, b) for a, b in zip(self._last, arrays))

    def _cell(self, value, scale, before):
        strength = min(abs(value) / scale, 1.0)
        level = int(110 + 145 * strength)
        color = f"rgb(90,{level - 40},{level})" if value >= 0 else f"rgb({level},70,70)"
        arrow = " "
        if before is not None and value != before:
            arrow = self.arrows[0] if value > before else self.arrows[1]
        return Text(f"{value:+.4f}{arrow}", style=color)

    def weight_at(self, coordinate, net):
        """(name, index) of the weight under the cursor, or None for a label cell."""
        row, col = coordinate.row, coordinate.column
        d, h = net.n_in, net.n_hidden
        if not h:
            if col == 0:
                return None
            return ("b2", (col - 1,)) if row == d else ("W2", (row, col - 1))
        listed = min(h, MAX_ROWS)
        if row > listed:
            return None
        if row == listed:
            return ("b2", (col - d - 2,)) if col >= d + 2 else None
        if col == 0:
            return None
        if col <= d:
            return "W1", (col - 1, row)
        if col == d + 1:
            return "b1", (row,)
        return "W2", (row, col - d - 2)


def flat_index(net, name, index):
    """Position of weight name[index] in theta."""
    d, h, k = net.n_in, net.n_hidden, net.n_out
    offset = {"W1": 0, "b1": d * h, "W2": d * h + h, "b2": d * h + h + net.fan_in * k}[name]
    shape = net.shapes[name]
    return offset + int(np.ravel_multi_index(index, shape))


class UnitsTable(ScrollPanel):
    """One row per hidden unit: state glyph (and the unit it duplicates), active
    fraction as a bar, mean derivative and range of Z.  Columns are as wide as
    their widest cell, most telling first; when the panel is too narrow for
    them all, the last ones are left out (z range, then mean g', then the
    bar), and the header says so.

    Plain text, not a DataTable: it changes every frame while training, and a
    DataTable re-renders cell by cell at many times the cost."""

    HEADER = ("unit", "state", "active", "mean g'", "z range")
    _shown = None                   # the last (health, hidden), for a new width

    def on_resize(self):
        super().on_resize()
        if self._shown is not None:     # the columns that fit now
            self.call_after_refresh(lambda: self.show(*self._shown))

    def show(self, health, hidden):
        """`health` from tuinn.diagnose.unit_health, of a net whose hidden
        activation is `hidden`."""
        self._shown = (health, hidden)
        if not health:
            super().show(Text("no hidden layer: the inputs feed the output directly"), 1)
            return
        width = self.text_width or self.size.width
        listed = health[:MAX_ROWS]
        for bar in (True, False):
            rows = [self._row(unit, hidden, bar) for unit in listed]
            cells = [self.HEADER] + [row for row, _ in rows]
            widths = [max(len(row[c]) for row in cells) for c in range(len(self.HEADER))]
            kept = len(self.HEADER)
            while kept > 3 and sum(widths[:kept]) + 2 * (kept - 1) > width:
                kept -= 1
            if sum(widths[:kept]) + 2 * (kept - 1) <= width:
                break
        widths = widths[:kept]

        def line(row, first=0):
            return "  ".join(cell.ljust(w) for cell, w in zip(row[first:kept], widths[first:]))

        text = Text()
        header = line(self.HEADER).rstrip()
        more = f"  +{len(self.HEADER) - kept} col{'s' if len(self.HEADER) - kept > 1 else ''} →"
        if kept < len(self.HEADER) and len(header) + len(more) <= width:
            header += more if not self.ascii_only else more.replace("→", "->")
        text.append(header + "\n", style="bold")
        for row, color in rows:
            text.append(f"{row[0].ljust(widths[0])}  ")
            text.append(row[1].ljust(widths[1]), style=color)       # the state, in its colour
            text.append(f"  {line(row, first=2).rstrip()}\n")
        if len(health) > len(listed):
            text.append(f"units {len(listed):,}-{len(health) - 1:,} are not listed "
                        f"({len(health):,} in all; the diagnosis counts every one)\n",
                        style="dim")
        super().show(text, len(rows) + 1 + (len(health) > len(listed)))

    def _row(self, unit, hidden, bar):
        """(the unit's cells, the colour of its state).  The active share is a
        kink's side only for the relu family; a sigmoid or tanh unit's is the
        share of rows with z > 0, and a linear unit has none."""
        flags = unit["flags"]
        glyph, plain, color = next((STATE_GLYPHS[f] for f in flags if f in STATE_GLYPHS), ALIVE)
        words = [f"duplicate of {unit['duplicate_of']}" if f == "duplicate" else f
                 for f in flags] or ["alive"]
        state = f"{plain if self.ascii_only else glyph} {', '.join(words)}"
        filled = int(round(unit["active"] * 10))
        drawn = ("#" * filled + "." * (10 - filled)) if self.ascii_only else \
            ("█" * filled + "░" * (10 - filled))
        active = f"{drawn} {unit['active']:4.0%}" if bar else f"{unit['active']:4.0%}"
        if hidden == "linear":
            active = "-" if self.ascii_only else "—"
        elif HIDDEN[hidden].left_slope is None:
            active = f"z>0 {unit['active']:4.0%}"
        z_range = f"{unit['z_min']:.3g} {'..' if self.ascii_only else '…'} {unit['z_max']:.3g}"
        cells = (str(unit["index"]), state, active,
                 f"{unit['mean_deriv']:.3g}", z_range)
        return cells, color


class SettingsTable(DataTable):
    """Every setting of the run; Enter edits the one under the cursor."""

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", **kwargs)
        self.keys = []

    def on_mount(self):
        self.add_columns("setting", "value", "applies")

    def show(self, fields):
        keys = [f.key for f in fields]
        if keys != self.keys:
            row = self.cursor_row
            self.clear()
            for f in fields:
                self.add_row(f.key, show_value(f.value), "live" if f.live else "re-initializes",
                             key=f.key)
            self.keys = keys
            self.move_cursor(row=min(row, len(keys) - 1))
            return
        for i, f in enumerate(fields):
            self.update_cell_at(Coordinate(i, 1), show_value(f.value))

"""The network view, as TensorFlow Playground draws a net: the inputs on the
left, each hidden unit as a tile that shows what it computes over the data's
inputs, the outputs on the right, and every weight as an edge whose colour is
its sign (blue +, orange -) and whose glyph is its size.

A 2-D data set gives each tile a small heat map of the unit's activation
over the input plane (half blocks, two pixels per character); a 1-D one
gives a sparkline of the activation along x; more inputs, a bar of the
unit's active share.  Drawn on the frame thread, like the charts.

As in Playground, a weight can be picked on the drawing and edited: ↑/↓ step
through the weights in theta's order, ←/→ jump between W1, b1, W2 and b2, a
click picks the edge under the mouse, and Enter edits the picked one.  Its
edge is drawn in a glyph of its own, so it shows without colour too."""

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from tuinn.activations import HIDDEN
from tuinn.tui.charts import Drawn, to_strips
from tuinn.tui.fit import span, blend, fit_line

POSITIVE, NEGATIVE = (8, 119, 189), (245, 147, 34)      # Playground's blue and orange
# Edge glyphs by |w| against the largest weight of the layer, strongest last.
EDGE_GLYPHS = ("·", "∙", "•", "●")
ASCII_EDGE_GLYPHS = (".", ":", "o", "O")
SPARKS = "▁▂▃▄▅▆▇█"
ASCII_SPARKS = "_.-=+*#@"
PICKED_GLYPH, ASCII_PICKED_GLYPH = "◆", "*"
TILE_WIDTH = 10
LABEL = 4               # the unit's number, right of its tile


def _rgb(c):
    return f"rgb({c[0]},{c[1]},{c[2]})"


class Canvas:
    """A grid of character cells, each a glyph with a foreground and background."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.cells = [[(" ", None, None)] * width for _ in range(height)]
        self.strength = np.zeros((height, width))
        self.owner = np.full((height, width), -1)      # the weight (theta index) drawn there

    def put(self, x, y, glyph, color=None, bgcolor=None, owner=None):
        if 0 <= x < self.width and 0 <= y < self.height:
            self.cells[y][x] = (glyph, color, bgcolor)
            if owner is not None:
                self.owner[y, x] = owner

    def text(self, x, y, text, color=None, owner=None):
        for i, ch in enumerate(text):
            self.put(x + i, y, ch, color, owner=owner)

    def edge(self, start, end, weight, scale, glyphs, owner, picked=None):
        """A straight line of cells from start to end; where edges cross, the
        stronger weight is drawn, and the picked edge (glyph `picked`) over all."""
        (x0, y0), (x1, y1) = start, end
        # The square root: a layer's largest weight would otherwise leave the
        # rest all alike.
        strength = min(abs(weight) / scale, 1.0) ** 0.5 if scale > 0 else 0.0
        glyph = picked or glyphs[min(int(strength * len(glyphs)), len(glyphs) - 1)]
        color = _rgb(POSITIVE if weight >= 0 else NEGATIVE)
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            x = round(x0 + (x1 - x0) * i / steps)
            y = round(y0 + (y1 - y0) * i / steps)
            if not (0 <= x < self.width and 0 <= y < self.height):
                continue
            if picked or (strength >= self.strength[y, x]
                          and self.cells[y][x][0] in (" ",) + glyphs):
                self.strength[y, x] = 2.0 if picked else strength
                self.put(x, y, glyph, color, owner=owner)

    def render(self):
        styles = {}
        text = Text(no_wrap=True, overflow="crop")
        for y, row in enumerate(self.cells):
            for glyph, color, bgcolor in row:
                key = (color, bgcolor)
                if key not in styles:
                    styles[key] = Style(color=color, bgcolor=bgcolor)
                text.append(glyph, styles[key])
            if y < self.height - 1:
                text.append("\n")
        return text


def positions(count, top, bottom):
    """`count` rows spread evenly over [top, bottom]."""
    if count == 1:
        return [(top + bottom) // 2]
    return [round(top + (bottom - top) * i / (count - 1)) for i in range(count)]


class NetworkView(Drawn, Widget, can_focus=True):
    """The net drawn as nodes and edges, with a picked weight; `draw` runs on
    the frame thread."""

    BINDINGS = [Binding("down", "pick(1)", "next weight", show=False),
                Binding("up", "pick(-1)", "previous weight", show=False),
                Binding("right", "layer(1)", "next layer", show=False),
                Binding("left", "layer(-1)", "previous layer", show=False),
                Binding("enter", "edit", "edit the weight", show=False)]

    class Edit(Message):
        """Enter on the picked weight: (array name, index) to edit."""

        def __init__(self, entry):
            super().__init__()
            self.entry = entry

    picked = 0                  # theta index of the picked weight
    owners = None               # the last frame's canvas owners (theta index per cell)
    entries = ()                # the last frame's net's (name, index) list

    def frame_layout(self):
        """For the frame thread, read on the UI thread: the view's size and
        the picked weight."""
        return (self.size.width, self.size.height), self.picked

    def show(self, drawn):
        strips, self.owners, self.entries = drawn
        # A smaller net (fewer units) leaves the pick on its last weight.
        self.picked = min(self.picked, len(self.entries) - 1)
        super().show(strips)

    def action_pick(self, step):
        if self.entries:
            self.picked = (self.picked + step) % len(self.entries)
            self.app.plots_stale()

    def action_layer(self, step):
        """The first weight of the next (previous) array that has any."""
        if not self.entries:
            return
        names = list(dict.fromkeys(name for name, _ in self.entries))
        current = names.index(self.entries[self.picked][0])
        name = names[(current + step) % len(names)]
        self.picked = next(i for i, (n, _) in enumerate(self.entries) if n == name)
        self.app.plots_stale()

    def action_edit(self):
        if self.entries:
            self.post_message(self.Edit(self.entries[self.picked]))

    def on_click(self, event):
        """Pick the weight drawn under the mouse (an edge, a unit's number for
        its bias, an output's name for its bias)."""
        if self.owners is None:
            return
        y, x = event.y, event.x
        if 0 <= y < self.owners.shape[0] and 0 <= x < self.owners.shape[1] and \
                self.owners[y, x] >= 0:
            self.picked = int(self.owners[y, x])
            self.focus()
            self.app.plots_stale()

    @staticmethod
    def draw(layout, net, ds, ascii_only=False):
        """(lines, owner of each cell, the net's entries)."""
        size, picked = layout
        entries = net.entries()
        picked = min(picked, len(entries) - 1)
        flat = {entry: i for i, entry in enumerate(entries)}
        mark = ASCII_PICKED_GLYPH if ascii_only else PICKED_GLYPH
        width, height = max(size[0], 30), max(size[1], 6)
        canvas = Canvas(width, height)
        glyphs = ASCII_EDGE_GLYPHS if ascii_only else EDGE_GLYPHS
        d, h, k = net.n_in, net.n_hidden, net.n_out
        canvas.text(0, 0, fit_line(_title(net, ascii_only), width, ascii_only))
        top, bottom = 2, height - 2
        lines = bottom - top + 1
        # Tiles two lines tall, one apart, while they fit; then thinner, then closer.
        tile_rows = 2 if ds.base_inputs == 2 and not ascii_only and 3 * h <= lines else 1
        gap = 1 if (tile_rows + 1) * h <= lines else 0
        shown = min(h, max(lines // (tile_rows + gap), 1))
        names = [str(n) for n in ds.feature_names]
        label_width = min(max(len(n) for n in names) + 1, width // 5)
        in_x = label_width + 1
        out_x = width - TILE_WIDTH - 1
        mid_x = (in_x + out_x - TILE_WIDTH) // 2
        in_rows = positions(min(d, bottom - top + 1), top, bottom)
        out_rows = positions(k, top + tile_rows // 2, bottom - tile_rows // 2)
        hidden_rows = positions(shown, top, bottom - tile_rows + 1) if h else []
        # Which inputs are drawn when there are more than rows: the first ones.
        inputs = list(range(len(in_rows)))
        w1_scale = float(np.max(np.abs(net.W1))) if h and d else 0.0
        w2_scale = float(np.max(np.abs(net.W2))) if net.W2.size else 0.0
        tiles = _tiles(net, ds, shown, tile_rows, ascii_only)
        edges = []          # (start, end, value, scale, entry)
        if h:
            for j, row in enumerate(hidden_rows):
                centre = row + tile_rows // 2
                edges += [((in_x + 1, in_row), (mid_x - 1, centre), net.W1[i, j], w1_scale,
                           ("W1", (i, j))) for i, in_row in zip(inputs, in_rows)]
                edges += [((mid_x + TILE_WIDTH + LABEL, centre), (out_x - 1, out_row),
                           net.W2[j, o], w2_scale, ("W2", (j, o)))
                          for o, out_row in enumerate(out_rows)]
        else:
            edges += [((in_x + 1, in_row), (out_x - 1, out_row), net.W2[i, o], w2_scale,
                       ("W2", (i, o))) for i, in_row in zip(inputs, in_rows)
                      for o, out_row in enumerate(out_rows)]
        # The picked edge last, over the others.
        edges.sort(key=lambda e: flat[e[4]] == picked)
        for start, end, value, scale, entry in edges:
            canvas.edge(start, end, value, scale, glyphs, flat[entry],
                        mark if flat[entry] == picked else None)
        for i, row in zip(inputs, in_rows):
            canvas.text(0, row, names[i][:label_width].rjust(label_width))
            canvas.put(in_x, row, "o" if ascii_only else "●", "white")
        # A bias is picked by the unit's number or the output's name: marked
        # when picked, as the picked edge is.
        for j, row in enumerate(hidden_rows):
            for r, line in enumerate(tiles[j]):
                for c, cell in enumerate(line):
                    canvas.put(mid_x + c, row + r, *cell)
            bias = flat[("b1", (j,))]
            canvas.text(mid_x + TILE_WIDTH + 1, row,
                        (mark if bias == picked else "") + str(j), "white", owner=bias)
        out_names = ds.target_names if len(ds.target_names) == k else [f"o{o}" for o in range(k)]
        for o, row in enumerate(out_rows):
            bias = flat[("b2", (o,))]
            canvas.put(out_x, row, mark if bias == picked else "o" if ascii_only else "●",
                       "white", owner=bias)
            canvas.text(out_x + 2, row, str(out_names[o])[:TILE_WIDTH - 1], owner=bias)
        name, index = entries[picked]
        value = float(net.weights()[name][index])
        canvas.text(0, 1, fit_line(f"{mark} {name}[{','.join(map(str, index))}] = {value:+.4g}"
                                   ": arrows pick, Enter edits", width, ascii_only), "grey62")
        notes = []
        if shown < h:
            notes.append(f"units 0-{shown - 1} of {h} (taller: more)")
        if len(inputs) < d:
            notes.append(f"inputs 1-{len(inputs)} of {d}")
        notes.append(_tile_note(ds))
        canvas.text(0, height - 1, fit_line("; ".join(notes), width, ascii_only), "grey62")
        return to_strips(canvas.render(), width, height), canvas.owner, entries


def _title(net, ascii_only):
    glyphs = " ".join(ASCII_EDGE_GLYPHS if ascii_only else EDGE_GLYPHS)
    text = f"{net.describe()}   edges: blue +, orange -; {glyphs} by |w|"
    return text.replace("→", "->") if ascii_only else text


def _tile_note(ds):
    names = ", ".join(ds.base_names[:2])
    if ds.base_inputs == 2:
        return f"tiles: each unit's activation over ({names}), orange low, blue high"
    if ds.base_inputs == 1:
        return f"tiles: each unit's activation along {names}, left to right"
    return "tiles: each unit's active share of the rows"


def _tiles(net, ds, count, tile_rows, ascii_only):
    """For each of the first `count` hidden units, its tile: rows of cells."""
    if not count:
        return []
    width = TILE_WIDTH
    X = ds.base_X
    lo_hi = HIDDEN[net.hidden].bounds
    if ds.base_inputs in (1, 2):
        pixel_rows = 2 * tile_rows if ds.base_inputs == 2 and not ascii_only else tile_rows
        x0, x1 = span(X[:, 0])
        if ds.base_inputs == 2:
            y0, y1 = span(X[:, 1])
            gx, gy = np.meshgrid(np.linspace(x0, x1, width), np.linspace(y1, y0, pixel_rows))
            grid = np.column_stack([gx.ravel(), gy.ravel()])
        else:
            grid = np.linspace(x0, x1, width)[:, None]
        _, A = net.predict(ds.inputs(grid), hidden=True)
    else:
        active = np.mean(net.predict(ds.X, hidden=True)[1] > 0, axis=0)
    tiles = []
    for j in range(count):
        if ds.base_inputs not in (1, 2):
            filled = int(round(float(active[j]) * width))
            bar = ("#" * filled + "." * (width - filled)) if ascii_only else \
                ("█" * filled + "░" * (width - filled))
            tiles.append([[(ch, _rgb(POSITIVE), None) for ch in bar]])
            continue
        a = A[:, j]
        lo, hi = lo_hi or (float(np.min(a)), float(np.max(a)))
        t = np.clip((a - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
        if ds.base_inputs == 1:
            sparks = ASCII_SPARKS if ascii_only else SPARKS
            line = [(sparks[min(int(v * len(sparks)), len(sparks) - 1)], _rgb(blend(v)), None)
                    for v in t]
            tiles.append([line])
            continue
        shade = t.reshape(pixel_rows, width)
        rows = []
        for r in range(tile_rows):
            if ascii_only:
                rows.append([("#" if v >= 0.5 else ".", _rgb(blend(v)), None)
                             for v in shade[r]])
            else:
                rows.append([("▀", _rgb(blend(top)), _rgb(blend(low)))
                             for top, low in zip(shade[2 * r], shade[2 * r + 1])])
        tiles.append(rows)
    return tiles

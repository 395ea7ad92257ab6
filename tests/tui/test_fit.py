"""The fit's drawings, called as the frame thread calls them: every mark and
colour they show is the one their legend names, with colour and without."""

import dataclasses
import re

import numpy as np

from tuinn import Net
from tuinn.data import generate
from tuinn.tui.charts import LossChart, rich_color
from tuinn.tui.fit import CLASS_GLYPHS, HeatMap


def text_of(strips):
    return [strip.text for strip in strips]


def three_classes():
    """Three spiral arms with class names long enough to need cutting."""
    ds = generate("spiral", arms=3, n=300)
    return dataclasses.replace(ds, classes=["setosa", "versicolor", "virginica"])


def net_for(ds, seed=0):
    net = Net(2, 6, ds.n_outputs, hidden="tanh",
              output="softmax" if ds.task == "multiclass" else "sigmoid",
              loss="cross_entropy")
    net.theta[:] = np.random.default_rng(seed).normal(0, 1.5, net.theta.size)
    return net


def test_each_legend_entry_is_drawn_in_the_colour_of_its_curve():
    """The test loss was drawn bright yellow under an orange legend mark."""
    history = {"loss": np.linspace(1, 0.1, 50), "test_loss": np.linspace(1.2, 0.3, 50)}
    chart = LossChart()
    curves = (np.arange(50), history["loss"], history["test_loss"])
    fig_lines = chart.draw(((60, 12), "clear"), curves, [], False)
    legend_colors = {seg.style.color for seg in fig_lines[0] if seg.text == "━"}
    assert len(legend_colors) == 2, "the legend shows both curves' marks"
    curve_colors = {seg.style.color for line in fig_lines[1:] for seg in line
                    if seg.style is not None and seg.style.color is not None
                    and re.match(r"[\u2800-\u28ff]", seg.text)}
    assert legend_colors == curve_colors


def test_every_colour_the_charts_use_is_one_plotext_draws():
    """A unit colour "yellow" is no plotext name: it was drawn in the net's colour."""
    from tuinn.tui import charts, compare

    used = list(charts.PIN_COLORS) + list(charts.UNIT_COLORS) + list(charts.SERIES_COLORS) + \
        [c for pair in compare.CURVE_COLORS.values() for c in pair]
    for color in used:
        assert rich_color(color).startswith("color(")
    try:
        rich_color("yellow")
    except ValueError as exc:
        assert "not a plotext colour" in str(exc)
    else:
        raise AssertionError("an unknown colour must be refused")


def test_three_classes_have_three_marks_and_a_legend_that_names_each_within_the_width():
    ds = three_classes()
    lines = text_of(HeatMap.draw((40, 20), net_for(ds), ds))
    legend = lines[0]
    assert len(legend) <= 40
    for i in range(3):
        assert f"{CLASS_GLYPHS[i]} " in legend
    body = "".join(lines[1:-1])
    assert {CLASS_GLYPHS[i] for i in range(3)} <= set(body)
    assert "…" not in legend or legend.count("…") == 3     # cut evenly when cut
    wide = text_of(HeatMap.draw((90, 20), net_for(ds), ds))[0]
    assert "setosa" in wide and "versicolor" in wide and "virginica" in wide


def test_without_colour_the_map_speaks_in_glyphs_not_colour_words():
    """NO_COLOR kept "blue / orange" over a grey map."""
    ds = generate("circle", n=200)
    lines = text_of(HeatMap.draw((40, 16), net_for(ds), ds, plain=True))
    assert "blue" not in lines[0] and "orange" not in lines[0]
    assert "· boundary" in lines[0] and "o 1" in lines[0] and "x 0" in lines[0]
    body = "".join(lines[1:-1])
    assert "·" in body and "▀" not in body
    regression = generate("plane", n=200)
    net = Net(2, 4, 1, hidden="tanh")
    net.theta[:] = np.random.default_rng(1).normal(0, 1, net.theta.size)
    lines = text_of(HeatMap.draw((40, 16), net, regression, plain=True))
    assert "'.'" in lines[0] and "'#'" in lines[0] and "orange" not in lines[0]
    assert "#" in "".join(lines[1:-1])


def test_discretized_the_map_has_one_shade_per_class():
    ds = generate("circle", n=200)
    net = net_for(ds)

    def shades(strips):
        return {seg.style.bgcolor for line in strips[1:-1] for seg in line
                if seg.text == "▀"} | {seg.style.color for line in strips[1:-1]
                                        for seg in line if seg.text == "▀"}

    continuous = shades(HeatMap.draw((40, 16), net, ds))
    discrete = shades(HeatMap.draw((40, 16), net, ds, discrete=True))
    assert len(continuous) > 2 and len(discrete) == 2
    assert "discretized" in text_of(HeatMap.draw((60, 16), net, ds, discrete=True))[0]
    regression = generate("plane", n=200)
    rnet = Net(2, 4, 1, hidden="tanh")
    rnet.theta[:] = np.random.default_rng(1).normal(0, 1, rnet.theta.size)
    assert len(shades(HeatMap.draw((40, 16), rnet, regression, discrete=True))) <= 5


def test_the_confusion_matrix_title_fits_the_panel_without_wrapping():
    """At 80 columns the title wrapped into the loss frame below it, and the
    rows of three long class names wrapped into rows of their own."""
    from tuinn.tui.fit import Confusion

    ds = three_classes()
    net = net_for(ds)
    for width in (30, 38, 60):
        text = Confusion.draw(net, ds.X, ds.Y, ds.classes, width)
        lines = text.plain.splitlines()
        assert lines[0].startswith("confusion") and all(len(line) <= width for line in lines)
        assert len(lines) == 2 + 3 + 1      # title, names, a row a class, accuracy
        assert text.no_wrap
    assert "column: predicted" in Confusion.draw(net, ds.X, ds.Y, ds.classes, 60).plain


def test_a_narrow_map_shortens_its_legend_and_axes_rather_than_cut_them():
    """Compare mode's maps read "blue: 1 (o), orange: 0 (…" and "↑ x2 -…"."""
    ds = generate("xor", n=100)
    for width in (24, 27, 40):
        lines = text_of(HeatMap.draw((width, 12), net_for(ds), ds, label="A"))
        legend = lines[0].rstrip()
        assert not legend.endswith("…") and " 1" in legend and " 0" in legend, legend
        assert "x1" in lines[-1] and "x2" in lines[-1] and not lines[-1].rstrip().endswith("…")


def test_a_narrow_map_of_two_outputs_still_names_its_output_and_scale():
    """backprop-2-2-2 at 80x24: "o1, the first of 2 outputs: orange 0 → …"."""
    from tuinn.data import Dataset

    rng = np.random.default_rng(0)
    ds = Dataset(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)), target_names=["o1", "o2"])
    net = Net(2, 3, 2)
    net.theta[:] = rng.normal(size=net.theta.size)
    for width in (38, 60):
        legend = text_of(HeatMap.draw((width, 10), net, ds))[0].rstrip()
        assert legend.startswith("o1") and "blue" in legend and not legend.endswith("…"), legend

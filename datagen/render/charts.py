"""InfographicSynth's 14 chart templates, drawn with matplotlib; every value is printed on the chart."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import matplotlib


matplotlib.use("Agg")  # no display: charts are only ever rendered to pixels
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from PIL import Image  # noqa: E402

from datagen.render.fonts import find_fonts  # noqa: E402
from datagen.sources.chart_data import ChartData  # noqa: E402


# A white box keeps a number readable where it crosses a line, a fill or a coloured bar.
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85}

PALETTES = (["#1f77b4", "#ff7f0e", "#2ca02c"], ["#4c72b0", "#dd8452", "#55a868"], ["#264653", "#e76f51", "#2a9d8f"])


def _style_colours() -> list[str]:
    """The active style's own colour cycle, so that a style brings its palette."""
    colours = [entry["color"] for entry in plt.rcParams["axes.prop_cycle"] if "color" in entry]
    return (colours + PALETTES[0])[:3]


def _label_bars(ax, bars, values, fmt, horizontal=False):
    for bar, value in zip(bars, values):
        if horizontal:
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {fmt(value)}", va="center", fontsize=11)
        else:
            ax.text(
                bar.get_x() + bar.get_width() / 2, bar.get_height(), fmt(value), ha="center", va="bottom", fontsize=11
            )


def _label_points(ax, xs, values, fmt):
    for x, value in zip(xs, values):
        ax.annotate(
            fmt(value), (x, value), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=11, bbox=LABEL_BOX
        )


def bar(ax, data, colours):
    _label_bars(ax, ax.bar(data.categories, data.single, color=colours[0]), data.single, data.fmt)


def barh(ax, data, colours):
    _label_bars(ax, ax.barh(data.categories, data.single, color=colours[0]), data.single, data.fmt, horizontal=True)


def grouped_bar(ax, data, colours):
    x, width = np.arange(len(data.categories)), 0.8 / len(data.series)
    for i, (name, values) in enumerate(data.series.items()):
        _label_bars(ax, ax.bar(x + i * width, values, width, label=name, color=colours[i]), values, data.fmt)
    ax.set_xticks(x + width * (len(data.series) - 1) / 2, data.categories)


def stacked_bar(ax, data, colours):
    bottom = np.zeros(len(data.categories))
    for i, (name, values) in enumerate(data.series.items()):
        bars = ax.bar(data.categories, values, bottom=bottom, label=name, color=colours[i])
        for bar_, value, base in zip(bars, values, bottom):
            ax.text(
                bar_.get_x() + bar_.get_width() / 2,
                base + value / 2,
                data.fmt(value),
                ha="center",
                va="center",
                fontsize=10,
                bbox=LABEL_BOX,
            )
        bottom += values


def line(ax, data, colours):
    ax.plot(data.categories, data.single, marker="o", color=colours[0])
    _label_points(ax, data.categories, data.single, data.fmt)


def multi_line(ax, data, colours):
    for i, (name, values) in enumerate(data.series.items()):
        ax.plot(data.categories, values, marker="o", label=name, color=colours[i])
        _label_points(ax, data.categories, values, data.fmt)


def _wedges(ax, data, hole: float) -> None:
    labels = [f"{c}: {data.fmt(v)}" for c, v in zip(data.categories, data.single)]
    ax.pie(data.single, labels=labels, startangle=90, wedgeprops={"width": 1 - hole}, textprops={"fontsize": 11})


def pie(ax, data, colours):
    _wedges(ax, data, hole=0.0)


def donut(ax, data, colours):
    _wedges(ax, data, hole=0.6)


def scatter(ax, data, colours):
    ax.scatter(range(len(data.categories)), data.single, s=60, color=colours[0])
    _label_points(ax, range(len(data.categories)), data.single, data.fmt)
    ax.set_xticks(range(len(data.categories)), data.categories)


def area(ax, data, colours):
    ax.fill_between(data.categories, data.single, alpha=0.4, color=colours[0])
    ax.plot(data.categories, data.single, color=colours[0])
    _label_points(ax, data.categories, data.single, data.fmt)


def lollipop(ax, data, colours):
    ax.vlines(data.categories, 0, data.single, color=colours[0])
    ax.plot(data.categories, data.single, "o", color=colours[0])
    _label_points(ax, data.categories, data.single, data.fmt)


def step(ax, data, colours):
    ax.step(data.categories, data.single, where="mid", color=colours[0])
    _label_points(ax, data.categories, data.single, data.fmt)


def dot_plot(ax, data, colours):
    ax.hlines(data.categories, 0, data.single, color="#cccccc")
    ax.plot(data.single, data.categories, "o", color=colours[0])
    for category, value in zip(data.categories, data.single):
        ax.annotate(data.fmt(value), (value, category), textcoords="offset points", xytext=(8, -3), fontsize=11)


def table(ax, data, colours):
    ax.axis("off")
    rows = [[c] + [data.fmt(values[i]) for values in data.series.values()] for i, c in enumerate(data.categories)]
    header = [""] + list(data.series)
    drawn = ax.table(cellText=rows, colLabels=header, loc="center", cellLoc="center")
    drawn.scale(1, 1.6)
    drawn.set_fontsize(11)


@dataclass(frozen=True)
class Template:
    draw: Callable
    min_series: int
    max_series: int
    ordered: bool = False  # a line over museums says nothing: lines, areas and steps need months
    parts: bool = False  # wedges and stacks show parts of a whole: only for values that add up


TEMPLATES = {
    "bar": Template(bar, 1, 1),
    "barh": Template(barh, 1, 1),
    "grouped_bar": Template(grouped_bar, 2, 3),
    "stacked_bar": Template(stacked_bar, 2, 2, parts=True),
    "line": Template(line, 1, 1, ordered=True),
    "multi_line": Template(multi_line, 2, 2, ordered=True),
    "pie": Template(pie, 1, 1, parts=True),
    "donut": Template(donut, 1, 1, parts=True),
    "scatter": Template(scatter, 1, 1),
    "area": Template(area, 1, 1, ordered=True),
    "lollipop": Template(lollipop, 1, 1),
    "step": Template(step, 1, 1, ordered=True),
    "dot_plot": Template(dot_plot, 1, 1),
    "table": Template(table, 1, 3),
}


# matplotlib's own styles, each with its palette, grid and background; "default" twice as often.
STYLES = ("default", "default", "ggplot", "bmh", "seaborn-v0_8-whitegrid", "seaborn-v0_8-darkgrid", "Solarize_Light2",
          "fivethirtyeight", "seaborn-v0_8-pastel", "tableau-colorblind10")  # fmt: skip


@lru_cache
def _font_names(role: str) -> tuple[str, ...]:
    """Family names of the role's fonts, registered with matplotlib (it does not scan new fonts itself)."""
    names = []
    for path in find_fonts(role):
        font_manager.fontManager.addfont(str(path))
        names.append(font_manager.FontProperties(fname=str(path)).get_name())
    return tuple(sorted(set(names)))


def render_chart(rng: random.Random, name: str, data: ChartData) -> Image.Image:
    style = {
        **plt.style.library.get(rng.choice(STYLES), {}),
        "font.family": rng.choice(_font_names(rng.choice(["sans", "serif"]))),
    }
    with plt.style.context(style):
        return _render(rng, name, data)


def _render(rng: random.Random, name: str, data: ChartData) -> Image.Image:
    figure, ax = plt.subplots(figsize=(rng.uniform(5.5, 7.5), rng.uniform(3.8, 5.0)), dpi=110)
    try:
        TEMPLATES[name].draw(ax, data, rng.choice(PALETTES + (_style_colours(),)))
        ax.set_title(f"{data.title} ({data.unit})", fontsize=12)
        if len(data.series) > 1 and name != "table":
            ax.legend(fontsize=11)
        ax.margins(y=0.15)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        figure.tight_layout()
        figure.canvas.draw()
        return Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[..., :3].copy())
    finally:
        plt.close(figure)

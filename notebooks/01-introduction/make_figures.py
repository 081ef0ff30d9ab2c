"""Draw the figures of the chapter "Introduction" into img/ (SVG).

Run from anywhere with the book's environment:

    .venv/bin/python notebooks/01-introduction/make_figures.py

Only matplotlib is used. The output is deterministic: SVG ids come from a fixed hash salt,
text stays text (no glyph paths) and no date is written, so re-running the script on the same
matplotlib version rewrites byte-identical files.
"""

from pathlib import Path

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

IMG = Path(__file__).resolve().parent / "img"

plt.rcParams.update(
    {
        "svg.hashsalt": "d2l-paired-introduction",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.size": 11,
    }
)

# One palette for every figure: a blue for things we build, an orange for data and the world,
# a grey for the arrows.
BLUE, ORANGE, GREEN, GREY = "#dbe8f6", "#fbe3c8", "#dff0d8", "#444444"


def box(ax, x, y, text, color, width=2.4, height=0.9):
    """A rounded box centred on (x, y) with `text` inside; returns its (x, y, w, h)."""
    patch = FancyBboxPatch(
        (x - width / 2, y - height / 2),
        width,
        height,
        boxstyle="round,pad=0.05,rounding_size=0.15",
        facecolor=color,
        edgecolor=GREY,
        linewidth=1.2,
    )
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center")
    return patch


def arrow(ax, start, end, label=None, offset=(0, 0.22), rad=0.0, ha="center"):
    """An arrow from `start` to `end`, with an optional label near its middle."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            color=GREY,
            linewidth=1.3,
            connectionstyle=f"arc3,rad={rad}",
        )
    )
    if label:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, label, ha=ha, va="center", fontsize=9.5, color="#222222", style="italic")


def canvas(width, height, xlim, ylim):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def save(fig, name):
    IMG.mkdir(exist_ok=True)
    fig.savefig(IMG / name, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    print("wrote", (IMG / name).relative_to(IMG.parent.parent.parent))


def learning_loop():
    """Data, model, objective and optimizer, and the loop that connects them."""
    fig, ax = canvas(7.6, 3.8, (0, 11), (0, 5.4))
    box(ax, 1.5, 3.6, "Data\n(examples, labels)", ORANGE, width=2.8)
    box(ax, 5.5, 3.6, "Model\n(parameters)", BLUE)
    box(ax, 9.5, 3.6, "Objective\n(loss)", GREEN, width=2.2)
    box(ax, 5.5, 1.0, "Optimization\nalgorithm", BLUE)
    arrow(ax, (2.95, 3.6), (4.25, 3.6), "inputs", offset=(0, 0.25))
    arrow(ax, (6.75, 3.6), (8.35, 3.6), "predictions", offset=(0, 0.25))
    arrow(ax, (1.5, 4.1), (9.3, 4.15), "labels", offset=(0, 1.25), rad=-0.22)
    arrow(ax, (9.5, 3.1), (6.75, 1.2), "how wrong, and\nin which direction", offset=(1.15, -0.2),
          rad=-0.25)
    arrow(ax, (4.25, 1.2), (4.9, 3.1), "updated\nparameters", offset=(-1.25, 0.0), rad=-0.25)
    save(fig, "learning-loop.svg")


def supervised():
    """Training on labelled examples, then predicting labels of new inputs."""
    fig, ax = canvas(7.0, 3.0, (0, 10.6), (0, 4.6))
    box(ax, 1.5, 3.5, "Training data\nfeatures + labels", ORANGE, width=2.8)
    box(ax, 5.3, 3.5, "Learning\nalgorithm", BLUE)
    box(ax, 1.5, 0.9, "New inputs\nfeatures only", ORANGE, width=2.8)
    box(ax, 5.3, 0.9, "Model", BLUE)
    box(ax, 9.1, 0.9, "Predicted\nlabels", GREEN)
    arrow(ax, (2.95, 3.5), (4.05, 3.5))
    arrow(ax, (5.3, 3.0), (5.3, 1.4), "fits", offset=(0.35, 0))
    arrow(ax, (2.95, 0.9), (4.05, 0.9))
    arrow(ax, (6.55, 0.9), (7.85, 0.9), "predicts", offset=(0, 0.3))
    ax.text(8.0, 3.5, "training: learn from\nlabelled examples", fontsize=9.5, color="#666666",
            ha="center", va="center")
    ax.text(9.1, 2.1, "prediction: label\nnew examples", fontsize=9.5, color="#666666",
            ha="center", va="center")
    save(fig, "supervised-learning.svg")


def agent_environment():
    """An agent acts, the environment answers with an observation and a reward."""
    fig, ax = canvas(5.6, 3.2, (0, 8), (0, 4.6))
    box(ax, 4.0, 3.7, "Agent", BLUE, width=2.6)
    box(ax, 4.0, 0.9, "Environment", ORANGE, width=2.6)
    arrow(ax, (5.35, 3.7), (5.35, 0.9), "action", offset=(1.05, 0), rad=-0.9)
    arrow(ax, (2.65, 0.9), (2.65, 3.7), "observation\n+ reward", offset=(-1.35, 0), rad=-0.9)
    save(fig, "agent-environment.svg")


# Sizes of well-known datasets, as stated by the papers or pages that introduced them
# (the text of the chapter gives the sources). Counts are examples: rows, images or
# image-text pairs.
DATASETS = [
    (1936, 150, "Iris (flowers)"),
    (1978, 506, "Boston housing"),
    (1998, 70_000, "MNIST (digits)"),
    (2009, 60_000, "CIFAR-10"),
    (2012, 1_281_167, "ImageNet ILSVRC-2012\n(training set)"),
    (2017, 300_000_000, "JFT-300M"),
    (2022, 5_850_000_000, "LAION-5B\n(image-text pairs)"),
]


def dataset_sizes():
    """Dataset size against year, on a logarithmic axis."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    years = [year for year, _, _ in DATASETS]
    sizes = [size for _, size, _ in DATASETS]
    ax.plot(years, sizes, "o", color="#1f77b4", markersize=7, zorder=3)
    ax.set_yscale("log")
    ax.set_xlim(1928, 2032)
    ax.set_ylim(30, 1e11)
    ax.set_xlabel("year the dataset was published")
    ax.set_ylabel("number of examples")
    ax.grid(True, which="major", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    # Label placement, in points relative to the marker, chosen by hand so nothing overlaps.
    offsets = {
        "Iris (flowers)": (8, -4, "left"),
        "Boston housing": (8, -4, "left"),
        "MNIST (digits)": (-8, 10, "right"),
        "CIFAR-10": (8, -12, "left"),
        "ImageNet ILSVRC-2012\n(training set)": (-10, 8, "right"),
        "JFT-300M": (-10, 4, "right"),
        "LAION-5B\n(image-text pairs)": (-10, 6, "right"),
    }
    for year, size, name in DATASETS:
        dx, dy, ha = offsets[name]
        ax.annotate(name, (year, size), xytext=(dx, dy), textcoords="offset points", ha=ha,
                    va="center", fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    save(fig, "dataset-sizes.svg")


if __name__ == "__main__":
    learning_loop()
    supervised()
    agent_environment()
    dataset_sizes()

"""Plotting helpers: figure defaults, :func:`plot`, :func:`show_images` and :class:`Animator`.

Introduced in "Calculus" (``set_figsize``, ``set_axes``, ``plot``), "The image
classification dataset" (``show_images``) and "Softmax regression from scratch"
(``Animator``). Everything here works both inside Jupyter and in a plain Python script.
"""

import numbers
import time

import numpy as np


def _pyplot():
    """``matplotlib.pyplot``, imported on first use.

    Importing it (and Jupyter's inline backend with it) is about a fifth of a notebook
    kernel's start-up, and many sections never plot: they no longer pay for it.
    """
    import matplotlib.pyplot as plt

    return plt


def _in_notebook():
    """True when running inside a Jupyter kernel (Jupyter, Colab, VS Code notebooks)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def use_svg_display():
    """Render figures as SVG in Jupyter (sharp at any zoom). A no-op outside Jupyter."""
    if _in_notebook():
        from matplotlib_inline import backend_inline

        backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    """Set the default Matplotlib figure size, in inches, and switch to SVG in Jupyter."""
    use_svg_display()
    _pyplot().rcParams["figure.figsize"] = figsize


def set_axes(
    axes, xlabel=None, ylabel=None, xlim=None, ylim=None, xscale="linear", yscale="linear", legend=None
):
    """Set labels, limits, scales and legend of a Matplotlib ``axes`` in one call."""
    if xlabel is not None:
        axes.set_xlabel(xlabel)
    if ylabel is not None:
        axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    # Equal bounds (e.g. xlim=[1, num_epochs] with one epoch) would make Matplotlib warn.
    if xlim is not None and xlim[0] != xlim[1]:
        axes.set_xlim(xlim)
    if ylim is not None and ylim[0] != ylim[1]:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def _to_numpy(x):
    """Convert a list, NumPy array or framework tensor to a NumPy array."""
    if hasattr(x, "detach"):  # torch tensors that may require grad
        x = x.detach().cpu()
    return np.asarray(x)


def _is_single_series(x):
    """True if ``x`` is one 1-D series rather than a list of series."""
    if isinstance(x, list | tuple):
        return len(x) == 0 or isinstance(x[0], numbers.Number)
    return len(getattr(x, "shape", (None,))) == 1  # arrays, tensors and tf.Variables


def plot(
    X,
    Y=None,
    xlabel=None,
    ylabel=None,
    legend=None,
    xlim=None,
    ylim=None,
    xscale="linear",
    yscale="linear",
    fmts=("-", "m--", "g-.", "r:"),
    figsize=(3.5, 2.5),
    axes=None,
):
    """Plot one or several curves.

    ``X`` and ``Y`` may be lists, NumPy arrays, PyTorch tensors or TensorFlow tensors.
    If ``Y`` is omitted, ``X`` is plotted against its index. Several curves are given as
    a list of series; one ``X`` may be shared by several ``Y``. Returns the axes.
    """
    if legend is None:
        legend = []
    if axes is None:
        set_figsize(figsize)
        axes = _pyplot().gca()
    if _is_single_series(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _is_single_series(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        x, y = _to_numpy(x), _to_numpy(y)
        if x.size:
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Show a grid of images (arrays or tensors of shape (H, W) or (H, W, C)).

    Returns the flat array of axes so callers can annotate them.
    """
    use_svg_display()
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = _pyplot().subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        ax.imshow(_to_numpy(img), cmap="gray" if _to_numpy(img).ndim == 2 else None)
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes


class Animator:
    """Plot metrics live while a model trains (introduced in "Softmax regression from scratch").

    In Jupyter the figure is redrawn in place (at most every ``min_interval`` seconds, and
    once more when the cell finishes), so the executed notebook keeps exactly one final
    image. Outside Jupyter each :meth:`add` prints one text line instead, and the
    final figure can be shown with :meth:`show` or written with :meth:`savefig`.
    """

    #: Seconds between two redraws while training (the final state is always drawn).
    min_interval = 1.0

    def __init__(
        self,
        xlabel=None,
        ylabel=None,
        legend=None,
        xlim=None,
        ylim=None,
        xscale="linear",
        yscale="linear",
        fmts=("-", "m--", "g-.", "r:"),
        nrows=1,
        ncols=1,
        figsize=(3.5, 2.5),
    ):
        self.legend = list(legend) if legend else []
        self.xlabel = xlabel
        use_svg_display()
        self._notebook = _in_notebook()
        self.fig, axes = _pyplot().subplots(nrows, ncols, figsize=figsize, squeeze=False)
        if self._notebook:
            # add() displays the figure itself; closing it stops Jupyter's inline backend
            # from showing a second copy when the cell ends.
            _pyplot().close(self.fig)
        self.axes = axes.flatten()
        self._config = dict(
            xlabel=xlabel,
            ylabel=ylabel,
            xlim=xlim,
            ylim=ylim,
            xscale=xscale,
            yscale=yscale,
            legend=self.legend,
        )
        self.fmts = fmts
        self.X, self.Y = None, None
        self._handle = None
        self._last_display = 0.0
        self._pending = False

    def add(self, x, y):
        """Append one point per curve: ``y`` is a number or one value per curve (None skips)."""
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if self.X is None:
            self.X = [[] for _ in range(n)]
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        if self._notebook:
            self._display_throttled()
        else:
            print(self._text_line(x, y), flush=True)

    def _display_throttled(self):
        """Redraw at most every ``min_interval`` seconds; the cell's end draws the final state.

        Rendering the figure costs a tenth of a second or more, so drawing on every
        ``add`` would dominate a quick training loop.
        """
        if time.perf_counter() - self._last_display >= self.min_interval:
            self._display()
            return
        if not self._pending:
            self._pending = True
            from IPython import get_ipython

            get_ipython().events.register("post_execute", self._flush)

    def _flush(self):
        from IPython import get_ipython

        get_ipython().events.unregister("post_execute", self._flush)
        if self._pending:
            self._display()

    def _redraw(self):
        ax = self.axes[0]
        ax.cla()
        for x, y, fmt in zip(self.X or [], self.Y or [], self.fmts * len(self.X or [])):
            ax.plot(x, y, fmt)
        set_axes(ax, **self._config)

    def _display(self):
        from IPython.display import display

        self._redraw()
        self._pending = False
        self._last_display = time.perf_counter()
        if self._handle is None:
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)

    def _text_line(self, x, y):
        names = self.legend or [f"y{i}" for i in range(len(y))]
        parts = [f"{name} {float(v):.3f}" for name, v in zip(names, y) if v is not None]
        first_x = next((a for a in x if a is not None), None)
        head = f"{self.xlabel or 'x'} {first_x:g}: " if first_x is not None else ""
        return head + ", ".join(parts)

    def savefig(self, path, **kwargs):
        """Write the current figure to ``path`` (any format Matplotlib knows)."""
        self._redraw()
        self.fig.savefig(path, **kwargs)

    def show(self):
        """Show the final figure: inline in Jupyter (once), in a window (if any) in a script."""
        if self._notebook:
            if self._handle is None or self._pending:
                self._display()
        else:
            self._redraw()
            _pyplot().show()


def draw_bboxes(axes, boxes, labels, colors, to_rect):
    """Draw corner-format ``boxes`` (rows of x1, y1, x2, y2) on ``axes`` with ``to_rect``, a
    label in each box's upper-left corner: the drawing behind both frameworks' ``show_bboxes``
    (explained in "Anchor boxes")."""
    labels = [labels] if isinstance(labels, str) else list(labels or [])
    if labels and len(labels) != len(boxes):
        raise ValueError(f"labels must have one entry per box ({len(boxes)}), got {len(labels)}")
    colors = [colors] if isinstance(colors, str) else list(colors or ["b", "g", "r", "m", "c"])
    for i, bbox in enumerate(boxes):
        color = colors[i % len(colors)]
        rect = to_rect(bbox, color)
        axes.add_patch(rect)
        if labels:
            text_color = "k" if color == "w" else "w"
            axes.text(rect.xy[0], rect.xy[1], labels[i], va="center", ha="center", fontsize=9,
                      color=text_color, bbox={"facecolor": color, "lw": 0})  # fmt: skip

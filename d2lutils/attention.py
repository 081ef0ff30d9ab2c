"""Attention helpers that need no framework: heat maps of attention weights (explained in
"Attention cues")."""

import numpy as np

from d2lutils.plotting import _pyplot, use_svg_display

__all__ = ["show_heatmaps"]


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap="Reds"):
    """Draw a grid of heat maps of attention weights and return the figure.

    ``matrices`` is an array of shape (rows, cols, queries, keys): one heat map per
    (row, col), queries down and keys across. Framework tensors are turned into NumPy
    arrays first. ``titles`` (one per column) label the columns. One colour bar serves the
    whole grid. Explained in "Attention cues".
    """
    if hasattr(matrices, "detach"):  # a torch tensor
        matrices = matrices.detach().cpu()
    matrices = np.asarray(matrices)
    if matrices.ndim != 4:
        raise ValueError(f"matrices must have 4 axes (rows, cols, queries, keys), got shape {matrices.shape}")
    num_rows, num_cols = matrices.shape[:2]
    if titles is not None and len(titles) != num_cols:
        raise ValueError(f"titles must have one entry per column ({num_cols}), got {len(titles)}")
    use_svg_display()
    plt = _pyplot()
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, sharex=True, sharey=True, squeeze=False)
    vmin, vmax = float(matrices.min()), float(matrices.max())
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices)):
            pcm = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    fig.colorbar(pcm, ax=axes, shrink=0.6)
    return fig

"""Convolution helpers for PyTorch (explained in "Convolutions for images")."""

import torch


def corr2d(X, K):
    """2-D cross-correlation of a matrix ``X`` with a kernel ``K`` (no padding, stride 1).

    Explained in "Convolutions for images".
    """
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y

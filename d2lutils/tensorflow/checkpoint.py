"""Saving and loading the best weights in Keras (explained in "Predicting COVID-19 cases").

Mirrors ``d2lutils.torch.checkpoint`` name for name. A checkpoint is Keras's own
``.weights.h5`` file, the one ``model.save_weights`` and
``keras.callbacks.ModelCheckpoint(..., save_weights_only=True)`` write.
"""

import re
import warnings
from pathlib import Path

from d2lutils.checkpoint import CheckpointError

_SUFFIX = ".weights.h5"


def _check_suffix(path):
    if not path.name.endswith(_SUFFIX):
        raise ValueError(f"a Keras weights file must end with {_SUFFIX!r}, got {path.name!r}")


def save_checkpoint(model, path):
    """Write the model's weights to ``path`` (a ``.weights.h5`` file); return the path.

    Explained in "Predicting COVID-19 cases". Parent folders are created.
    """
    path = Path(path)
    _check_suffix(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(path)
    return path


def _reason(err):
    """The useful part of Keras's loading error (it also prints whole weight tensors)."""
    text = str(err)
    shapes = re.search(r"variable\.shape=\(.*?\), Received: value\.shape=\(.*?\)", text)
    first = text.splitlines()[0] if text else type(err).__name__
    return f"{first} {shapes.group(0)}" if shapes else first


def load_checkpoint(model, path):
    """Load the weights saved in ``path`` into ``model``; return ``model``.

    Explained in "Predicting COVID-19 cases". Keras's ``load_weights`` assigns layer after
    layer and raises at the first layer that does not fit, so the layers before it already
    hold the checkpoint's weights: a half-loaded model. Here the model's weights are kept
    aside first and put back on any failure, which is raised as
    :class:`d2lutils.CheckpointError` with a short reason. The model should be built (have
    an ``Input``) and need not be compiled; optimizer state in the file is not loaded.
    """
    path = Path(path)
    _check_suffix(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    kept = [w.numpy() for w in model.weights]
    try:
        with warnings.catch_warnings():
            # a file written from a compiled model also holds the optimizer's variables
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model.load_weights(path)
    except Exception as err:
        for variable, value in zip(model.weights, kept):
            variable.assign(value)
        raise CheckpointError(f"checkpoint {path} does not match the model: {_reason(err)}") from None
    return model

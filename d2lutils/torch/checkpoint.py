"""Saving and loading the best weights in PyTorch (explained in "Predicting COVID-19 cases").

Mirrors ``d2lutils.tensorflow.checkpoint`` name for name. A checkpoint is the model's
``state_dict`` written with ``torch.save``.
"""

from pathlib import Path

import torch

from d2lutils.checkpoint import CheckpointError


def save_checkpoint(model, path):
    """Write ``model.state_dict()`` to ``path`` (parent folders are created); return the path.

    Explained in "Predicting COVID-19 cases".
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


def load_checkpoint(model, path):
    """Load the weights saved by :func:`save_checkpoint` into ``model``; return ``model``.

    Explained in "Predicting COVID-19 cases". Every name and shape is compared with the
    model's own ``state_dict`` *before* anything is copied: ``load_state_dict`` alone copies
    the matching tensors and only then complains about the rest, which leaves a half-loaded
    model. A mismatch raises :class:`d2lutils.CheckpointError` and leaves ``model``
    unchanged. The tensors are read onto the CPU and copied to wherever the model lives.
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # a truncated or foreign file
        raise CheckpointError(f"cannot read checkpoint {path}: {err}") from err
    own = model.state_dict()
    problems = [f"missing {name}" for name in own if name not in state]
    problems += [f"unexpected {name}" for name in state if name not in own]
    problems += [
        f"{name}: checkpoint {tuple(state[name].shape)}, model {tuple(own[name].shape)}"
        for name in own
        if name in state and state[name].shape != own[name].shape
    ]
    if problems:
        raise CheckpointError(f"checkpoint {path} does not match the model: " + "; ".join(problems))
    model.load_state_dict(state)
    return model

"""Device helpers for PyTorch (explained in "GPUs"; used by every device-aware trainer).

CUDA GPUs are counted by :func:`num_gpus`; on a Mac with Apple silicon, :func:`try_gpu`
returns the ``mps`` device when no CUDA GPU exists. Everything falls back to the CPU, and
the returned ``torch.device`` prints which device was chosen.
"""

import torch


def num_gpus():
    """Number of CUDA GPUs PyTorch can use (0 on a CPU-only machine).

    Explained in "GPUs".
    """
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _mps_available():
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def try_gpu(i=0):
    """Return GPU ``i`` (``cuda:i``) if it exists, else Apple's ``mps`` for ``i=0``, else the CPU.

    Explained in "GPUs".
    """
    if not isinstance(i, int) or i < 0:
        raise ValueError(f"try_gpu(i): i must be a non-negative int, got {i!r}")
    if num_gpus() > i:
        return torch.device(f"cuda:{i}")
    if i == 0 and num_gpus() == 0 and _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def try_all_gpus():
    """Return every CUDA GPU (or ``[mps]``), or ``[cpu]`` when there is none.

    Explained in "GPUs".
    """
    if num_gpus():
        return [torch.device(f"cuda:{i}") for i in range(num_gpus())]
    return [try_gpu(0)]

"""PyTorch helpers of the book. Imports only PyTorch (and the framework-free core).

Mirrors :mod:`d2lutils.tensorflow` name for name. Import as ``from d2lutils import torch as d2l_pt``.
"""

from d2lutils.torch.devices import num_gpus, try_all_gpus, try_gpu

__all__ = ["num_gpus", "try_all_gpus", "try_gpu"]

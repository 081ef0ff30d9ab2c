"""TensorFlow helpers of the book. Imports only TensorFlow (and the framework-free core).

Mirrors :mod:`d2lutils.torch` name for name. Import as
``from d2lutils import tensorflow as d2l_tf``, before ``import tensorflow``, so that
TensorFlow's start-up log settings (made in :mod:`d2lutils`) take effect.
"""

import d2lutils  # noqa: F401  (sets TensorFlow's log environment before it is imported)
from d2lutils.tensorflow.devices import num_gpus, try_all_gpus, try_gpu

__all__ = ["num_gpus", "try_all_gpus", "try_gpu"]

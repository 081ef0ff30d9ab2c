"""d2lutils: the helpers shared by the notebooks of the paired PyTorch/TensorFlow book.

The top-level package is framework-free (NumPy and Matplotlib only). Framework code
lives in :mod:`d2lutils.torch` and :mod:`d2lutils.tensorflow`, which mirror each other
name for name and each import only their own framework. Notebooks import them as::

    import d2lutils as d2l                      # shared helpers
    from d2lutils import torch as d2l_pt        # PyTorch helpers
    from d2lutils import tensorflow as d2l_tf   # TensorFlow helpers
"""

import os as _os

# TensorFlow reads these once, when it is first imported. Setting them here (only if the
# reader has not set them) keeps TensorFlow's C++ start-up chatter out of every notebook
# output. Importing d2lutils before tensorflow is therefore part of every setup cell.
# Level 3 keeps C++ messages below FATAL out: with oneDNN on, TensorFlow logs an ERROR line
# ("oneDNN supports DT_INT32 only on platforms with AVX-512 ...") for int32 transposes even on
# AVX-512 machines, then runs them correctly; real failures still raise Python exceptions.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN's CPU kernels: 2-3x faster convolutions, 1.6x faster GRUs on this book's CPU. Their
# start-up notice (written from C++, under no log level) is filtered out of the next
# `import tensorflow` by d2lutils.quiet_import; set TF_ENABLE_ONEDNN_OPTS=0 for plain kernels.
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from d2lutils import quiet_import as _quiet_import  # noqa: E402

_quiet_import.install()

from d2lutils import attention as _attention  # noqa: E402
from d2lutils import benchmark as _benchmark  # noqa: E402
from d2lutils import detection_data as _detection_data  # noqa: E402
from d2lutils import images as _images  # noqa: E402
from d2lutils import launch as _launch  # noqa: E402
from d2lutils import nmt as _nmt  # noqa: E402
from d2lutils import pretrained as _pretrained  # noqa: E402
from d2lutils import segmentation as _segmentation  # noqa: E402
from d2lutils import text as _text  # noqa: E402
from d2lutils.attention import *  # noqa: E402, F403 (its __all__; see below)
from d2lutils.benchmark import *  # noqa: E402, F403
from d2lutils.checkpoint import CheckpointError  # noqa: E402
from d2lutils.config import check_config  # noqa: E402
from d2lutils.data import DATASETS, DataError, Dataset, data_dir, download  # noqa: E402
from d2lutils.detection_data import *  # noqa: E402, F403
from d2lutils.early_stopping import EarlyStopping  # noqa: E402
from d2lutils.errors import expect_error  # noqa: E402
from d2lutils.events import read_scalars  # noqa: E402
from d2lutils.fashion_mnist import (  # noqa: E402
    FASHION_MNIST_LABELS,
    get_fashion_mnist_labels,
    read_fashion_mnist,
)
from d2lutils.images import *  # noqa: E402, F403
from d2lutils.launch import *  # noqa: E402, F403
from d2lutils.nmt import *  # noqa: E402, F403
from d2lutils.params import check_parameters  # noqa: E402
from d2lutils.plotting import (  # noqa: E402
    Animator,
    plot,
    set_axes,
    set_figsize,
    show_images,
    use_svg_display,
)
from d2lutils.pretrained import *  # noqa: E402, F403
from d2lutils.segmentation import *  # noqa: E402, F403
from d2lutils.source import show_source  # noqa: E402
from d2lutils.submission import write_submission  # noqa: E402
from d2lutils.text import *  # noqa: E402, F403
from d2lutils.timing import Accumulator, Timer  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DATASETS",
    "FASHION_MNIST_LABELS",
    "Accumulator",
    "Animator",
    "CheckpointError",
    "DataError",
    "Dataset",
    "EarlyStopping",
    "Timer",
    "check_config",
    "check_parameters",
    "data_dir",
    "download",
    "expect_error",
    "get_fashion_mnist_labels",
    "plot",
    "read_fashion_mnist",
    "read_scalars",
    "set_axes",
    "set_figsize",
    "show_images",
    "show_source",
    "use_svg_display",
    "write_submission",
]
# The chapters' modules each list their public names in their own __all__.
__all__ += _text.__all__ + _nmt.__all__ + _attention.__all__ + _benchmark.__all__ + _launch.__all__
__all__ += _images.__all__ + _pretrained.__all__ + _detection_data.__all__ + _segmentation.__all__

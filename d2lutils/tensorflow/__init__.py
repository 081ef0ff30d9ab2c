"""TensorFlow helpers of the book. Imports only TensorFlow (and the framework-free core).

Mirrors :mod:`d2lutils.torch` name for name. Import as
``from d2lutils import tensorflow as d2l_tf``, before ``import tensorflow``, so that
TensorFlow's start-up log settings (made in :mod:`d2lutils`) take effect.
"""

import d2lutils  # noqa: F401  (sets TensorFlow's log environment before it is imported)
from d2lutils.tensorflow import attention as _attention
from d2lutils.tensorflow import cnn as _cnn
from d2lutils.tensorflow import detection as _detection
from d2lutils.tensorflow import encoder_decoder as _encoder_decoder
from d2lutils.tensorflow import nmt as _nmt
from d2lutils.tensorflow import parallel as _parallel
from d2lutils.tensorflow import pretrained as _pretrained
from d2lutils.tensorflow import rnn as _rnn
from d2lutils.tensorflow import segmentation as _segmentation
from d2lutils.tensorflow import seq2seq as _seq2seq
from d2lutils.tensorflow import ssd as _ssd
from d2lutils.tensorflow import text as _text
from d2lutils.tensorflow import transformer as _transformer
from d2lutils.tensorflow import vision as _vision
from d2lutils.tensorflow.attention import *  # noqa: F403 (its __all__; see below)
from d2lutils.tensorflow.checkpoint import load_checkpoint, save_checkpoint
from d2lutils.tensorflow.cnn import *  # noqa: F403 (its __all__; see below)
from d2lutils.tensorflow.conv import corr2d
from d2lutils.tensorflow.data import load_array, load_data_fashion_mnist, synthetic_data
from d2lutils.tensorflow.detection import *  # noqa: F403
from d2lutils.tensorflow.devices import num_gpus, try_all_gpus, try_gpu
from d2lutils.tensorflow.encoder_decoder import *  # noqa: F403
from d2lutils.tensorflow.nmt import *  # noqa: F403
from d2lutils.tensorflow.parallel import *  # noqa: F403
from d2lutils.tensorflow.pretrained import *  # noqa: F403
from d2lutils.tensorflow.rnn import *  # noqa: F403 (its __all__; see below)
from d2lutils.tensorflow.segmentation import *  # noqa: F403
from d2lutils.tensorflow.seq2seq import *  # noqa: F403
from d2lutils.tensorflow.ssd import *  # noqa: F403
from d2lutils.tensorflow.text import *  # noqa: F403 (its __all__; see below)
from d2lutils.tensorflow.training import (
    TrainCallback,
    Updater,
    accuracy,
    cosine_schedule,
    evaluate_accuracy,
    evaluate_accuracy_gpu,
    evaluate_loss,
    linreg,
    predict_ch3,
    sgd,
    squared_loss,
    train_ch3,
    train_ch6,
    train_epoch_ch3,
)
from d2lutils.tensorflow.transformer import *  # noqa: F403
from d2lutils.tensorflow.vision import *  # noqa: F403

__all__ = [
    "TrainCallback",
    "Updater",
    "accuracy",
    "cosine_schedule",
    "corr2d",
    "evaluate_accuracy",
    "evaluate_accuracy_gpu",
    "evaluate_loss",
    "linreg",
    "load_array",
    "load_checkpoint",
    "load_data_fashion_mnist",
    "num_gpus",
    "predict_ch3",
    "save_checkpoint",
    "sgd",
    "squared_loss",
    "synthetic_data",
    "train_ch3",
    "train_ch6",
    "train_epoch_ch3",
    "try_all_gpus",
    "try_gpu",
]
# The chapters' modules each list their public names in their own __all__.
__all__ += (
    _cnn.__all__
    + _text.__all__
    + _rnn.__all__
    + _nmt.__all__
    + _encoder_decoder.__all__
    + _attention.__all__
    + _parallel.__all__
    + _seq2seq.__all__
    + _transformer.__all__
    + _pretrained.__all__
    + _vision.__all__
    + _detection.__all__
    + _ssd.__all__
    + _segmentation.__all__
)

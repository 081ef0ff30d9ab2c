"""PyTorch helpers of the book. Imports only PyTorch (and the framework-free core).

Mirrors :mod:`d2lutils.tensorflow` name for name. Import as ``from d2lutils import torch as d2l_pt``.
"""

from d2lutils.torch import attention as _attention
from d2lutils.torch import cnn as _cnn
from d2lutils.torch import detection as _detection
from d2lutils.torch import encoder_decoder as _encoder_decoder
from d2lutils.torch import nmt as _nmt
from d2lutils.torch import parallel as _parallel
from d2lutils.torch import pretrained as _pretrained
from d2lutils.torch import rnn as _rnn
from d2lutils.torch import segmentation as _segmentation
from d2lutils.torch import seq2seq as _seq2seq
from d2lutils.torch import ssd as _ssd
from d2lutils.torch import text as _text
from d2lutils.torch import transformer as _transformer
from d2lutils.torch import vision as _vision
from d2lutils.torch.attention import *  # noqa: F403 (its __all__; see below)
from d2lutils.torch.checkpoint import load_checkpoint, save_checkpoint
from d2lutils.torch.cnn import *  # noqa: F403 (its __all__; see below)
from d2lutils.torch.conv import corr2d
from d2lutils.torch.data import FashionMNIST, load_array, load_data_fashion_mnist, synthetic_data
from d2lutils.torch.detection import *  # noqa: F403
from d2lutils.torch.devices import num_gpus, try_all_gpus, try_gpu
from d2lutils.torch.encoder_decoder import *  # noqa: F403
from d2lutils.torch.nmt import *  # noqa: F403
from d2lutils.torch.parallel import *  # noqa: F403
from d2lutils.torch.pretrained import *  # noqa: F403
from d2lutils.torch.rnn import *  # noqa: F403 (its __all__; see below)
from d2lutils.torch.segmentation import *  # noqa: F403
from d2lutils.torch.seq2seq import *  # noqa: F403
from d2lutils.torch.ssd import *  # noqa: F403
from d2lutils.torch.text import *  # noqa: F403 (its __all__; see below)
from d2lutils.torch.training import (
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
from d2lutils.torch.transformer import *  # noqa: F403
from d2lutils.torch.vision import *  # noqa: F403

__all__ = [
    "FashionMNIST",
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

"""PyTorch helpers of the book. Imports only PyTorch (and the framework-free core).

Mirrors :mod:`d2lutils.tensorflow` name for name. Import as ``from d2lutils import torch as d2l_pt``.
"""

from d2lutils.torch.checkpoint import load_checkpoint, save_checkpoint
from d2lutils.torch.conv import corr2d
from d2lutils.torch.data import FashionMNIST, load_array, load_data_fashion_mnist, synthetic_data
from d2lutils.torch.devices import num_gpus, try_all_gpus, try_gpu
from d2lutils.torch.training import (
    Updater,
    accuracy,
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

__all__ = [
    "FashionMNIST",
    "Updater",
    "accuracy",
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

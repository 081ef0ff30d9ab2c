"""Residual networks for PyTorch (explained in "Residual networks (ResNet)")."""

from torch import nn
from torch.nn import functional as F

from d2lutils.params import check_positive_int as _check_positive_int

__all__ = ["Residual", "resnet18"]


class Residual(nn.Module):
    """The residual block of ResNet: two 3x3 convolutions with batch normalization, plus a shortcut.

    ``strides`` applies to the first convolution. Without ``use_1x1conv`` the shortcut is the
    identity, so the block must keep the number of channels and the resolution; with it, a
    1x1 convolution of stride ``strides`` reshapes the input to match.

    Explained in "Residual networks (ResNet)".
    """

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        _check_positive_int("input_channels", input_channels)
        _check_positive_int("num_channels", num_channels)
        _check_positive_int("strides", strides)
        if not use_1x1conv and (input_channels != num_channels or strides != 1):
            raise ValueError(
                "use_1x1conv must be True when the block changes the shape "
                f"(input_channels={input_channels}, num_channels={num_channels}, strides={strides})"
            )
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def _resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    """One stage of ResNet: ``num_residuals`` residual blocks; all but the first stage start
    by halving the resolution and changing the number of channels."""
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(num_channels, num_channels))
    return nn.Sequential(*blocks)


def resnet18(num_classes, in_channels=1, width=64):
    """ResNet-18: a 7x7 stem, four stages of two residual blocks, global average pooling, a
    linear layer. The stages have ``width``, 2, 4 and 8 times ``width`` channels (64 to 512 at
    the reference's ``width=64``).

    Explained in "Residual networks (ResNet)".
    """
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    _check_positive_int("width", width)
    stem = nn.Sequential(
        nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    return nn.Sequential(
        stem,
        _resnet_block(width, width, 2, first_block=True),
        _resnet_block(width, 2 * width, 2),
        _resnet_block(2 * width, 4 * width, 2),
        _resnet_block(4 * width, 8 * width, 2),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(8 * width, num_classes),
    )

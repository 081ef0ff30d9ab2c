"""Residual networks for TensorFlow/Keras (explained in "Residual networks (ResNet)")."""

import keras

from d2lutils.params import check_positive_int as _check_positive_int

__all__ = ["Residual", "resnet18"]


def _batch_norm():
    """Batch normalization with PyTorch's defaults (Keras' are momentum 0.99, epsilon 1e-3)."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)


class Residual(keras.layers.Layer):
    """The residual block of ResNet: two 3x3 convolutions with batch normalization, plus a shortcut.

    ``strides`` applies to the first convolution. Without ``use_1x1conv`` the shortcut is the
    identity, so the block must keep the number of channels and the resolution; with it, a
    1x1 convolution of stride ``strides`` reshapes the input to match. The number of input
    channels is read from the first input. Batch normalization uses PyTorch's momentum and
    epsilon, so that both frameworks build the same network.

    Explained in "Residual networks (ResNet)".
    """

    def __init__(self, num_channels, use_1x1conv=False, strides=1, **kwargs):
        super().__init__(**kwargs)
        _check_positive_int("num_channels", num_channels)
        _check_positive_int("strides", strides)
        self.num_channels, self.use_1x1conv, self.strides = num_channels, use_1x1conv, strides
        self.conv1 = keras.layers.Conv2D(num_channels, kernel_size=3, padding="same", strides=strides)
        self.conv2 = keras.layers.Conv2D(num_channels, kernel_size=3, padding="same")
        if use_1x1conv:
            self.conv3 = keras.layers.Conv2D(num_channels, kernel_size=1, strides=strides)
        else:
            self.conv3 = None
        self.bn1 = _batch_norm()
        self.bn2 = _batch_norm()

    def build(self, input_shape):
        if not self.use_1x1conv and (input_shape[-1] != self.num_channels or self.strides != 1):
            raise ValueError(
                "use_1x1conv must be True when the block changes the shape "
                f"(input channels={input_shape[-1]}, num_channels={self.num_channels}, "
                f"strides={self.strides})"
            )

    def call(self, X, training=None):
        Y = keras.activations.relu(self.bn1(self.conv1(X), training=training))
        Y = self.bn2(self.conv2(Y), training=training)
        if self.conv3 is not None:
            X = self.conv3(X)
        return keras.activations.relu(Y + X)

    def get_config(self):
        return {
            **super().get_config(),
            "num_channels": self.num_channels,
            "use_1x1conv": self.use_1x1conv,
            "strides": self.strides,
        }


def _resnet_block(num_channels, num_residuals, first_block=False):
    """One stage of ResNet: ``num_residuals`` residual blocks; all but the first stage start
    by halving the resolution and changing the number of channels."""
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(num_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(num_channels))
    return keras.Sequential(blocks)


def resnet18(num_classes, in_channels=1, width=64):
    """ResNet-18: a 7x7 stem, four stages of two residual blocks, global average pooling, a
    dense layer. The stages have ``width``, 2, 4 and 8 times ``width`` channels (64 to 512 at
    the reference's ``width=64``). Images of any size with ``in_channels`` channels (NHWC).

    Explained in "Residual networks (ResNet)".
    """
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    _check_positive_int("width", width)
    stem = keras.Sequential(
        [
            keras.layers.Conv2D(width, kernel_size=7, strides=2, padding="same"),
            _batch_norm(),
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(pool_size=3, strides=2, padding="same"),
        ]
    )
    return keras.Sequential(
        [
            keras.Input(shape=(None, None, in_channels)),
            stem,
            _resnet_block(width, 2, first_block=True),
            _resnet_block(2 * width, 2),
            _resnet_block(4 * width, 2),
            _resnet_block(8 * width, 2),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(num_classes),
        ]
    )

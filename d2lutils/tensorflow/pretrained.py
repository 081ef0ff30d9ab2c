"""An ImageNet-pretrained MobileNetV2 in TensorFlow (explained in "Fine-tuning").

``keras.applications.MobileNetV2(weights="imagenet")`` downloads Keras' own weights from the
internet. Here we build torchvision's MobileNetV2 layer for layer in Keras and load
torchvision's published checkpoint into it (read without torch by
:func:`d2lutils.read_torch_checkpoint`), so that both frameworks run the same network with the
same weights. The build differs from ``keras.applications.MobileNetV2`` where torchvision does:
3 x 3 convolutions of stride 2 pad one pixel on every side (Keras pads only bottom and right),
batch normalization uses epsilon 1e-5 (Keras: 1e-3), and the layers are named after the
checkpoint's keys (``features.3.conv.1.0`` -> ``features_3_conv_1_0``).
"""

import keras
import numpy as np
import tensorflow as tf

from d2lutils.pretrained import read_torch_checkpoint

__all__ = ["imagenet_preprocess", "mobilenet_v2"]

# torchvision's MobileNetV2: expansion t, output channels c, repeats n, first stride s
_SETTINGS = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]
_BN_EPSILON = 1e-5  # torch's default; Keras' BatchNormalization defaults to 1e-3
_BN_MOMENTUM = 0.9  # torch's momentum 0.1 updates running averages as Keras' 0.9 does


def _name(prefix):
    return prefix.replace(".", "_")


def _conv_bn(x, prefix, channels, kernel_size=1, strides=1, depthwise=False, relu6=True):
    """Conv (or depthwise conv) + BN (+ ReLU6), named ``<prefix>.0`` / ``<prefix>.1`` as in
    torchvision's ``Conv2dNormActivation``; 3 x 3 kernels pad one pixel on every side."""
    if kernel_size == 3:
        x = keras.layers.ZeroPadding2D(1, name=_name(prefix) + "_pad")(x)
    if depthwise:
        x = keras.layers.DepthwiseConv2D(kernel_size, strides, use_bias=False, name=_name(prefix + ".0"))(x)
    else:
        x = keras.layers.Conv2D(channels, kernel_size, strides, use_bias=False, name=_name(prefix + ".0"))(x)
    x = keras.layers.BatchNormalization(
        epsilon=_BN_EPSILON, momentum=_BN_MOMENTUM, name=_name(prefix + ".1")
    )(x)
    return keras.layers.ReLU(6.0, name=_name(prefix) + "_relu6")(x) if relu6 else x


def _inverted_residual(x, prefix, in_channels, out_channels, stride, expansion):
    hidden = in_channels * expansion
    y, part = x, 0
    if expansion != 1:  # 1 x 1 expansion
        y = _conv_bn(y, f"{prefix}.conv.0", hidden)
        part = 1
    y = _conv_bn(y, f"{prefix}.conv.{part}", hidden, 3, stride, depthwise=True)
    y = keras.layers.Conv2D(out_channels, 1, use_bias=False, name=_name(f"{prefix}.conv.{part + 1}"))(
        y
    )  # linear projection
    y = keras.layers.BatchNormalization(
        epsilon=_BN_EPSILON, momentum=_BN_MOMENTUM, name=_name(f"{prefix}.conv.{part + 2}")
    )(y)
    if stride == 1 and in_channels == out_channels:
        y = keras.layers.Add(name=_name(prefix) + "_add")([x, y])
    return y


def _features():
    inputs = keras.Input((None, None, 3), name="image")
    x = _conv_bn(inputs, "features.0", 32, 3, 2)
    channels, index = 32, 1
    for t, c, n, s in _SETTINGS:
        for i in range(n):
            x = _inverted_residual(x, f"features.{index}", channels, c, s if i == 0 else 1, t)
            channels, index = c, index + 1
    x = _conv_bn(x, f"features.{index}", 1280)
    return keras.Model(inputs, x, name="features")


def _weight_arrays(layer, prefix, state):
    """The checkpoint's arrays for one Keras layer, converted to Keras' layouts."""
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return [state[prefix + ".weight"].transpose(2, 3, 0, 1)]  # (C, 1, H, W) -> (H, W, C, 1)
    if isinstance(layer, keras.layers.Conv2D):
        return [state[prefix + ".weight"].transpose(2, 3, 1, 0)]  # OIHW -> HWIO
    if isinstance(layer, keras.layers.BatchNormalization):
        return [state[prefix + s] for s in (".weight", ".bias", ".running_mean", ".running_var")]
    if isinstance(layer, keras.layers.Dense):
        return [state[prefix + ".weight"].T, state[prefix + ".bias"]]  # (out, in) -> (in, out)
    raise TypeError(f"no conversion for layer {layer.name} ({type(layer).__name__})")


_SUFFIXES = {
    keras.layers.DepthwiseConv2D: (".weight",),
    keras.layers.Conv2D: (".weight",),
    keras.layers.BatchNormalization: (
        ".weight",
        ".bias",
        ".running_mean",
        ".running_var",
        ".num_batches_tracked",
    ),
    keras.layers.Dense: (".weight", ".bias"),
}


def _weighted_layers(model):
    """(torch key prefix, Keras layer) for every layer with weights, backbone included."""
    pairs = []
    for layer in model.get_layer("features").layers:
        if layer.weights:
            pairs.append((layer.name.replace("_", "."), layer))
    pairs.append(("classifier.1", model.get_layer("classifier_1")))
    return pairs


def _load_state_dict(model, state):
    """Copy a torchvision MobileNetV2 ``state_dict`` (NumPy arrays) into ``model``: every key
    must match and every shape fit, or nothing is loaded and ValueError names the problem."""
    pairs = _weighted_layers(model)
    expected = set()
    for prefix, layer in pairs:
        suffixes = next(s for cls, s in _SUFFIXES.items() if isinstance(layer, cls))
        expected.update(prefix + s for s in suffixes)
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise ValueError(
            f"checkpoint does not fit MobileNetV2: missing keys {missing[:10]}"
            f"{' ...' if len(missing) > 10 else ''} ({len(missing)} in all), "
            f"unexpected keys {unexpected[:10]}"
            f"{' ...' if len(unexpected) > 10 else ''} ({len(unexpected)} in all)"
        )
    converted = []
    for prefix, layer in pairs:
        arrays = _weight_arrays(layer, prefix, state)
        for weight, array in zip(layer.weights, arrays):
            if tuple(weight.shape) != array.shape:
                raise ValueError(
                    f"checkpoint key {prefix}: shape {array.shape} (converted) does "
                    f"not fit layer {layer.name}'s {weight.path} {tuple(weight.shape)}"
                )
        converted.append((layer, arrays))
    for layer, arrays in converted:  # only after every check passed: never half-loaded
        layer.set_weights([np.asarray(a, dtype=np.float32) for a in arrays])


def mobilenet_v2(pretrained=True, checkpoint=None):
    """torchvision's MobileNetV2 for the 1000 ImageNet classes built in Keras, with
    torchvision's ImageNet weights ``IMAGENET1K_V1`` if ``pretrained``, randomly initialised
    otherwise (explained in "Fine-tuning").

    The model takes NHWC images of any size (normalised as :func:`imagenet_preprocess` does)
    and returns logits. ``model.get_layer("features")`` is the convolutional backbone, a
    Keras model of its own (1280 channels at 1/32 of the input's resolution); then come
    global average pooling, dropout and the output layer ``classifier_1``. ``checkpoint`` is a
    torch checkpoint file (default: the registry's ``mobilenet_v2``); a checkpoint with
    missing, unexpected or misshapen keys raises ValueError and loads nothing.
    """
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be a bool, got {type(pretrained).__name__}")
    features = _features()
    inputs = keras.Input((None, None, 3), name="image")
    x = features(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(0.2, name="classifier_0")(x)
    outputs = keras.layers.Dense(1000, name="classifier_1")(x)
    model = keras.Model(inputs, outputs, name="mobilenet_v2")
    if pretrained:
        if checkpoint is None:
            from d2lutils.data import download

            checkpoint = download("mobilenet_v2")
        _load_state_dict(model, read_torch_checkpoint(checkpoint))
    return model


_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


def imagenet_preprocess(images):
    """torchvision's preprocessing for the pretrained model, in TensorFlow: resize the shorter
    side to 256 (bilinear, antialiased, rounded to uint8 as torchvision does for uint8
    images), crop the central 224 x 224, scale to [0, 1] and normalise with ImageNet's channel
    means and standard deviations (explained in "Fine-tuning").

    ``images`` is one uint8 RGB image of shape (height, width, 3) or a sequence of them (they
    may differ in size); returns a float32 tensor of shape (n, 224, 224, 3).
    """
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    batch = []
    for i, image in enumerate(images):
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"image {i} must be a uint8 array of shape (height, width, 3), "
                f"got {image.dtype} {image.shape}"
            )
        h, w = image.shape[:2]
        short, long = (h, w) if h <= w else (w, h)
        new_long = int(256 * long / short)
        size = (256, new_long) if h <= w else (new_long, 256)
        x = tf.image.resize(tf.constant(image, tf.float32), size, "bilinear", antialias=True)
        x = tf.clip_by_value(tf.round(x), 0, 255)
        top, left = int(round((size[0] - 224) / 2.0)), int(round((size[1] - 224) / 2.0))
        x = x[top : top + 224, left : left + 224] / 255.0
        batch.append((x - _MEAN) / _STD)
    if not batch:
        raise ValueError("images is empty")
    return tf.stack(batch)

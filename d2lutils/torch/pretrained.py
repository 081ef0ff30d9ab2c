"""An ImageNet-pretrained MobileNetV2 in PyTorch (explained in "Fine-tuning").

The model is torchvision's own (``torchvision.models.mobilenet_v2``) with its published
ImageNet weights, ``MobileNet_V2_Weights.IMAGENET1K_V1``. torchvision looks for the checkpoint
in its cache, ``<torch hub dir>/checkpoints/mobilenet_v2-b0353104.pth``, before downloading it;
:func:`mobilenet_v2` puts the book's verified copy (registry name ``mobilenet_v2``) there, as a
link, so that torchvision's code path runs unchanged, offline as well.
"""

import os
from pathlib import Path

import numpy as np
import torch

__all__ = ["imagenet_preprocess", "mobilenet_v2"]


def _weights():
    """``MobileNet_V2_Weights.IMAGENET1K_V1``. torchvision is imported on first use, not with
    the package: importing it doubles the time of ``from d2lutils import torch``."""
    from torchvision.models import MobileNet_V2_Weights

    return MobileNet_V2_Weights.IMAGENET1K_V1


def _checkpoint_in_torch_cache():
    """Make torchvision's cache hold the registry's checkpoint; return its path there."""
    from d2lutils.data import download

    source = Path(download("mobilenet_v2"))
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    target = cache / os.path.basename(_weights().url)
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            tmp.symlink_to(source.resolve())
        except OSError:  # no symlinks on this file system: copy
            import shutil

            shutil.copyfile(source, tmp)
        os.replace(tmp, target)  # atomic: a parallel process never sees half a file
    return target


def mobilenet_v2(pretrained=True):
    """torchvision's MobileNetV2 for the 1000 ImageNet classes, with the ImageNet weights
    ``IMAGENET1K_V1`` if ``pretrained``, randomly initialised otherwise (explained in
    "Fine-tuning").

    ``net.features`` is the convolutional backbone (1280 channels at 1/32 of the input's
    resolution), ``net.classifier`` is dropout and the output layer ``nn.Linear(1280, 1000)``.
    The weights load with ``strict=True``: a checkpoint with missing or unexpected keys raises.
    """
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be a bool, got {type(pretrained).__name__}")
    import torchvision

    if not pretrained:
        return torchvision.models.mobilenet_v2(weights=None)
    _checkpoint_in_torch_cache()
    return torchvision.models.mobilenet_v2(weights=_weights())


def imagenet_preprocess(images):
    """The pretrained model's preprocessing, ``MobileNet_V2_Weights.IMAGENET1K_V1.transforms()``:
    resize the shorter side to 256 (bilinear, antialiased), crop the central 224 x 224,
    scale to [0, 1] and normalise with ImageNet's channel means and standard deviations
    (explained in "Fine-tuning").

    ``images`` is one uint8 RGB image of shape (height, width, 3) or a sequence of them (they
    may differ in size); returns a float32 tensor of shape (n, 3, 224, 224).
    """
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    transform = _weights().transforms()
    batch = []
    for i, image in enumerate(images):
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"image {i} must be a uint8 array of shape (height, width, 3), "
                f"got {image.dtype} {image.shape}"
            )
        chw = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        batch.append(transform(chw))
    if not batch:
        raise ValueError("images is empty")
    return torch.stack(batch)

"""Semantic-segmentation minibatches in PyTorch (explained in "Semantic segmentation and the dataset").

The readers are framework-free (``d2lutils/segmentation.py``); here they become a
``torch.utils.data.Dataset`` whose random crops cut the photo and its label together with
torchvision's ``transforms.v2``.
"""

import torch

from d2lutils.params import check_positive_int
from d2lutils.segmentation import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    _default_voc_dir,
    read_voc_images,
    voc_colormap2label,
    voc_label_indices,
)

__all__ = ["load_data_voc"]


def _check_crop_size(crop_size):
    if isinstance(crop_size, (str, bytes)) or not hasattr(crop_size, "__len__") or len(crop_size) != 2:
        raise TypeError(f"crop_size must be a (height, width) pair, got {crop_size!r}")
    return tuple(check_positive_int("crop_size", s) for s in crop_size)


class VOCSegDataset(torch.utils.data.Dataset):
    """A Pascal VOC2012 segmentation split as a ``Dataset`` of (image, label) pairs: images
    float32 (3, h, w), normalised with ImageNet's statistics, labels int64 (h, w) class indices,
    for ``crop_size`` = (h, w). Training crops are random, test crops central. Images smaller
    than the crop are left out. Used by ``load_data_voc``.
    """

    def __init__(self, is_train, crop_size, voc_dir):
        # torchvision is imported here, not with the package: it doubles `import d2lutils.torch`.
        from torchvision import tv_tensors
        from torchvision.transforms import v2

        self.crop_size = _check_crop_size(crop_size)
        features, labels = read_voc_images(voc_dir, is_train=is_train)
        colormap2label = voc_colormap2label()
        h, w = self.crop_size
        keep = [i for i, f in enumerate(features) if f.shape[0] >= h and f.shape[1] >= w]
        # tv_tensors tell the v2 transforms what each tensor is: an Image is cropped and
        # normalised, a Mask is cropped the same way and never rescaled or normalised.
        self.features = [tv_tensors.Image(torch.from_numpy(features[i]).permute(2, 0, 1)) for i in keep]
        self.labels = [
            tv_tensors.Mask(torch.from_numpy(voc_label_indices(labels[i], colormap2label).astype("int64")))
            for i in keep
        ]
        crop = v2.RandomCrop(self.crop_size) if is_train else v2.CenterCrop(self.crop_size)
        self.transform = v2.Compose([
            crop,
            v2.ToDtype({tv_tensors.Image: torch.float32, "others": None}, scale=True),
            v2.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ])  # fmt: skip

    def __getitem__(self, idx):
        feature, label = self.transform(self.features[idx], self.labels[idx])
        return feature.as_subclass(torch.Tensor), label.as_subclass(torch.Tensor)

    def __len__(self):
        return len(self.features)


def load_data_voc(batch_size, crop_size, voc_dir=None, num_workers=0):
    """Pascal VOC2012 segmentation as ``(train_iter, test_iter)`` ``DataLoader`` s (explained
    in "Semantic segmentation and the dataset").

    Minibatches hold float32 images (batch, 3, h, w) normalised with ImageNet's statistics
    and int64 labels (batch, h, w), for ``crop_size`` = (h, w): random crops for training
    (reshuffled every epoch), central crops for testing; incomplete last minibatches are
    dropped. ``voc_dir`` is a folder in VOC2012's layout (default: the registry's
    ``voc2012`` download, ``VOCdevkit/VOC2012``).
    """
    batch_size = check_positive_int("batch_size", batch_size)
    crop_size = _check_crop_size(crop_size)
    voc_dir = _default_voc_dir() if voc_dir is None else voc_dir
    train = VOCSegDataset(True, crop_size, voc_dir)
    test = VOCSegDataset(False, crop_size, voc_dir)
    for name, dataset in (("training", train), ("test", test)):
        if len(dataset) < batch_size:
            raise ValueError(
                f"the {name} split has {len(dataset)} images of at least {crop_size}, "
                f"fewer than batch_size={batch_size}"
            )
    train_iter = torch.utils.data.DataLoader(
        train, batch_size, shuffle=True, drop_last=True, num_workers=num_workers
    )
    test_iter = torch.utils.data.DataLoader(test, batch_size, drop_last=True, num_workers=num_workers)
    return train_iter, test_iter

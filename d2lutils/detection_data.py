"""Object-detection datasets: the banana-detection reader and an offline set built from real photos
(explained in "The object detection dataset").

Both give the same arrays: ``images``, uint8 of shape (N, H, W, 3), and ``targets``, float32 of
shape (N, 1, 5), one object per image as ``[class, xmin, ymin, xmax, ymax]`` with the corners
relative to the image's width and height (in [0, 1]).
"""

import csv
from pathlib import Path

import numpy as np

__all__ = ["read_data_bananas", "make_detection_dataset"]

#: The cutout pasted by make_detection_dataset: the cup and its saucer in d2l.sample_photo("coffee"),
#: (x0, y0, x1, y1) in pixels of that 400 x 600 photo, set by hand. The ellipse inscribed in
#: this box is the object's mask.
COFFEE_CUP_BOX = (78, 74, 479, 391)

#: The background photos (names of d2l.sample_photo): real photos that ship with scikit-image.
BACKGROUNDS = ("astronaut", "chelsea", "rocket", "hubble", "motorcycle")


def _check_size(name, value):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _resize(image, size):
    """Resize an (H, W, C) uint8 array to (size, size) with bilinear filtering."""
    from PIL import Image

    if image.shape[0] == size and image.shape[1] == size:
        return image
    return np.array(Image.fromarray(image).resize((size, size), Image.BILINEAR))


def read_data_bananas(is_train=True, data_dir=None, size=None):
    """Read the banana-detection set (explained in "The object detection dataset").

    ``data_dir`` is the folder that holds ``bananas_train/`` and ``bananas_val/``, each with a
    ``label.csv`` (columns ``img_name,label,xmin,ymin,xmax,ymax``, pixel corners) and the
    images under ``images/``; by default the registry's ``banana-detection`` folder
    (``d2l.download("banana-detection")``). Returns ``(images, targets)``: uint8 (N, H, W, 3)
    and float32 (N, 1, 5), ``[class, xmin, ymin, xmax, ymax]`` with the corners divided by the
    image's width and height. ``size`` resizes the images to ``size`` x ``size`` (the relative
    boxes stay valid).
    """
    from PIL import Image

    if not isinstance(is_train, bool):
        raise TypeError(f"is_train must be a bool, got {type(is_train).__name__}")
    if size is not None:
        _check_size("size", size)
    if data_dir is None:
        from d2lutils.data import download

        data_dir = download("banana-detection")
    folder = Path(data_dir) / ("bananas_train" if is_train else "bananas_val")
    csv_path = folder / "label.csv"
    if not csv_path.is_file():
        raise FileNotFoundError(f"data_dir: no {csv_path.name} in {folder}")
    images, targets = [], []
    with open(csv_path, newline="") as f:
        reader = csv.DictReader(f)
        expected = ["img_name", "label", "xmin", "ymin", "xmax", "ymax"]
        if reader.fieldnames != expected:
            raise ValueError(f"{csv_path}: columns must be {expected}, got {reader.fieldnames}")
        for row in reader:
            with Image.open(folder / "images" / row["img_name"]) as img:
                image = np.asarray(img.convert("RGB"))
            h, w = image.shape[:2]
            x0, y0, x1, y1 = (float(row[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
            if x1 < x0 or y1 < y0:
                raise ValueError(f"{csv_path}: box of {row['img_name']} has xmax < xmin or ymax < ymin")
            targets.append([[float(row["label"]), x0 / w, y0 / h, x1 / w, y1 / h]])
            images.append(_resize(image, size) if size else image)
    if not images:
        raise ValueError(f"{csv_path} lists no images")
    return np.stack(images), np.asarray(targets, dtype=np.float32)


def _photo(name):
    from d2lutils.images import sample_photo

    return sample_photo(name)


def _shrink(image, short_side):
    """Downscale ``image`` so that its shorter side is at most ``short_side`` (saves time later)."""
    from PIL import Image

    h, w = image.shape[:2]
    scale = short_side / min(h, w)
    if scale >= 1:
        return image
    return np.array(Image.fromarray(image).resize((round(w * scale), round(h * scale)), Image.BILINEAR))


def _cutout():
    """The coffee cup (RGB uint8) and its elliptical mask (float32 in [0, 1])."""
    x0, y0, x1, y1 = COFFEE_CUP_BOX
    cup = _photo("coffee")[y0:y1, x0:x1]
    h, w = cup.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = ((xx + 0.5 - w / 2) / (w / 2)) ** 2 + ((yy + 0.5 - h / 2) / (h / 2)) ** 2
    return cup, (r <= 1).astype(np.float32)


def make_detection_dataset(num_images, size=256, seed=0, min_scale=0.25, max_scale=0.6):
    """Build an offline detection set from real photos (explained in "The object detection dataset").

    Like the banana set, which pastes a banana at random positions and sizes onto background
    photos: each image is a random square crop of one of the photos (``d2l.sample_photo``) in
    :data:`BACKGROUNDS`, resized to ``size`` x ``size``, with the coffee cup of
    ``d2l.sample_photo("coffee")`` (cut out with the ellipse inscribed in :data:`COFFEE_CUP_BOX`)
    pasted at a random place, with a width of ``min_scale`` to ``max_scale`` times the image,
    a random aspect jitter of +-15 % and a random horizontal flip. The box is the pasted
    rectangle, known exactly. Returns ``(images, targets)`` like :func:`read_data_bananas`:
    uint8 (N, size, size, 3) and float32 (N, 1, 5), class 0, relative corners.
    """
    from PIL import Image

    _check_size("num_images", num_images)
    _check_size("size", size)
    if not 0 < min_scale <= max_scale <= 1:
        raise ValueError(
            f"min_scale and max_scale must satisfy 0 < min_scale <= max_scale <= 1, "
            f"got {min_scale} and {max_scale}"
        )
    rng = np.random.default_rng(seed)
    backgrounds = [_shrink(_photo(name), 2 * size) for name in BACKGROUNDS]
    cup, mask = _cutout()
    cup_img, mask_img = Image.fromarray(cup), Image.fromarray((mask * 255).astype(np.uint8))
    aspect = cup.shape[0] / cup.shape[1]  # height / width of the cutout
    images = np.empty((num_images, size, size, 3), np.uint8)
    targets = np.zeros((num_images, 1, 5), np.float32)
    for i in range(num_images):
        bg = backgrounds[rng.integers(len(backgrounds))]
        side = int(rng.uniform(0.5, 1.0) * min(bg.shape[:2]))
        top = rng.integers(bg.shape[0] - side + 1)
        left = rng.integers(bg.shape[1] - side + 1)
        canvas = _resize(np.array(bg[top : top + side, left : left + side]), size)
        w = max(2, round(rng.uniform(min_scale, max_scale) * size))
        h = min(size, max(2, round(w * aspect * rng.uniform(0.85, 1.15))))
        obj = np.asarray(cup_img.resize((w, h), Image.BILINEAR), np.float32)
        alpha = np.asarray(mask_img.resize((w, h), Image.BILINEAR), np.float32)[..., None] / 255
        if rng.random() < 0.5:
            obj, alpha = obj[:, ::-1], alpha[:, ::-1]
        x = rng.integers(size - w + 1)
        y = rng.integers(size - h + 1)
        patch = canvas[y : y + h, x : x + w].astype(np.float32)
        canvas[y : y + h, x : x + w] = np.round(alpha * obj + (1 - alpha) * patch).astype(np.uint8)
        images[i] = canvas
        targets[i, 0] = [0, x / size, y / size, (x + w) / size, (y + h) / size]
    return images, targets

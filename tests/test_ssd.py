"""The object-detection data (d2lutils.detection_data) and its loaders in both frameworks."""

import csv
import zipfile

import numpy as np
import pytest

import d2lutils as d2l
from d2lutils import tensorflow as d2l_tf
from d2lutils import torch as d2l_pt

BOXES = {"train": [(10, 20, 40, 50), (0, 0, 31, 31)], "val": [(5, 6, 7, 8)]}


def _write_split(folder, boxes, size=32):
    from PIL import Image

    (folder / "images").mkdir(parents=True)
    with open(folder / "label.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["img_name", "label", "xmin", "ymin", "xmax", "ymax"])
        for i, box in enumerate(boxes):
            Image.fromarray(np.full((size, size, 3), 10 * i, np.uint8)).save(folder / "images" / f"{i}.png")
            writer.writerow([f"{i}.png", 0, *box])


@pytest.fixture(scope="module")
def bananas(tmp_path_factory):
    """A tiny banana-detection archive in the reference's layout, fetched through the registry code."""
    tmp_path = tmp_path_factory.mktemp("bananas")
    src = tmp_path / "src" / "banana-detection"
    for split, boxes in BOXES.items():
        _write_split(src / f"bananas_{split}", boxes)
    archive = tmp_path / "banana-detection.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(src.rglob("*")):
            zf.write(path, path.relative_to(src.parent))
    entry = d2l.Dataset(
        "x", path="banana-detection", url=archive.as_uri(), sha1=d2l.data.sha1sum(archive), folder=True
    )
    return d2l.download(entry, cache_dir=tmp_path / "cache")


def test_read_data_bananas_reads_the_reference_layout(bananas):
    images, targets = d2l.read_data_bananas(True, data_dir=bananas)
    assert images.shape == (2, 32, 32, 3) and images.dtype == np.uint8
    assert targets.shape == (2, 1, 5) and targets.dtype == np.float32
    np.testing.assert_allclose(targets[0, 0], [0, 10 / 32, 20 / 32, 40 / 32, 50 / 32])
    assert images[1].max() == 10
    val_images, val_targets = d2l.read_data_bananas(False, data_dir=bananas, size=16)
    assert val_images.shape == (1, 16, 16, 3)
    np.testing.assert_allclose(val_targets[0, 0], [0, 5 / 32, 6 / 32, 7 / 32, 8 / 32])


def test_read_data_bananas_bad_input(tmp_path, bananas):
    with pytest.raises(FileNotFoundError, match="data_dir"):
        d2l.read_data_bananas(True, data_dir=tmp_path)
    with pytest.raises(TypeError, match="is_train"):
        d2l.read_data_bananas("train", data_dir=bananas)
    _write_split(tmp_path / "bad" / "bananas_train", [(10, 20, 5, 50)])
    with pytest.raises(ValueError, match="0.png"):
        d2l.read_data_bananas(True, data_dir=tmp_path / "bad")


def test_make_detection_dataset_is_seeded_and_boxes_fit():
    images, targets = d2l.make_detection_dataset(20, size=64, seed=3)
    again, targets_again = d2l.make_detection_dataset(20, size=64, seed=3)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(targets, targets_again)
    assert images.shape == (20, 64, 64, 3) and images.dtype == np.uint8
    assert targets.shape == (20, 1, 5) and (targets[:, 0, 0] == 0).all()
    boxes = targets[:, 0, 1:]
    assert (boxes >= 0).all() and (boxes <= 1).all()
    assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
    widths = boxes[:, 2] - boxes[:, 0]
    assert (widths >= 0.25 - 1 / 64).all() and (widths <= 0.6 + 1 / 64).all()
    assert not np.array_equal(images, d2l.make_detection_dataset(20, size=64, seed=4)[0])


def test_make_detection_dataset_pastes_the_cup_inside_its_box():
    """The cup is red-brown: at the box centre the red channel dominates; boxes are pixel-exact."""
    images, targets = d2l.make_detection_dataset(10, size=128, seed=0)
    for image, target in zip(images, targets):
        x0, y0, x1, y1 = np.round(target[0, 1:] * 128).astype(int)
        assert np.allclose(target[0, 1:] * 128, [x0, y0, x1, y1])
        centre = image[(y0 + y1) // 2 - 2 : (y0 + y1) // 2 + 2, (x0 + x1) // 2 - 2 : (x0 + x1) // 2 + 2]
        assert centre[..., 0].mean() > centre[..., 2].mean()


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_make_detection_dataset_bad_sizes(bad):
    with pytest.raises(ValueError, match="num_images"):
        d2l.make_detection_dataset(bad)
    with pytest.raises(ValueError, match="size"):
        d2l.make_detection_dataset(2, size=bad)


def test_loaders_agree_across_frameworks(bananas):
    data = d2l.make_detection_dataset(10, size=32, seed=0)
    train_pt, val_pt = d2l_pt.load_data_bananas(4, data, data)
    train_tf, val_tf = d2l_tf.load_data_bananas(4, data, data, seed=0)
    assert len(train_pt) == 2 and len(list(train_tf)) == 2  # 10 images: the last 2 are dropped
    x_pt, y_pt = next(iter(val_pt))
    x_tf, y_tf = next(iter(val_tf))
    assert tuple(x_pt.shape) == (4, 3, 32, 32) and tuple(x_tf.shape) == (4, 32, 32, 3)
    np.testing.assert_allclose(x_pt.numpy().transpose(0, 2, 3, 1), x_tf.numpy())
    np.testing.assert_array_equal(y_pt.numpy(), y_tf.numpy())
    assert float(x_pt.max()) <= 1
    for xb, _ in train_tf:
        assert tuple(xb.shape) == (4, 32, 32, 3)
    real_pt, _ = d2l_pt.load_data_bananas(1, data_dir=bananas)
    real_tf, _ = d2l_tf.load_data_bananas(1, data_dir=bananas)
    assert len(real_pt) == 2 and len(list(real_tf)) == 2


@pytest.mark.parametrize("load", [d2l_pt.load_data_bananas, d2l_tf.load_data_bananas])
def test_loaders_bad_input(load):
    data = d2l.make_detection_dataset(4, size=16)
    with pytest.raises(ValueError, match="batch_size"):
        load(0, data, data)
    with pytest.raises(ValueError, match="batch_size"):
        load(8, data, data)
    with pytest.raises(ValueError, match="images"):
        load(2, (data[0][..., 0], data[1]), data)
    with pytest.raises(ValueError, match="targets"):
        load(2, (data[0], data[1][:2]), data)

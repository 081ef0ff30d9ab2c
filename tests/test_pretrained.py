"""The pretrained MobileNetV2 of "Fine-tuning": the torch-free checkpoint reader against
torch.load, the Keras build against torchvision on real photos, the hot-dog folder reader on a
tiny archive in the dataset's layout, and the errors for bad checkpoints and bad images."""

import pickle
import zipfile

import numpy as np
import pytest

import d2lutils as d2l
from d2lutils import pretrained

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

from d2lutils.tensorflow import pretrained as pretrained_tf  # noqa: E402
from d2lutils.torch import pretrained as pretrained_pt  # noqa: E402

PHOTOS = ("chelsea", "coffee", "astronaut")


@pytest.fixture(scope="module")
def checkpoint():
    try:
        return d2l.download("mobilenet_v2")
    except d2l.DataError as err:
        pytest.skip(f"no MobileNetV2 checkpoint: {err}")


@pytest.fixture(scope="module")
def state(checkpoint):
    return pretrained.read_torch_checkpoint(checkpoint)


@pytest.fixture(scope="module")
def net_tf(checkpoint):
    return pretrained_tf.mobilenet_v2(pretrained=True, checkpoint=checkpoint)


@pytest.fixture(scope="module")
def net_pt(checkpoint, tmp_path_factory):
    hub = tmp_path_factory.mktemp("torch_hub")
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(hub))
    try:
        net = pretrained_pt.mobilenet_v2(pretrained=True)
    finally:
        torch.hub.set_dir(old)
    assert (hub / "checkpoints" / "mobilenet_v2-b0353104.pth").exists()
    return net.eval()


def test_reader_matches_torch_load(checkpoint, state):
    expected = torch.load(checkpoint, weights_only=True)
    assert list(state) == list(expected)
    assert len(state) == 314
    for key, tensor in expected.items():
        array = tensor.numpy()
        assert state[key].dtype == array.dtype, key
        assert state[key].shape == array.shape, key
        np.testing.assert_array_equal(state[key], array, err_msg=key)


def test_reader_reads_the_zip_format_and_strided_views(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    sd = {"a": base, "b": base.t(), "c": base[1:, 2:], "n": torch.tensor(7), "i": torch.arange(3)}
    path = tmp_path / "new.pth"
    torch.save(sd, path)
    assert zipfile.is_zipfile(path)
    got = pretrained.read_torch_checkpoint(path)
    for key, tensor in sd.items():
        np.testing.assert_array_equal(got[key], tensor.numpy(), err_msg=key)
        assert got[key].dtype == tensor.numpy().dtype
    legacy = tmp_path / "legacy.pth"
    torch.save(sd, legacy, _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(legacy)
    got = pretrained.read_torch_checkpoint(legacy)
    for key, tensor in sd.items():
        np.testing.assert_array_equal(got[key], tensor.numpy(), err_msg=key)


def test_reader_rejects_truncated_and_foreign_files(checkpoint, tmp_path):
    data = checkpoint.read_bytes()
    for name, content in (
        ("cut.pth", data[: len(data) // 2]),
        ("head.pth", data[:200]),
        ("junk.pth", b"not a checkpoint at all"),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match=name):
            pretrained.read_torch_checkpoint(path)
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as f:
        for obj in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
            pickle.dump(obj, f, protocol=2)
        f.write(b"\x80\x02cos\nsystem\nq\x00.")
    with pytest.raises(ValueError, match="os.system"):
        pretrained.read_torch_checkpoint(evil)
    with pytest.raises(FileNotFoundError):
        pretrained.read_torch_checkpoint(tmp_path / "missing.pth")
    with pytest.raises(TypeError, match="path"):
        pretrained.read_torch_checkpoint(3)


def test_imagenet_classes():
    try:
        names = pretrained.imagenet_classes()
    except d2l.DataError as err:
        pytest.skip(str(err))
    assert len(names) == 1000
    assert names[281] == "tabby, tabby cat"
    assert names[0].startswith("tench")


def _tiny_hotdog(tmp_path):
    from PIL import Image

    src = tmp_path / "src"
    rng = np.random.default_rng(0)
    for split, n in (("train", 3), ("test", 2)):
        for cls in ("hotdog", "not-hotdog"):
            folder = src / "hotdog" / split / cls
            folder.mkdir(parents=True)
            for i in range(n):
                size = (20 + 7 * i, 30 + 3 * i)
                Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    archive = tmp_path / "hotdog.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in sorted(src.rglob("*.png")):
            z.write(file, file.relative_to(src).as_posix())
    return archive


def test_load_hotdog_from_an_archive_in_its_layout(tmp_path):
    archive = _tiny_hotdog(tmp_path)
    entry = d2l.Dataset(
        "hotdog-sample", path="hotdog", url=archive.as_uri(), sha1=d2l.data.sha1sum(archive), folder=True
    )
    root = d2l.download(entry, cache_dir=tmp_path / "cache")
    (X_train, y_train), (X_test, y_test), classes = pretrained.load_hotdog(size=16, root=root)
    assert classes == ["hotdog", "not-hotdog"]
    assert X_train.shape == (6, 16, 16, 3) and X_train.dtype == np.uint8
    assert X_test.shape == (4, 16, 16, 3)
    assert y_train.tolist() == [0, 0, 0, 1, 1, 1] and y_test.tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="size"):
        pretrained.read_image_folder(root / "train", 0)
    with pytest.raises(FileNotFoundError):
        pretrained.read_image_folder(root / "nowhere", 16)


def test_torch_model_has_the_checkpoint_weights(net_pt, state):
    for key, value in net_pt.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key], err_msg=key)
    with pytest.raises(TypeError, match="pretrained"):
        pretrained_pt.mobilenet_v2(pretrained="yes")


def test_both_frameworks_agree_on_real_photos(net_pt, net_tf):
    photos = [d2l.sample_photo(name) for name in PHOTOS]
    x_pt = pretrained_pt.imagenet_preprocess(photos)
    x_tf = pretrained_tf.imagenet_preprocess(photos)
    assert tuple(x_pt.shape) == (3, 3, 224, 224) and tuple(x_tf.shape) == (3, 224, 224, 3)
    # the two preprocessings differ by at most one uint8 rounding step per pixel
    assert np.abs(x_pt.numpy().transpose(0, 2, 3, 1) - x_tf.numpy()).max() < 1.01 / 255 / 0.224
    with torch.no_grad():
        logits_pt = net_pt(x_pt).numpy()
    same_input = net_tf(x_pt.numpy().transpose(0, 2, 3, 1), training=False).numpy()
    np.testing.assert_allclose(same_input, logits_pt, atol=1e-3)
    logits_tf = net_tf(x_tf, training=False).numpy()
    assert np.abs(logits_tf - logits_pt).max() < 0.05
    for a, b in zip(logits_pt, logits_tf):
        assert np.argsort(-a)[:5].tolist() == np.argsort(-b)[:5].tolist()
    assert int(np.argmax(logits_pt[0])) in (281, 282, 285)  # Chelsea is a tabby/tiger/Egyptian cat


def test_keras_loading_rejects_a_bad_checkpoint_and_loads_nothing(net_tf, state):
    before = [w.numpy().copy() for w in net_tf.weights]
    missing = dict(state)
    del missing["features.5.conv.1.0.weight"]
    with pytest.raises(ValueError, match=r"features\.5\.conv\.1\.0\.weight"):
        pretrained_tf._load_state_dict(net_tf, missing)
    extra = {**state, "features.99.weight": np.zeros(3, np.float32)}
    with pytest.raises(ValueError, match=r"features\.99\.weight"):
        pretrained_tf._load_state_dict(net_tf, extra)
    wrong = dict(state)
    wrong["features.18.1.weight"] = np.zeros(7, np.float32)  # the last batch norm
    with pytest.raises(ValueError, match=r"features\.18\.1"):
        pretrained_tf._load_state_dict(net_tf, wrong)
    for w, b in zip(net_tf.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)
    with pytest.raises(TypeError, match="pretrained"):
        pretrained_tf.mobilenet_v2(pretrained=1)


@pytest.mark.parametrize("module", [pretrained_pt, pretrained_tf], ids=["torch", "tensorflow"])
def test_preprocess_rejects_bad_images(module):
    with pytest.raises(ValueError, match="image 0"):
        module.imagenet_preprocess(np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError, match="image 1"):
        module.imagenet_preprocess([np.zeros((32, 32, 3), np.uint8), np.zeros((32, 32, 4), np.uint8)])
    with pytest.raises(ValueError, match="image 0"):
        module.imagenet_preprocess([np.zeros((32, 32, 3), np.float32)])
    with pytest.raises(ValueError, match="empty"):
        module.imagenet_preprocess([])

"""The benchmark tasks. Each runs in its own process through :func:`measure`.

- ``read``: one epoch of Fashion-MNIST training data, batch 256, through the package's
  ``load_data_fashion_mnist`` (after a short warm-up, so worker start-up is not counted).
- ``softmax``: one epoch of concise softmax regression (Flatten + Linear(784, 10), SGD lr 0.1,
  batch 256) with the package's own loader and ``train_epoch_ch3``.
Both report examples per second on the CPU.
"""

import os
import time

BATCH_SIZE = 256
TASKS = ("read", "softmax")
_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def prepare_peer_data(tmp):
    """Lay the cached Fashion-MNIST files out where the peer looks for them, offline.

    d2l 0.17.6 (PyTorch) reads torchvision's ``../data/FashionMNIST/raw`` relative to the
    working directory; its TensorFlow half reads Keras' ``$KERAS_HOME/datasets/fashion-mnist``.
    Both get symbolic links to the files d2lutils verified, so all sides read the same bytes.
    """
    import d2lutils as d2l

    sources = [d2l.download(name) for name in ("fashion-mnist-train-images", "fashion-mnist-train-labels",
                                               "fashion-mnist-test-images", "fashion-mnist-test-labels")]
    for folder in (tmp / "data" / "FashionMNIST" / "raw", tmp / "keras" / "datasets" / "fashion-mnist"):
        folder.mkdir(parents=True)
        for name, source in zip(_FILES, sources):
            (folder / name).symlink_to(source)
    workdir = tmp / "work"
    workdir.mkdir()
    env = dict(os.environ, KERAS_HOME=str(tmp / "keras"), D2L_DATA_DIR=str(d2l.data_dir()))
    return workdir, env


def _loaders(package, framework):
    if package == "d2lutils":
        if framework == "torch":
            from d2lutils import torch as lib
        else:
            from d2lutils import tensorflow as lib
    else:
        if framework == "torch":
            from d2l import torch as lib
        else:
            from d2l import tensorflow as lib
    return lib


def _softmax_model(framework):
    if framework == "torch":
        import torch
        from torch import nn

        torch.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        return net, nn.CrossEntropyLoss(reduction="none"), torch.optim.SGD(net.parameters(), lr=0.1)
    import keras

    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
    net.build((None, 28, 28, 1))
    return (net, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            keras.optimizers.SGD(learning_rate=0.1))


def measure(task, package, framework):
    """Run one task; return {'examples_per_sec': …, 'seconds': …, …}."""
    lib = _loaders(package, framework)
    train_iter, _ = lib.load_data_fashion_mnist(BATCH_SIZE)
    for i, _batch in enumerate(train_iter):  # warm-up: workers, pipelines, first trace
        if i == 10:
            break
    if task == "read":
        start = time.perf_counter()
        n = sum(int(y.shape[0]) for _, y in train_iter)
        seconds = time.perf_counter() - start
        return {"examples_per_sec": n / seconds, "seconds": seconds, "examples": n}
    if task == "softmax":
        net, loss, updater = _softmax_model(framework)
        start = time.perf_counter()
        train_loss, train_acc = lib.train_epoch_ch3(net, train_iter, loss, updater)
        seconds = time.perf_counter() - start
        return {"examples_per_sec": 60000 / seconds, "seconds": seconds,
                "loss": float(train_loss), "train_acc": float(train_acc)}
    raise ValueError(f"unknown task {task!r}; known: {TASKS}")


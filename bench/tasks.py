"""The benchmark tasks. Each runs in its own process through :func:`measure`.

- ``read``: one epoch of Fashion-MNIST training data, batch 256, through the package's
  ``load_data_fashion_mnist`` (after a short warm-up, so worker start-up is not counted).
- ``softmax``: one epoch of concise softmax regression (Flatten + Linear(784, 10), SGD lr 0.1,
  batch 256) with the package's own loader and ``train_epoch_ch3``.
- ``lenet``: one epoch of ``train_ch6`` on the sigmoid LeNet of "Convolutional neural networks
  (LeNet)", lr 0.9, batch 256, on the CPU; the time covers the whole call (training,
  evaluation on the test set, plotting), the same for both packages.
All report examples per second (training examples / wall time).
"""

import os
import time

BATCH_SIZE = 256
TASKS = ("read", "softmax", "lenet")
_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def prepare_peer_data(tmp):
    """Lay the cached Fashion-MNIST files out where the peer looks for them, offline.

    d2l 0.17.6 (PyTorch) reads torchvision's ``../data/FashionMNIST/raw`` relative to the
    working directory; its TensorFlow half reads Keras' ``$KERAS_HOME/datasets/fashion-mnist``.
    Both get symbolic links to the files d2lutils verified, so all sides read the same bytes.
    """
    import d2lutils as d2l

    sources = [
        d2l.download(name)
        for name in (
            "fashion-mnist-train-images",
            "fashion-mnist-train-labels",
            "fashion-mnist-test-images",
            "fashion-mnist-test-labels",
        )
    ]
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
    return (
        net,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        keras.optimizers.SGD(learning_rate=0.1),
    )


def _lenet(framework):
    if framework == "torch":
        import torch
        from torch import nn

        torch.manual_seed(0)
        return nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),
            nn.Sigmoid(),
            nn.AvgPool2d(2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.Sigmoid(),
            nn.AvgPool2d(2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.Sigmoid(),
            nn.Linear(84, 10),
        )
    import keras

    keras.utils.set_random_seed(0)

    def net_fn():
        layers = keras.layers
        return keras.Sequential(
            [
                layers.Conv2D(6, 5, activation="sigmoid", padding="same"),
                layers.AveragePooling2D(2, 2),
                layers.Conv2D(16, 5, activation="sigmoid"),
                layers.AveragePooling2D(2, 2),
                layers.Flatten(),
                layers.Dense(120, activation="sigmoid"),
                layers.Dense(84, activation="sigmoid"),
                layers.Dense(10),
            ]
        )

    return net_fn


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
        return {
            "examples_per_sec": 60000 / seconds,
            "seconds": seconds,
            "loss": float(train_loss),
            "train_acc": float(train_acc),
        }
    if task == "lenet":
        _, test_iter = lib.load_data_fashion_mnist(BATCH_SIZE)
        start = time.perf_counter()
        lib.train_ch6(_lenet(framework), train_iter, test_iter, 1, 0.9, lib.try_gpu())
        seconds = time.perf_counter() - start
        return {"examples_per_sec": 60000 / seconds, "seconds": seconds}
    raise ValueError(f"unknown task {task!r}; known: {TASKS}")

"""The benchmark tasks. Each runs in its own process through :func:`measure`.

- ``read``: one epoch of Fashion-MNIST training data, batch 256, through the package's
  ``load_data_fashion_mnist`` (after a short warm-up, so worker start-up is not counted).
- ``softmax``: one epoch of concise softmax regression (Flatten + Linear(784, 10), SGD lr 0.1,
  batch 256) with the package's own loader and ``train_epoch_ch3``.
- ``lenet``: one epoch of ``train_ch6`` on the sigmoid LeNet of "Convolutional neural networks
  (LeNet)", lr 0.9, batch 256, on the CPU; the time covers the whole call (training,
  evaluation on the test set, plotting), the same for both packages.
- ``resnet``: one epoch of ``train_ch6`` on the book profile's scaled ResNet-18 of "Residual
  networks (ResNet)" (channels 64/128/256/512 divided by ``RESNET_WIDTH_DIVISOR``, images resized to
  ``RESNET_RESIZE``, the first ``RESNET_NUM_TRAIN`` training examples), the model built here
  identically for both packages; the time covers the whole call, as for ``lenet``. The
  d2lutils PyTorch side is called as the ResNet page calls it, with ``channels_last=True``
  (an option of d2lutils' trainer that d2l 0.17.6 does not have; TensorFlow is NHWC anyway).
- ``rnn`` and ``gru``: ``train_ch8`` of a concise character-level language model (one
  ``nn.RNN``/``nn.GRU`` or Keras ``SimpleRNN``/``GRU`` layer of ``RNN_HIDDENS`` units and a dense
  output) on The Time Machine (first 10,000 characters, batch 32, 35 steps, sequential
  minibatches, SGD lr 1, clipping at 1), ``RNN_EPOCHS`` epochs; the time covers the whole call.
  d2l 0.17.6's TensorFlow ``RNNModel`` needs Keras 2 (``time_major``), so its trainer gets a
  model of the same layers with the interface it calls (``net(X, state)``, ``begin_state``),
  and its ``predict_ch8`` is given one fix: ``int()`` of a one-element array, which NumPy 2
  refuses, becomes ``int(...[0])`` (the rest of its code runs as published).
  These report tokens per second.
- ``seq2seq``: ``train_seq2seq`` of the GRU encoder-decoder of "Sequence to sequence learning"
  at the reference settings (embedding 32, 32 hidden units, 2 layers, dropout 0.1, batch 64,
  10 steps, Adam lr 0.005, the first 600 English-French pairs), ``SEQ2SEQ_EPOCHS`` epochs, each
  package with its own ``Seq2SeqEncoder``/``EncoderDecoder``. d2l 0.17.6 does not ship the
  decoder (the reference defines it in its notebook), so its side gets the same architecture
  written here on its ``Decoder`` interface (``_peer_seq2seq_decoder``). Both read the
  minibatches of d2lutils' ``load_data_nmt`` (d2l 0.17.6's loader would download its zip);
  the time covers the whole call; tokens are the target tokens (``Y_valid_len``) trained on.
The other tasks report examples per second (training examples / wall time).
"""

import os
import time

BATCH_SIZE = 256
TASKS = ("read", "softmax", "lenet", "resnet", "rnn", "gru", "seq2seq")
SEQ2SEQ_EPOCHS = 100
RNN_HIDDENS = 256
RNN_EPOCHS = 50
RNN_BATCH, RNN_STEPS = 32, 35
RESNET_WIDTH_DIVISOR = 4  # 16/32/64/128 channels
RESNET_RESIZE = 32
RESNET_NUM_TRAIN = 20000
RESNET_LR = 0.05
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
    text = d2l.download("time_machine")  # d2l 0.17.6 looks for ../data/timemachine.txt
    (tmp / "data" / "timemachine.txt").symlink_to(text)
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


def _resnet(framework):
    """ResNet-18 (two residual blocks per stage) at 1/RESNET_WIDTH_DIVISOR width, 10 classes."""
    widths = [c // RESNET_WIDTH_DIVISOR for c in (64, 128, 256, 512)]
    if framework == "torch":
        import torch
        from torch import nn
        from torch.nn import functional as F

        torch.manual_seed(0)

        class Residual(nn.Module):
            def __init__(self, cin, cout, strides):
                super().__init__()
                self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, stride=strides)
                self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
                self.conv3 = nn.Conv2d(cin, cout, 1, stride=strides) if strides != 1 or cin != cout else None
                self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)

            def forward(self, X):
                Y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(X)))))
                return F.relu(Y + (self.conv3(X) if self.conv3 is not None else X))

        layers = [nn.Conv2d(1, widths[0], 7, stride=2, padding=3), nn.BatchNorm2d(widths[0]), nn.ReLU()]
        layers.append(nn.MaxPool2d(3, stride=2, padding=1))
        cin = widths[0]
        for i, cout in enumerate(widths):
            layers += [Residual(cin, cout, 1 if i == 0 else 2), Residual(cout, cout, 1)]
            cin = cout
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
        return nn.Sequential(*layers)
    import keras

    keras.utils.set_random_seed(0)
    L = keras.layers

    class Residual(keras.layers.Layer):
        def __init__(self, cout, strides, project):
            super().__init__()
            self.conv1 = L.Conv2D(cout, 3, padding="same", strides=strides)
            self.conv2 = L.Conv2D(cout, 3, padding="same")
            self.conv3 = L.Conv2D(cout, 1, strides=strides) if project else None
            self.bn1, self.bn2 = L.BatchNormalization(), L.BatchNormalization()

        def call(self, X, training=None):
            Y = keras.activations.relu(self.bn1(self.conv1(X), training=training))
            Y = self.bn2(self.conv2(Y), training=training)
            return keras.activations.relu(Y + (self.conv3(X) if self.conv3 is not None else X))

    def net_fn():
        blocks = [L.Conv2D(widths[0], 7, strides=2, padding="same"), L.BatchNormalization(), L.ReLU()]
        blocks.append(L.MaxPool2D(3, strides=2, padding="same"))
        for i, cout in enumerate(widths):
            blocks += [Residual(cout, 1 if i == 0 else 2, i != 0), Residual(cout, 1, False)]
        blocks += [L.GlobalAveragePooling2D(), L.Dense(10)]
        return keras.Sequential(blocks)

    return net_fn


def _peer_tf_rnn(layer, vocab_size):
    """The same layers behind the interface d2l 0.17.6's TensorFlow ``train_ch8`` calls."""
    import keras
    import tensorflow as tf

    class PeerRNNModel(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.rnn, self.dense, self.vocab_size = layer, keras.layers.Dense(vocab_size), vocab_size

        def call(self, inputs, state):
            Y, *state = self.rnn(tf.one_hot(inputs, self.vocab_size), initial_state=state)
            Y = tf.transpose(Y, (1, 0, 2))  # time-major outputs, as the peer's loss expects
            return self.dense(tf.reshape(Y, (-1, Y.shape[-1]))), state

        def begin_state(self, batch_size, dtype=tf.float32):
            return [tf.zeros((batch_size, RNN_HIDDENS), dtype)]

    return PeerRNNModel()


def _patch_peer_tf_predict(lib):
    """d2l 0.17.6's TensorFlow predict_ch8, with int() of a 1-element array fixed for NumPy 2."""
    import tensorflow as tf

    def predict_ch8(prefix, num_preds, net, vocab):
        state = net.begin_state(batch_size=1, dtype=tf.float32)
        outputs = [vocab[prefix[0]]]

        def get_input():
            return tf.reshape(tf.constant([outputs[-1]]), (1, 1)).numpy()

        for y in prefix[1:]:
            _, state = net(get_input(), state)
            outputs.append(vocab[y])
        for _ in range(num_preds):
            y, state = net(get_input(), state)
            outputs.append(int(y.numpy().argmax(axis=1).reshape(1)[0]))
        return "".join([vocab.idx_to_token[i] for i in outputs])

    lib.predict_ch8 = predict_ch8


def _rnn_task(task, package, framework, lib):
    if framework == "torch":
        import torch
        from torch import nn

        torch.manual_seed(0)
    else:
        import keras

        keras.utils.set_random_seed(0)
    train_iter, vocab = lib.load_data_time_machine(RNN_BATCH, RNN_STEPS)
    if framework == "torch":
        layer = (nn.RNN if task == "rnn" else nn.GRU)(len(vocab), RNN_HIDDENS)
        net = lib.RNNModel(layer, vocab_size=len(vocab))
        args = (net, train_iter, vocab, 1.0, RNN_EPOCHS, lib.try_gpu())
    else:
        kind = keras.layers.SimpleRNN if task == "rnn" else keras.layers.GRU
        layer = kind(RNN_HIDDENS, return_sequences=True, return_state=True)
        if package == "d2lutils":
            args = (lib.RNNModel(layer, len(vocab)), train_iter, vocab, 1.0, RNN_EPOCHS, lib.try_gpu())
        else:  # d2l 0.17.6: train_ch8(net, train_iter, vocab, lr, num_epochs, strategy)
            import tensorflow as tf

            strategy = tf.distribute.OneDeviceStrategy("/CPU:0")
            _patch_peer_tf_predict(lib)
            args = (_peer_tf_rnn(layer, len(vocab)), train_iter, vocab, 1.0, RNN_EPOCHS, strategy)
    start = time.perf_counter()
    lib.train_ch8(*args)
    seconds = time.perf_counter() - start
    tokens = RNN_EPOCHS * len(list(iter(train_iter))) * RNN_BATCH * RNN_STEPS
    return {"examples_per_sec": tokens / seconds, "seconds": seconds, "unit": "tokens"}


def _peer_seq2seq_decoder(lib, framework, vocab_size, embed_size, num_hiddens, num_layers, dropout):
    """The seq2seq GRU decoder (context = the encoder's last top-layer state, concatenated to
    every input step) on d2l 0.17.6's ``Decoder`` interface, which that package does not ship."""
    if framework == "torch":
        import torch
        from torch import nn

        class Decoder(lib.Decoder):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, embed_size)
                self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
                self.dense = nn.Linear(num_hiddens, vocab_size)

            def init_state(self, enc_outputs, *args):
                return enc_outputs[1]

            def forward(self, X, state):
                X = self.embedding(X).permute(1, 0, 2)  # (steps, batch, embed)
                context = state[-1].expand(X.shape[0], -1, -1)
                output, state = self.rnn(torch.cat((X, context), 2), state)
                return self.dense(output).permute(1, 0, 2), state

        return Decoder()
    import tensorflow as tf

    class Decoder(lib.Decoder):
        def __init__(self):
            super().__init__()
            self.embedding = tf.keras.layers.Embedding(vocab_size, embed_size)
            cells = [tf.keras.layers.GRUCell(num_hiddens, dropout=dropout) for _ in range(num_layers)]
            self.rnn = tf.keras.layers.RNN(
                tf.keras.layers.StackedRNNCells(cells), return_sequences=True, return_state=True
            )
            self.dense = tf.keras.layers.Dense(vocab_size)

        @staticmethod
        def _flat(state):  # Keras 3 returns each stacked GRU cell's state as a one-tensor list
            return [s[0] if isinstance(s, (list, tuple)) else s for s in state]

        def init_state(self, enc_outputs, *args):
            return self._flat(enc_outputs[1])

        def call(self, X, state, **kwargs):
            X = self.embedding(X)
            context = tf.repeat(tf.expand_dims(state[-1], axis=1), repeats=X.shape[1], axis=1)
            out = self.rnn(tf.concat((X, context), axis=2), state, **kwargs)
            return self.dense(out[0]), self._flat(out[1:])

    return Decoder()


def _seq2seq_task(package, framework, lib):
    if framework == "torch":
        import torch

        torch.manual_seed(0)
        from d2lutils import torch as ours
    else:
        import keras

        keras.utils.set_random_seed(0)
        from d2lutils import tensorflow as ours
    data_iter, src_vocab, tgt_vocab = ours.load_data_nmt(64, 10, num_examples=600)
    encoder = lib.Seq2SeqEncoder(len(src_vocab), 32, 32, 2, 0.1)
    if package == "d2lutils":
        decoder = lib.Seq2SeqDecoder(len(tgt_vocab), 32, 32, 2, 0.1)
    else:
        decoder = _peer_seq2seq_decoder(lib, framework, len(tgt_vocab), 32, 32, 2, 0.1)
    net = lib.EncoderDecoder(encoder, decoder)
    device = lib.try_gpu() if framework == "torch" else "/CPU:0"
    start = time.perf_counter()
    lib.train_seq2seq(net, data_iter, 0.005, SEQ2SEQ_EPOCHS, tgt_vocab, device)
    seconds = time.perf_counter() - start
    tokens = SEQ2SEQ_EPOCHS * sum(int(batch[3].numpy().sum()) for batch in data_iter)
    return {"examples_per_sec": tokens / seconds, "seconds": seconds, "unit": "tokens"}


def _subset(train_iter, framework, n):
    """The first ``n`` examples' batches of ``train_iter`` (both packages' loaders)."""
    if framework == "torch":
        import itertools

        batches = list(itertools.islice(iter(train_iter), n // BATCH_SIZE))
        return batches
    return train_iter.take(n // BATCH_SIZE)


def _warm_up(framework):
    """Pay one-off import costs before any timing, for both packages alike.

    The first ``torch.optim`` optimizer imports ``torch._dynamo`` (about 3 s here) and the
    first plot imports pyplot (about 1.5 s); d2l 0.17.6 happens to pay both at import time
    (through torchvision and its own module), so without this its timed calls would look faster.
    """
    import matplotlib.pyplot  # noqa: F401

    if framework == "torch":
        import torch

        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def measure(task, package, framework):
    """Run one task; return {'examples_per_sec': …, 'seconds': …, …}."""
    lib = _loaders(package, framework)
    _warm_up(framework)
    if task in ("rnn", "gru"):
        return _rnn_task(task, package, framework, lib)
    if task == "seq2seq":
        return _seq2seq_task(package, framework, lib)
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
    if task == "resnet":
        train_iter, test_iter = lib.load_data_fashion_mnist(BATCH_SIZE, resize=RESNET_RESIZE)
        train = _subset(train_iter, framework, RESNET_NUM_TRAIN)
        test = _subset(test_iter, framework, 2560)
        start = time.perf_counter()
        options = {"channels_last": True} if (package, framework) == ("d2lutils", "torch") else {}
        lib.train_ch6(_resnet(framework), train, test, 1, RESNET_LR, lib.try_gpu(), **options)
        seconds = time.perf_counter() - start
        n = RESNET_NUM_TRAIN // BATCH_SIZE * BATCH_SIZE
        return {"examples_per_sec": n / seconds, "seconds": seconds}
    raise ValueError(f"unknown task {task!r}; known: {TASKS}")

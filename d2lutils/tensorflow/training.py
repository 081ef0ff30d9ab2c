"""TensorFlow training helpers (explained in "Linear regression from scratch" and
"Softmax regression from scratch"; used again by later chapters).

The trainers compile one training step with ``tf.function``: the Python loop only feeds
batches, while the forward pass, the gradient and the update run as one graph.
"""

import keras
import tensorflow as tf

from d2lutils.fashion_mnist import get_fashion_mnist_labels
from d2lutils.plotting import Animator, show_images
from d2lutils.progress import (
    check_sgd_options,
    epoch_animator,
    fit_epochs,
    is_plot_step,
    report,
    schedule_steps,
)
from d2lutils.timing import Accumulator, Timer


def linreg(X, w, b):
    """The linear regression model ``Xw + b``.

    Explained in "Linear regression from scratch".
    """
    return tf.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Half squared error per example (same shape as ``y_hat``).

    Explained in "Linear regression from scratch".
    """
    return (y_hat - tf.reshape(y, y_hat.shape)) ** 2 / 2


def sgd(params, grads, lr, batch_size):
    """Minibatch SGD: ``param -= lr * grad / batch_size`` for each ``tf.Variable``.

    Explained in "Linear regression from scratch".
    """
    for param, grad in zip(params, grads):
        param.assign_sub(lr * grad / tf.cast(batch_size, grad.dtype))


class Updater:
    """Minibatch SGD over a list of variables, callable as ``updater(batch_size, grads)``.

    Explained in "Softmax regression from scratch". Mirrors ``d2lutils.torch.Updater``; the
    gradients are passed in because TensorFlow returns them from the tape.
    """

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def __call__(self, batch_size, grads):
        sgd(self.params, grads, self.lr, batch_size)


def _is_keras(net):
    return isinstance(net, keras.layers.Layer)


def _correct(y_hat, y):
    """Number of correct predictions as a float32 tensor (usable inside tf.function)."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = tf.argmax(y_hat, axis=1)
    return tf.reduce_sum(tf.cast(tf.cast(y_hat, y.dtype) == y, tf.float32))


def accuracy(y_hat, y):
    """Number of correct predictions (a float) for logits/probabilities ``y_hat``.

    Explained in "Softmax regression from scratch".
    """
    return float(_correct(y_hat, y))


def _predictor(net):
    """A compiled forward pass in inference mode."""
    return tf.function(lambda X: net(X, training=False) if _is_keras(net) else net(X), reduce_retracing=True)


def _accuracy_with(predict, data_iter):
    metric = Accumulator(2)  # correct predictions, examples
    for X, y in data_iter:
        metric.add(float(_correct(predict(X), y)), int(tf.size(y)))
    return metric[0] / metric[1]


def evaluate_accuracy(net, data_iter):
    """Accuracy of ``net`` on ``data_iter`` (inference mode).

    Explained in "Softmax regression from scratch".
    """
    return _accuracy_with(_predictor(net), data_iter)


def _train_step(net, loss, updater):
    """Compile one step: forward, loss, gradient, update; returns (summed loss, correct, n)."""
    keras_loss = isinstance(loss, keras.losses.Loss)
    keras_optimizer = isinstance(updater, keras.optimizers.Optimizer)
    if keras_optimizer and not updater.built:
        # Slots made inside the first trace make tf.function trace the step twice (the
        # scaled GoogLeNet: 22 s to compile instead of 11 s); Keras's fit builds first too.
        updater.build(net.trainable_variables)

    @tf.function(reduce_retracing=True)
    def step(X, y):
        with tf.GradientTape() as tape:
            y_hat = net(X, training=True) if _is_keras(net) else net(X)
            batch_loss = loss(y, y_hat) if keras_loss else loss(y_hat, y)
            # With a Keras optimizer, step on the batch mean, as PyTorch's optimizers do.
            if keras_optimizer and batch_loss.shape.rank:
                objective = tf.reduce_mean(batch_loss)
            else:
                objective = batch_loss
        n = tf.shape(y)[0]
        if keras_optimizer:
            params = net.trainable_variables
            updater.apply_gradients(zip(tape.gradient(objective, params), params))
        else:
            updater(n, tape.gradient(batch_loss, updater.params))
        if batch_loss.shape.rank == 0:  # a Keras loss returns the batch mean
            total = batch_loss * tf.cast(n, batch_loss.dtype)
        else:
            total = tf.reduce_sum(batch_loss)
        return total, _correct(y_hat, y), n

    return step


def _build(net, data_iter):
    """Create a Keras model's weights (and nothing else) from one batch, outside tf.function."""
    if _is_keras(net) and not net.built:
        X, _ = next(iter(data_iter))
        net(X[:1])


def evaluate_loss(net, data_iter, loss):
    """Average of ``loss`` over ``data_iter`` (explained in "Model selection, underfitting,
    and overfitting"). Keras losses are called as ``loss(y, y_hat)``, others as ``loss(y_hat, y)``."""
    predict = _predictor(net)
    metric = Accumulator(2)  # summed loss, examples
    for X, y in data_iter:
        y_hat = predict(X)
        if tf.size(y) == tf.size(y_hat):  # regression: compare like with like
            y = tf.reshape(y, tf.shape(y_hat))
        batch_loss = loss(y, y_hat) if isinstance(loss, keras.losses.Loss) else loss(y_hat, y)
        n = int(tf.shape(y)[0])
        total = float(tf.reduce_sum(batch_loss)) if batch_loss.shape.rank else float(batch_loss) * n
        metric.add(total, n)
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater, step=None):
    """Train one epoch; return (average loss, training accuracy).

    ``updater`` is a Keras optimizer or an :class:`Updater` (``updater(batch_size, grads)``
    with an ``updater.params`` list). Keras losses are called as ``loss(y, y_hat)``, others
    as ``loss(y_hat, y)``. ``step`` reuses a step compiled by an earlier epoch.

    Explained in "Softmax regression from scratch".
    """
    _build(net, train_iter)
    step = step or _train_step(net, loss, updater)
    metric = Accumulator(3)  # summed loss, correct predictions, examples
    for X, y in train_iter:
        total, correct, n = step(X, y)
        metric.add(float(total), float(correct), int(n))
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater, ylim=(0.3, 0.9)):
    """Train and evaluate for ``num_epochs``, plotting with :class:`Animator`.

    Prints the final line ``loss …, train acc …, test acc …`` and returns those three
    numbers as a dict. The training step and the forward pass are compiled once.

    Explained in "Softmax regression from scratch".
    """
    _build(net, train_iter)
    step, predict = _train_step(net, loss, updater), _predictor(net)
    return fit_epochs(
        num_epochs,
        lambda: train_epoch_ch3(net, train_iter, loss, updater, step),
        lambda: _accuracy_with(predict, test_iter),
        ylim,
    )


class TrainCallback(keras.callbacks.Callback):
    """Draws the book's training plot from ``model.fit`` and prints d2l's final line.

    Explained in "Concise implementation of softmax regression". Pass it to
    ``model.fit(..., callbacks=[d2l_tf.TrainCallback(num_epochs)])``. After every epoch it
    adds the values of Keras's epoch logs named in ``metrics`` (log key -> legend label) to an
    :class:`~d2lutils.Animator`; after training it prints the last values in d2l's style, e.g.
    ``loss 0.448, train acc 0.848, test acc 0.836``, and keeps them in ``self.result``.
    ``val_*`` keys need ``validation_data`` in ``fit``. TensorFlow only: PyTorch has no
    ``fit`` to call back from; its trainers in ``d2lutils.torch`` draw the same plot.
    """

    DEFAULT_METRICS = {"loss": "train loss", "accuracy": "train acc", "val_accuracy": "test acc"}

    def __init__(self, num_epochs, metrics=None, ylim=(0.3, 0.9), yscale="linear"):
        super().__init__()
        if not isinstance(num_epochs, int) or isinstance(num_epochs, bool) or num_epochs < 1:
            raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")
        self.metrics = dict(metrics or self.DEFAULT_METRICS)
        self.num_epochs = num_epochs
        self.animator = Animator(
            xlabel="epoch",
            xlim=[1, num_epochs],
            ylim=list(ylim) if ylim else None,
            yscale=yscale,
            legend=list(self.metrics.values()),
        )
        self.result = {}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        missing = [key for key in self.metrics if key not in logs]
        if missing:
            raise KeyError(
                f"TrainCallback: Keras logged {sorted(logs)}, not {missing}; compile with the "
                "metric, or pass validation_data to fit for val_* keys"
            )
        self.result = {key: float(logs[key]) for key in self.metrics}
        self.animator.add(epoch + 1, tuple(self.result.values()))

    def on_train_end(self, logs=None):
        names = {"train loss": "loss"}  # d2l's final line says "loss" for the training loss
        values = (f"{names.get(label, label)} {self.result[key]:.3f}" for key, label in self.metrics.items())
        print(", ".join(values))


def predict_ch3(net, test_iter, n=6):
    """Show the first ``n`` test images with their true and predicted labels.

    Explained in "Softmax regression from scratch".
    """
    X, y = next(iter(test_iter))
    preds = tf.argmax(_predictor(net)(X[:n]), axis=1)
    titles = [f"{t}\n{p}" for t, p in zip(get_fashion_mnist_labels(y[:n]), get_fashion_mnist_labels(preds))]
    return show_images(X[:n, :, :, 0], 1, n, titles=titles)


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """Accuracy of ``net`` on ``data_iter``, computed on ``device`` (default: TensorFlow's choice).

    Explained in "Convolutional neural networks (LeNet)".
    """
    with tf.device(device):
        return _accuracy_with(_predictor(net), data_iter)


def cosine_schedule(lr, total_steps, warmup=0.1, start_factor=0.1):
    """A learning-rate schedule over ``total_steps`` optimizer steps, from Keras's own parts.

    For the first ``warmup`` share of the steps the rate rises linearly from
    ``start_factor * lr`` to ``lr``, then it falls along half a cosine towards 0 (0 would
    come one step after the last): ``keras.optimizers.schedules.CosineDecay`` with its
    warm-up, to pass to an optimizer as ``learning_rate``. The PyTorch half builds the same rates from
    ``LinearLR`` and ``CosineAnnealingLR`` (checked by a test).

    Explained in "Multi-branch networks (GoogLeNet)".
    """
    warmup_steps, decay_steps = schedule_steps(total_steps, warmup, start_factor)
    return keras.optimizers.schedules.CosineDecay(
        lr * start_factor,
        decay_steps=decay_steps,
        warmup_target=lr,
        warmup_steps=warmup_steps,
    )


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device, momentum=0.0, lr_schedule=None):
    """Train a classifier on ``device`` with SGD and cross-entropy (explained in "LeNet").

    ``momentum`` (default 0: the reference book's plain SGD) is SGD's momentum, which the
    scaled networks of "Modern convolutional neural networks" use to learn in a few epochs
    (explained in "Network in network (NiN)"). ``lr_schedule=None`` keeps ``lr`` constant
    (the reference's way); ``"cosine"`` warms it up and lets it decay to 0 over the whole
    run with :func:`cosine_schedule` (explained in "GoogLeNet").

    ``net`` is a Keras model or a function returning one; a function is called inside
    ``tf.device(device)`` so the weights are created there (Keras initialises Dense and
    Conv2D weights with Glorot/Xavier by default). Plots the training curves, prints
    ``loss …, train acc …, test acc …`` and ``… examples/sec on <device>``, and returns the
    metrics as a dict.

    Explained in "Convolutional neural networks (LeNet)".
    """
    with tf.device(device):
        if not _is_keras(net):
            net = net()
        _build(net, train_iter)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        check_sgd_options(momentum, lr_schedule)
        num_batches = (
            sum(1 for _ in train_iter) if train_iter.cardinality() < 0 else int(train_iter.cardinality())
        )
        if lr_schedule == "cosine":
            lr = cosine_schedule(lr, num_epochs * num_batches)
        step = _train_step(net, loss, keras.optimizers.SGD(learning_rate=lr, momentum=momentum))
        predict = _predictor(net)
        animator = epoch_animator(num_epochs)
        timer = Timer()
        timer.times.clear()
        for epoch in range(num_epochs):
            metric = Accumulator(3)  # summed loss, correct predictions, examples
            for i, (X, y) in enumerate(train_iter):
                timer.start()
                total, correct, n = step(X, y)
                metric.add(float(total), float(correct), int(n))
                timer.stop()
                train_loss, train_acc = metric[0] / metric[2], metric[1] / metric[2]
                if is_plot_step(i, num_batches):
                    animator.add(epoch + (i + 1) / num_batches, (train_loss, train_acc, None))
            test_acc = _accuracy_with(predict, test_iter)
            animator.add(epoch + 1, (None, None, test_acc))
    result = report(train_loss, train_acc, test_acc, metric[2] * num_epochs / timer.sum(), device)
    return {**result, "net": net}

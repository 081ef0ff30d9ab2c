"""PyTorch training helpers (explained in "Linear regression from scratch" and
"Softmax regression from scratch"; used again by later chapters)."""

import torch
from torch import nn

from d2lutils.fashion_mnist import get_fashion_mnist_labels
from d2lutils.plotting import show_images
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
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Half squared error per example (same shape as ``y_hat``).

    Explained in "Linear regression from scratch".
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """Minibatch SGD on tensors that hold summed gradients; clears the gradients afterwards.

    Explained in "Linear regression from scratch".
    """
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


class Updater:
    """Minibatch SGD over a list of tensors, callable as ``updater(batch_size)``.

    Explained in "Softmax regression from scratch": binds the parameters and the learning
    rate to :func:`sgd`, so a trainer only passes the batch size (the gradients are already
    in ``param.grad``). Mirrors ``d2lutils.tensorflow.Updater``.
    """

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def __call__(self, batch_size):
        sgd(self.params, self.lr, batch_size)


def accuracy(y_hat, y):
    """Number of correct predictions (a float) for logits/probabilities ``y_hat``.

    Explained in "Softmax regression from scratch".
    """
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    return float((y_hat.type(y.dtype) == y).sum())


def evaluate_accuracy(net, data_iter):
    """Accuracy of ``net`` on ``data_iter`` (evaluation mode, no gradients).

    Explained in "Softmax regression from scratch".
    """
    if isinstance(net, nn.Module):
        net.eval()
    metric = Accumulator(2)  # correct predictions, examples
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def evaluate_loss(net, data_iter, loss):
    """Average of ``loss(y_hat, y)`` over ``data_iter`` (explained in "Model selection,
    underfitting, and overfitting"). ``loss`` may return per-example losses or their mean."""
    if isinstance(net, nn.Module):
        net.eval()
    metric = Accumulator(2)  # summed loss, examples
    with torch.no_grad():
        for X, y in data_iter:
            out = net(X)
            batch_loss = loss(out, y.reshape(out.shape) if y.numel() == out.numel() else y)
            n = y.shape[0]
            total = float(batch_loss.sum()) if batch_loss.ndim else float(batch_loss) * n
            metric.add(total, n)
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater):
    """Train one epoch; return (average loss, training accuracy).

    ``updater`` is a ``torch.optim.Optimizer`` or a function ``updater(batch_size)`` (e.g.
    :func:`sgd` bound to parameters). ``loss`` may return per-example losses or their mean.

    Explained in "Softmax regression from scratch".
    """
    if isinstance(net, nn.Module):
        net.train()
    metric = Accumulator(3)  # summed loss, correct predictions, examples
    for X, y in train_iter:
        y_hat = net(X)
        batch_loss = loss(y_hat, y)
        n = y.numel()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            batch_loss.mean().backward()
            updater.step()
        else:
            batch_loss.sum().backward()
            updater(n)
        batch_loss = batch_loss.detach()
        total = float(batch_loss.sum()) if batch_loss.ndim else float(batch_loss) * n
        metric.add(total, accuracy(y_hat.detach(), y), n)
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater, ylim=(0.3, 0.9)):
    """Train and evaluate for ``num_epochs``, plotting with :class:`Animator`.

    Prints the final line ``loss …, train acc …, test acc …`` and returns those three
    numbers as a dict.

    Explained in "Softmax regression from scratch".
    """
    return fit_epochs(
        num_epochs,
        lambda: train_epoch_ch3(net, train_iter, loss, updater),
        lambda: evaluate_accuracy(net, test_iter),
        ylim,
    )


def predict_ch3(net, test_iter, n=6):
    """Show the first ``n`` test images with their true and predicted labels.

    Explained in "Softmax regression from scratch".
    """
    if isinstance(net, nn.Module):
        net.eval()
    X, y = next(iter(test_iter))
    with torch.no_grad():
        preds = net(X[:n]).argmax(dim=1)
    titles = [f"{t}\n{p}" for t, p in zip(get_fashion_mnist_labels(y[:n]), get_fashion_mnist_labels(preds))]
    return show_images(X[:n, 0], 1, n, titles=titles)


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """Accuracy of ``net`` on ``data_iter``, computed on ``device`` (default: the net's device).

    Explained in "Convolutional neural networks (LeNet)".
    """
    if isinstance(net, nn.Module):
        net.eval()
        if device is None:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)  # correct predictions, examples
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def cosine_schedule(optimizer, total_steps, warmup=0.1, start_factor=0.1):
    """A learning-rate schedule over ``total_steps`` optimizer steps, from torch's own parts.

    For the first ``warmup`` share of the steps the rate rises linearly from
    ``start_factor`` times the optimizer's ``lr`` to ``lr`` (``LinearLR``), then it falls
    along half a cosine towards 0 (``CosineAnnealingLR``; 0 would come one step after the
    last); call ``.step()`` after every optimizer step. The TensorFlow half builds the same
    rates with Keras's ``CosineDecay`` (checked by a test).

    Explained in "Multi-branch networks (GoogLeNet)".
    """
    warmup_steps, decay_steps = schedule_steps(total_steps, warmup, start_factor)
    schedulers = torch.optim.lr_scheduler
    return schedulers.SequentialLR(
        optimizer,
        [
            schedulers.LinearLR(optimizer, start_factor, 1.0, warmup_steps),
            schedulers.CosineAnnealingLR(optimizer, T_max=decay_steps),
        ],
        milestones=[warmup_steps],
    )


def train_ch6(
    net, train_iter, test_iter, num_epochs, lr, device, momentum=0.0, lr_schedule=None, channels_last=False
):
    """Train a classifier on ``device`` with SGD and cross-entropy (explained in "LeNet").

    ``momentum`` (default 0: the reference book's plain SGD) is SGD's momentum, which the
    scaled networks of "Modern convolutional neural networks" use to learn in a few epochs
    (explained in "Network in network (NiN)"). ``lr_schedule=None`` keeps ``lr`` constant
    (the reference's way); ``"cosine"`` warms it up and lets it decay to 0 over the whole
    run with :func:`cosine_schedule` (explained in "GoogLeNet"). ``channels_last=True``
    stores the weights and the image batches in channels-last order (NHWC in memory, the
    shape stays NCHW), which makes the convolutions of the deeper networks faster on CPUs
    (explained in "Networks using blocks (VGG)").
    Weights of linear and convolutional layers are Xavier-initialised first. Plots the
    training curves, prints ``loss …, train acc …, test acc …`` and
    ``… examples/sec on <device>``, and returns the metrics as a dict.

    Explained in "Convolutional neural networks (LeNet)".
    """

    def init_weights(module):
        if isinstance(module, nn.Linear | nn.Conv2d):
            nn.init.xavier_uniform_(module.weight)

    if not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True or False, got {channels_last!r}")
    check_sgd_options(momentum, lr_schedule)
    net.apply(init_weights)
    net.to(device, memory_format=torch.channels_last if channels_last else torch.preserve_format)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    loss = nn.CrossEntropyLoss()
    animator = epoch_animator(num_epochs)
    timer, num_batches = Timer(), len(train_iter)
    scheduler = cosine_schedule(optimizer, num_epochs * num_batches) if lr_schedule == "cosine" else None
    timer.times.clear()
    for epoch in range(num_epochs):
        metric = Accumulator(3)  # summed loss, correct predictions, examples
        net.train()
        for i, (X, y) in enumerate(train_iter):
            timer.start()
            X, y = X.to(device), y.to(device)
            if channels_last and X.dim() == 4:
                X = X.contiguous(memory_format=torch.channels_last)
            y_hat = net(X)
            batch_loss = loss(y_hat, y)
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            with torch.no_grad():
                metric.add(float(batch_loss) * X.shape[0], accuracy(y_hat, y), X.shape[0])
            timer.stop()
            train_loss, train_acc = metric[0] / metric[2], metric[1] / metric[2]
            if is_plot_step(i, num_batches):
                animator.add(epoch + (i + 1) / num_batches, (train_loss, train_acc, None))
        test_acc = evaluate_accuracy_gpu(net, test_iter, device)
        animator.add(epoch + 1, (None, None, test_acc))
    result = report(train_loss, train_acc, test_acc, metric[2] * num_epochs / timer.sum(), device)
    return {**result, "net": net}

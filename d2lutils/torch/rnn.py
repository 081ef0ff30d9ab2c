"""PyTorch helpers for recurrent neural networks (explained in "Recurrent neural networks from
scratch" and "Concise implementation of recurrent neural networks"; used again by chapter 9).

Both models here take minibatches of token indices of shape (batch size, number of time
steps) and return logits of shape (number of time steps * batch size, vocabulary size) in
time-major order (all sequences' first steps, then all second steps, ...), and the new state.
"""

import torch
from torch import nn
from torch.nn import functional as F

from d2lutils.params import check_positive_int as _check_positive_int
from d2lutils.params import check_positive_number as _check_positive_number
from d2lutils.progress import epoch_result, lm_epochs
from d2lutils.timing import Accumulator, Timer

__all__ = ["RNNModel", "RNNModelScratch", "grad_clipping", "predict_ch8", "train_ch8", "train_epoch_ch8"]

#: The prefixes whose continuations ``train_ch8`` prints after training.


class RNNModelScratch:
    """A recurrent network made of plain tensors (explained in "Recurrent neural networks from
    scratch").

    ``get_params(vocab_size, num_hiddens, device)`` returns the list of parameter tensors
    (with ``requires_grad``), ``init_state(batch_size, num_hiddens, device)`` the initial
    state (a tuple of tensors) and ``forward_fn(inputs, state, params)`` runs the network over
    one-hot ``inputs`` of shape (num_steps, batch, vocab_size) and returns (logits of shape
    (num_steps * batch, vocab_size), new state). Calling the model, ``net(X, state)``, turns
    the token indices ``X`` of shape (batch, num_steps) into those one-hot inputs first.
    """

    def __init__(self, vocab_size, num_hiddens, device, get_params, init_state, forward_fn):
        _check_positive_int("vocab_size", vocab_size)
        _check_positive_int("num_hiddens", num_hiddens)
        for name, fn in (("get_params", get_params), ("init_state", init_state), ("forward_fn", forward_fn)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = list(get_params(vocab_size, num_hiddens, device))
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        if X.ndim != 2:
            raise ValueError(f"X must have shape (batch_size, num_steps), got {tuple(X.shape)}")
        inputs = F.one_hot(X.T.long(), self.vocab_size).type(torch.float32)
        return self.forward_fn(inputs, state, self.params)

    def begin_state(self, batch_size, device):
        """The initial state for a minibatch of ``batch_size`` sequences."""
        _check_positive_int("batch_size", batch_size)
        return self.init_state(batch_size, self.num_hiddens, device)

    def parameters(self):
        """The parameter tensors (as ``nn.Module.parameters`` would give them)."""
        return iter(self.params)


class RNNModel(nn.Module):
    """A PyTorch recurrent layer followed by a dense output layer (explained in "Concise
    implementation of recurrent neural networks").

    ``rnn_layer`` is an ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` whose ``input_size`` is the
    vocabulary size (the inputs are one-hot vectors); it may have several layers and be
    bidirectional. Its default layout is time-major, (num_steps, batch, features); a layer
    made with ``batch_first=True`` is fed batch-major inputs instead. Either way the model
    returns time-major logits of shape (num_steps * batch, vocab_size), as
    :class:`RNNModelScratch` does, and the layer's new state (a tuple ``(h, c)`` for an LSTM).
    """

    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        if not isinstance(rnn_layer, nn.RNNBase):
            raise TypeError(f"rnn_layer must be an nn.RNN, nn.GRU or nn.LSTM, got {type(rnn_layer).__name__}")
        _check_positive_int("vocab_size", vocab_size)
        if rnn_layer.input_size != vocab_size:
            raise ValueError(
                f"rnn_layer takes inputs of size {rnn_layer.input_size}, but its inputs are one-hot "
                f"vectors of size vocab_size={vocab_size}"
            )
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = 2 if rnn_layer.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, vocab_size)

    def forward(self, inputs, state):
        if inputs.ndim != 2:
            raise ValueError(f"inputs must have shape (batch_size, num_steps), got {tuple(inputs.shape)}")
        X = F.one_hot(inputs.T.long(), self.vocab_size).type(torch.float32)  # (steps, batch, vocab)
        if self.rnn.batch_first:
            Y, state = self.rnn(X.transpose(0, 1), state)
            Y = Y.transpose(0, 1)
        else:
            Y, state = self.rnn(X, state)
        # Y: (num_steps, batch, num_directions * num_hiddens) -> one row per (step, sequence)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def begin_state(self, batch_size, device):
        """Zeros of shape (num_directions * num_layers, batch_size, num_hiddens); ``(h, c)`` for an LSTM."""
        _check_positive_int("batch_size", batch_size)
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
        return torch.zeros(shape, device=device)


def _params(net):
    if isinstance(net, nn.Module | RNNModelScratch):
        params = net.parameters()
    else:
        params = net
    return [p for p in params if p.requires_grad]


def grad_clipping(net_or_grads, theta):
    """Scale all gradients of ``net_or_grads`` so that their global L2 norm is at most ``theta``.

    ``net_or_grads`` is a model (an ``nn.Module`` or :class:`RNNModelScratch`) or a list of
    parameters; their ``.grad`` is rescaled in place. Returns the norm before clipping.
    Explained in "Recurrent neural networks from scratch".
    """
    _check_positive_number("theta", theta)
    params = [p for p in _params(net_or_grads) if p.grad is not None]
    if not params:
        return 0.0
    norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
    if norm > theta:
        for p in params:
            p.grad.mul_(theta / norm)
    return float(norm)


def predict_ch8(prefix, num_preds, net, vocab, device):
    """Continue the string ``prefix`` by ``num_preds`` characters, greedily (explained in
    "Recurrent neural networks from scratch").

    The prefix warms up the state; then each step feeds the last character and appends the
    most likely next one. Characters not in ``vocab`` map to ``<unk>`` (index 0), so they come
    back as ``<unk>`` in the result.
    """
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    _check_positive_int("num_preds", num_preds)
    if isinstance(net, nn.Module):
        net.eval()
    state = net.begin_state(batch_size=1, device=device)
    outputs = [vocab[prefix[0]]]
    with torch.no_grad():
        for char in prefix[1:]:  # warm-up: read the prefix, keep only the state
            _, state = net(torch.tensor([[outputs[-1]]], device=device), state)
            outputs.append(vocab[char])
        for _ in range(num_preds):  # predict num_preds steps
            y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
            outputs.append(int(y.argmax(dim=1).reshape(1)))
    return "".join(vocab.idx_to_token[i] for i in outputs)


def _detach(state):
    if isinstance(state, tuple | list):
        for s in state:
            s.detach_()
    else:
        state.detach_()


def _state_batch(state):
    first = state[0] if isinstance(state, tuple | list) else state
    return first.shape[-2]


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter, clip=1.0):
    """Train ``net`` for one epoch; return (perplexity, tokens/sec).

    ``updater`` is a ``torch.optim.Optimizer`` or a callable ``updater(batch_size)`` (such as
    :class:`~d2lutils.torch.Updater`) that applies and clears the gradients. With the random
    iterator every minibatch starts from a fresh state; with the sequential one the state
    carries over and is detached, so gradients stop at the minibatch boundary. The
    gradients are clipped to a global norm of ``clip``. Explained in "Recurrent neural
    networks from scratch".
    """
    return _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip)[:2]


def _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip, warmup=False):
    """One epoch; returns (perplexity, tokens/sec, timed tokens, timed seconds, warm-up seconds).

    With ``warmup``, the first minibatch trains but is timed apart (one-off costs: first
    allocations, TensorFlow's tracing), unless it is the only one.
    """
    state, timer = None, Timer()
    metric = Accumulator(3)  # summed loss, tokens, timed tokens
    warmup_time = 0.0
    if isinstance(net, nn.Module):
        net.train()
    for i, (X, Y) in enumerate(train_iter):
        if state is None or use_random_iter or _state_batch(state) != X.shape[0]:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            _detach(state)
        y = Y.T.reshape(-1)  # time-major, like the logits
        X, y = X.to(device), y.to(device)
        y_hat, state = net(X, state)
        batch_loss = loss(y_hat, y.long()).mean()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            batch_loss.backward()
            grad_clipping(net, clip)
            updater.step()
        else:
            batch_loss.backward()
            grad_clipping(net, clip)
            updater(batch_size=1)  # the loss is already a mean
        n = y.numel()
        metric.add(float(batch_loss.detach()) * n, n, 0 if warmup and i == 0 else n)
        if warmup and i == 0:
            warmup_time = timer.stop()
            timer.start()
    return epoch_result(metric, timer.stop(), warmup_time)


def _optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)


def train_ch8(
    net, train_iter, vocab, lr, num_epochs, device, use_random_iter=False, optimizer="sgd", clip=1.0
):
    """Train a character-level language model and report its perplexity (explained in
    "Recurrent neural networks from scratch").

    Uses cross-entropy on the next character, ``optimizer`` ``"sgd"`` (the reference book's
    plain SGD) or ``"adam"`` at learning rate ``lr``, and gradient clipping at ``clip``. Draws
    the training perplexity with :class:`~d2lutils.Animator`, then prints
    ``perplexity 1.3, 45678.9 tokens/sec on cpu`` and greedy continuations of
    "time traveller" and "traveller". The first minibatch is timed apart, as a warm-up, so
    ``tokens_per_sec`` (over all epochs) and ``train_time`` (seconds) measure the steady
    state, and ``warmup_time`` is that first minibatch. The returned dict also has
    ``perplexity``, ``device``, ``net``, ``history`` (perplexity per epoch) and
    ``predictions`` (prefix -> text).
    """
    _check_positive_number("lr", lr)
    _check_positive_int("num_epochs", num_epochs)
    _check_positive_number("clip", clip)
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    if isinstance(net, nn.Module):
        net.to(device)
    loss = nn.CrossEntropyLoss()
    updater = _optimizer(optimizer, _params(net), lr)
    result = lm_epochs(
        num_epochs,
        lambda warmup: _run_epoch(
            net, train_iter, loss, updater, device, use_random_iter, clip, warmup=warmup
        ),
        lambda prefix: predict_ch8(prefix, 50, net, vocab, device),
        device,
    )
    return {
        **result,
        "net": net,
    }

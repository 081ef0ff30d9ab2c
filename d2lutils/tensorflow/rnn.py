"""TensorFlow helpers for recurrent neural networks (explained in "Recurrent neural networks from
scratch" and "Concise implementation of recurrent neural networks"; used again by chapter 9).

Both models here take minibatches of token indices of shape (batch size, number of time
steps) and return logits of shape (number of time steps * batch size, vocabulary size) in
time-major order (all sequences' first steps, then all second steps, ...), and the new state,
exactly as their PyTorch twins in ``d2lutils.torch``. The trainer compiles its whole training
step (forward pass, loss, gradient, clipping, update) into one ``tf.function`` that is traced
once: the minibatches have a fixed shape and the state is always a tuple of tensors.
"""

import keras
import tensorflow as tf

from d2lutils.params import check_positive_int as _check_positive_int
from d2lutils.params import check_positive_number as _check_positive_number
from d2lutils.progress import epoch_result, lm_epochs
from d2lutils.timing import Accumulator, Timer

__all__ = ["RNNModel", "RNNModelScratch", "grad_clipping", "predict_ch8", "train_ch8", "train_epoch_ch8"]

#: The prefixes whose continuations ``train_ch8`` prints after training.


def _as_tuples(state):
    """The same nesting with every list turned into a tuple, so a compiled step sees one structure."""
    if isinstance(state, list | tuple):
        return tuple(_as_tuples(s) for s in state)
    return state


class RNNModelScratch:
    """A recurrent network made of plain ``tf.Variable``s (explained in "Recurrent neural
    networks from scratch").

    ``get_params(vocab_size, num_hiddens)`` returns the list of variables,
    ``init_state(batch_size, num_hiddens)`` the initial state (a tuple of tensors) and
    ``forward_fn(inputs, state, params)`` runs the network over one-hot ``inputs`` of shape
    (num_steps, batch, vocab_size) and returns (logits of shape (num_steps * batch,
    vocab_size), new state). Calling the model, ``net(X, state)``, turns the token indices
    ``X`` of shape (batch, num_steps) into those one-hot inputs first. The variables are in
    ``trainable_variables``, as for a Keras model.
    """

    def __init__(self, vocab_size, num_hiddens, init_state, forward_fn, get_params):
        _check_positive_int("vocab_size", vocab_size)
        _check_positive_int("num_hiddens", num_hiddens)
        for name, fn in (("get_params", get_params), ("init_state", init_state), ("forward_fn", forward_fn)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.init_state, self.forward_fn = init_state, forward_fn
        self.trainable_variables = list(get_params(vocab_size, num_hiddens))

    def __call__(self, X, state):
        if len(X.shape) != 2:
            raise ValueError(f"X must have shape (batch_size, num_steps), got {tuple(X.shape)}")
        # One-hot first, then time-major: (batch, steps, vocab) -> (steps, batch, vocab). (Transposing
        # the int32 indices instead would work too, but oneDNN logs a notice for int32 transposes.)
        inputs = tf.transpose(tf.one_hot(X, self.vocab_size, dtype=tf.float32), (1, 0, 2))
        return self.forward_fn(inputs, state, self.trainable_variables)

    def begin_state(self, batch_size, device=None):
        """The initial state for a minibatch of ``batch_size`` sequences (``device`` is unused:
        in TensorFlow the enclosing ``tf.device`` scope places the tensors)."""
        _check_positive_int("batch_size", batch_size)
        return self.init_state(batch_size, self.num_hiddens)


def _rnn_layers(layer):
    """The RNN layers whose settings matter: the layer itself, or both halves of a Bidirectional."""
    if isinstance(layer, keras.layers.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


class RNNModel(keras.Model):
    """A Keras recurrent layer followed by a dense output layer (explained in "Concise
    implementation of recurrent neural networks").

    ``rnn_layer`` is a ``keras.layers.SimpleRNN``, ``GRU``, ``LSTM`` or ``RNN`` (e.g. of
    stacked cells), or a ``keras.layers.Bidirectional`` of one, made with
    ``return_sequences=True, return_state=True``. Keras layers are batch-major: they read
    (batch, num_steps, features). The model returns the logits in the same time-major order as
    :class:`RNNModelScratch`, shape (num_steps * batch, vocab_size), and the new state as a
    tuple of tensors (``(h, c)`` for an LSTM; forward then backward states for a
    Bidirectional layer).
    """

    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rnn_layer, keras.layers.RNN | keras.layers.Bidirectional):
            raise TypeError(
                "rnn_layer must be a Keras recurrent layer (SimpleRNN, GRU, LSTM, RNN or Bidirectional), "
                f"got {type(rnn_layer).__name__}"
            )
        for layer in _rnn_layers(rnn_layer):
            if not (layer.return_sequences and layer.return_state):
                raise ValueError("rnn_layer must be made with return_sequences=True and return_state=True")
        _check_positive_int("vocab_size", vocab_size)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.dense = keras.layers.Dense(vocab_size)

    def call(self, inputs, state, training=False):
        if len(inputs.shape) != 2:
            raise ValueError(f"inputs must have shape (batch_size, num_steps), got {tuple(inputs.shape)}")
        X = tf.one_hot(inputs, self.vocab_size, dtype=tf.float32)  # (batch, steps, vocab)
        outputs = self.rnn(X, initial_state=list(state), training=training)
        Y, new_state = outputs[0], _as_tuples(outputs[1:])
        Y = tf.transpose(Y, (1, 0, 2))  # time-major, as in PyTorch: (steps, batch, hiddens)
        return self.dense(tf.reshape(Y, (-1, Y.shape[-1]))), new_state

    def begin_state(self, batch_size, device=None):
        """Zeros for every state tensor of the layer, each (batch_size, num_hiddens), as a tuple.

        ``device`` is unused: in TensorFlow the enclosing ``tf.device`` scope places the tensors.
        """
        _check_positive_int("batch_size", batch_size)
        state = []
        for layer in _rnn_layers(self.rnn):
            state.extend(layer.get_initial_state(batch_size))
        return _as_tuples(state)


def grad_clipping(net_or_grads, theta):
    """Scale the gradients ``net_or_grads`` so that their global L2 norm is at most ``theta``.

    TensorFlow returns gradients rather than storing them on the variables, so this takes the
    list of gradients and returns the clipped list (it works inside ``tf.function``).
    Explained in "Recurrent neural networks from scratch".
    """
    _check_positive_number("theta", theta)
    if isinstance(net_or_grads, RNNModelScratch | keras.layers.Layer):
        raise TypeError("grad_clipping takes the list of gradients in TensorFlow (from tape.gradient)")
    grads = [tf.convert_to_tensor(g) for g in net_or_grads]
    norm = tf.sqrt(sum(tf.reduce_sum(g**2) for g in grads))
    scale = tf.minimum(tf.constant(1.0, norm.dtype), theta / norm)
    return [g * scale for g in grads]


def predict_ch8(prefix, num_preds, net, vocab, device=None):
    """Continue the string ``prefix`` by ``num_preds`` characters, greedily (explained in
    "Recurrent neural networks from scratch").

    The prefix warms up the state; then each step feeds the last character and appends the
    most likely next one. Characters not in ``vocab`` map to ``<unk>`` (index 0), so they come
    back as ``<unk>`` in the result.
    """
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    _check_positive_int("num_preds", num_preds)
    with tf.device(device):
        state = net.begin_state(batch_size=1)
        outputs = [vocab[prefix[0]]]
        for char in prefix[1:]:  # warm-up: read the prefix, keep only the state
            _, state = net(tf.constant([[outputs[-1]]]), state)
            outputs.append(vocab[char])
        for _ in range(num_preds):  # predict num_preds steps
            y, state = net(tf.constant([[outputs[-1]]]), state)
            outputs.append(int(tf.argmax(y, axis=1)[0]))
    return "".join(vocab.idx_to_token[i] for i in outputs)


def _time_major_labels(Y):
    """(batch, steps) labels -> one time-major vector, like the logits.

    The transpose runs on float32 (exact for any vocabulary below 2**24 tokens): oneDNN logs
    a notice for every int32 transpose on some CPUs.
    """
    flat = tf.reshape(tf.transpose(tf.cast(Y, tf.float32)), (-1,))
    return tf.cast(flat, Y.dtype)


def _train_step(net, loss, updater, clip, jit_compile=False):
    """Compile one training step: forward, loss, gradient, clipping, update.

    Returns ``step(X, Y, state) -> (mean loss, new state)``. The new state is returned as a
    plain tensor, so the next minibatch starts from its value without a path back for the
    gradient (the sequential iterator's detach).
    """
    keras_net = isinstance(net, keras.layers.Layer)
    keras_optimizer = isinstance(updater, keras.optimizers.Optimizer)

    @tf.function(jit_compile=jit_compile)
    def step(X, Y, state):
        y = _time_major_labels(Y)
        with tf.GradientTape() as tape:
            y_hat, new_state = net(X, state, training=True) if keras_net else net(X, state)
            batch_loss = loss(y, y_hat)
        params = net.trainable_variables
        grads = grad_clipping(tape.gradient(batch_loss, params), clip)
        if keras_optimizer:
            updater.apply_gradients(zip(grads, params))
        else:
            updater(1, grads)  # the loss is already a mean
        return batch_loss, _as_tuples(new_state)

    return step


def _build(net, train_iter, updater):
    """Create a Keras model's weights and the optimizer's slots once, outside the compiled step."""
    if isinstance(net, keras.layers.Layer) and not net.built:
        X, _ = next(iter(train_iter))
        net(X[:1, :1], net.begin_state(batch_size=1))
    if isinstance(updater, keras.optimizers.Optimizer) and not updater.built:
        updater.build(net.trainable_variables)


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter, clip=1.0, step=None):
    """Train ``net`` for one epoch; return (perplexity, tokens/sec).

    ``loss`` is a Keras loss called as ``loss(y, y_hat)`` returning the mean;
    ``updater`` a Keras optimizer or a callable ``updater(batch_size, grads)`` with the
    variables in ``updater.params`` (such as :class:`~d2lutils.tensorflow.Updater`). With the
    random iterator every minibatch starts from a fresh state; with the sequential one the
    state carries over, as a plain tensor, so no gradient flows back across minibatches.
    The gradients are clipped to a global norm of ``clip``. ``step`` reuses a step compiled by
    an earlier epoch (``train_ch8`` compiles one for all epochs). Explained in "Recurrent
    neural networks from scratch".
    """
    return _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip, step)[:2]


def _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip, step=None, warmup=False):
    """One epoch; returns (perplexity, tokens/sec, timed tokens, timed seconds, warm-up seconds).

    With ``warmup``, the first minibatch trains but is timed apart (one-off costs: tracing
    and optimising the graph), unless it is the only one.
    """
    with tf.device(device):
        _build(net, train_iter, updater)
        step = step or _train_step(net, loss, updater, clip)
        state, timer = None, Timer()
        metric = Accumulator(3)  # summed loss, tokens, timed tokens
        warmup_time = 0.0
        for i, (X, Y) in enumerate(train_iter):
            batch_size = int(X.shape[0])
            if state is None or use_random_iter or int(tf.nest.flatten(state)[0].shape[0]) != batch_size:
                state = _as_tuples(net.begin_state(batch_size=batch_size))
            batch_loss, state = step(X, Y, state)
            n = int(tf.size(Y))
            metric.add(float(batch_loss) * n, n, 0 if warmup and i == 0 else n)
            if warmup and i == 0:
                warmup_time = timer.stop()
                timer.start()
        seconds = timer.stop()
    return epoch_result(metric, seconds, warmup_time)


def _optimizer(name, lr):
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    return keras.optimizers.Adam(learning_rate=lr)


def train_ch8(
    net,
    train_iter,
    vocab,
    lr,
    num_epochs,
    device=None,
    use_random_iter=False,
    optimizer="sgd",
    clip=1.0,
    jit_compile=False,
):
    """Train a character-level language model and report its perplexity (explained in
    "Recurrent neural networks from scratch").

    Uses cross-entropy on the next character, ``optimizer`` ``"sgd"`` (the reference book's
    plain SGD) or ``"adam"`` at learning rate ``lr``, and gradient clipping at ``clip``, all in
    one compiled training step (``jit_compile=True`` compiles it with XLA). Draws the training
    perplexity with :class:`~d2lutils.Animator`, then prints
    ``perplexity 1.3, 45678.9 tokens/sec on /CPU:0`` and greedy continuations of
    "time traveller" and "traveller". The first minibatch, which traces and optimises the
    step, is timed apart, so ``tokens_per_sec`` (over all epochs) and ``train_time``
    (seconds) measure the compiled step, and ``warmup_time`` is that first minibatch. The
    returned dict also has ``perplexity``, ``device``, ``net``, ``history`` (perplexity per
    epoch), ``predictions`` (prefix -> text) and ``traces`` (how many times the step was
    traced: 1 when nothing retraced).
    """
    _check_positive_number("lr", lr)
    _check_positive_int("num_epochs", num_epochs)
    _check_positive_number("clip", clip)
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    device = device or "/CPU:0"
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    updater = _optimizer(optimizer, lr)
    with tf.device(device):
        _build(net, train_iter, updater)
        step = _train_step(net, loss, updater, clip, jit_compile)
    result = lm_epochs(
        num_epochs,
        lambda warmup: _run_epoch(
            net, train_iter, loss, updater, device, use_random_iter, clip, step, warmup=warmup
        ),
        lambda prefix: predict_ch8(prefix, 50, net, vocab, device),
        device,
    )
    return {**result, "net": net, "traces": step.experimental_get_tracing_count()}

"""Sequence-to-sequence learning with RNNs in TensorFlow (explained in "Sequence to sequence learning").

Conventions shared with :mod:`d2lutils.torch.seq2seq`: token indices come batch-major,
(batch, num_steps); the decoder returns scores of shape (batch, num_steps, vocab_size). The
TensorFlow encoder returns ``(outputs, state)`` with ``outputs`` batch-major (batch,
num_steps, num_hiddens), as Keras layers make them, and ``state`` (num_layers, batch,
num_hiddens), as in PyTorch. The trainer compiles one training step, traced once for all
minibatches (the batch dimension is left open, so the last, smaller minibatch reuses it);
prediction compiles one decoder step, traced once for all steps and sentences.
"""

import weakref

import keras
import tensorflow as tf

from d2lutils.nmt import preprocess_nmt, truncate_pad
from d2lutils.params import check_positive_int as _check_positive_int
from d2lutils.params import check_positive_number as _check_positive_number
from d2lutils.progress import seq2seq_epochs
from d2lutils.tensorflow.encoder_decoder import Decoder, Encoder
from d2lutils.tensorflow.rnn import grad_clipping

__all__ = [
    "MaskedSoftmaxCELoss",
    "Seq2SeqDecoder",
    "Seq2SeqEncoder",
    "predict_seq2seq",
    "sequence_mask",
    "train_seq2seq",
]


def _check_sizes(vocab_size, embed_size, num_hiddens, num_layers, dropout):
    for name, value in (
        ("vocab_size", vocab_size),
        ("embed_size", embed_size),
        ("num_hiddens", num_hiddens),
        ("num_layers", num_layers),
    ):
        _check_positive_int(name, value)
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")


def _gru_stack(num_hiddens, num_layers):
    # Measured on a CPU: unroll=True traces about 1.5x longer for no steadier speed, and
    # jit_compile=True (XLA) on the training step is slower; both stay off.
    return [
        keras.layers.GRU(num_hiddens, return_sequences=True, return_state=True) for _ in range(num_layers)
    ]


def _run_gru_stack(rnns, dropout, X, initial_state=None, training=None):
    """Run the stacked GRU layers, dropout between them; return (top outputs, stacked states)."""
    states = []
    for i, rnn in enumerate(rnns):
        if i > 0:
            X = dropout(X, training=training)
        init = None if initial_state is None else initial_state[i]
        X, state = rnn(X, initial_state=init, training=training)
        states.append(state)
    return X, tf.stack(states)


class Seq2SeqEncoder(Encoder):
    """An embedding and a multi-layer GRU over the source tokens (explained in "Sequence to
    sequence learning").

    ``call(X, *args, training=None)`` takes token indices of shape (batch, num_steps) and
    returns ``(outputs, state)``: the top layer's outputs at every step, batch-major (batch,
    num_steps, num_hiddens), and the final hidden state of every layer (num_layers, batch,
    num_hiddens). Extra arguments (the valid lengths) are ignored. ``dropout`` acts between
    the GRU layers, as ``nn.GRU``'s does.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(vocab_size, embed_size, num_hiddens, num_layers, dropout)
        # nn.Embedding's start, N(0, 1): Keras's default U(-0.05, 0.05) trains slower here.
        start = keras.initializers.RandomNormal(stddev=1.0)
        self.embedding = keras.layers.Embedding(vocab_size, embed_size, embeddings_initializer=start)
        self.rnns = _gru_stack(num_hiddens, num_layers)
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, *input_shapes):
        # The sublayers create their weights on the first call; nothing to do here, but
        # defining build stops Keras from trying to trace call (with its *args) to build them.
        self.built = True

    def call(self, X, *args, training=None):
        if len(X.shape) != 2:
            raise ValueError(f"X must have shape (batch_size, num_steps), got {tuple(X.shape)}")
        return _run_gru_stack(self.rnns, self.dropout, self.embedding(X), training=training)


class Seq2SeqDecoder(Decoder):
    """A GRU decoder that reads the encoder's final top-layer state as a context at every step
    (explained in "Sequence to sequence learning").

    ``init_state(enc_outputs, *args)`` returns ``(hidden, context)``: the encoder's final
    state of every layer (num_layers, batch, num_hiddens), which starts the decoder's GRU, and
    its top layer (batch, num_hiddens), the context. ``call(X, state, training=None)`` embeds
    the tokens ``X`` (batch, num_steps), concatenates the context to every step, runs the GRU
    and returns scores (batch, num_steps, vocab_size) and the new ``(hidden, context)``; the
    context stays the encoder's, however many steps the decoder has taken.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(vocab_size, embed_size, num_hiddens, num_layers, dropout)
        # nn.Embedding's start, N(0, 1): Keras's default U(-0.05, 0.05) trains slower here.
        start = keras.initializers.RandomNormal(stddev=1.0)
        self.embedding = keras.layers.Embedding(vocab_size, embed_size, embeddings_initializer=start)
        self.rnns = _gru_stack(num_hiddens, num_layers)
        self.dropout = keras.layers.Dropout(dropout)
        self.dense = keras.layers.Dense(vocab_size)

    def build(self, *input_shapes):
        # The sublayers create their weights on the first call; nothing to do here, but
        # defining build stops Keras from trying to trace call (with its *args) to build them.
        self.built = True

    def init_state(self, enc_outputs, *args):
        _, enc_state = enc_outputs
        return enc_state, enc_state[-1]

    def call(self, X, state, training=None):
        if len(X.shape) != 2:
            raise ValueError(f"X must have shape (batch_size, num_steps), got {tuple(X.shape)}")
        hidden, context = state
        embs = self.embedding(X)  # (batch, num_steps, embed_size)
        context_steps = tf.repeat(context[:, None, :], tf.shape(embs)[1], axis=1)
        inputs = tf.concat([embs, context_steps], axis=2)
        outputs, hidden = _run_gru_stack(self.rnns, self.dropout, inputs, hidden, training=training)
        return self.dense(outputs), (hidden, context)


def _check_valid_len(X, valid_len):
    X = tf.convert_to_tensor(X)
    if len(X.shape) < 2:
        raise ValueError(
            f"X must have at least 2 dimensions (batch, num_steps, ...), got shape {tuple(X.shape)}"
        )
    valid_len = tf.convert_to_tensor(valid_len)
    batch = X.shape[0]
    if len(valid_len.shape) != 1 or (
        batch is not None and valid_len.shape[0] is not None and valid_len.shape[0] != batch
    ):
        raise ValueError(f"valid_len must have shape ({batch},), got {tuple(valid_len.shape)}")
    return X, valid_len


def sequence_mask(X, valid_len, value=0):
    """``X`` (batch, num_steps, ...) with every position at or after ``valid_len`` set to ``value``.

    ``valid_len`` (batch,) counts the valid steps of each sequence. Returns a new tensor
    (works inside ``tf.function``). Explained in "Sequence to sequence learning".
    """
    X, valid_len = _check_valid_len(X, valid_len)
    keep = tf.range(tf.shape(X)[1])[None, :] < tf.cast(valid_len, tf.int32)[:, None]
    keep = tf.reshape(keep, tf.concat([tf.shape(keep), tf.ones(len(X.shape) - 2, tf.int32)], 0))
    return tf.where(keep, X, tf.cast(value, X.dtype))


class MaskedSoftmaxCELoss:
    """Softmax cross-entropy that ignores padding (explained in "Sequence to sequence learning").

    ``loss(pred, label, valid_len)``, in the same order as PyTorch's: scores ``pred`` (batch,
    num_steps, vocab_size), labels (batch, num_steps) and valid lengths (batch,). Returns one
    loss per sequence (batch,): the cross-entropy of the valid steps, summed and divided by
    ``num_steps`` (padded steps count as zero). Works inside ``tf.function``.
    """

    def __call__(self, pred, label, valid_len):
        if len(pred.shape) != 3 or len(label.shape) != 2:
            raise ValueError(
                "pred must have shape (batch, num_steps, vocab_size) and label (batch, num_steps), "
                f"got pred {tuple(pred.shape)} and label {tuple(label.shape)}"
            )
        weights = sequence_mask(tf.ones(tf.shape(label), pred.dtype), valid_len)
        unweighted = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=label, logits=pred)
        return tf.reduce_mean(unweighted * weights, axis=1)


def _dec_input(Y, bos):
    """Teacher forcing: ``<bos>`` followed by the targets shifted right by one step."""
    bos_column = tf.fill(tf.stack([tf.shape(Y)[0], 1]), tf.cast(bos, Y.dtype))
    return tf.concat([bos_column, Y[:, :-1]], axis=1)


def _open_batch_spec(t):
    return tf.TensorSpec((None, *t.shape[1:]), t.dtype)


def train_seq2seq(net, data_iter, lr, num_epochs, tgt_vocab, device=None):
    """Train an encoder-decoder on translation pairs with teacher forcing (explained in
    "Sequence to sequence learning").

    ``net`` is any :class:`~d2lutils.tensorflow.EncoderDecoder` whose decoder has
    ``init_state(enc_outputs, enc_valid_len)``; it is called as ``net(X, dec_input,
    X_valid_len, training=True)``, where ``dec_input`` is ``<bos>`` followed by the targets
    shifted right by one. ``data_iter`` yields ``(X, X_valid_len, Y, Y_valid_len)`` (see
    ``load_data_nmt``). Adam at ``lr`` minimises the masked cross-entropy
    (:class:`MaskedSoftmaxCELoss`, summed over the minibatch) with gradients clipped to norm 1,
    all in one ``tf.function`` traced once: its input signature leaves the batch dimension
    open, so the last, smaller minibatch does not retrace it. Plots the loss per token against
    epochs and prints ``loss 0.019, 12345.6 tokens/sec on /CPU:0``. The first minibatch
    (tracing and optimising the step) is timed apart as a warm-up. Returns a dict with
    ``loss`` (the last epoch's loss per token), ``tokens_per_sec``, ``train_time``,
    ``warmup_time`` (seconds), ``device``, ``history`` (loss per epoch), ``net`` and
    ``traces`` (how many times the step was traced: 1).
    """
    _check_positive_number("lr", lr)
    _check_positive_int("num_epochs", num_epochs)
    device = device or "/CPU:0"
    optimizer = keras.optimizers.Adam(learning_rate=lr)
    loss = MaskedSoftmaxCELoss()
    bos = tgt_vocab["<bos>"]
    with tf.device(device):
        first = next(iter(data_iter), None)
        if first is None:
            raise ValueError("data_iter yielded no minibatch")
        X, X_valid_len, Y, _ = first
        # Create the weights with one eager forward pass, part by part: calling an unbuilt
        # EncoderDecoder directly makes Keras try (and fail) to trace its call(*args) to build it.
        enc_outputs = net.encoder(X[:1], X_valid_len[:1], training=False)
        net.decoder(
            _dec_input(Y[:1], bos), net.decoder.init_state(enc_outputs, X_valid_len[:1]), training=False
        )
        net.built = True
        params = net.trainable_variables
        optimizer.build(params)

        @tf.function(input_signature=[_open_batch_spec(t) for t in first])
        def step(X, X_valid_len, Y, Y_valid_len):
            with tf.GradientTape() as tape:
                Y_hat, _ = net(X, _dec_input(Y, bos), X_valid_len, training=True)
                batch_loss = tf.reduce_sum(loss(Y_hat, Y, Y_valid_len))
            grads = grad_clipping(tape.gradient(batch_loss, params), 1)
            optimizer.apply_gradients(zip(grads, params))
            return batch_loss, tf.reduce_sum(Y_valid_len)

        def train_batch(batch):
            batch_loss, num_tokens = step(*batch)
            return float(batch_loss), int(num_tokens)

        result = seq2seq_epochs(num_epochs, data_iter, train_batch, device)
    return {**result, "net": net, "traces": step.experimental_get_tracing_count()}


def _source_tokens(src_sentence, src_vocab, num_steps):
    """The indices of ``src_sentence`` + ``<eos>``, cut or padded to ``num_steps``, and the
    valid length. Words not in ``src_vocab`` become ``<unk>``."""
    if not isinstance(src_sentence, str) or not src_sentence.split():
        raise ValueError(f"src_sentence must be a non-empty string, got {src_sentence!r}")
    num_steps = _check_positive_int("num_steps", num_steps)
    indices = src_vocab[preprocess_nmt(src_sentence).split()] + [src_vocab["<eos>"]]
    valid_len = min(len(indices), num_steps)
    return truncate_pad(indices, num_steps, src_vocab["<pad>"]), valid_len


#: One compiled decoder step per model and ``save_attention_weights`` flag.
_DECODE_STEPS = weakref.WeakKeyDictionary()


def _decode_step(net, save_attention_weights=False):
    """The compiled greedy step ``step(dec_X, state) -> (next token (1, 1), state[, weights])``
    of ``net``'s decoder, made once per net (``reduce_retracing`` generalises a state that
    grows step by step instead of retracing every step)."""
    steps = _DECODE_STEPS.setdefault(net, {})
    if save_attention_weights not in steps:

        @tf.function(reduce_retracing=True)
        def step(dec_X, state):
            Y, state = net.decoder(dec_X, state, training=False)
            token = tf.argmax(Y, axis=2, output_type=dec_X.dtype)
            if save_attention_weights:
                return token, state, net.decoder.attention_weights
            return token, state

        steps[save_attention_weights] = step
    return steps[save_attention_weights]


def predict_seq2seq(
    net, src_sentence, src_vocab, tgt_vocab, num_steps, device=None, save_attention_weights=False
):
    """Translate ``src_sentence`` greedily (explained in "Sequence to sequence learning").

    The sentence is cleaned as the training data was (lower case, punctuation apart), words
    not in ``src_vocab`` become ``<unk>``, and it is cut or padded to ``num_steps``. The
    decoder starts from ``<bos>`` and feeds back its most likely token, for at most
    ``num_steps`` tokens or until it predicts ``<eos>``; every step runs one compiled decoder
    step (traced once for all steps and sentences), with dropout off (``training=False``).
    Returns ``(translation, attention_weight_seq)``: the tokens joined by spaces, and, with
    ``save_attention_weights``, the decoder's ``attention_weights`` after every step (else an
    empty list). An empty sentence or ``num_steps`` below 1 raises ValueError.
    """
    src_indices, valid_len = _source_tokens(src_sentence, src_vocab, num_steps)
    new_step = bool(save_attention_weights) not in _DECODE_STEPS.get(net, {})
    step = _decode_step(net, bool(save_attention_weights))
    output_seq, attention_weight_seq = [], []
    eos = tgt_vocab["<eos>"]
    with tf.device(device or "/CPU:0"):
        enc_X = tf.constant([src_indices], dtype=tf.int32)
        enc_valid_len = tf.constant([valid_len], dtype=tf.int32)
        enc_outputs = net.encoder(enc_X, enc_valid_len, training=False)
        dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
        dec_X = tf.constant([[tgt_vocab["<bos>"]]], dtype=tf.int32)
        if new_step:  # one eager step creates any weight not made yet, so the step traces once
            net.decoder(dec_X, dec_state, training=False)
        for _ in range(num_steps):
            if save_attention_weights:
                dec_X, dec_state, weights = step(dec_X, dec_state)
                attention_weight_seq.append(weights)
            else:
                dec_X, dec_state = step(dec_X, dec_state)
            pred = int(dec_X[0, 0])
            if pred == eos:
                break
            output_seq.append(pred)
    return " ".join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq

"""Sequence-to-sequence learning with RNNs in PyTorch (explained in "Sequence to sequence learning").

Conventions shared with :mod:`d2lutils.tensorflow.seq2seq`: token indices come batch-major,
(batch, num_steps); the decoder returns scores of shape (batch, num_steps, vocab_size). The
PyTorch encoder returns ``(outputs, state)`` with ``outputs`` time-major (num_steps, batch,
num_hiddens), as ``nn.GRU`` makes them, and ``state`` (num_layers, batch, num_hiddens).
"""

import torch
from torch import nn

from d2lutils.nmt import preprocess_nmt, truncate_pad
from d2lutils.params import check_positive_int as _check_positive_int
from d2lutils.params import check_positive_number as _check_positive_number
from d2lutils.progress import seq2seq_epochs
from d2lutils.torch.encoder_decoder import Decoder, Encoder
from d2lutils.torch.rnn import grad_clipping

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


class Seq2SeqEncoder(Encoder):
    """An embedding and a multi-layer GRU over the source tokens (explained in "Sequence to
    sequence learning").

    ``forward(X, *args)`` takes token indices of shape (batch, num_steps) and returns
    ``(outputs, state)``: the top layer's outputs at every step, time-major (num_steps,
    batch, num_hiddens), and the final hidden state of every layer (num_layers, batch,
    num_hiddens). Extra arguments (the valid lengths) are ignored. ``dropout`` acts between
    the GRU layers.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(vocab_size, embed_size, num_hiddens, num_layers, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)

    def forward(self, X, *args):
        if X.dim() != 2:
            raise ValueError(f"X must have shape (batch_size, num_steps), got {tuple(X.shape)}")
        embs = self.embedding(X.t())  # time-major: (num_steps, batch, embed_size)
        outputs, state = self.rnn(embs)
        return outputs, state


class Seq2SeqDecoder(Decoder):
    """A GRU decoder that reads the encoder's final top-layer state as a context at every step
    (explained in "Sequence to sequence learning").

    ``init_state(enc_outputs, *args)`` returns ``(hidden, context)``: the encoder's final
    state of every layer (num_layers, batch, num_hiddens), which starts the decoder's GRU, and
    its top layer (batch, num_hiddens), the context. ``forward(X, state)`` embeds the tokens
    ``X`` (batch, num_steps), concatenates the context to every step, runs the GRU and returns
    scores (batch, num_steps, vocab_size) and the new ``(hidden, context)``; the context stays
    the encoder's, however many steps the decoder has taken.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super().__init__(**kwargs)
        _check_sizes(vocab_size, embed_size, num_hiddens, num_layers, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        _, enc_state = enc_outputs
        return enc_state, enc_state[-1]

    def forward(self, X, state):
        if X.dim() != 2:
            raise ValueError(f"X must have shape (batch_size, num_steps), got {tuple(X.shape)}")
        hidden, context = state
        embs = self.embedding(X.t())  # (num_steps, batch, embed_size)
        context_steps = context.unsqueeze(0).expand(embs.shape[0], -1, -1)
        outputs, hidden = self.rnn(torch.cat((embs, context_steps), dim=2), hidden)
        return self.dense(outputs).transpose(0, 1), (hidden, context)


def _check_valid_len(X, valid_len):
    if X.dim() < 2:
        raise ValueError(
            f"X must have at least 2 dimensions (batch, num_steps, ...), got shape {tuple(X.shape)}"
        )
    valid_len = torch.as_tensor(valid_len, device=X.device)
    if tuple(valid_len.shape) != (X.shape[0],):
        raise ValueError(f"valid_len must have shape ({X.shape[0]},), got {tuple(valid_len.shape)}")
    return valid_len


def sequence_mask(X, valid_len, value=0):
    """``X`` (batch, num_steps, ...) with every position at or after ``valid_len`` set to ``value``.

    ``valid_len`` (batch,) counts the valid steps of each sequence. Returns a new tensor.
    Explained in "Sequence to sequence learning".
    """
    valid_len = _check_valid_len(X, valid_len)
    keep = torch.arange(X.shape[1], device=X.device)[None, :] < valid_len[:, None]
    keep = keep.reshape(keep.shape + (1,) * (X.dim() - 2))
    return torch.where(keep, X, torch.as_tensor(value, dtype=X.dtype, device=X.device))


class MaskedSoftmaxCELoss(nn.Module):
    """Softmax cross-entropy that ignores padding (explained in "Sequence to sequence learning").

    ``loss(pred, label, valid_len)``: scores ``pred`` (batch, num_steps, vocab_size), labels
    (batch, num_steps) and valid lengths (batch,). Returns one loss per sequence (batch,): the
    cross-entropy of the valid steps, summed and divided by ``num_steps`` (padded steps count
    as zero).
    """

    def forward(self, pred, label, valid_len):
        if pred.dim() != 3 or tuple(pred.shape[:2]) != tuple(label.shape):
            raise ValueError(
                "pred must have shape (batch, num_steps, vocab_size) and label (batch, num_steps), "
                f"got pred {tuple(pred.shape)} and label {tuple(label.shape)}"
            )
        weights = sequence_mask(torch.ones_like(label, dtype=pred.dtype), valid_len)
        unweighted = nn.functional.cross_entropy(pred.permute(0, 2, 1), label, reduction="none")
        return (unweighted * weights).mean(dim=1)


def _xavier_init(module):
    """The reference book's initialisation: Xavier-uniform weights for linear and GRU layers."""
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
    if isinstance(module, nn.GRU):
        for name, param in module.named_parameters():
            if "weight" in name:
                nn.init.xavier_uniform_(param)


def train_seq2seq(net, data_iter, lr, num_epochs, tgt_vocab, device=None):
    """Train an encoder-decoder on translation pairs with teacher forcing (explained in
    "Sequence to sequence learning").

    ``net`` is any :class:`~d2lutils.torch.EncoderDecoder` whose decoder has
    ``init_state(enc_outputs, enc_valid_len)``; it is called as ``net(X, dec_input,
    X_valid_len)``, where ``dec_input`` is ``<bos>`` followed by the targets shifted right by
    one. ``data_iter`` yields ``(X, X_valid_len, Y, Y_valid_len)`` (see ``load_data_nmt``).
    Linear and GRU weights are Xavier-initialised, then Adam at ``lr`` minimises the masked
    cross-entropy (:class:`MaskedSoftmaxCELoss`, summed over the minibatch) with gradients
    clipped to norm 1. Plots the loss per token against epochs and prints
    ``loss 0.019, 12345.6 tokens/sec on cpu``. The first minibatch is timed apart as a
    warm-up. Returns a dict with ``loss`` (the last epoch's loss per token),
    ``tokens_per_sec``, ``train_time``, ``warmup_time`` (seconds), ``device``, ``history``
    (loss per epoch) and ``net``.
    """
    _check_positive_number("lr", lr)
    _check_positive_int("num_epochs", num_epochs)
    device = torch.device(device) if device is not None else torch.device("cpu")
    bos = tgt_vocab["<bos>"]
    net.to(device)
    if any(isinstance(p, nn.parameter.UninitializedParameter) for p in net.parameters()):
        # Lazy layers (nn.LazyLinear in MultiHeadAttention) get their shapes from one forward
        # pass on the first minibatch; only then can they be Xavier-initialised.
        first = next(iter(data_iter), None)
        if first is None:
            raise ValueError("data_iter yielded no minibatch")
        X, X_valid_len, Y, _ = (t.to(device) for t in first)
        with torch.no_grad():
            net(X, torch.cat([torch.full_like(Y[:, :1], bos), Y[:, :-1]], dim=1), X_valid_len)
    net.apply(_xavier_init)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss = MaskedSoftmaxCELoss()
    net.train()

    def step(batch):
        X, X_valid_len, Y, Y_valid_len = (t.to(device) for t in batch)
        optimizer.zero_grad()
        bos_column = torch.full((Y.shape[0], 1), bos, dtype=Y.dtype, device=device)
        dec_input = torch.cat([bos_column, Y[:, :-1]], dim=1)  # teacher forcing
        Y_hat, _ = net(X, dec_input, X_valid_len)
        batch_loss = loss(Y_hat, Y, Y_valid_len).sum()
        batch_loss.backward()
        grad_clipping(net, 1)
        optimizer.step()
        return float(batch_loss.detach()), int(Y_valid_len.sum())

    return {**seq2seq_epochs(num_epochs, data_iter, step, device), "net": net}


def _source_tokens(src_sentence, src_vocab, num_steps):
    """The indices of ``src_sentence`` + ``<eos>``, cut or padded to ``num_steps``, and the
    valid length: shared by greedy and beam search. Words not in ``src_vocab`` become ``<unk>``."""
    if not isinstance(src_sentence, str) or not src_sentence.split():
        raise ValueError(f"src_sentence must be a non-empty string, got {src_sentence!r}")
    num_steps = _check_positive_int("num_steps", num_steps)
    indices = src_vocab[preprocess_nmt(src_sentence).split()] + [src_vocab["<eos>"]]
    valid_len = min(len(indices), num_steps)
    return truncate_pad(indices, num_steps, src_vocab["<pad>"]), valid_len


def predict_seq2seq(
    net, src_sentence, src_vocab, tgt_vocab, num_steps, device=None, save_attention_weights=False
):
    """Translate ``src_sentence`` greedily (explained in "Sequence to sequence learning").

    The sentence is cleaned as the training data was (lower case, punctuation apart), words
    not in ``src_vocab`` become ``<unk>``, and it is cut or padded to ``num_steps``. The
    decoder starts from ``<bos>`` and feeds back its most likely token, for at most
    ``num_steps`` tokens or until it predicts ``<eos>``. Runs with dropout off (``net.eval()``;
    the net's mode is restored afterwards) and without gradients. Returns ``(translation,
    attention_weight_seq)``: the tokens joined by spaces, and, with
    ``save_attention_weights``, the decoder's ``attention_weights`` after every step (else an
    empty list). An empty sentence or ``num_steps`` below 1 raises ValueError.
    """
    src_indices, valid_len = _source_tokens(src_sentence, src_vocab, num_steps)
    device = torch.device(device) if device is not None else next(net.parameters()).device
    was_training = net.training
    net.eval()
    enc_X = torch.tensor([src_indices], dtype=torch.long, device=device)
    enc_valid_len = torch.tensor([valid_len], device=device)
    output_seq, attention_weight_seq = [], []
    eos = tgt_vocab["<eos>"]
    try:
        with torch.no_grad():
            enc_outputs = net.encoder(enc_X, enc_valid_len)
            dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
            dec_X = torch.tensor([[tgt_vocab["<bos>"]]], dtype=torch.long, device=device)
            for _ in range(num_steps):
                Y, dec_state = net.decoder(dec_X, dec_state)
                dec_X = Y.argmax(dim=2)
                pred = int(dec_X[0, 0])
                if save_attention_weights:
                    attention_weight_seq.append(net.decoder.attention_weights)
                if pred == eos:
                    break
                output_seq.append(pred)
    finally:
        net.train(was_training)
    return " ".join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq

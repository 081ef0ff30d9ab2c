"""The RNN helpers of d2lutils.torch.rnn and d2lutils.tensorflow.rnn ("Recurrent neural networks
from scratch", "Concise implementation of recurrent neural networks"): output layouts, the
cross-framework forward pass, gradient clipping, prediction, training and the compiled TF step."""

import random

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

from d2lutils import tensorflow as d2l_tf
from d2lutils import torch as d2l_pt
from d2lutils.tensorflow import rnn as rnn_tf

TEXT = "the time traveller for so it will be convenient to speak of him " * 6


class TinyVocab:
    """The part of d2lutils.Vocab that the RNN helpers use: index 0 is <unk>."""

    def __init__(self, text):
        self.idx_to_token = ["<unk>"] + sorted(set(text))
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, token):
        return self.token_to_idx.get(token, 0)


VOCAB = TinyVocab(TEXT)
CORPUS = [VOCAB[c] for c in TEXT]
V, H, BATCH, STEPS = len(VOCAB), 16, 4, 5


def minibatches(batch_size=BATCH, num_steps=STEPS):
    """Sequential minibatches (X, Y) of the tiny corpus as NumPy arrays."""
    corpus = np.array(CORPUS)
    n = (len(corpus) - 1) // batch_size * batch_size
    Xs, Ys = corpus[:n].reshape(batch_size, -1), corpus[1 : n + 1].reshape(batch_size, -1)
    return [
        (Xs[:, i : i + num_steps], Ys[:, i : i + num_steps])
        for i in range(0, Xs.shape[1] - num_steps + 1, num_steps)
    ]


def batches_pt():
    return [(torch.tensor(X), torch.tensor(Y)) for X, Y in minibatches()]


def batches_tf():
    return [(tf.constant(X, tf.int32), tf.constant(Y, tf.int32)) for X, Y in minibatches()]


# The scratch RNN of the section, in both frameworks.
def get_params_pt(vocab_size, num_hiddens, device):
    shapes = [
        (vocab_size, num_hiddens),
        (num_hiddens, num_hiddens),
        (num_hiddens,),
        (num_hiddens, vocab_size),
        (vocab_size,),
    ]
    params = [
        torch.randn(s, device=device) * 0.1 if len(s) == 2 else torch.zeros(s, device=device) for s in shapes
    ]
    return [p.requires_grad_(True) for p in params]


def init_state_pt(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def rnn_pt(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H_,) = state
    outputs = []
    for X in inputs:
        H_ = torch.tanh(X @ W_xh + H_ @ W_hh + b_h)
        outputs.append(H_ @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H_,)


def get_params_tf(vocab_size, num_hiddens):
    shapes = [
        (vocab_size, num_hiddens),
        (num_hiddens, num_hiddens),
        (num_hiddens,),
        (num_hiddens, vocab_size),
        (vocab_size,),
    ]
    return [tf.Variable(tf.random.normal(s) * 0.1 if len(s) == 2 else tf.zeros(s)) for s in shapes]


def init_state_tf(batch_size, num_hiddens):
    return (tf.zeros((batch_size, num_hiddens)),)


def rnn_tf_fn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H_,) = state
    outputs = []
    for X in tf.unstack(inputs):
        H_ = tf.tanh(X @ W_xh + H_ @ W_hh + b_h)
        outputs.append(H_ @ W_hq + b_q)
    return tf.concat(outputs, axis=0), (H_,)


def scratch_pt():
    torch.manual_seed(0)
    return d2l_pt.RNNModelScratch(V, H, "cpu", get_params_pt, init_state_pt, rnn_pt)


def scratch_tf():
    tf.random.set_seed(0)
    return d2l_tf.RNNModelScratch(V, H, init_state_tf, rnn_tf_fn, get_params_tf)


def test_scratch_output_shapes_are_time_major_in_both_frameworks():
    X = minibatches()[0][0]
    net_pt = scratch_pt()
    Y_pt, (H_pt,) = net_pt(torch.tensor(X), net_pt.begin_state(BATCH, "cpu"))
    net_tf = scratch_tf()
    Y_tf, (H_tf,) = net_tf(tf.constant(X), net_tf.begin_state(BATCH))
    assert tuple(Y_pt.shape) == tuple(Y_tf.shape) == (STEPS * BATCH, V)
    assert tuple(H_pt.shape) == tuple(H_tf.shape) == (BATCH, H)
    assert len(net_tf.trainable_variables) == 5


def test_scratch_forward_agrees_across_frameworks_for_the_same_weights():
    net_pt, net_tf = scratch_pt(), scratch_tf()
    for p_pt, p_tf in zip(net_pt.params, net_tf.trainable_variables):
        p_tf.assign(p_pt.detach().numpy())
    X = minibatches()[1][0]
    Y_pt, (H_pt,) = net_pt(torch.tensor(X), net_pt.begin_state(BATCH, "cpu"))
    Y_tf, (H_tf,) = net_tf(tf.constant(X, tf.int32), net_tf.begin_state(BATCH))
    np.testing.assert_allclose(Y_pt.detach().numpy(), Y_tf.numpy(), atol=1e-5)
    np.testing.assert_allclose(H_pt.detach().numpy(), H_tf.numpy(), atol=1e-5)


@pytest.mark.parametrize(
    "make, state_shapes",
    [
        (lambda: nn.RNN(V, H), [(1, BATCH, H)]),
        (lambda: nn.GRU(V, H, num_layers=2), [(2, BATCH, H)]),
        (lambda: nn.LSTM(V, H), [(1, BATCH, H), (1, BATCH, H)]),
        (lambda: nn.GRU(V, H, bidirectional=True), [(2, BATCH, H)]),
        (lambda: nn.LSTM(V, H, num_layers=2, bidirectional=True), [(4, BATCH, H), (4, BATCH, H)]),
    ],
)
def test_rnn_model_pt_shapes(make, state_shapes):
    torch.manual_seed(0)
    net = d2l_pt.RNNModel(make(), V)
    state = net.begin_state(BATCH, "cpu")
    Y, new_state = net(torch.tensor(minibatches()[0][0]), state)
    assert tuple(Y.shape) == (STEPS * BATCH, V)
    flat = list(new_state) if isinstance(new_state, tuple) else [new_state]
    assert [tuple(s.shape) for s in flat] == state_shapes
    assert [tuple(s.shape) for s in (state if isinstance(state, tuple) else [state])] == state_shapes


def test_rnn_model_pt_batch_first_gives_the_same_time_major_logits():
    torch.manual_seed(0)
    layer, layer_bf = nn.GRU(V, H), nn.GRU(V, H, batch_first=True)
    layer_bf.load_state_dict(layer.state_dict())
    net, net_bf = d2l_pt.RNNModel(layer, V), d2l_pt.RNNModel(layer_bf, V)
    net_bf.linear.load_state_dict(net.linear.state_dict())
    X = torch.tensor(minibatches()[0][0])
    Y, _ = net(X, net.begin_state(BATCH, "cpu"))
    Y_bf, _ = net_bf(X, net_bf.begin_state(BATCH, "cpu"))
    torch.testing.assert_close(Y, Y_bf)


def _stacked_gru():
    cells = [keras.layers.GRUCell(H), keras.layers.GRUCell(H)]
    return keras.layers.RNN(cells, return_sequences=True, return_state=True)


@pytest.mark.parametrize(
    "make, num_states",
    [
        (lambda: keras.layers.SimpleRNN(H, return_sequences=True, return_state=True), 1),
        (lambda: keras.layers.GRU(H, return_sequences=True, return_state=True), 1),
        (lambda: keras.layers.LSTM(H, return_sequences=True, return_state=True), 2),
        (
            lambda: keras.layers.Bidirectional(keras.layers.GRU(H, return_sequences=True, return_state=True)),
            2,
        ),
        (_stacked_gru, 2),
    ],
)
def test_rnn_model_tf_shapes(make, num_states):
    keras.utils.set_random_seed(0)
    net = d2l_tf.RNNModel(make(), V)
    state = net.begin_state(BATCH)
    Y, new_state = net(tf.constant(minibatches()[0][0]), state)
    assert tuple(Y.shape) == (STEPS * BATCH, V)
    assert isinstance(new_state, tuple) and len(new_state) == len(state) == num_states
    assert [tuple(s.shape) for s in tf.nest.flatten(new_state)] == [(BATCH, H)] * len(tf.nest.flatten(state))


def test_rnn_model_tf_logits_are_time_major():
    """Row t * batch + b of the logits belongs to sequence b at step t, as in PyTorch."""
    keras.utils.set_random_seed(0)
    net = d2l_tf.RNNModel(keras.layers.GRU(H, return_sequences=True, return_state=True), V)
    X = tf.constant(minibatches()[0][0])
    Y, _ = net(X, net.begin_state(BATCH))
    Y_one, _ = net(X[2:3, :], net.begin_state(1))  # sequence 2 alone
    np.testing.assert_allclose(tf.reshape(Y, (STEPS, BATCH, V))[:, 2].numpy(), Y_one.numpy(), atol=1e-5)


def test_rnn_models_check_their_arguments():
    with pytest.raises(ValueError, match="vocab_size"):
        d2l_pt.RNNModel(nn.RNN(V, H), V + 1)
    with pytest.raises(TypeError, match="rnn_layer"):
        d2l_pt.RNNModel(nn.Linear(V, H), V)
    with pytest.raises(ValueError, match="return_state"):
        d2l_tf.RNNModel(keras.layers.GRU(H, return_sequences=True), V)
    with pytest.raises(TypeError, match="rnn_layer"):
        d2l_tf.RNNModel(keras.layers.Dense(H), V)
    with pytest.raises(ValueError, match="num_hiddens"):
        d2l_pt.RNNModelScratch(V, 0, "cpu", get_params_pt, init_state_pt, rnn_pt)
    with pytest.raises(ValueError, match="batch_size"):
        scratch_tf().begin_state(0)


def test_grad_clipping_bounds_the_global_norm():
    net = scratch_pt()
    for p in net.params:
        p.grad = torch.full_like(p, 3.0)
    before = d2l_pt.grad_clipping(net, 1.0)
    after = torch.sqrt(sum((p.grad**2).sum() for p in net.params))
    assert before > 1.0 and abs(float(after) - 1.0) < 1e-5
    # Small gradients stay as they are.
    for p in net.params:
        p.grad = torch.full_like(p, 1e-4)
    d2l_pt.grad_clipping(net, 1.0)
    assert all(torch.all(p.grad == 1e-4) for p in net.params)
    grads = [tf.fill((3, 4), 3.0), tf.fill((5,), -2.0)]
    clipped = d2l_tf.grad_clipping(grads, 1.0)
    assert abs(float(tf.sqrt(sum(tf.reduce_sum(g**2) for g in clipped))) - 1.0) < 1e-5
    np.testing.assert_allclose(clipped[0].numpy() / clipped[1].numpy()[0], -1.5)  # direction kept
    small = d2l_tf.grad_clipping([tf.fill((2,), 1e-4)], 1.0)
    np.testing.assert_allclose(small[0].numpy(), 1e-4)
    with pytest.raises(ValueError, match="theta"):
        d2l_tf.grad_clipping(grads, 0)


@pytest.mark.parametrize("framework", ["pytorch", "tensorflow"])
def test_predict_ch8_checks_its_arguments_and_maps_unknown_characters(framework):
    if framework == "pytorch":
        net, predict, device = scratch_pt(), d2l_pt.predict_ch8, "cpu"
    else:
        net, predict, device = scratch_tf(), d2l_tf.predict_ch8, None
    with pytest.raises(ValueError, match="prefix"):
        predict("", 5, net, VOCAB, device)
    with pytest.raises(ValueError, match="num_preds"):
        predict("time", 0, net, VOCAB, device)
    text = predict("time", 10, net, VOCAB, device)
    assert text.startswith("time") and len(text.replace("<unk>", "?")) == 14
    assert predict("tim#", 3, net, VOCAB, device).startswith("tim<unk>")


def test_train_ch8_pt_lowers_perplexity(capsys):
    torch.manual_seed(0)
    random.seed(0)
    net = d2l_pt.RNNModel(nn.GRU(V, H), V)
    result = d2l_pt.train_ch8(net, batches_pt(), VOCAB, 0.02, 8, "cpu", optimizer="adam")
    assert result["history"][-1] < 0.6 * result["history"][0]
    assert result["perplexity"] == result["history"][-1] and result["tokens_per_sec"] > 0
    assert result["warmup_time"] > 0 and result["train_time"] > 0
    out = capsys.readouterr().out.splitlines()
    assert out[-3].startswith("perplexity ") and out[-3].endswith("tokens/sec on cpu")
    assert out[-2].startswith("time traveller") and out[-1].startswith("traveller")


def test_train_ch8_pt_scratch_with_updater_and_random_iter():
    net = scratch_pt()
    loss = nn.CrossEntropyLoss()
    updater = d2l_pt.Updater(net.params, 1.0)
    first, _ = d2l_pt.train_epoch_ch8(net, batches_pt(), loss, updater, "cpu", use_random_iter=True)
    for _ in range(10):
        last, speed = d2l_pt.train_epoch_ch8(net, batches_pt(), loss, updater, "cpu", use_random_iter=False)
    assert last < first and speed > 0


def test_train_ch8_tf_lowers_perplexity_and_traces_once(capsys):
    keras.utils.set_random_seed(0)
    net = d2l_tf.RNNModel(keras.layers.GRU(H, return_sequences=True, return_state=True), V)
    result = d2l_tf.train_ch8(net, batches_tf(), VOCAB, 0.02, 8, optimizer="adam")
    assert result["history"][-1] < 0.6 * result["history"][0]
    assert result["traces"] == 1  # one compiled step for every minibatch of every epoch
    out = capsys.readouterr().out.splitlines()
    assert out[-3].startswith("perplexity ") and "tokens/sec on" in out[-3]
    assert out[-2].startswith("time traveller") and out[-1].startswith("traveller")


@pytest.mark.parametrize("use_random_iter", [False, True])
def test_tf_scratch_step_traces_once_per_training(use_random_iter):
    net = scratch_tf()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    updater = d2l_tf.Updater(net.trainable_variables, 1.0)
    step = rnn_tf._train_step(net, loss, updater, 1.0)
    first, _ = d2l_tf.train_epoch_ch8(net, batches_tf(), loss, updater, None, use_random_iter, step=step)
    for _ in range(5):
        last, _ = d2l_tf.train_epoch_ch8(net, batches_tf(), loss, updater, None, use_random_iter, step=step)
    assert step.experimental_get_tracing_count() == 1
    assert last < first


def test_train_ch8_checks_its_arguments():
    net = scratch_pt()
    with pytest.raises(ValueError, match="num_epochs"):
        d2l_pt.train_ch8(net, batches_pt(), VOCAB, 1.0, 0, "cpu")
    with pytest.raises(ValueError, match="optimizer"):
        d2l_pt.train_ch8(net, batches_pt(), VOCAB, 1.0, 1, "cpu", optimizer="rmsprop")
    with pytest.raises(ValueError, match="lr"):
        d2l_tf.train_ch8(scratch_tf(), batches_tf(), VOCAB, -1.0, 1)

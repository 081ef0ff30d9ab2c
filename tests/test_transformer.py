"""Positional encoding and the Transformer in both frameworks: the same encoding matrix, the
same outputs of every part for copied weights (dropout off), the look-ahead mask, one-token
decoding with the key/value cache equal to decoding the whole target, one trace of a compiled
TensorFlow decode step, clear errors."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

# Keras warns that EncoderDecoder has no build(); it builds on the first call.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*unbuilt state"),
    pytest.mark.filterwarnings("ignore:`build\\(\\)` was called"),
]

V, H, F, HEADS, BLKS = 13, 8, 16, 2, 2
RNG = np.random.default_rng(0)
SRC = RNG.integers(0, V, size=(3, 6))
TGT = RNG.integers(0, V, size=(3, 6))
VALID = np.array([2, 6, 4])


def _reference_encoding(num_hiddens, max_len):
    P = np.zeros((max_len, num_hiddens))
    for i in range(max_len):
        for j in range(num_hiddens):
            w = i / 10000 ** (2 * (j // 2) / num_hiddens)
            P[i, j] = np.sin(w) if j % 2 == 0 else np.cos(w)
    return P


def copy_weights(module_pt, layer_tf):
    """Copy PyTorch parameters into the Keras layer (same creation order; dense kernels transposed)."""
    params = list(module_pt.named_parameters())
    weights = layer_tf.weights
    assert len(params) == len(weights), (len(params), len(weights))
    values = []
    for (name, p), w in zip(params, weights):
        value = p.detach().numpy()
        if value.ndim == 2 and not name.endswith("embedding.weight"):
            value = value.T
        assert tuple(w.shape) == value.shape, (name, w.path)
        values.append(value)
    layer_tf.set_weights(values)


@pytest.mark.parametrize("num_hiddens", [32, 7])
def test_encoding_matrix_is_the_formula_in_both_frameworks(num_hiddens):
    zeros = np.zeros((1, 50, num_hiddens), dtype=np.float32)
    pe_pt = d2l_pt.PositionalEncoding(num_hiddens, 0.0, max_len=50)
    pe_tf = d2l_tf.PositionalEncoding(num_hiddens, 0.0, max_len=50)
    P_pt = pe_pt(torch.tensor(zeros)).numpy()[0]
    P_tf = pe_tf(tf.constant(zeros)).numpy()[0]
    np.testing.assert_allclose(P_pt, P_tf, atol=1e-6)
    np.testing.assert_allclose(P_pt, _reference_encoding(num_hiddens, 50), atol=1e-5)


def test_encoding_start_shifts_the_positions():
    X = RNG.normal(size=(2, 4, H)).astype(np.float32)
    P = _reference_encoding(H, 20)
    out_pt = d2l_pt.PositionalEncoding(H, 0.0, max_len=20)(torch.tensor(X), start=5).numpy()
    out_tf = d2l_tf.PositionalEncoding(H, 0.0, max_len=20)(tf.constant(X), start=tf.constant(5)).numpy()
    for out in (out_pt, out_tf):
        np.testing.assert_allclose(out, X + P[5:9], atol=1e-5)


def test_relative_position_is_a_linear_map():
    P = _reference_encoding(H, 30)
    delta = 3
    for j in range(H // 2):
        w = 1 / 10000 ** (2 * j / H)
        rotation = np.array([[np.cos(delta * w), np.sin(delta * w)], [-np.sin(delta * w), np.cos(delta * w)]])
        pair = P[:, 2 * j : 2 * j + 2]  # (sin, cos) of every position
        np.testing.assert_allclose((rotation @ pair[:-delta].T).T, pair[delta:], atol=1e-9)


def test_ffn_and_addnorm_agree():
    X = RNG.normal(size=(2, 5, H)).astype(np.float32)
    Y = RNG.normal(size=(2, 5, H)).astype(np.float32)
    ffn_pt, ffn_tf = d2l_pt.PositionWiseFFN(F, 4), d2l_tf.PositionWiseFFN(F, 4)
    ffn_pt(torch.tensor(X))
    ffn_tf(tf.constant(X))
    copy_weights(ffn_pt, ffn_tf)
    np.testing.assert_allclose(
        ffn_pt(torch.tensor(X)).detach().numpy(), ffn_tf(tf.constant(X)).numpy(), rtol=1e-5, atol=1e-6
    )
    an_pt, an_tf = d2l_pt.AddNorm(H, 0.5), d2l_tf.AddNorm(H, 0.5)
    an_pt.eval()
    out_pt = an_pt(torch.tensor(X), torch.tensor(Y)).detach().numpy()
    out_tf = an_tf(tf.constant(X), tf.constant(Y), training=False).numpy()
    np.testing.assert_allclose(out_pt, out_tf, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out_pt.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(out_pt.std(-1), 1, atol=1e-3)


def test_encoder_block_agrees():
    X = RNG.normal(size=(3, 6, H)).astype(np.float32)
    blk_pt = d2l_pt.TransformerEncoderBlock(H, F, HEADS, 0.5)
    blk_tf = d2l_tf.TransformerEncoderBlock(H, F, HEADS, 0.5)
    blk_pt.eval()
    blk_pt(torch.tensor(X), torch.tensor(VALID))
    blk_tf(tf.constant(X), tf.constant(VALID))
    copy_weights(blk_pt, blk_tf)
    out_pt = blk_pt(torch.tensor(X), torch.tensor(VALID)).detach().numpy()
    out_tf = blk_tf(tf.constant(X), tf.constant(VALID), training=False).numpy()
    assert out_pt.shape == X.shape
    np.testing.assert_allclose(out_pt, out_tf, rtol=1e-4, atol=1e-5)


def _nets(dropout=0.5):
    net_pt = d2l_pt.EncoderDecoder(
        d2l_pt.TransformerEncoder(V, H, F, HEADS, BLKS, dropout),
        d2l_pt.TransformerDecoder(V, H, F, HEADS, BLKS, dropout),
    )
    net_tf = d2l_tf.EncoderDecoder(
        d2l_tf.TransformerEncoder(V, H, F, HEADS, BLKS, dropout),
        d2l_tf.TransformerDecoder(V, H, F, HEADS, BLKS, dropout),
    )
    net_pt.eval()
    net_pt(torch.tensor(SRC), torch.tensor(TGT), torch.tensor(VALID))
    net_tf(tf.constant(SRC), tf.constant(TGT), tf.constant(VALID), training=False)
    copy_weights(net_pt.encoder, net_tf.encoder)
    copy_weights(net_pt.decoder, net_tf.decoder)
    return net_pt, net_tf


def test_encoder_decoder_agree_and_weights_have_their_shapes():
    net_pt, net_tf = _nets()
    with torch.no_grad():
        out_pt, _ = net_pt(torch.tensor(SRC), torch.tensor(TGT), torch.tensor(VALID))
    out_tf, _ = net_tf(tf.constant(SRC), tf.constant(TGT), tf.constant(VALID), training=False)
    assert out_pt.shape == (3, 6, V)
    np.testing.assert_allclose(out_pt.numpy(), out_tf.numpy(), rtol=1e-4, atol=1e-4)
    for net in (net_pt, net_tf):
        assert len(net.encoder.attention_weights) == BLKS
        self_w, cross_w = net.decoder.attention_weights
        assert tuple(self_w[0].shape) == (3 * HEADS, 6, 6)
        assert tuple(cross_w[-1].shape) == (3 * HEADS, 6, 6)
        w = np.asarray(self_w[0])
        assert np.all(np.triu(w, k=1) == 0), "a query attends to a later position"
        assert np.all(np.asarray(cross_w[0])[0, :, 2:] == 0), "padded source positions get weight"


def test_one_token_at_a_time_equals_the_whole_target():
    net_pt, net_tf = _nets()
    with torch.no_grad():
        full_pt, _ = net_pt(torch.tensor(SRC), torch.tensor(TGT), torch.tensor(VALID))
        state = net_pt.decoder.init_state(
            net_pt.encoder(torch.tensor(SRC), torch.tensor(VALID)), torch.tensor(VALID)
        )
        steps = []
        for t in range(TGT.shape[1]):
            out, state = net_pt.decoder(torch.tensor(TGT[:, t : t + 1]), state)
            steps.append(out)
    np.testing.assert_allclose(torch.cat(steps, 1).numpy(), full_pt.numpy(), atol=1e-5)
    enc = net_tf.encoder(tf.constant(SRC), tf.constant(VALID), training=False)
    state = net_tf.decoder.init_state(enc, tf.constant(VALID))
    traces = []

    @tf.function
    def step(X, state):
        traces.append(1)
        return net_tf.decoder(X, state, training=False)

    steps = []
    for t in range(TGT.shape[1]):
        out, state = step(tf.constant(TGT[:, t : t + 1]), state)
        steps.append(out.numpy())
    assert len(traces) == 1, "the compiled decode step was traced more than once"
    np.testing.assert_allclose(np.concatenate(steps, 1), full_pt.numpy(), rtol=1e-4, atol=1e-4)


def test_training_mask_hides_the_future():
    net_pt, net_tf = _nets(dropout=0.0)
    changed = TGT.copy()
    changed[:, 3:] = (changed[:, 3:] + 1) % V
    net_pt.train()
    outs_pt = [
        net_pt(torch.tensor(SRC), torch.tensor(t), torch.tensor(VALID))[0].detach().numpy()
        for t in (TGT, changed)
    ]
    outs_tf = [
        net_tf(tf.constant(SRC), tf.constant(t), tf.constant(VALID), training=True)[0].numpy()
        for t in (TGT, changed)
    ]
    for a, b in (outs_pt, outs_tf):
        np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-5)
        assert not np.allclose(a[:, 3:], b[:, 3:])
    np.testing.assert_allclose(outs_pt[0], outs_tf[0], rtol=1e-4, atol=1e-4)


def test_errors_name_the_argument():
    for fw in (d2l_pt, d2l_tf):
        with pytest.raises(ValueError, match="dropout"):
            fw.PositionalEncoding(8, 1.5)
        with pytest.raises(ValueError, match="num_hiddens"):
            fw.PositionalEncoding(0, 0.1)
        with pytest.raises(TypeError, match="ffn_num_hiddens"):
            fw.PositionWiseFFN(2.5, 4)
        with pytest.raises(ValueError, match="num_blks"):
            fw.TransformerEncoder(V, H, F, HEADS, 0, 0.1)
    with pytest.raises(ValueError, match="X and Y"):
        d2l_pt.AddNorm(4, 0.1)(torch.zeros(2, 3, 4), torch.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="X and Y"):
        d2l_tf.AddNorm(4, 0.1)(tf.zeros((2, 3, 4)), tf.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="X must have shape"):
        d2l_pt.PositionalEncoding(8, 0.1)(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="X must have shape"):
        d2l_tf.PositionalEncoding(8, 0.1)(tf.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="max_len"):
        d2l_pt.PositionalEncoding(8, 0.1, max_len=4)(torch.zeros(1, 5, 8))

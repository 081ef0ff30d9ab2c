"""Attention: masked_softmax, additive and scaled dot-product attention in both frameworks
(same results for the same weights, masked keys get zero weight, clear errors), heat maps."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import d2lutils as d2l  # noqa: E402

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

RNG = np.random.default_rng(0)
SCORES = RNG.normal(size=(2, 3, 5)).astype(np.float32)
VALID_LENS = {"none": None, "1d": np.array([2, 4]), "2d": np.array([[1, 3, 5], [2, 2, 4]])}


def _both_masked_softmax(valid_lens):
    vl_pt = None if valid_lens is None else torch.tensor(valid_lens)
    vl_tf = None if valid_lens is None else tf.constant(valid_lens)
    out_pt = d2l_pt.masked_softmax(torch.tensor(SCORES), vl_pt).numpy()
    out_tf = d2l_tf.masked_softmax(tf.constant(SCORES), vl_tf).numpy()
    return out_pt, out_tf


def _per_query_lens(valid_lens):
    if valid_lens is None:
        return np.full(SCORES.shape[:2], SCORES.shape[2])
    if valid_lens.ndim == 1:
        return np.repeat(valid_lens[:, None], SCORES.shape[1], axis=1)
    return valid_lens


@pytest.mark.parametrize("kind", VALID_LENS)
def test_masked_softmax_agrees_and_ignores_masked_keys(kind):
    out_pt, out_tf = _both_masked_softmax(VALID_LENS[kind])
    np.testing.assert_allclose(out_pt, out_tf, rtol=1e-6, atol=1e-7)
    lens = _per_query_lens(VALID_LENS[kind])
    for b in range(SCORES.shape[0]):
        for q in range(SCORES.shape[1]):
            n = lens[b, q]
            for out in (out_pt, out_tf):
                assert np.all(out[b, q, n:] == 0.0), "masked keys must get exactly zero weight"
                np.testing.assert_allclose(out[b, q, :n].sum(), 1.0, rtol=1e-6)
                expected = np.exp(SCORES[b, q, :n] - SCORES[b, q, :n].max())
                np.testing.assert_allclose(out[b, q, :n], expected / expected.sum(), rtol=1e-5)


def test_masked_softmax_rejects_bad_shapes():
    for masked_softmax, to_tensor in (
        (d2l_pt.masked_softmax, torch.tensor),
        (d2l_tf.masked_softmax, tf.constant),
    ):
        with pytest.raises(ValueError, match="valid_lens"):
            masked_softmax(to_tensor(SCORES), to_tensor(np.array([1, 2, 3])))
        with pytest.raises(ValueError, match="valid_lens"):
            masked_softmax(to_tensor(SCORES), to_tensor(np.ones((2, 4), dtype=np.int64)))
        with pytest.raises(ValueError, match="X must be a 3-D"):
            masked_softmax(to_tensor(SCORES[0]), None)


def _inputs(query_size=6, key_size=4, value_size=3, num_queries=2, num_pairs=5, batch=2):
    rng = np.random.default_rng(1)
    q = rng.normal(size=(batch, num_queries, query_size)).astype(np.float32)
    k = rng.normal(size=(batch, num_pairs, key_size)).astype(np.float32)
    v = rng.normal(size=(batch, num_pairs, value_size)).astype(np.float32)
    return q, k, v, np.array([2, 5])


def _call_both(att_pt, att_tf, q, k, v, valid_lens):
    att_pt.eval()
    out_pt = att_pt(torch.tensor(q), torch.tensor(k), torch.tensor(v), torch.tensor(valid_lens))
    out_tf = att_tf(tf.constant(q), tf.constant(k), tf.constant(v), tf.constant(valid_lens))
    return (out_pt.detach().numpy(), att_pt.attention_weights.detach().numpy()), (
        out_tf.numpy(),
        att_tf.attention_weights.numpy(),
    )


def test_additive_attention_agrees_for_copied_weights():
    q, k, v, valid_lens = _inputs()
    torch.manual_seed(0)
    att_pt = d2l_pt.AdditiveAttention(key_size=4, query_size=6, num_hiddens=8, dropout=0.5)
    att_tf = d2l_tf.AdditiveAttention(key_size=4, query_size=6, num_hiddens=8, dropout=0.5)
    att_tf(tf.constant(q), tf.constant(k), tf.constant(v), tf.constant(valid_lens))  # builds the weights
    for dense, linear in ((att_tf.W_q, att_pt.W_q), (att_tf.W_k, att_pt.W_k), (att_tf.w_v, att_pt.w_v)):
        dense.kernel.assign(linear.weight.detach().numpy().T)  # torch stores (out, in), Keras (in, out)
    (out_pt, w_pt), (out_tf, w_tf) = _call_both(att_pt, att_tf, q, k, v, valid_lens)
    assert out_pt.shape == (2, 2, 3) and w_pt.shape == (2, 2, 5)
    np.testing.assert_allclose(out_pt, out_tf, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_pt, w_tf, rtol=1e-5, atol=1e-6)
    assert np.all(w_pt[0, :, 2:] == 0.0)


def test_dot_product_attention_agrees_with_the_formula():
    q, k, v, valid_lens = _inputs(query_size=4)
    (out_pt, w_pt), (out_tf, w_tf) = _call_both(
        d2l_pt.DotProductAttention(dropout=0.5), d2l_tf.DotProductAttention(dropout=0.5), q, k, v, valid_lens
    )
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(4)
    for b, n in enumerate(valid_lens):
        e = np.exp(scores[b, :, :n] - scores[b, :, :n].max(axis=-1, keepdims=True))
        weights = e / e.sum(axis=-1, keepdims=True)
        np.testing.assert_allclose(w_pt[b, :, :n], weights, rtol=1e-5)
        np.testing.assert_allclose(out_pt[b], weights @ v[b, :n], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_pt, out_tf, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_pt, w_tf, rtol=1e-5, atol=1e-6)


def test_attention_works_inside_a_compiled_tensorflow_function():
    q, k, v, valid_lens = _inputs(query_size=4)
    att = d2l_tf.DotProductAttention()
    step = tf.function(lambda q, k, v, n: att(q, k, v, n))
    out = step(tf.constant(q), tf.constant(k), tf.constant(v), tf.constant(valid_lens))
    np.testing.assert_allclose(out.numpy(), att(q, k, v, tf.constant(valid_lens)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("which", ["additive", "dot"])
def test_mismatched_keys_and_values_are_named(which):
    q, k, v, valid_lens = _inputs(query_size=4)
    make = {
        "additive": lambda m: m.AdditiveAttention(key_size=4, query_size=4, num_hiddens=8),
        "dot": lambda m: m.DotProductAttention(),
    }[which]
    for module, to_tensor in ((d2l_pt, torch.tensor), (d2l_tf, tf.constant)):
        att = make(module)
        with pytest.raises(ValueError, match="keys and values"):
            att(to_tensor(q), to_tensor(k), to_tensor(v[:, :3]), to_tensor(valid_lens))
        with pytest.raises(ValueError, match="keys and values"):
            att(to_tensor(q), to_tensor(k), to_tensor(v[:1]), to_tensor(valid_lens))
        with pytest.raises(ValueError, match="queries must be a 3-D"):
            att(to_tensor(q[0]), to_tensor(k), to_tensor(v), to_tensor(valid_lens))


def test_dot_product_needs_queries_and_keys_of_one_size():
    q, k, v, valid_lens = _inputs(query_size=6)
    for module, to_tensor in ((d2l_pt, torch.tensor), (d2l_tf, tf.constant)):
        with pytest.raises(ValueError, match="queries and keys must have the same feature size"):
            module.DotProductAttention()(to_tensor(q), to_tensor(k), to_tensor(v), to_tensor(valid_lens))


def test_show_heatmaps_draws_one_map_per_matrix():
    matrices = np.random.default_rng(2).random((2, 3, 4, 5))
    fig = d2l.show_heatmaps(matrices, "Keys", "Queries", titles=["a", "b", "c"])
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 6 and len(fig.axes) == 7  # six heat maps and one colour bar
    assert maps[0].get_title() == "a" and maps[3].get_ylabel() == "Queries" and maps[5].get_xlabel() == "Keys"
    np.testing.assert_array_equal(maps[4].images[0].get_array(), matrices[1, 1])
    with pytest.raises(ValueError, match="matrices must have 4 axes"):
        d2l.show_heatmaps(matrices[0], "Keys", "Queries")
    with pytest.raises(ValueError, match="titles"):
        d2l.show_heatmaps(matrices, "Keys", "Queries", titles=["a"])
    matplotlib.pyplot.close("all")


# Multi-head attention ------------------------------------------------------------------

NUM_HIDDENS, NUM_HEADS = 8, 2


def _mha_inputs(query_size=NUM_HIDDENS, key_size=3, value_size=5, batch=2, num_queries=4, num_pairs=6):
    rng = np.random.default_rng(3)
    q = rng.normal(size=(batch, num_queries, query_size)).astype(np.float32)
    k = rng.normal(size=(batch, num_pairs, key_size)).astype(np.float32)
    v = rng.normal(size=(batch, num_pairs, value_size)).astype(np.float32)
    return q, k, v


def _mha_pair(q, k, v, bias=False):
    """A PyTorch and a TensorFlow MultiHeadAttention with the same weights (dropout 0.5, off)."""
    torch.manual_seed(0)
    mha_pt = d2l_pt.MultiHeadAttention(NUM_HIDDENS, NUM_HEADS, dropout=0.5, bias=bias)
    mha_pt.eval()
    mha_pt(torch.tensor(q), torch.tensor(k), torch.tensor(v))  # builds the lazy weights
    mha_tf = d2l_tf.MultiHeadAttention(NUM_HIDDENS, NUM_HEADS, dropout=0.5, bias=bias)
    mha_tf(tf.constant(q), tf.constant(k), tf.constant(v))
    for name in ("W_q", "W_k", "W_v", "W_o"):
        linear, dense = getattr(mha_pt, name), getattr(mha_tf, name)
        dense.kernel.assign(linear.weight.detach().numpy().T)
        if bias:
            dense.bias.assign(linear.bias.detach().numpy())
    return mha_pt, mha_tf


def _weights_pt(mha_pt):
    """Our PyTorch layer's per-head weights as (in, out) matrices: W_q, W_k, W_v, W_o."""
    return [getattr(mha_pt, n).weight.detach().numpy().T for n in ("W_q", "W_k", "W_v", "W_o")]


@pytest.mark.parametrize("kind", ["none", "1d", "2d"])
@pytest.mark.parametrize("bias", [False, True])
def test_multihead_attention_agrees_across_frameworks(kind, bias):
    q, k, v = _mha_inputs()
    valid_lens = {"none": None, "1d": np.array([3, 6]), "2d": np.array([[1, 2, 3, 4], [6, 5, 4, 3]])}[kind]
    mha_pt, mha_tf = _mha_pair(q, k, v, bias=bias)
    out_pt = mha_pt(
        *(torch.tensor(a) for a in (q, k, v)), None if valid_lens is None else torch.tensor(valid_lens)
    )
    out_tf = mha_tf(
        *(tf.constant(a) for a in (q, k, v)), None if valid_lens is None else tf.constant(valid_lens)
    )
    assert tuple(out_pt.shape) == (2, 4, NUM_HIDDENS) and tuple(out_tf.shape) == (2, 4, NUM_HIDDENS)
    np.testing.assert_allclose(out_pt.detach().numpy(), out_tf.numpy(), rtol=1e-5, atol=1e-6)
    w_pt = mha_pt.attention.attention_weights.detach().numpy()
    w_tf = mha_tf.attention.attention_weights.numpy()
    assert w_pt.shape == (2 * NUM_HEADS, 4, 6)
    np.testing.assert_allclose(w_pt, w_tf, rtol=1e-5, atol=1e-6)
    if kind == "1d":
        assert np.all(w_pt[:NUM_HEADS, :, 3:] == 0.0), "both heads of example 0 ignore keys 3-5"


def test_multihead_attention_equals_the_per_head_formula():
    q, k, v = _mha_inputs()
    mha_pt, _ = _mha_pair(q, k, v)
    W_q, W_k, W_v, W_o = _weights_pt(mha_pt)
    d = NUM_HIDDENS // NUM_HEADS
    heads = []
    for h in range(NUM_HEADS):
        cols = slice(h * d, (h + 1) * d)
        s = (q @ W_q[:, cols]) @ (k @ W_k[:, cols]).transpose(0, 2, 1) / np.sqrt(d)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        heads.append(e / e.sum(axis=-1, keepdims=True) @ (v @ W_v[:, cols]))
    expected = np.concatenate(heads, axis=-1) @ W_o
    out = mha_pt(*(torch.tensor(a) for a in (q, k, v))).detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bias", [False, True])
def test_multihead_attention_agrees_with_torch_nn_multiheadattention(bias):
    q, k, v = _mha_inputs()
    valid_lens = np.array([3, 6])
    mha_pt, _ = _mha_pair(q, k, v, bias=bias)
    ref = torch.nn.MultiheadAttention(
        NUM_HIDDENS, NUM_HEADS, dropout=0.5, bias=bias, kdim=3, vdim=5, batch_first=True
    )
    ref.eval()
    with torch.no_grad():
        ref.q_proj_weight.copy_(mha_pt.W_q.weight)
        ref.k_proj_weight.copy_(mha_pt.W_k.weight)
        ref.v_proj_weight.copy_(mha_pt.W_v.weight)
        ref.out_proj.weight.copy_(mha_pt.W_o.weight)
        if bias:
            ref.in_proj_bias.copy_(torch.cat([mha_pt.W_q.bias, mha_pt.W_k.bias, mha_pt.W_v.bias]))
            ref.out_proj.bias.copy_(mha_pt.W_o.bias)
    block = torch.arange(6)[None, :] >= torch.tensor(valid_lens)[:, None]  # True = do NOT attend
    expected, weights = ref(
        *(torch.tensor(a) for a in (q, k, v)), key_padding_mask=block, average_attn_weights=False
    )
    out = mha_pt(*(torch.tensor(a) for a in (q, k, v)), torch.tensor(valid_lens))
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(mha_pt.attention.attention_weights.reshape(2, NUM_HEADS, 4, 6), weights)


@pytest.mark.parametrize("bias", [False, True])
def test_multihead_attention_agrees_with_keras_multiheadattention(bias):
    keras = pytest.importorskip("keras")
    q, k, v = _mha_inputs()
    valid_lens = np.array([[1, 2, 3, 4], [6, 5, 4, 3]])
    mha_pt, mha_tf = _mha_pair(q, k, v, bias=bias)
    d = NUM_HIDDENS // NUM_HEADS
    ref = keras.layers.MultiHeadAttention(NUM_HEADS, key_dim=d, dropout=0.5, use_bias=bias)
    ref(tf.constant(q), tf.constant(v), tf.constant(k))  # builds: call(query, value, key)
    W_q, W_k, W_v, W_o = _weights_pt(mha_pt)
    kernels = [
        W_q.reshape(-1, NUM_HEADS, d),
        W_k.reshape(-1, NUM_HEADS, d),
        W_v.reshape(-1, NUM_HEADS, d),
        W_o.reshape(NUM_HEADS, d, -1),
    ]
    if bias:
        b = [getattr(mha_pt, n).bias.detach().numpy() for n in ("W_q", "W_k", "W_v", "W_o")]
        kernels = [
            kernels[0],
            b[0].reshape(NUM_HEADS, d),
            kernels[1],
            b[1].reshape(NUM_HEADS, d),
            kernels[2],
            b[2].reshape(NUM_HEADS, d),
            kernels[3],
            b[3],
        ]
    ref.set_weights(kernels)
    attend = np.arange(6)[None, None, :] < valid_lens[:, :, None]  # True = attend: (batch, queries, keys)
    expected, weights = ref(
        tf.constant(q),
        tf.constant(v),
        tf.constant(k),
        attention_mask=tf.constant(attend),
        return_attention_scores=True,
        training=False,
    )
    out = mha_tf(tf.constant(q), tf.constant(k), tf.constant(v), tf.constant(valid_lens), training=False)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        tf.reshape(mha_tf.attention.attention_weights, (2, NUM_HEADS, 4, 6)).numpy(),
        weights.numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_transpose_qkv_and_output_are_inverse():
    X = np.arange(2 * 3 * 8, dtype=np.float32).reshape(2, 3, 8)
    for module, to_tensor in ((d2l_pt, torch.tensor), (d2l_tf, tf.constant)):
        split = module.transpose_qkv(to_tensor(X), 2)
        assert tuple(split.shape) == (4, 3, 4)
        np.testing.assert_array_equal(np.asarray(split)[1], X[0, :, 4:])  # example 0, head 1
        np.testing.assert_array_equal(np.asarray(module.transpose_output(split, 2)), X)
        with pytest.raises(ValueError, match="num_heads"):
            module.transpose_qkv(to_tensor(X), 3)
        with pytest.raises(ValueError, match="num_heads must be a positive int"):
            module.transpose_qkv(to_tensor(X), 0)
        with pytest.raises(ValueError, match="X must be a 3-D"):
            module.transpose_output(to_tensor(X[0]), 2)


def test_multihead_attention_rejects_bad_arguments():
    q, k, v = _mha_inputs()
    for module, to_tensor in ((d2l_pt, torch.tensor), (d2l_tf, tf.constant)):
        with pytest.raises(ValueError, match="num_hiddens .* must be divisible by num_heads"):
            module.MultiHeadAttention(10, 3, 0.0)
        with pytest.raises(ValueError, match="num_heads must be a positive int"):
            module.MultiHeadAttention(8, 0, 0.0)
        mha = module.MultiHeadAttention(NUM_HIDDENS, NUM_HEADS, 0.0)
        with pytest.raises(ValueError, match="keys and values"):
            mha(to_tensor(q), to_tensor(k), to_tensor(v[:, :5]))
        with pytest.raises(ValueError, match="queries must be a 3-D"):
            mha(to_tensor(q[0]), to_tensor(k), to_tensor(v))
        with pytest.raises(ValueError, match="valid_lens"):
            mha(to_tensor(q), to_tensor(k), to_tensor(v), to_tensor(np.array([1, 2, 3])))


def test_multihead_attention_compiles_once_in_tensorflow():
    q, k, v = _mha_inputs()
    mha = d2l_tf.MultiHeadAttention(NUM_HIDDENS, NUM_HEADS, 0.1)
    mha(q, k, v)  # creates the weights eagerly (creating them inside tf.function traces twice)
    traces = []

    @tf.function
    def step(q, k, v, n):
        traces.append(1)
        return mha(q, k, v, n, training=False)

    for _ in range(3):
        out = step(tf.constant(q), tf.constant(k), tf.constant(v), tf.constant([3, 6]))
    assert len(traces) == 1
    np.testing.assert_allclose(out.numpy(), mha(q, k, v, tf.constant([3, 6])).numpy(), rtol=1e-5, atol=1e-6)


def test_attention_decoder_needs_attention_weights():
    for module in (d2l_pt, d2l_tf):
        assert issubclass(module.AttentionDecoder, module.Decoder)

        class NoWeights(module.AttentionDecoder):
            pass

        with pytest.raises(NotImplementedError, match="attention_weights"):
            _ = NoWeights().attention_weights

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

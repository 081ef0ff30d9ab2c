"""Sequence to sequence learning: encoder and decoder shapes, sequence_mask, the masked loss
(by hand and across frameworks), BLEU, argument errors, the compiled TensorFlow steps, and a
tiny overfit run in both frameworks."""

import math

import numpy as np
import pytest

import d2lutils as d2l

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

VOCAB, EMBED, HIDDENS, LAYERS, BATCH, STEPS = 10, 8, 16, 2, 4, 7


def _nets(vocab=VOCAB):
    net_pt = d2l_pt.EncoderDecoder(
        d2l_pt.Seq2SeqEncoder(vocab, EMBED, HIDDENS, LAYERS),
        d2l_pt.Seq2SeqDecoder(vocab, EMBED, HIDDENS, LAYERS),
    )
    net_tf = d2l_tf.EncoderDecoder(
        d2l_tf.Seq2SeqEncoder(vocab, EMBED, HIDDENS, LAYERS),
        d2l_tf.Seq2SeqDecoder(vocab, EMBED, HIDDENS, LAYERS),
    )
    return net_pt, net_tf


def test_encoder_and_decoder_shapes():
    X = np.zeros((BATCH, STEPS), dtype=np.int64)
    enc_pt = d2l_pt.Seq2SeqEncoder(VOCAB, EMBED, HIDDENS, LAYERS)
    outputs, state = enc_pt(torch.tensor(X))
    assert tuple(outputs.shape) == (STEPS, BATCH, HIDDENS)  # time-major, as nn.GRU
    assert tuple(state.shape) == (LAYERS, BATCH, HIDDENS)
    dec_pt = d2l_pt.Seq2SeqDecoder(VOCAB, EMBED, HIDDENS, LAYERS)
    Y, (hidden, context) = dec_pt(torch.tensor(X), dec_pt.init_state((outputs, state)))
    assert tuple(Y.shape) == (BATCH, STEPS, VOCAB)
    assert tuple(hidden.shape) == (LAYERS, BATCH, HIDDENS)
    torch.testing.assert_close(context, state[-1])  # the context stays the encoder's

    enc_tf = d2l_tf.Seq2SeqEncoder(VOCAB, EMBED, HIDDENS, LAYERS)
    outputs, state = enc_tf(tf.constant(X, tf.int32))
    assert tuple(outputs.shape) == (BATCH, STEPS, HIDDENS)  # batch-major, as Keras
    assert tuple(state.shape) == (LAYERS, BATCH, HIDDENS)
    dec_tf = d2l_tf.Seq2SeqDecoder(VOCAB, EMBED, HIDDENS, LAYERS)
    Y, (hidden, context) = dec_tf(tf.constant(X, tf.int32), dec_tf.init_state((outputs, state)))
    assert tuple(Y.shape) == (BATCH, STEPS, VOCAB)
    assert tuple(hidden.shape) == (LAYERS, BATCH, HIDDENS)
    np.testing.assert_allclose(context.numpy(), state[-1].numpy())


def test_embeddings_start_from_the_same_distribution_in_both_frameworks():
    """Both frameworks' embeddings start from N(0, 1) (nn.Embedding's default; Keras's own
    default, U(-0.05, 0.05), trained the TensorFlow models of chapters 9-10 slower)."""
    net_pt, net_tf = _nets(vocab=2000)
    X = np.zeros((BATCH, STEPS), dtype=np.int32)
    net_tf.decoder(X, net_tf.decoder.init_state(net_tf.encoder(X, training=False)), training=False)
    for weights in (
        net_pt.encoder.embedding.weight.detach().numpy(),
        net_pt.decoder.embedding.weight.detach().numpy(),
        net_tf.encoder.embedding.embeddings.numpy(),
        net_tf.decoder.embedding.embeddings.numpy(),
    ):
        assert abs(weights.mean()) < 0.05 and 0.95 < weights.std() < 1.05


def test_sequence_mask_in_both_frameworks():
    X = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    expected = np.array([[1, 0, 0], [4, 5, 0]], dtype=np.float32)
    np.testing.assert_array_equal(
        d2l_pt.sequence_mask(torch.tensor(X), torch.tensor([1, 2])).numpy(), expected
    )
    np.testing.assert_array_equal(d2l_tf.sequence_mask(tf.constant(X), tf.constant([1, 2])).numpy(), expected)
    X3 = np.ones((2, 3, 4), dtype=np.float32)
    m_pt = d2l_pt.sequence_mask(torch.tensor(X3), torch.tensor([1, 2]), value=-1).numpy()
    m_tf = d2l_tf.sequence_mask(tf.constant(X3), tf.constant([1, 2]), value=-1).numpy()
    np.testing.assert_array_equal(m_pt, m_tf)
    assert (m_pt[0, 1:] == -1).all() and (m_pt[1, :2] == 1).all() and (m_pt[1, 2] == -1).all()


def test_sequence_mask_errors_name_the_argument():
    with pytest.raises(ValueError, match="valid_len"):
        d2l_pt.sequence_mask(torch.ones(2, 3), torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="valid_len"):
        d2l_tf.sequence_mask(tf.ones((2, 3)), tf.constant([1, 2, 3]))
    with pytest.raises(ValueError, match="X must have"):
        d2l_pt.sequence_mask(torch.ones(3), torch.tensor([1, 2, 3]))


def _loss_case():
    rng = np.random.default_rng(0)
    pred = rng.normal(size=(3, 4, 5)).astype(np.float32)
    label = rng.integers(0, 5, size=(3, 4))
    valid_len = np.array([4, 2, 0])
    return pred, label, valid_len


def test_masked_loss_equals_hand_computation():
    pred, label, valid_len = _loss_case()
    log_probs = pred - np.log(np.exp(pred).sum(axis=2, keepdims=True))
    expected = np.array(
        [-sum(log_probs[b, t, label[b, t]] for t in range(valid_len[b])) / 4 for b in range(3)]
    )
    loss_pt = d2l_pt.MaskedSoftmaxCELoss()(torch.tensor(pred), torch.tensor(label), torch.tensor(valid_len))
    assert tuple(loss_pt.shape) == (3,)
    np.testing.assert_allclose(loss_pt.numpy(), expected, rtol=1e-5)
    assert loss_pt[2] == 0  # no valid step, no loss


def test_masked_loss_agrees_across_frameworks():
    pred, label, valid_len = _loss_case()
    loss_pt = d2l_pt.MaskedSoftmaxCELoss()(torch.tensor(pred), torch.tensor(label), torch.tensor(valid_len))
    loss_tf = d2l_tf.MaskedSoftmaxCELoss()(
        tf.constant(pred), tf.constant(label, tf.int32), tf.constant(valid_len, tf.int32)
    )
    np.testing.assert_allclose(loss_pt.numpy(), loss_tf.numpy(), rtol=1e-5)


def test_masked_loss_checks_shapes():
    with pytest.raises(ValueError, match="pred must have shape"):
        d2l_pt.MaskedSoftmaxCELoss()(
            torch.ones(2, 3), torch.ones(2, 3, dtype=torch.long), torch.tensor([1, 1])
        )
    with pytest.raises(ValueError, match="pred must have shape"):
        d2l_tf.MaskedSoftmaxCELoss()(tf.ones((2, 3)), tf.ones((2, 3), tf.int32), tf.constant([1, 1]))


def test_bleu():
    assert d2l.bleu("va !", "va !", 2) == 1.0
    # unigrams 3/4, bigrams 1/3, same length: 0.75**0.5 * (1/3)**0.25
    assert math.isclose(d2l.bleu("il est bon .", "il est calme .", 2), 0.75**0.5 * (1 / 3) ** 0.25)
    # a short prediction: every n-gram right, but the brevity penalty exp(1 - 3/2)
    assert math.isclose(d2l.bleu("il est", "il est calme", 2), math.exp(1 - 3 / 2))
    # k larger than the prediction: n stops at its length
    assert d2l.bleu("va !", "va !", 4) == 1.0
    assert d2l.bleu("", "va !", 2) == 0.0
    assert d2l.bleu("a a a", "a b c", 1) == pytest.approx((1 / 3) ** 0.5)  # a label n-gram matches once


def test_bleu_errors():
    with pytest.raises(ValueError, match="k must be a positive int"):
        d2l.bleu("va !", "va !", 0)
    with pytest.raises(ValueError, match="label_seq"):
        d2l.bleu("va !", "  ", 2)
    with pytest.raises(TypeError, match="pred_seq"):
        d2l.bleu(["va", "!"], "va !", 2)


def test_constructor_errors():
    with pytest.raises(ValueError, match="num_layers"):
        d2l_pt.Seq2SeqEncoder(10, 8, 16, 0)
    with pytest.raises(ValueError, match="dropout"):
        d2l_tf.Seq2SeqDecoder(10, 8, 16, 2, dropout=1.5)


def _copy_task(n=32, steps=5, vocab_size=8, seed=0):
    """Source and target token arrays: the target repeats the source (indices 3.. are words)."""
    rng = np.random.default_rng(seed)
    tokens = [
        [f"w{j}" for j in rng.integers(0, vocab_size - 3, size=rng.integers(1, steps))] for _ in range(n)
    ]
    vocab = d2l.Vocab(tokens, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    return tokens, vocab


@pytest.fixture(scope="module")
def copy_data():
    tokens, vocab = _copy_task()
    arr_pt, len_pt = d2l_pt.build_array_nmt(tokens, vocab, 6)
    arr_tf, len_tf = d2l_tf.build_array_nmt(tokens, vocab, 6)
    iter_pt = d2l_pt.load_array(
        (arr_pt, len_pt, arr_pt, len_pt), 12
    )  # 32 = 12 + 12 + 8: a smaller last batch
    iter_tf = d2l_tf.load_array((arr_tf, len_tf, arr_tf, len_tf), 12)
    return vocab, iter_pt, iter_tf


def test_training_lowers_the_loss_in_both_frameworks(copy_data, capsys):
    vocab, iter_pt, iter_tf = copy_data
    torch.manual_seed(0)
    tf.random.set_seed(0)
    net_pt, net_tf = _nets(len(vocab))
    result_pt = d2l_pt.train_seq2seq(net_pt, iter_pt, 0.01, 30, vocab)
    result_tf = d2l_tf.train_seq2seq(net_tf, iter_tf, 0.01, 30, vocab)
    for result in (result_pt, result_tf):
        assert result["history"][-1] < 0.5 * result["history"][0]
        assert result["loss"] == result["history"][-1] and result["tokens_per_sec"] > 0
    assert result_tf["traces"] == 1  # one trace for all minibatches, the smaller last one included
    out = capsys.readouterr().out
    assert "tokens/sec on cpu" in out and "tokens/sec on /CPU:0" in out


def test_predict_translates_unknown_words_and_rejects_bad_input(copy_data):
    vocab, _, _ = copy_data
    net_pt, net_tf = _nets(len(vocab))
    for predict, net in ((d2l_pt.predict_seq2seq, net_pt), (d2l_tf.predict_seq2seq, net_tf)):
        translation, weights = predict(net, "w1 zzz w2", vocab, vocab, 4)
        assert isinstance(translation, str) and len(translation.split()) <= 4 and weights == []
        with pytest.raises(ValueError, match="src_sentence"):
            predict(net, "  ", vocab, vocab, 4)
        with pytest.raises(ValueError, match="num_steps"):
            predict(net, "w1", vocab, vocab, 0)
    for mode in (False, True):  # predict restores the net's mode
        net_pt.train(mode)
        d2l_pt.predict_seq2seq(net_pt, "w1", vocab, vocab, 4)
        assert net_pt.training == mode


def test_predict_runs_with_dropout_off(copy_data):
    """With heavy dropout, the same sentence always gets the same translation."""
    vocab, _, _ = copy_data
    torch.manual_seed(0)
    size = len(vocab)
    net_pt = d2l_pt.EncoderDecoder(
        d2l_pt.Seq2SeqEncoder(size, EMBED, HIDDENS, 3, dropout=0.9),
        d2l_pt.Seq2SeqDecoder(size, EMBED, HIDDENS, 3, dropout=0.9),
    )
    net_tf = d2l_tf.EncoderDecoder(
        d2l_tf.Seq2SeqEncoder(size, EMBED, HIDDENS, 3, dropout=0.9),
        d2l_tf.Seq2SeqDecoder(size, EMBED, HIDDENS, 3, dropout=0.9),
    )
    for predict, net in ((d2l_pt.predict_seq2seq, net_pt), (d2l_tf.predict_seq2seq, net_tf)):
        translations = {predict(net, "w1 w2 w3", vocab, vocab, 6)[0] for _ in range(5)}
        assert len(translations) == 1


def test_tf_decode_step_is_traced_once(copy_data):
    vocab, _, _ = copy_data
    _, net_tf = _nets(len(vocab))
    for sentence in ("w1", "w2 w3", "w4 zzz w1"):
        d2l_tf.predict_seq2seq(net_tf, sentence, vocab, vocab, 6)
    step = d2l_tf.seq2seq._DECODE_STEPS[net_tf][False]
    assert step.experimental_get_tracing_count() == 1

"""Machine-translation data: preprocessing, tokenizing, truncate_pad, the arrays and valid
lengths (the same in both frameworks), load_data_nmt, and the encoder-decoder interfaces."""

import numpy as np
import pytest

import d2lutils as d2l
from tests.test_data import SHARED

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

needs_data = pytest.mark.skipif(not (SHARED / "fra-eng").is_dir(), reason="no fra-eng copy")


@pytest.fixture
def shared_cache(monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(SHARED))


def test_preprocess_spaces_punctuation_and_lower_cases():
    assert d2l.preprocess_nmt("Go.\tVa !") == "go .\tva !"
    assert d2l.preprocess_nmt("Hello,World!") == "hello ,world !"
    assert d2l.preprocess_nmt("Who?\tQui ?") == "who ?\tqui ?"  # already spaced: no second space
    assert d2l.preprocess_nmt("Wait.\t.") == "wait .\t."  # no space right after the tab


def test_preprocess_turns_non_breaking_spaces_into_spaces():
    text = "Run!\tCours\u202f!\nI see.\tJe\xa0vois\u2009."
    assert d2l.preprocess_nmt(text) == "run !\tcours !\ni see .\tje vois ."
    with pytest.raises(TypeError, match="text must be a str"):
        d2l.preprocess_nmt(b"go.")


def test_tokenize_keeps_the_first_pairs_and_skips_lines_without_a_tab():
    text = "go .\tva !\nhi .\tsalut !\n\nrun !\tcours !\n"
    source, target = d2l.tokenize_nmt(text)
    assert source == [["go", "."], ["hi", "."], ["run", "!"]]
    assert target == [["va", "!"], ["salut", "!"], ["cours", "!"]]
    assert d2l.tokenize_nmt(text, num_examples=2) == (source[:2], target[:2])
    assert d2l.tokenize_nmt("a  b\tc   d") == ([["a", "b"]], [["c", "d"]])  # no empty tokens
    with pytest.raises(ValueError, match="num_examples"):
        d2l.tokenize_nmt(text, num_examples=0)


def test_read_data_drops_a_third_attribution_column(monkeypatch, tmp_path):
    path = tmp_path / "fra.txt"
    path.write_text(
        "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\nHi.\tSalut !\n", "utf-8"
    )
    monkeypatch.setattr("d2lutils.nmt.download", lambda name: path)
    assert d2l.read_data_nmt() == "Go.\tVa !\nHi.\tSalut !\n"


def test_truncate_pad():
    assert d2l.truncate_pad([1, 2, 3], 5, 0) == [1, 2, 3, 0, 0]
    assert d2l.truncate_pad([1, 2, 3], 2, 0) == [1, 2]
    assert d2l.truncate_pad((1, 2), 2, 0) == [1, 2]
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="num_steps must be a positive int"):
            d2l.truncate_pad([1], bad, 0)


LINES = [["go", "."], ["i", "lost", "."], ["he's", "calm", "and", "happy", "."], ["zzz"]]


def _vocab():
    return d2l.Vocab([line for line in LINES[:3]], reserved_tokens=["<pad>", "<bos>", "<eos>"])


def test_build_array_appends_eos_pads_and_counts_valid_lengths():
    vocab = _vocab()
    array, valid_len = d2l_pt.build_array_nmt(LINES, vocab, num_steps=4)
    assert array.dtype == torch.int64 and array.shape == (4, 4)
    pad, eos = vocab["<pad>"], vocab["<eos>"]
    assert array[0].tolist() == [vocab["go"], vocab["."], eos, pad]
    assert array[2].tolist() == vocab[["he's", "calm", "and", "happy"]]  # cut: no room for <eos>
    assert array[3].tolist() == [vocab.unk, eos, pad, pad]  # unknown words map to <unk>
    assert valid_len.tolist() == [3, 4, 4, 2]


def test_build_array_is_the_same_in_both_frameworks():
    vocab = _vocab()
    for num_steps in (1, 3, 8):
        array_pt, valid_pt = d2l_pt.build_array_nmt(LINES, vocab, num_steps)
        array_tf, valid_tf = d2l_tf.build_array_nmt(LINES, vocab, num_steps)
        assert array_tf.dtype == tf.int32 and valid_tf.dtype == tf.int32
        np.testing.assert_array_equal(array_pt.numpy(), array_tf.numpy())
        np.testing.assert_array_equal(valid_pt.numpy(), valid_tf.numpy())
    for build in (d2l_pt.build_array_nmt, d2l_tf.build_array_nmt):
        with pytest.raises(ValueError, match="num_steps"):
            build(LINES, vocab, 0)


@needs_data
def test_load_data_nmt_in_both_frameworks(shared_cache):
    (iter_pt, src_pt, tgt_pt), (iter_tf, src_tf, tgt_tf) = (
        d2l_pt.load_data_nmt(batch_size=64, num_steps=8),
        d2l_tf.load_data_nmt(batch_size=64, num_steps=8),
    )
    assert src_pt.idx_to_token == src_tf.idx_to_token and tgt_pt.idx_to_token == tgt_tf.idx_to_token
    assert tgt_pt.idx_to_token[:4] == ["<unk>", "<pad>", "<bos>", "<eos>"]
    counts = dict(tgt_pt.token_freqs)
    assert all(counts[token] >= 2 for token in tgt_pt.idx_to_token[4:])  # min_freq=2
    for data_iter, to_np in ((iter_pt, lambda t: t.numpy()), (iter_tf, lambda t: t.numpy())):
        batches = [[to_np(t) for t in batch] for batch in data_iter]
        assert sum(len(b[0]) for b in batches) == 600
        for X, X_valid_len, Y, Y_valid_len in batches:
            assert X.shape[1] == Y.shape[1] == 8
            for array, valid_len in ((X, X_valid_len), (Y, Y_valid_len)):
                np.testing.assert_array_equal((array != 1).sum(axis=1), valid_len)
    with pytest.raises(ValueError, match="num_steps"):
        d2l_pt.load_data_nmt(batch_size=2, num_steps=0)
    with pytest.raises(ValueError, match="batch_size"):
        d2l_tf.load_data_nmt(batch_size=0, num_steps=8)


@needs_data
def test_the_first_pairs_of_the_dataset(shared_cache):
    source, target = d2l.tokenize_nmt(d2l.preprocess_nmt(d2l.read_data_nmt()), num_examples=600)
    assert len(source) == len(target) == 600
    assert source[0] == ["go", "."] and target[0] == ["va", "!"]
    assert source[2] == ["run", "!"] and target[2] == ["cours", "!"]  # its space was a U+202F


def test_encoder_decoder_interfaces():
    class Enc(d2l_pt.Encoder):
        def forward(self, X, *args):
            return X + 1

    class Dec(d2l_pt.Decoder):
        def init_state(self, enc_outputs, *args):
            return enc_outputs * 10

        def forward(self, X, state):
            return X + state, state

    out, state = d2l_pt.EncoderDecoder(Enc(), Dec())(torch.tensor([1.0]), torch.tensor([2.0]))
    assert out.tolist() == [22.0] and state.tolist() == [20.0]

    class EncTF(d2l_tf.Encoder):
        def call(self, X, *args, training=None):
            return X + 1

    class DecTF(d2l_tf.Decoder):
        def init_state(self, enc_outputs, *args):
            return enc_outputs * 10

        def call(self, X, state, training=None):
            return X + state, state

    out, state = d2l_tf.EncoderDecoder(EncTF(), DecTF())(tf.constant([1.0]), tf.constant([2.0]))
    assert out.numpy().tolist() == [22.0] and state.numpy().tolist() == [20.0]
    with pytest.raises(NotImplementedError):
        d2l_pt.Encoder()(torch.zeros(1))
    with pytest.raises(NotImplementedError):
        d2l_pt.Decoder().init_state(None)
    with pytest.raises(NotImplementedError):
        d2l_tf.Decoder().init_state(None)
    with pytest.raises(NotImplementedError, match="Encoder must implement call"):
        d2l_tf.Encoder()(tf.zeros((2, 3)))
    with pytest.raises(NotImplementedError, match="Decoder must implement call"):
        d2l_tf.Decoder()(tf.zeros((2, 3)), None)
    for module in (d2l_pt, d2l_tf):
        with pytest.raises(TypeError, match="encoder must be an Encoder"):
            module.EncoderDecoder(object(), None)

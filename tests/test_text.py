"""Text helpers: the vocabulary, tokenizing, the minibatch iterators, the Time Machine loaders
of both frameworks (shapes, the shift by one, contiguity, coverage, errors, the same minibatches
in PyTorch and TensorFlow for the same seed)."""

import random

import numpy as np
import pytest

import d2lutils as d2l
from tests.test_data import SHARED

needs_data = pytest.mark.skipif(
    not (SHARED / "time_machine" / "timemachine.txt").is_file(), reason="no Time Machine copy"
)


@pytest.fixture
def shared_cache(monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(SHARED))


# --- tokenize, count_corpus, Vocab ---------------------------------------------------------


def test_tokenize_words_and_chars():
    lines = ["the time machine", "", "by h g  wells"]
    assert d2l.tokenize(lines) == [["the", "time", "machine"], [], ["by", "h", "g", "wells"]]
    assert d2l.tokenize(["ab c"], "char") == [["a", "b", " ", "c"]]


def test_tokenize_rejects_a_bad_token_kind_and_a_bare_string():
    with pytest.raises(ValueError, match="token"):
        d2l.tokenize(["a b"], token="sentence")
    with pytest.raises(TypeError, match="lines"):
        d2l.tokenize("a b")


def test_count_corpus_flattens_2d_lists():
    assert d2l.count_corpus([["a", "b"], ["a"]]) == {"a": 2, "b": 1}
    assert d2l.count_corpus(["x", "x", "y"]) == {"x": 2, "y": 1}
    assert d2l.count_corpus([]) == {}
    assert d2l.count_corpus([("a", "b"), ("a", "b"), ("b", "a")]) == {("a", "b"): 2, ("b", "a"): 1}


def test_vocab_order_unk_and_reserved_tokens():
    tokens = [["b", "a", "c", "a"], ["c", "d", "a"]]  # a:3, c:2, b:1, d:1 (b appears before d)
    vocab = d2l.Vocab(tokens, reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "a", "c", "b", "d"]
    assert vocab.unk == 0 and vocab["<unk>"] == 0
    assert vocab["a"] == 3 and vocab["zebra"] == vocab.unk
    assert vocab[["d", "zebra", "<pad>"]] == [6, 0, 1]
    assert vocab[("a", ["b", "c"])] == [3, [5, 4]]
    bigrams = d2l.Vocab([("a", "b"), ("b", "c"), ("a", "b")])  # tuples are tokens (n-grams)
    assert bigrams.idx_to_token == ["<unk>", ("a", "b"), ("b", "c")]
    assert len(vocab) == 7
    assert vocab.token_freqs == [("a", 3), ("c", 2), ("b", 1), ("d", 1)]
    assert all(vocab.token_to_idx[t] == i for i, t in enumerate(vocab.idx_to_token))


def test_vocab_min_freq_drops_rare_tokens():
    vocab = d2l.Vocab([["a", "a", "b", "c", "c", "c"]], min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "c", "a"]
    assert vocab["b"] == vocab.unk
    assert [t for t, _ in vocab.token_freqs] == ["c", "a", "b"]  # the counts keep every token


def test_vocab_round_trip_and_to_tokens():
    tokens = d2l.tokenize(["the cat sat on the mat"])
    vocab = d2l.Vocab(tokens)
    indices = vocab[tokens[0]]
    assert vocab.to_tokens(indices) == tokens[0]
    assert vocab.to_tokens(vocab["cat"]) == "cat"
    assert vocab.to_tokens(np.array(indices)) == tokens[0]
    assert vocab.to_tokens(np.int64(0)) == "<unk>"
    with pytest.raises(IndexError, match="out of range"):
        vocab.to_tokens(len(vocab))


def test_vocab_duplicates_and_empty():
    vocab = d2l.Vocab([["<pad>", "a"]], reserved_tokens=["<pad>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "a"]  # a reserved token is listed once
    assert d2l.Vocab().idx_to_token == ["<unk>"]


def test_vocab_rejects_bad_arguments():
    with pytest.raises(ValueError, match="min_freq"):
        d2l.Vocab([["a"]], min_freq=-1)
    with pytest.raises(TypeError, match="reserved_tokens"):
        d2l.Vocab([["a"]], reserved_tokens=[1])


# --- the iterators ---------------------------------------------------------------------------


@pytest.mark.parametrize("iterator", [d2l.seq_data_iter_random, d2l.seq_data_iter_sequential])
def test_iterators_shapes_dtype_and_shift_by_one(iterator):
    corpus = list(range(100))
    batches = list(iterator(corpus, batch_size=3, num_steps=5, rng=random.Random(0)))
    assert batches
    for X, Y in batches:
        assert X.shape == Y.shape == (3, 5)
        assert X.dtype == Y.dtype == np.int64
        np.testing.assert_array_equal(Y, X + 1)  # corpus[i] == i: the target is the next token
        np.testing.assert_array_equal(np.diff(X, axis=1), 1)  # each row is a contiguous slice


def test_sequential_batches_continue_across_minibatches():
    corpus = list(range(200))
    for seed in range(5):
        batches = list(d2l.seq_data_iter_sequential(corpus, 4, 6, rng=random.Random(seed)))
        assert len(batches) >= 2
        for (X1, _), (X2, _) in zip(batches, batches[1:], strict=False):
            np.testing.assert_array_equal(X2[:, 0], X1[:, -1] + 1)


def test_random_iterator_covers_distinct_subsequences():
    corpus = list(range(101))
    starts = []
    for X, _ in d2l.seq_data_iter_random(corpus, 2, 5, rng=random.Random(1)):
        starts += X[:, 0].tolist()
    assert len(starts) == len(set(starts))  # no subsequence twice in an epoch
    offset = starts[0] % 5
    assert all(s % 5 == offset for s in starts)  # non-overlapping: one grid of offsets
    assert len(starts) == 2 * 9  # (101 - 5) // 5 = 19 subsequences, 9 full minibatches of 2
    assert starts != sorted(starts)  # shuffled


def test_iterators_use_the_random_module_by_default():
    corpus = list(range(300))
    random.seed(3)
    first = [X for X, _ in d2l.seq_data_iter_random(corpus, 2, 7)]
    random.seed(3)
    again = [X for X, _ in d2l.seq_data_iter_random(corpus, 2, 7)]
    np.testing.assert_array_equal(np.stack(first), np.stack(again))


@pytest.mark.parametrize("iterator", [d2l.seq_data_iter_random, d2l.seq_data_iter_sequential])
def test_every_offset_gives_the_same_number_of_minibatches(iterator):
    counts = {len(list(iterator(list(range(97)), 3, 5, rng=random.Random(s)))) for s in range(20)}
    assert len(counts) == 1


@pytest.mark.parametrize("iterator", [d2l.seq_data_iter_random, d2l.seq_data_iter_sequential])
def test_iterators_reject_bad_sizes_and_short_corpora(iterator):
    corpus = list(range(50))
    with pytest.raises(ValueError, match="num_steps"):
        iterator(corpus, 2, 0)
    with pytest.raises(ValueError, match="batch_size"):
        iterator(corpus, -1, 5)
    with pytest.raises(TypeError, match="num_steps"):
        iterator(corpus, 2, 2.5)
    with pytest.raises(ValueError, match="too short"):
        iterator(corpus, 5, 10)  # needs (5 + 1) * 10 = 60 tokens
    # (4 + 1) * 10 = 50 tokens are just enough: one minibatch for every offset
    assert {len(list(iterator(corpus, 4, 10, rng=random.Random(s)))) for s in range(10)} == {1}


def test_short_corpus_error_is_raised_on_the_call():
    with pytest.raises(ValueError, match="too short"):
        d2l.seq_data_iter_sequential(list(range(10)), 2, 5)  # not only when iterated


# --- The Time Machine -----------------------------------------------------------------------


@needs_data
def test_read_time_machine_lines(shared_cache):
    lines = d2l.read_time_machine()
    assert lines[0] == "the time machine by h g wells"
    assert all(set(line) <= set("abcdefghijklmnopqrstuvwxyz ") for line in lines)
    assert all(line == line.strip() and "  " not in line for line in lines)


@needs_data
def test_load_corpus_time_machine(shared_cache):
    corpus, vocab = d2l.load_corpus_time_machine()
    assert len(vocab) == 28  # <unk>, space and 26 letters
    assert vocab.idx_to_token[:3] == ["<unk>", " ", "e"]
    assert len(corpus) == 170580
    assert "".join(vocab.to_tokens(corpus[:16])) == "the time machine"
    short, _ = d2l.load_corpus_time_machine(max_tokens=1000)
    assert short == corpus[:1000]
    with pytest.raises(ValueError, match="max_tokens"):
        d2l.load_corpus_time_machine(max_tokens=0)


@needs_data
@pytest.mark.parametrize("use_random_iter", [False, True])
def test_seq_data_loader_len_and_fresh_epochs(shared_cache, use_random_iter):
    loader = d2l.SeqDataLoader(4, 10, use_random_iter, max_tokens=500, rng=random.Random(0))
    assert len(loader.vocab) == 28 and len(loader.corpus) == 500
    epochs = [list(loader) for _ in range(4)]
    assert all(len(epoch) == len(loader) > 0 for epoch in epochs)
    firsts = {epoch[0][0].tobytes() for epoch in epochs}
    assert len(firsts) > 1  # every iter() draws a fresh offset
    with pytest.raises(ValueError, match="too short"):
        d2l.SeqDataLoader(32, 35, use_random_iter, max_tokens=1000)


torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402


@needs_data
@pytest.mark.parametrize("use_random_iter", [False, True])
def test_both_frameworks_yield_the_same_minibatches(shared_cache, use_random_iter):
    batches = {}
    for name, module, dtype in (("pt", d2l_pt, torch.int64), ("tf", d2l_tf, tf.int32)):
        random.seed(7)
        data_iter, vocab = module.load_data_time_machine(8, 12, use_random_iter, max_tokens=2000)
        assert len(vocab) == 28
        epochs = []
        for _ in range(2):
            epoch = []
            for X, Y in data_iter:
                assert tuple(X.shape) == tuple(Y.shape) == (8, 12) and X.dtype == Y.dtype == dtype
                epoch.append((np.asarray(X), np.asarray(Y)))
            assert len(epoch) == len(data_iter)
            epochs.append(epoch)
        batches[name] = epochs
    for epoch_pt, epoch_tf in zip(batches["pt"], batches["tf"], strict=True):
        assert len(epoch_pt) == len(epoch_tf)
        for (X_pt, Y_pt), (X_tf, Y_tf) in zip(epoch_pt, epoch_tf, strict=True):
            np.testing.assert_array_equal(X_pt, X_tf)
            np.testing.assert_array_equal(Y_pt, Y_tf)
            np.testing.assert_array_equal(X_pt[:, 1:], Y_pt[:, :-1])  # shifted by one


@needs_data
def test_torch_minibatches_do_not_share_memory_with_the_corpus(shared_cache):
    data_iter, _ = d2l_pt.load_data_time_machine(1, 5, max_tokens=100)
    X, _ = next(iter(data_iter))
    X += 1000  # an in-place change to a minibatch must not change the next epoch
    assert max(int(X.max()) for X, _ in data_iter) < 1000


@needs_data
def test_loaders_reject_bad_arguments(shared_cache):
    for module in (d2l_pt, d2l_tf):
        with pytest.raises(ValueError, match="num_steps"):
            module.load_data_time_machine(2, 0)
        with pytest.raises(ValueError, match="batch_size"):
            module.load_data_time_machine(0, 5)
        with pytest.raises(ValueError, match="too short"):
            module.load_data_time_machine(32, 35, max_tokens=500)

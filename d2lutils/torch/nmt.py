"""Machine-translation minibatches for PyTorch (explained in "Machine translation and the dataset")."""

import torch

from d2lutils import text
from d2lutils.nmt import preprocess_nmt, read_data_nmt, tokenize_nmt, truncate_pad
from d2lutils.torch.data import load_array

__all__ = ["build_array_nmt", "load_data_nmt"]


def build_array_nmt(lines, vocab, num_steps):
    """Token lists to an int64 array (n, num_steps) of indices, and their valid lengths (n,).

    Each line gets ``<eos>`` appended, then is cut or padded with ``<pad>`` to
    ``num_steps``; a valid length counts the tokens that are not padding. Explained in
    "Machine translation and the dataset".
    """
    if not isinstance(num_steps, int) or isinstance(num_steps, bool) or num_steps < 1:
        raise ValueError(f"num_steps must be a positive int, got {num_steps!r}")
    eos, pad = vocab["<eos>"], vocab["<pad>"]
    rows = [truncate_pad(vocab[line] + [eos], num_steps, pad) for line in lines]
    array = torch.tensor(rows, dtype=torch.int64)
    valid_len = (array != vocab["<pad>"]).sum(dim=1)
    return array, valid_len


def load_data_nmt(batch_size, num_steps, num_examples=600):
    """The first ``num_examples`` English-French pairs as minibatches, with both vocabularies.

    Returns ``(data_iter, src_vocab, tgt_vocab)``: a ``DataLoader`` of shuffled
    minibatches ``(X, X_valid_len, Y, Y_valid_len)``, X and Y of shape (batch_size, num_steps)
    (int64). Vocabularies keep words seen at least twice, with ``<pad>``, ``<bos>`` and
    ``<eos>`` reserved. Explained in "Machine translation and the dataset".
    """
    pairs = [line for line in read_data_nmt().split("\n") if "\t" in line]
    if num_examples is not None:  # clean only the pairs we keep
        pairs = pairs[:num_examples]
    source, target = tokenize_nmt(preprocess_nmt("\n".join(pairs)), num_examples)
    reserved = ["<pad>", "<bos>", "<eos>"]
    src_vocab = text.Vocab(source, min_freq=2, reserved_tokens=reserved)
    tgt_vocab = text.Vocab(target, min_freq=2, reserved_tokens=reserved)
    src_array, src_valid_len = build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(target, tgt_vocab, num_steps)
    data_iter = load_array((src_array, src_valid_len, tgt_array, tgt_valid_len), batch_size)
    return data_iter, src_vocab, tgt_vocab

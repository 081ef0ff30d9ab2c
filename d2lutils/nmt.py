"""Machine-translation data helpers that need no framework: reading, cleaning and
tokenizing the English-French pairs, and fixed-length sequences (explained in "Machine
translation and the dataset").

The pairs are the Tatoeba Project's sentences as collected by manythings.org/anki
(CC BY 2.0; attribution: www.manythings.org/anki and tatoeba.org).
"""

import math
import re
from collections import Counter

from d2lutils.data import download
from d2lutils.params import check_positive_int

__all__ = ["bleu", "preprocess_nmt", "read_data_nmt", "tokenize_nmt", "truncate_pad"]

#: Spaces that French typography puts before ! ? : ; and inside « »; all become plain spaces.
_SPECIAL_SPACES = ("\u202f", "\xa0", "\u2009")
_NO_SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<=[^ \t])([,.!?])")


def read_data_nmt():
    """The English-French pairs as one string, one ``english<TAB>french`` pair per line.

    Reads ``fra.txt`` of the registry's "fra-eng" dataset. Newer releases of the file carry
    a third, attribution column; only the first two columns are kept. Explained in
    "Machine translation and the dataset".
    """
    with open(download("fra-eng"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    return "\n".join("\t".join(line.split("\t")[:2]) for line in lines)


def preprocess_nmt(text):
    """Lower-case ``text``, turn non-breaking spaces into spaces, and put a space before
    ``, . ! ?`` so that punctuation becomes a token of its own.

    Explained in "Machine translation and the dataset".
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    for special in _SPECIAL_SPACES:
        text = text.replace(special, " ")
    text = text.lower()
    # A punctuation mark right after any character but a space or the pair's tab gets a space.
    return _NO_SPACE_BEFORE_PUNCTUATION.sub(r" \1", text)


def tokenize_nmt(text, num_examples=None):
    """Split preprocessed ``text`` into word tokens: ``(source, target)``, two lists of token lists.

    Only the first ``num_examples`` pairs are kept (None: all); lines without a tab are skipped.
    Explained in "Machine translation and the dataset".
    """
    if num_examples is not None and (
        not isinstance(num_examples, int) or isinstance(num_examples, bool) or num_examples < 1
    ):
        raise ValueError(f"num_examples must be a positive int or None, got {num_examples!r}")
    source, target = [], []
    for line in text.split("\n"):
        if num_examples is not None and len(source) >= num_examples:
            break
        parts = line.split("\t")
        if len(parts) >= 2:
            source.append(parts[0].split())
            target.append(parts[1].split())
    return source, target


def truncate_pad(line, num_steps, padding_token):
    """``line`` cut or padded with ``padding_token`` to exactly ``num_steps`` elements.

    Explained in "Machine translation and the dataset".
    """
    if not isinstance(num_steps, int) or isinstance(num_steps, bool) or num_steps < 1:
        raise ValueError(f"num_steps must be a positive int, got {num_steps!r}")
    line = list(line)
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def bleu(pred_seq, label_seq, k):
    """The BLEU score of the translation ``pred_seq`` against ``label_seq`` (explained in
    "Sequence to sequence learning").

    Both are strings of space-separated tokens. For n = 1 .. k (up to the prediction's
    length), p_n is the fraction of the prediction's n-grams that also occur in the label
    (each label n-gram matches at most as often as it occurs there); the score is
    ``exp(min(0, 1 - len_label / len_pred)) * prod(p_n ** (1 / 2**n))``: 1 for a perfect
    translation, smaller for wrong n-grams and, through the first factor, for a prediction
    shorter than the label. An empty prediction scores 0.
    """
    for name, seq in (("pred_seq", pred_seq), ("label_seq", label_seq)):
        if not isinstance(seq, str):
            raise TypeError(f"{name} must be a str of space-separated tokens, got {type(seq).__name__}")
    k = check_positive_int("k", k)
    pred_tokens, label_tokens = pred_seq.split(), label_seq.split()
    if not label_tokens:
        raise ValueError("label_seq must hold at least one token, got an empty string")
    if not pred_tokens:
        return 0.0
    score = math.exp(min(0.0, 1 - len(label_tokens) / len(pred_tokens)))
    for n in range(1, min(k, len(pred_tokens)) + 1):
        pred_grams, label_grams = _ngrams(pred_tokens, n), _ngrams(label_tokens, n)
        matches = sum(min(count, label_grams[gram]) for gram, count in pred_grams.items())
        score *= (matches / (len(pred_tokens) - n + 1)) ** (0.5**n)
    return score

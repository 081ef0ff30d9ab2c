"""Machine-translation data helpers that need no framework: reading, cleaning and
tokenizing the English-French pairs, and fixed-length sequences (explained in "Machine
translation and the dataset").

The pairs are the Tatoeba Project's sentences as collected by manythings.org/anki
(CC BY 2.0; attribution: www.manythings.org/anki and tatoeba.org).
"""

import re

from d2lutils.data import download

__all__ = ["preprocess_nmt", "read_data_nmt", "tokenize_nmt", "truncate_pad"]

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

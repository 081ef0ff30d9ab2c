"""Chapter numbers follow the folders (book/_ext/chapter_numbers.py)."""

import sys
from types import SimpleNamespace

from docutils import nodes

from tests.nbtools import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import chapter_numbers  # noqa: E402


def _toc(number):
    ref = nodes.reference("", "", secnumber=number)
    return nodes.bullet_list("", nodes.list_item("", nodes.paragraph("", "", ref))), ref


def test_a_chapter_after_a_gap_keeps_its_folder_number():
    toc, ref = _toc([11, 5])
    title = nodes.title("", "", secnumber=[11, 5])
    env = SimpleNamespace(
        toc_secnumbers={
            "notebooks/12-computational-performance/05-multiple-gpus": {"": (11, 5), "#a": (11, 5, 1)},
            "notebooks/10-attention/01-attention-cues": {"": (10, 1)},
            "book/intro": {"": ()},
        },
        titles={"notebooks/12-computational-performance/05-multiple-gpus": title},
        tocs={"notebooks/12-computational-performance/05-multiple-gpus": toc},
    )
    changed = chapter_numbers.renumber(env)
    assert changed == ["notebooks/12-computational-performance/05-multiple-gpus"]
    assert env.toc_secnumbers["notebooks/12-computational-performance/05-multiple-gpus"] == {
        "": (12, 5),
        "#a": (12, 5, 1),
    }
    assert title["secnumber"] == [12, 5] and ref["secnumber"] == [12, 5]
    assert env.toc_secnumbers["notebooks/10-attention/01-attention-cues"] == {"": (10, 1)}
    assert chapter_numbers.renumber(env) == []  # stable: a second pass changes nothing

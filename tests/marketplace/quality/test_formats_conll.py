"""CoNLL BIO in strict IOB2 (marketplace.quality.formats.conll), its spans checked against seqeval's
strict IOB2 reading (a test-only reference)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seqeval.scheme import IOB2, Entities

from marketplace.quality.data import SpanSet
from marketplace.quality.formats import parse
from tests.marketplace.quality._parsing import error_of, parse_bytes, where

DOCUMENT = """-DOCSTART- -X- -X- O

# id = s-1
# text = John Smith lives in New York
John NNP B-NP B-PER
Smith NNP I-NP I-PER
lives VBZ B-VP O
in IN B-PP O
New NNP B-NP B-LOC
York NNP I-NP I-LOC

Acme\tB-ORG
Corp.\tI-ORG
and\tO
Acme\tB-ORG
sold\tO
# O
shares\tO



# id = 尾句
北京\tB-GPE-CITY
"""


def test_sentences_tokens_and_spans() -> None:
    result = parse_bytes(DOCUMENT.replace("\n", "\r\n").encode(), "entities", "conll")
    assert result == SpanSet(
        lengths={"s-1": 6, "2": 7, "尾句": 1},
        spans=[
            ("s-1", 0, 2, "PER"),
            ("s-1", 4, 6, "LOC"),
            ("2", 0, 2, "ORG"),
            ("2", 3, 4, "ORG"),
            ("尾句", 0, 1, "GPE-CITY"),
        ],
    )


def test_a_sentence_position_counts_named_sentences_too() -> None:
    data = b"# id = first\nA O\n\nB B-X\n\n# id = third\nC O\n\nD O\n"
    result = parse_bytes(data, "entities", "conll")
    assert result.lengths == {"first": 1, "2": 1, "third": 1, "4": 1}
    assert result.spans == [("2", 0, 1, "X")]


def test_progress_counts_sentences() -> None:
    progress: list[int] = []
    data = b"a O\n\n" * 10_001
    parse(io.BytesIO(data), kind="entities", fmt="conll", on_progress=progress.append)
    assert progress == [10_000, 10_001]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a O\nb I-PER\n", ("invalid_transition", 2, None, {"tag": "I-PER", "previous": "O"})),
        (b"a B-LOC\nb I-PER\n", ("invalid_transition", 2, None, {"tag": "I-PER", "previous": "B-LOC"})),
        (b"a B-PER\n\nb I-PER\n", ("invalid_transition", 3, None, {"tag": "I-PER", "previous": "O"})),
        (b"a B-PER\nb I-PER\nc I-LOC\n", ("invalid_transition", 3, None, {"tag": "I-LOC", "previous": "I-PER"})),
        (b"a B-\n", ("invalid_tag", 1, None, {"tag": "B-"})),
        (b"a b-PER\n", ("invalid_tag", 1, None, {"tag": "b-PER"})),
        (b"a E-PER\n", ("invalid_tag", 1, None, {"tag": "E-PER"})),
        (b"a O\nb PER\n", ("invalid_tag", 2, None, {"tag": "PER"})),
        (b"word\n", ("missing_tag", 1, None, {})),
        (
            b"# id = x\na O\n\n# id = y\nb O\n\n# id = x\nc O\n",
            ("duplicate_item", 8, None, {"item": "x", "first_line": 2}),
        ),
        (b"a O\n\n# id = 1\nb O\n", ("duplicate_item", 4, None, {"item": "1", "first_line": 1})),
        (b"# id =  \na O\n", ("missing_value", 1, "id", {"name": "id"})),
        (b"a O\n\nb\xe4 O\n", ("not_utf8", 3, None, {"byte": 2})),
    ],
)
def test_bad_conll_is_refused_with_its_line(data: bytes, expected: tuple[object, ...]) -> None:
    assert where(error_of(data, "entities", "conll")) == expected


def test_an_entity_type_outside_the_label_set_is_refused() -> None:
    error = error_of(b"a B-PER\nb O\nc B-DATE\n", "entities", "conll", label_set={"PER", "LOC"})
    assert where(error) == ("unknown_label", 3, None, {"label": "DATE"})


def test_an_empty_file_has_no_sentences() -> None:
    assert parse_bytes(b"\n-DOCSTART- O\n\n", "entities", "conll") == SpanSet()


ENTITY_TYPES = ["PER", "LOC", "ORG"]


@st.composite
def iob2_sentences(draw: st.DrawFn) -> list[list[str]]:
    """Random tag sequences that are valid strict IOB2: an I-X only right after B-X or I-X."""
    sentences = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        tags: list[str] = []
        for _ in range(draw(st.integers(min_value=1, max_value=12))):
            choices = ["O"] + [f"B-{t}" for t in ENTITY_TYPES]
            if tags and tags[-1] != "O":
                choices.append("I-" + tags[-1][2:])
            tags.append(draw(st.sampled_from(choices)))
        sentences.append(tags)
    return sentences


@given(sentences=iob2_sentences())
def test_spans_are_seqevals_strict_iob2_entities(sentences: list[list[str]]) -> None:
    text = "\n\n".join("\n".join(f"tok{i} {tag}" for i, tag in enumerate(tags)) for tags in sentences) + "\n"
    result = parse_bytes(text.encode(), "entities", "conll")
    reference = Entities(sentences, IOB2)
    expected = [
        (str(entity.sent_id + 1), entity.start, entity.end, entity.tag)
        for sentence in reference.entities
        for entity in sentence
    ]
    assert sorted(result.spans) == sorted(expected)
    assert result.lengths == {str(i + 1): len(tags) for i, tags in enumerate(sentences)}

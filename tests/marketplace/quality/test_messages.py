"""The translated sentences of the quality library's errors (marketplace.quality_messages): every code
the parsers, archives and sampling raise has one, for the params it is raised with."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.functional import Promise

from marketplace.quality import QualityInputError
from marketplace.quality.formats import parse
from marketplace.quality_messages import MESSAGES, PLACEHOLDER, quality_error_message

QUALITY = Path(__file__).resolve().parents[3] / "marketplace" / "quality"
SOURCES = sorted([*QUALITY.joinpath("formats").glob("*.py"), QUALITY / "sampling.py"])


def raise_sites() -> list[tuple[str, str, frozenset[str]]]:
    """(file, code, params) of every `QualityInputError("code", …, **params)` in the sources."""
    sites = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "QualityInputError":
                code = node.args[0]
                assert isinstance(code, ast.Constant), f"{path.name}:{node.lineno}: the code must be a literal"
                params = frozenset(k.arg for k in node.keywords if k.arg not in ("line", "field"))
                sites.append((f"{path.name}:{node.lineno}", code.value, params))
    return sites


def test_the_scan_finds_the_raise_sites() -> None:
    codes = {code for _, code, _ in raise_sites()}
    assert {"format_not_for_kind", "unknown_label", "duplicate_item", "box_outside_image", "span_past_end"} <= codes
    assert {"truncated_json", "zip_bomb", "zip_unsafe_path", "invalid_aql", "invalid_transition"} <= codes
    assert len(codes) > 40


@pytest.mark.parametrize(("site", "code", "params"), raise_sites())
def test_every_raise_site_has_a_sentence_for_its_params(site: str, code: str, params: frozenset[str]) -> None:
    assert code in MESSAGES, f"{site}: no message for {code!r}"
    usable = [str(t) for t in MESSAGES[code] if set(PLACEHOLDER.findall(str(t))) <= params]
    assert usable, f"{site}: no sentence of {code!r} fits the params {sorted(params)}"
    error = QualityInputError(code, "english", **dict.fromkeys(params, "P"))
    assert quality_error_message(error) == usable[0] % dict.fromkeys(params, "P")


def test_every_sentence_formats() -> None:
    for code, templates in MESSAGES.items():
        for template in templates:
            text = str(template)
            names = PLACEHOLDER.findall(text)
            filled = text % dict.fromkeys(names, 7)
            assert "%(" not in filled, code


def test_a_real_error_reads_with_its_line_and_field() -> None:
    with pytest.raises(QualityInputError) as caught:
        parse(io.BytesIO(b"item_id,label\na,cat\nb,dog\na,cat\n"), kind="classification", fmt="csv")
    assert quality_error_message(caught.value) == "Line 4, field item_id: Item “a” appears twice (first at line 2)."


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (QualityInputError("missing_tag", "x", line=9), "Line 9: The line has a token but no tag column."),
        (
            QualityInputError("missing_text", "x", field="[3].data.text"),
            "Field [3].data.text: The task has no text (data.text) for its entity spans.",
        ),
        (QualityInputError("empty_file", "x"), "The file is empty."),
        (
            QualityInputError("zip_bomb", "x", size=10, limit=5),
            "The zip archive would expand to 10 bytes, more than the 5 allowed.",
        ),
        (
            QualityInputError("zip_bomb", "x", name="a.csv", ratio=900, limit=100),
            "The zip member “a.csv” expands 900 times, more than the 100 allowed.",
        ),
    ],
)
def test_the_place_comes_first_and_the_most_specific_sentence_is_chosen(error: QualityInputError, message: str) -> None:
    assert quality_error_message(error) == message


def test_an_unknown_code_falls_back_to_a_sentence_with_the_english_text() -> None:
    error = QualityInputError("something_new", "the {thing} broke", line=3, thing="parser")
    assert quality_error_message(error) == "The file cannot be scored: line 3: the parser broke"


def test_sentences_are_lazy_so_they_follow_the_language_of_each_request() -> None:
    assert all(isinstance(template, Promise) for templates in MESSAGES.values() for template in templates)
    error = QualityInputError("empty_file", "x", line=2)
    with translation.override("en"):
        assert quality_error_message(error) == "Line 2: The file is empty."

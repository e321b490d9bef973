"""Translated sentences for the quality library's errors (marketplace/quality, which has no Django).

`QualityInputError` carries a stable `code`, the `params` of its English message and the place
(`line`, `field`). Users read the sentence chosen here by code, filled with the same params and
prefixed with the place. A code may have several sentences, the most specific first: the first whose
placeholders are all among the error's params is used (the same code is raised with a line number in
CSV and a JSON path in JSON, for instance). A code missing here still gets a translated sentence,
with the library's English text inside.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.quality.errors import QualityInputError

PLACEHOLDER = re.compile(r"%\((\w+)\)")

MESSAGES: dict[str, tuple[Promise, ...]] = {
    # what was asked for
    "unknown_kind": (_("“%(kind)s” is not a kind of labelling (one of %(allowed)s)."),),
    "format_not_for_kind": (_("A %(fmt)s file cannot hold %(kind)s labels: use one of %(allowed)s."),),
    "unknown_label": (_("The label “%(label)s” is not in the plan's label set."),),
    # reading the file
    "empty_file": (_("The file is empty."),),
    "not_utf8": (
        _("The file is not UTF-8 text: byte %(byte)s of the line cannot be read. Save it as UTF-8 and try again."),
        _("The file is not UTF-8 text (near %(where)s). Save it as UTF-8 and try again."),
    ),
    "line_too_long": (
        _("The line is longer than %(limit)s bytes: is this really a text file with one record a line?"),
    ),
    "invalid_csv": (_("The CSV file is malformed (%(detail)s)."),),
    "wrong_field_count": (_("The row has %(found)s fields where the header has %(expected)s."),),
    "missing_column": (
        _("The header has no “%(name)s” column (it has %(found)s)."),
        _("The header has no “%(name)s” column."),
    ),
    "duplicate_column": (_("The column “%(name)s” appears twice in the header."),),
    "invalid_json_line": (_("The line is not valid JSON (%(detail)s at column %(column)s)."),),
    "invalid_json": (_("The file is not valid JSON near %(where)s (%(detail)s)."),),
    "truncated_json": (_("The JSON file ends too early, near %(where)s: it was cut off. Upload the whole file."),),
    "unexpected_json": (
        _("%(name)s must be a JSON %(expected)s, not a JSON %(found)s."),
        _("The file must hold a JSON %(expected)s, not a JSON %(found)s."),
    ),
    "not_an_object": (
        _("Each element of %(section)s must be a JSON object."),
        _("This must be a JSON object."),
    ),
    "missing_key": (_("The file has no “%(name)s” array."),),
    "missing_value": (_("%(name)s is empty."),),
    "wrong_type": (_("%(name)s has a value of the wrong type."),),
    "not_a_number": (_("%(name)s must be a finite number."),),
    "inconsistent_annotator": (_("Some records name an annotator and others do not."),),
    # items and labels
    "duplicate_item": (
        _("Item “%(item)s” is labelled twice by annotator “%(annotator)s” (first at line %(first_line)s)."),
        _("Item “%(item)s” is labelled twice by annotator “%(annotator)s”."),
        _("Item “%(item)s” appears twice (first at line %(first_line)s)."),
        _("Item “%(item)s” appears twice (first at element %(first_index)s)."),
        _("Item “%(item)s” appears twice."),
    ),
    "duplicate_id": (
        _("The id %(id)s is used twice in %(section)s (first at element %(first_index)s)."),
        _("The id %(id)s is used twice."),
    ),
    "unlabelled_item": (_("Item “%(item)s” has no label."),),
    "not_one_label": (_("The annotation gives %(count)s labels where exactly one is expected."),),
    "several_annotations": (_("The task has %(count)s annotations that are not cancelled; exactly one is expected."),),
    "wrong_result_type": (
        _("The file holds %(found)s results where %(expected)s results are expected: exported for another kind?"),
    ),
    # boxes
    "invalid_image_size": (_("%(name)s must be a positive whole number of pixels."),),
    "inconsistent_image_size": (
        _("This result gives the image size %(width)s×%(height)s, an earlier one %(first_width)s×%(first_height)s."),
    ),
    "rotated_box": (_("The box is rotated by %(rotation)s degrees; only boxes without rotation can be scored."),),
    "negative_box": (_("The box has a negative size (%(width)s × %(height)s)."),),
    "box_outside_image": (
        _(
            "The box (x %(x)s, y %(y)s, width %(width)s, height %(height)s) "
            "leaves its %(image_width)s×%(image_height)s image."
        ),
        _("The box (x %(x)s, y %(y)s, width %(width)s, height %(height)s, in percent) reaches outside the image."),
    ),
    "invalid_bbox": (_("bbox must be a list of four finite numbers [x, y, width, height]."),),
    "unknown_image": (_("image_id %(id)s is not the id of any image."),),
    "unknown_category": (_("category_id %(id)s is not the id of any category."),),
    # entity spans
    "missing_text": (_("The task has no text (data.text) for its entity spans."),),
    "invalid_span": (
        _("The span's offsets must be whole numbers with 0 ≤ start < end (start %(start)s, end %(end)s)."),
    ),
    "span_past_end": (_("The span ends at %(end)s, past the end of the text (%(length)s characters)."),),
    "invalid_tag": (_("“%(tag)s” is not a BIO tag (O, B-X or I-X)."),),
    "invalid_transition": (
        _("%(tag)s follows %(previous)s: an I- tag must continue a B- or I- tag of the same type."),
    ),
    "missing_tag": (_("The line has a token but no tag column."),),
    # archives
    "zip_damaged": (_("The zip archive is damaged and cannot be read."),),
    "zip_too_many_members": (_("The zip archive has %(count)s members, more than the %(limit)s allowed."),),
    "zip_unsafe_path": (_("The zip archive holds an unsafe path “%(name)s”."),),
    "zip_encrypted": (_("The zip member “%(name)s” is encrypted; upload it without a password."),),
    "zip_bomb": (
        _("The zip member “%(name)s” expands %(ratio)s times, more than the %(limit)s allowed."),
        _("The zip member “%(name)s” holds more data than the %(size)s bytes its header declares."),
        _("The zip archive would expand to %(size)s bytes, more than the %(limit)s allowed."),
    ),
    "zip_no_data_file": (_("The zip archive holds no data file."),),
    "zip_several_data_files": (_("The zip archive holds %(count)s data files (%(names)s); it must hold exactly one."),),
    # the metrics' own checks (their inputs come from the parsers above, so users rarely see these)
    "kind_mismatch": (_("The gold set and the delivery are of different kinds of labelling."),),
    "empty_gold": (_("The gold set has no items to score."),),
    "empty_labelling": (_("There are no labelled items to compare."),),
    "empty_annotations": (_("There are no annotations to compare."),),
    "missing_item": (_("Item “%(item)s” has no label in the %(side)s labelling."),),
    "unknown_item": (_("Item “%(item)s” is not in the gold set."),),
    "bad_label": (
        _("Annotator “%(annotator)s” gave item “%(item)s” an empty or invalid label."),
        _("A label must be non-empty text, not “%(label)s”."),
    ),
    "bad_bbox": (_("A box must be four finite numbers [x, y, width, height]."),),
    "negative_size": (_("A box cannot have a negative width or height."),),
    "bad_offsets": (_("A span needs 0 ≤ start < end, not %(start)s..%(end)s."),),
    "duplicate_span": (_("The span %(label)s %(start)s..%(end)s of item “%(item)s” is given twice."),),
    # sampling
    "invalid_lot_size": (_("The lot size must be a whole number of at least 1, not %(value)s."),),
    "invalid_aql": (_("The AQL must be one of %(allowed)s (hundredths of a percent), not %(value)s."),),
    "empty_seed": (_("The sampling seed is empty."),),
    "invalid_sample_size": (_("The sample size must be a whole number of at least 0, not %(value)s."),),
    "invalid_item_id": (_("Item ids must be text, not %(value)s."),),
    "sample_larger_than_lot": (_("Cannot draw %(n)s items from %(count)s."),),
}


def quality_error_message(error: QualityInputError) -> str:
    """The user's sentence for `error`, in the active language, with its place first."""
    sentence = _sentence(error)
    if sentence is None:
        # The library's English text already names the place.
        return gettext("The file cannot be scored: %(message)s") % {"message": str(error)}
    if error.line is not None and error.field:
        place = gettext("Line %(line)d, field %(field)s") % {"line": error.line, "field": error.field}
    elif error.line is not None:
        place = gettext("Line %(line)d") % {"line": error.line}
    elif error.field:
        place = gettext("Field %(field)s") % {"field": error.field}
    else:
        return sentence
    return gettext("%(place)s: %(message)s") % {"place": place, "message": sentence}


def _sentence(error: QualityInputError) -> str | None:
    for template in MESSAGES.get(error.code, ()):
        text = str(template)
        if set(PLACEHOLDER.findall(text)) <= error.params.keys():
            return text % error.params
    return None

"""Compiling a contracting process's releases into one compiled release (the OCDS 1.1 merge rules).

Releases are applied oldest first. An object merges field by field; a later value replaces an
earlier one, and a null removes the field. An array of objects that all carry an `id` merges item
by item on that `id` (new ids are appended in order of appearance), except the fields the schema
marks `wholeListMerge`; any other array is replaced whole. The release-level `id`, `date` and
`tag` are not merged (`omitWhenMerged`): the compiled release takes the ocid and date of the latest
release, an id made of both, and the tag "compiled".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

OMIT_WHEN_MERGED = frozenset({"id", "date", "tag"})
# The release schema's (1.1.5) wholeListMerge fields: Organization(Reference).additionalIdentifiers
# and Item.additionalClassifications.
WHOLE_LIST_MERGE = frozenset({"additionalIdentifiers", "additionalClassifications"})


def compile_releases(releases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of `releases` (one ocid, sorted oldest first; at least one)."""
    if not releases:
        raise ValueError("a compiled release needs at least one release")
    merged: dict[str, Any] = {}
    for release in releases:
        _merge_object(merged, {key: value for key, value in release.items() if key not in OMIT_WHEN_MERGED})
    latest = releases[-1]
    return {
        "ocid": latest["ocid"],
        "id": f"{latest['ocid']}-{latest['date']}",
        "date": latest["date"],
        "tag": ["compiled"],
        **{key: value for key, value in merged.items() if key != "ocid"},
    }


def _merge_object(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merged(target.get(key), value, whole_list=key in WHOLE_LIST_MERGE)


def _merged(current: Any, value: Any, *, whole_list: bool = False) -> Any:
    if isinstance(value, dict):
        result = dict(current) if isinstance(current, dict) else {}
        _merge_object(result, value)
        return result
    if isinstance(value, list) and not whole_list and _identified(value) and (current is None or _identified(current)):
        by_id = {item["id"]: item for item in current or []}
        for item in value:
            by_id[item["id"]] = _merged(by_id.get(item["id"]), item)
        return list(by_id.values())
    return value


def _identified(items: list[Any]) -> bool:
    """An array of objects that can merge by identifier: every item an object with an id."""
    return bool(items) and all(isinstance(item, dict) and item.get("id") is not None for item in items)

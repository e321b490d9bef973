"""The OCDS merge rules that compile a contracting process's releases into its compiled release."""

from __future__ import annotations

import pytest

from marketplace.ocds.merge import compile_releases


def _release(number: int, **fields) -> dict:
    return {
        "ocid": "ocds-cn0000-7",
        "id": f"ocds-cn0000-7-{number:04d}",
        "date": f"2026-03-0{number}T08:00:00Z",
        "tag": ["tenderUpdate"],
        **fields,
    }


def test_the_compiled_release_takes_the_latest_ocid_date_and_the_compiled_tag():
    compiled = compile_releases([_release(1, initiationType="tender"), _release(2)])

    assert compiled["ocid"] == "ocds-cn0000-7"
    assert compiled["date"] == "2026-03-02T08:00:00Z"
    assert compiled["id"] == "ocds-cn0000-7-2026-03-02T08:00:00Z"
    assert compiled["tag"] == ["compiled"]
    assert compiled["initiationType"] == "tender"


def test_later_values_override_earlier_ones_and_objects_merge_field_by_field():
    first = _release(1, tender={"status": "active", "title": "A", "tenderPeriod": {"startDate": "s", "endDate": "e1"}})
    second = _release(2, tender={"status": "unsuccessful", "tenderPeriod": {"endDate": "e2"}})

    tender = compile_releases([first, second])["tender"]

    assert tender == {"status": "unsuccessful", "title": "A", "tenderPeriod": {"startDate": "s", "endDate": "e2"}}


def test_arrays_of_objects_with_ids_merge_by_id_keeping_first_seen_order():
    first = _release(1, parties=[{"id": "a", "name": "A", "roles": ["buyer"]}, {"id": "b", "name": "B"}])
    second = _release(2, parties=[{"id": "c", "name": "C"}, {"id": "a", "roles": ["buyer", "procuringEntity"]}])

    parties = compile_releases([first, second])["parties"]

    assert parties == [
        {"id": "a", "name": "A", "roles": ["buyer", "procuringEntity"]},
        {"id": "b", "name": "B"},
        {"id": "c", "name": "C"},
    ]


def test_arrays_of_strings_and_of_objects_without_ids_are_replaced_whole():
    first = _release(1, tender={"submissionMethod": ["written"], "x": [{"v": 1}, {"v": 2}]})
    second = _release(2, tender={"submissionMethod": ["electronicSubmission"], "x": [{"v": 3}]})

    tender = compile_releases([first, second])["tender"]

    assert tender == {"submissionMethod": ["electronicSubmission"], "x": [{"v": 3}]}


def test_whole_list_merge_fields_are_replaced_even_with_ids():
    first = _release(1, parties=[{"id": "a", "additionalIdentifiers": [{"id": "1", "scheme": "X"}]}])
    second = _release(2, parties=[{"id": "a", "additionalIdentifiers": [{"id": "2", "scheme": "Y"}]}])

    parties = compile_releases([first, second])["parties"]

    assert parties == [{"id": "a", "additionalIdentifiers": [{"id": "2", "scheme": "Y"}]}]


def test_a_null_removes_the_field():
    first = _release(1, tender={"statusDetails": "paused", "title": "A"})
    second = _release(2, tender={"statusDetails": None})

    assert compile_releases([first, second])["tender"] == {"title": "A"}


def test_merging_leaves_the_releases_unchanged():
    first = _release(1, tender={"lots": [{"id": "lot-1", "status": "active", "value": {"amount": 1}}]})
    second = _release(2, tender={"lots": [{"id": "lot-1", "status": "unsuccessful"}]})
    before = repr([first, second])

    compiled = compile_releases([first, second])

    assert compiled["tender"]["lots"] == [{"id": "lot-1", "status": "unsuccessful", "value": {"amount": 1}}]
    assert repr([first, second]) == before


def test_awards_contracts_and_their_milestones_merge_by_id_at_every_depth():
    pending = {"id": "award-lot-1-r1", "status": "pending", "description": "in publicity"}
    first = _release(1, awards=[pending])
    second = _release(
        2,
        awards=[{"id": "award-lot-1-r1", "status": "cancelled"}, {"id": "award-lot-1-r2", "status": "pending"}],
    )
    third = _release(
        3,
        awards=[{"id": "award-lot-1-r2", "status": "active", "date": "2026-03-03T08:00:00Z"}],
        contracts=[
            {
                "id": "HT1",
                "status": "active",
                "milestones": [{"id": "milestone-1", "status": "scheduled"}, {"id": "milestone-2", "title": "B"}],
            }
        ],
    )
    fourth = _release(
        4,
        contracts=[
            {
                "id": "HT1",
                "status": "terminated",
                "milestones": [{"id": "milestone-2", "status": "met", "dateMet": "2026-03-04T08:00:00Z"}],
                "implementation": {"milestones": [{"id": "milestone-2", "status": "met"}]},
            }
        ],
    )

    compiled = compile_releases([first, second, third, fourth])

    assert compiled["awards"] == [
        {"id": "award-lot-1-r1", "status": "cancelled", "description": "in publicity"},
        {"id": "award-lot-1-r2", "status": "active", "date": "2026-03-03T08:00:00Z"},
    ]
    assert compiled["contracts"] == [
        {
            "id": "HT1",
            "status": "terminated",
            "milestones": [
                {"id": "milestone-1", "status": "scheduled"},
                {"id": "milestone-2", "title": "B", "status": "met", "dateMet": "2026-03-04T08:00:00Z"},
            ],
            "implementation": {"milestones": [{"id": "milestone-2", "status": "met"}]},
        }
    ]


def test_nothing_to_compile_is_an_error():
    with pytest.raises(ValueError, match="at least one release"):
        compile_releases([])

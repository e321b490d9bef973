"""Saving and deleting searches: the rules, and that refused input changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from marketplace import services
from marketplace.models import SavedSearch
from marketplace.services.alerts import MAX_SAVED_SEARCHES
from portal.audit.models import AuditEntry
from portal.errors import NotFound
from registry.taxonomy import Modality, Sector

pytestmark = pytest.mark.django_db


def test_a_search_is_saved_with_its_filters_and_audited(vendor_user, save_search):
    search = save_search(
        vendor_user,
        name="  四川遥感  ",
        text=" 遥感 ",
        region_code="510000",
        sector=Sector.AGRICULTURE,
        modality=Modality.IMAGE,
        budget_min_fen=1_000_000,
        budget_max_fen=90_000_000,
    )

    search.refresh_from_db()
    assert (search.user, search.name, search.text, search.region_id) == (vendor_user, "四川遥感", "遥感", "510000")
    assert (search.sector, search.modality) == (Sector.AGRICULTURE, Modality.IMAGE)
    assert (search.budget_min_fen, search.budget_max_fen) == (1_000_000, 90_000_000)
    entry = AuditEntry.objects.get(action="saved_search.create", object_id=str(search.pk))
    assert entry.actor_id == vendor_user.pk
    assert entry.after["region"] == "510000"


def test_a_search_without_filters_is_allowed(vendor_user, save_search):
    search = save_search(vendor_user, name="全部")
    assert (search.text, search.region, search.sector, search.modality) == ("", None, "", "")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": "  "}, "name"),
        ({"region_code": "999999"}, "region"),
        ({"sector": "astrology"}, "sector"),
        ({"modality": "smell"}, "modality"),
        ({"budget_min_fen": 2_000, "budget_max_fen": 1_000}, "budget_max_fen"),
        ({"budget_min_fen": -1}, "budget_min_fen"),
        ({"name": "x" * 101}, "name"),
        ({"text": "x" * 201}, "text"),
    ],
)
def test_invalid_searches_are_refused_and_change_nothing(vendor_user, save_search, arguments, field):
    arguments = {"name": "遥感", **arguments}
    with pytest.raises(ValidationError) as refused:
        services.saved_search_create(actor=vendor_user, **arguments)
    assert field in refused.value.message_dict
    assert not SavedSearch.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="saved_search").exists()


def test_a_name_is_used_once_per_person(vendor_user, other_vendor_user, save_search):
    save_search(vendor_user, name="遥感")
    save_search(other_vendor_user, name="遥感")  # someone else may use it

    with pytest.raises(ValidationError) as refused:
        save_search(vendor_user, name="遥感", sector=Sector.FINANCE)

    assert "name" in refused.value.message_dict
    assert SavedSearch.objects.filter(user=vendor_user).count() == 1


def test_a_person_keeps_at_most_twenty_searches(vendor_user, other_vendor_user, save_search):
    for n in range(MAX_SAVED_SEARCHES):
        save_search(vendor_user, name=f"search {n}")

    with pytest.raises(ValidationError, match="at most 20"):
        save_search(vendor_user, name="one too many")

    assert SavedSearch.objects.filter(user=vendor_user).count() == MAX_SAVED_SEARCHES
    save_search(other_vendor_user, name="one too many")  # the limit is per person


def test_delete_removes_the_owners_search_and_audits_it(vendor_user, save_search):
    search = save_search(vendor_user)

    services.saved_search_delete(actor=vendor_user, saved_search_id=search.pk)

    assert not SavedSearch.objects.exists()
    entry = AuditEntry.objects.get(action="saved_search.delete", object_id=str(search.pk))
    assert entry.before["name"] == "遥感影像"


def test_someone_elses_search_is_not_found_and_stays(vendor_user, other_vendor_user, save_search):
    search = save_search(vendor_user)

    with pytest.raises(NotFound):
        services.saved_search_delete(actor=other_vendor_user, saved_search_id=search.pk)
    with pytest.raises(NotFound):
        services.saved_search_delete(actor=vendor_user, saved_search_id=search.pk + 1_000)

    assert SavedSearch.objects.filter(pk=search.pk).exists()

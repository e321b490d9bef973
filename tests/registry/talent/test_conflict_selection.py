"""experts_free_of_conflict: approved, available, matching experts with no tie to the organisations
of a tender or to any of their related parties within the last three years."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings

from registry.models import DeclaredRelation, HolderKind, Shareholder
from registry.related_parties import RELATED_SHARE_BP
from registry.resident_id import keyed_hash
from registry.roles import Role
from registry.talent.models import EmploymentRole, ExpertStatus
from registry.talent.selectors import experts_free_of_conflict, years_before
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.talent import (
    EmploymentFactory,
    ExpertFactory,
    ExpertRelationFactory,
    PersonFactory,
    valid_resident_id,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 15)


@pytest.fixture
def bidder(db):
    return OrganisationFactory(verified=True)


@pytest.fixture
def buyer(db):
    return OrganisationFactory(kind="agency", verified=True)


def _free(*organisations, **kwargs):
    return set(experts_free_of_conflict(organisations=organisations, on=kwargs.pop("on", ON), **kwargs))


def _expert_with_number(number, **kwargs):
    return ExpertFactory(person=PersonFactory(id_number=number), **kwargs)


def test_an_expert_with_no_ties_is_free(bidder, buyer):
    expert = ExpertFactory()
    assert _free(bidder, buyer) == {expert}


@pytest.mark.parametrize("role", EmploymentRole.values)
def test_current_employment_in_any_role_excludes(bidder, buyer, role):
    tied, free = ExpertFactory(), ExpertFactory()
    EmploymentFactory(expert=tied, organisation=bidder, role=role, started_on=datetime.date(2020, 1, 1))
    assert _free(bidder, buyer) == {free}


def test_the_buyer_counts_as_well_as_the_bidders(bidder, buyer):
    tied, free = ExpertFactory(), ExpertFactory()
    EmploymentFactory(expert=tied, organisation=buyer)
    assert _free(bidder, buyer) == {free}
    assert _free(bidder) == {tied, free}


@pytest.mark.parametrize(
    ("ended_on", "excluded"),
    [
        (datetime.date(2023, 6, 15), True),  # exactly three years before: still counts
        (datetime.date(2023, 6, 16), True),
        (datetime.date(2023, 6, 14), False),  # three years and a day: free
        (datetime.date(2019, 1, 1), False),
    ],
)
def test_the_three_year_edge_is_calendar_exact(bidder, ended_on, excluded):
    expert = ExpertFactory()
    EmploymentFactory(expert=expert, organisation=bidder, started_on=datetime.date(2010, 1, 1), ended_on=ended_on)
    assert (expert not in _free(bidder)) is excluded


def test_the_three_year_edge_on_a_leap_day(bidder):
    expert = ExpertFactory()
    EmploymentFactory(
        expert=expert, organisation=bidder, started_on=datetime.date(2010, 1, 1), ended_on=datetime.date(2025, 2, 28)
    )
    assert expert not in _free(bidder, on=datetime.date(2028, 2, 29))  # 2028-02-29 minus 3 years: 2025-02-28
    assert expert in _free(bidder, on=datetime.date(2028, 3, 1))


def test_employment_elsewhere_does_not_exclude(bidder):
    expert = ExpertFactory()
    EmploymentFactory(expert=expert, organisation=OrganisationFactory(verified=True))
    assert _free(bidder) == {expert}


def test_related_parties_of_a_bidder_are_in_the_conflict_set(bidder):
    parent, sister, declared_partner = (OrganisationFactory(verified=True) for _ in range(3))
    Shareholder.objects.create(
        organisation=bidder,
        holder_kind=HolderKind.ORGANISATION,
        name=parent.name,
        holder_credit_code=parent.credit_code,
        share_bp=5100,
    )
    Shareholder.objects.create(
        organisation=sister,
        holder_kind=HolderKind.ORGANISATION,
        name=parent.name,
        holder_credit_code=parent.credit_code,
        share_bp=RELATED_SHARE_BP,
    )
    DeclaredRelation.objects.create(
        organisation=declared_partner, related_organisation=bidder, nature="同一实际控制人", declared_by=UserFactory()
    )
    at_parent, at_sister, at_partner, free = (ExpertFactory() for _ in range(4))
    EmploymentFactory(expert=at_parent, organisation=parent)
    EmploymentFactory(expert=at_sister, organisation=sister)  # common holder: related to the bidder
    EmploymentFactory(expert=at_partner, organisation=declared_partner)

    assert _free(bidder) == {free}


def test_a_small_holding_does_not_relate(bidder):
    minor_holder = OrganisationFactory(verified=True)
    Shareholder.objects.create(
        organisation=bidder,
        holder_kind=HolderKind.ORGANISATION,
        name=minor_holder.name,
        holder_credit_code=minor_holder.credit_code,
        share_bp=RELATED_SHARE_BP - 1,
    )
    expert = ExpertFactory()
    EmploymentFactory(expert=expert, organisation=minor_holder)
    assert _free(bidder) == {expert}


def test_the_legal_representative_of_a_conflict_organisation_is_excluded(bidder):
    number = valid_resident_id(41, region_code="110105", born="19700303")
    representative = _expert_with_number(number)
    bidder.legal_representative = "法人"
    bidder.legal_representative_id_hash = keyed_hash(number, key=settings.PERSON_ID_HASH_KEY)
    bidder.save()
    free = ExpertFactory()
    assert _free(bidder) == {free}
    assert representative in _free(OrganisationFactory(verified=True))


@pytest.mark.parametrize(("share_bp", "excluded"), [(RELATED_SHARE_BP, True), (RELATED_SHARE_BP - 1, False)])
def test_a_shareholder_of_five_percent_or_more_is_excluded(bidder, share_bp, excluded):
    number = valid_resident_id(42, region_code="110105", born="19710404")
    holder = _expert_with_number(number)
    Shareholder.objects.create(
        organisation=bidder,
        holder_kind=HolderKind.PERSON,
        name="自然人股东",
        holder_id_hash=keyed_hash(number, key=settings.PERSON_ID_HASH_KEY),
        share_bp=share_bp,
    )
    assert (holder not in _free(bidder)) is excluded


def test_a_shareholder_of_a_related_party_is_excluded(bidder):
    """Related-party expansion reaches the person checks too: a 5 % holder of the bidder's parent."""
    parent = OrganisationFactory(verified=True)
    Shareholder.objects.create(
        organisation=bidder,
        holder_kind=HolderKind.ORGANISATION,
        name=parent.name,
        holder_credit_code=parent.credit_code,
        share_bp=6000,
    )
    number = valid_resident_id(43, region_code="110105", born="19720505")
    holder = _expert_with_number(number)
    Shareholder.objects.create(
        organisation=parent,
        holder_kind=HolderKind.PERSON,
        name="母公司股东",
        holder_id_hash=keyed_hash(number, key=settings.PERSON_ID_HASH_KEY),
        share_bp=800,
    )
    assert holder not in _free(bidder)


def test_a_declared_relation_excludes_whenever_it_was_declared(bidder):
    related, free = ExpertFactory(), ExpertFactory()
    ExpertRelationFactory(expert=related, organisation=bidder)
    assert _free(bidder) == {free}


def test_a_membership_of_the_experts_account_in_a_bidder_excludes(bidder):
    user = UserFactory()
    member = ExpertFactory(person=PersonFactory(user=user))
    MembershipFactory(organisation=bidder, user=user, role=Role.EXPERT)
    free = ExpertFactory(person=PersonFactory(user=UserFactory()))
    assert _free(bidder) == {free}
    assert member in _free(OrganisationFactory(verified=True))


@pytest.mark.parametrize("status", [ExpertStatus.PENDING, ExpertStatus.SUSPENDED])
def test_only_approved_experts_are_listed(bidder, status):
    ExpertFactory(status=status)
    approved = ExpertFactory()
    assert _free(bidder) == {approved}


@pytest.mark.parametrize(
    ("available", "until", "listed"),
    [
        (True, None, True),
        (False, None, False),
        (True, datetime.date(2026, 6, 15), False),  # unavailable through that day
        (True, datetime.date(2026, 6, 14), True),
    ],
)
def test_availability_on_the_day(bidder, available, until, listed):
    expert = ExpertFactory()
    expert.available, expert.unavailable_until = available, until
    expert.save()
    assert (expert in _free(bidder)) is listed
    assert expert.available_on(ON) is listed


def test_modalities_and_sectors_match_any(bidder):
    image = ExpertFactory(modalities=["image"], sectors=["finance"])
    speech = ExpertFactory(modalities=["speech"])
    transport = ExpertFactory(sectors=["transport"])
    ExpertFactory()  # no specialty

    assert _free(bidder, modalities=["image", "speech"]) == {image, speech}
    assert _free(bidder, sectors=["transport"]) == {transport}
    assert _free(bidder, modalities=["speech"], sectors=["transport", "finance"]) == {image, speech, transport}
    assert len(_free(bidder)) == 4


def test_no_organisations_only_filters_by_status_and_match():
    expert = ExpertFactory(modalities=["video"])
    assert _free(modalities=["video"]) == {expert}


def test_the_default_day_is_today_in_shanghai(bidder):
    from django.utils import timezone

    expert = ExpertFactory()
    expert.unavailable_until = timezone.localdate()
    expert.save()
    assert expert not in set(experts_free_of_conflict(organisations=[bidder]))


def test_the_query_count_does_not_grow_with_the_number_of_experts(bidder, buyer):
    def count_queries(n_experts):
        for _ in range(n_experts):
            expert = ExpertFactory(modalities=["image"])
            EmploymentFactory(expert=expert, organisation=OrganisationFactory(verified=True))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            list(experts_free_of_conflict(organisations=[bidder, buyer], on=ON, modalities=["image"]))
        return len(queries)

    few, many = count_queries(2), count_queries(20)
    assert few == many
    assert many <= 20  # a few per organisation for its related parties, one for the experts


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 6, 15), datetime.date(2023, 6, 15)),
        (datetime.date(2028, 2, 29), datetime.date(2025, 2, 28)),
        (datetime.date(2027, 3, 1), datetime.date(2024, 3, 1)),
        (datetime.date(2027, 2, 28), datetime.date(2024, 2, 28)),
    ],
)
def test_years_before_is_calendar_arithmetic(day, expected):
    assert years_before(day, 3) == expected

import pytest
from django.conf import settings
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from registry.models import DeclaredRelation, HolderKind, Shareholder
from registry.related_parties import RELATED_SHARE_BP, RelationReason, are_related, related_parties
from registry.resident_id import keyed_hash
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSON_A = "11010519491231002X"
PERSON_B = "440524188001010014"


def _person(number):
    return keyed_hash(number, key=settings.PERSON_ID_HASH_KEY)


def _set_representative(organisation, number):
    organisation.legal_representative = "某某"
    organisation.legal_representative_id_hash = _person(number)
    organisation.save()


def _holds(holder, held, share_bp):
    Shareholder.objects.create(
        organisation=held,
        holder_kind=HolderKind.ORGANISATION,
        name=holder.name,
        holder_credit_code=holder.credit_code,
        share_bp=share_bp,
    )


def _person_holds(number, held, share_bp):
    Shareholder.objects.create(
        organisation=held,
        holder_kind=HolderKind.PERSON,
        name="自然人",
        holder_id_hash=_person(number),
        share_bp=share_bp,
    )


def test_unrelated_organisations_are_not_related():
    a, b = OrganisationFactory(), OrganisationFactory()
    assert related_parties(a) == {}
    assert not are_related(a, b)
    assert not are_related(a, a)


def test_a_shared_legal_representative_relates_both_ways():
    a, b, c = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    _set_representative(a, PERSON_A)
    _set_representative(b, PERSON_A)
    _set_representative(c, PERSON_B)
    assert related_parties(a) == {b.pk: {RelationReason.SAME_LEGAL_REPRESENTATIVE}}
    assert are_related(b, a)
    assert not are_related(a, c)


@pytest.mark.parametrize(
    ("share_bp", "related"), [(RELATED_SHARE_BP, True), (RELATED_SHARE_BP - 1, False), (10_000, True)]
)
def test_a_holding_of_five_percent_or_more_relates_holder_and_held(share_bp, related):
    holder, held = OrganisationFactory(), OrganisationFactory()
    _holds(holder, held, share_bp)
    assert are_related(holder, held) is related
    assert are_related(held, holder) is related
    if related:
        assert RelationReason.HOLDS in related_parties(holder)[held.pk]
        assert RelationReason.HELD_BY in related_parties(held)[holder.pk]


def test_a_common_holder_relates_the_companies_it_holds():
    first, second, third = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    _person_holds(PERSON_B, first, 2_000)
    _person_holds(PERSON_B, second, 600)
    _person_holds(PERSON_B, third, 100)  # 1 %: below the threshold
    assert related_parties(first) == {second.pk: {RelationReason.COMMON_HOLDER}}
    assert not are_related(first, third)


def test_a_holder_organisation_not_registered_here_still_links_its_holdings():
    first, second = OrganisationFactory(), OrganisationFactory()
    outside = "91110000MA0000000X"  # any code: the holder need not be on the portal
    for held in (first, second):
        Shareholder.objects.create(
            organisation=held,
            holder_kind=HolderKind.ORGANISATION,
            name="境外控股",
            holder_credit_code=outside,
            share_bp=5_100,
        )
    assert related_parties(first) == {second.pk: {RelationReason.COMMON_HOLDER}}


def test_the_legal_representative_of_one_holding_the_other_relates_them():
    company, other = OrganisationFactory(), OrganisationFactory()
    _set_representative(company, PERSON_A)
    _person_holds(PERSON_A, other, 1_500)
    assert related_parties(company) == {other.pk: {RelationReason.LEGAL_REPRESENTATIVE_HOLDS}}
    assert related_parties(other) == {company.pk: {RelationReason.LEGAL_REPRESENTATIVE_HOLDS}}


def test_a_declared_relation_counts_in_both_directions():
    a, b = OrganisationFactory(), OrganisationFactory()
    DeclaredRelation.objects.create(
        organisation=a, related_organisation=b, nature="同一实际控制人", declared_by=UserFactory()
    )
    assert related_parties(a) == {b.pk: {RelationReason.DECLARED}}
    assert related_parties(b) == {a.pk: {RelationReason.DECLARED}}


def test_related_parties_uses_a_fixed_number_of_queries(django_assert_max_num_queries):
    centre = OrganisationFactory()
    _set_representative(centre, PERSON_A)
    for _ in range(10):
        other = OrganisationFactory()
        _holds(centre, other, 3_000)
        _person_holds(PERSON_A, other, 700)
    with django_assert_max_num_queries(8):
        found = related_parties(centre)
    assert len(found) == 10


# --- are_related (one statement) agrees with related_parties (the reasons) ----------------------

_PEOPLE = [PERSON_A, PERSON_B, "110101199003070012"]


@settings_hypothesis(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    representatives=st.lists(st.sampled_from([None, *_PEOPLE]), min_size=4, max_size=4),
    holdings=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(st.integers(0, 3), st.sampled_from(_PEOPLE)),
            st.sampled_from([RELATED_SHARE_BP - 1, RELATED_SHARE_BP, 3_000]),
        ),
        max_size=6,
        unique_by=lambda holding: (holding[0], holding[1]),  # one row per holder, as the registry keeps
    ),
    declared=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=2),
)
def test_are_related_agrees_with_related_parties_on_random_registries(representatives, holdings, declared):
    with transaction.atomic():
        organisations = [OrganisationFactory() for _ in range(4)]
        for organisation, number in zip(organisations, representatives, strict=True):
            if number:
                _set_representative(organisation, number)
        for held, holder, share_bp in holdings:
            if isinstance(holder, int):
                _holds(organisations[holder], organisations[held], share_bp)
            else:
                _person_holds(holder, organisations[held], share_bp)
        declarer = UserFactory()
        for one, other in declared:
            if one != other:
                DeclaredRelation.objects.get_or_create(
                    organisation=organisations[one],
                    related_organisation=organisations[other],
                    defaults={"nature": "关联", "declared_by": declarer},
                )
        for a in organisations:
            expected = related_parties(a)
            for b in organisations:
                assert are_related(a, b) is (b.pk in expected), (a.pk, b.pk, expected)
        transaction.set_rollback(True)

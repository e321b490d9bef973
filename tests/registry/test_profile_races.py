"""Races on PostgreSQL with real threads: declared relations and shareholder lists stay consistent."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEntry
from registry import services
from registry.models import DeclaredRelation, HolderKind, Shareholder
from tests.factories import OrganisationFactory, UserFactory, valid_credit_code
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_both_sides_declaring_at_once_leave_one_relation():
    operator = UserFactory(username="race-operator", is_staff=True)
    first, second = OrganisationFactory(verified=True), OrganisationFactory(verified=True)

    outcomes = run_together(
        lambda: services.relation_declare(actor=operator, organisation=first, related_organisation=second, nature="甲"),
        lambda: services.relation_declare(actor=operator, organisation=second, related_organisation=first, nature="乙"),
        lambda: services.relation_declare(actor=operator, organisation=first, related_organisation=second, nature="丙"),
    )

    assert DeclaredRelation.objects.count() == 1
    assert sum(isinstance(outcome, DeclaredRelation) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, ValidationError) for outcome in outcomes) == 2
    assert AuditEntry.objects.filter(action="relation.declare").count() == 1


def test_concurrent_shareholder_lists_never_mix_and_never_exceed_one_hundred_percent():
    operator = UserFactory(username="race-operator", is_staff=True)
    organisation = OrganisationFactory(verified=True)

    def holders(serials):
        return [
            services.ShareholderInput(
                holder_kind=HolderKind.ORGANISATION, name=f"股东{n}", credit_code=valid_credit_code(n), share_bp=3_000
            )
            for n in serials
        ]

    outcomes = run_together(
        *[
            (
                lambda start=start: services.organisation_set_shareholders(
                    actor=operator, organisation=organisation, shareholders=holders(range(start, start + 3))
                )
            )
            for start in (100, 200, 300, 400)
        ]
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    names = set(Shareholder.objects.filter(organisation=organisation).values_list("name", flat=True))
    assert names in [{f"股东{n}" for n in range(start, start + 3)} for start in (100, 200, 300, 400)]
    assert sum(Shareholder.objects.values_list("share_bp", flat=True)) == 9_000
    trail = list(AuditEntry.objects.filter(action="organisation.set_shareholders").order_by("seq"))
    assert len(trail) == 4
    for previous, entry in itertools.pairwise(trail):
        assert entry.before == {"shareholders": previous.after["shareholders"]}

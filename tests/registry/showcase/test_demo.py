"""The demo data of bases, institutions and showcase: seed_demo loads it, and a second run adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from portal.accounts.models import User
from portal.audit.selectors import audit_chain_report
from registry.bases import demo as bases_demo
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput
from registry.institutions import demo as institutions_demo
from registry.institutions import selectors as institution_selectors
from registry.institutions.models import InstitutionService, ServiceNeed
from registry.showcase import demo as showcase_demo
from registry.showcase.models import Competition, CompetitionEntry, ExcellentCase

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_create_what_is_missing_and_nothing_the_second_time(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=StringIO())  # runs these seeders after the registry's
    operator = User.objects.get(username="operator")

    again = sum(seed(operator=operator) for seed in (bases_demo.seed, institutions_demo.seed, showcase_demo.seed))

    assert again == 0
    assert set(AnnotationBase.objects.values_list("city_id", flat=True)) == {
        "510100",
        "210100",
        "340100",
        "430100",
        "460100",
        "130600",
        "140200",
    }
    assert AnnotationBase.objects.filter(operator__status="verified", operator__kind="base_operator").count() == 7
    assert BaseMembership.objects.count() >= 4
    assert BaseOutput.objects.count() == 7 * len(bases_demo.QUARTERS)
    assert InstitutionService.objects.count() == 2
    need = ServiceNeed.objects.get()
    assert need.status == "open"
    assert need.posted_by.username == "buyer"
    assert [i.name for i in institution_selectors.institutions_matching(need=need)] == [institutions_demo.INSTITUTION]
    assert 4 <= ExcellentCase.objects.filter(published=True).count() <= 6
    assert Competition.objects.count() == 1
    assert CompetitionEntry.objects.filter(award="winner").exists()
    assert audit_chain_report().ok

"""`manage.py rebuild_rollups [--verify]`: --verify reports the differences and exits 1 when there
are any (changing nothing), 0 when the rollups agree; without it the facts are replaced."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from monitoring.models import Metric, RollupCube, RollupDelta, RollupFact
from registry.talent import services as talent_services
from tests.factories.monitoring_rollups import issuer_staff
from tests.factories.talent import CertificateFactory, PersonFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 6, 1)


def _run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("rebuild_rollups", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_verify_exits_0_when_the_rollups_agree():
    talent_services.certificate_issue(
        actor=issuer_staff(), person=PersonFactory(region_id="510100"), occupation="ai_trainer", level=3,
        number="V-1", issued_on=DAY, expires_on=None,
    )  # fmt: skip

    assert _run("--verify") == (0, "Rollups agree with the source tables.\n")
    # Nothing folded or replaced (the issuer's verification wrote a delta of its own).
    assert RollupDelta.objects.filter(metric=Metric.CERTIFICATES_LEVEL_3).count() == 1
    assert not RollupFact.objects.exists()


def test_verify_reports_each_difference_exits_1_and_changes_nothing():
    CertificateFactory(level=3, issued_on=DAY, person__region_id="510100")  # no event: no delta
    RollupFact.objects.create(day=DAY, region="330100", metric=Metric.AWARDS, value=2)

    code, output = _run("--verify")

    assert code == 1
    assert f"awards {DAY} region=330100 sector=- modality=- programme=- base=-: rebuilt 0, current 2" in output
    assert (
        f"certificates_level_3 {DAY} region=510100 sector=- modality=- programme=- base=-: rebuilt 1, current 0"
        in output
    )
    assert "2 rollup facts differ from the source tables; 16 cube rows differ from the facts." in output
    assert list(RollupFact.objects.values_list("metric", "value")) == [(Metric.AWARDS, 2)]


def test_rebuild_replaces_the_facts_then_verify_agrees():
    CertificateFactory(level=3, issued_on=DAY, person__region_id="510100")
    RollupFact.objects.create(day=DAY, region="330100", metric=Metric.AWARDS, value=2)
    RollupDelta.objects.create(day=DAY, region="330100", metric=Metric.AWARDS, value=5)

    code, output = _run()

    assert (code, output) == (0, "Rebuilt 2 rollup facts.\n")  # the certificate, its issuer's verification
    facts = RollupFact.objects.exclude(metric=Metric.ORGANISATIONS_VERIFIED)
    assert list(facts.values_list("day", "region", "metric", "value")) == [
        (DAY, "510100", Metric.CERTIFICATES_LEVEL_3, 1)
    ]
    national = RollupCube.objects.get(level=0, sector="*", modality="*", metric=Metric.CERTIFICATES_LEVEL_3)
    assert (national.quarter, national.value) == (DAY.replace(month=4, day=1), 1)
    assert not RollupDelta.objects.exists()
    assert _run("--verify")[0] == 0

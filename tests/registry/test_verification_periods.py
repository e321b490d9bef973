"""When an organisation is verified: `verified_at` and the verification periods the registry's
services keep (the rollups count organisations verified from them), and the migration that
backfills them from the audit log."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from portal.errors import Conflict
from registry import services
from registry.models import Organisation, VerificationPeriod
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _periods(organisation):
    return list(
        organisation.verification_periods.order_by("verified_at").values_list("region_id", "verified_at", "ended_at")
    )


def test_verifying_sets_verified_at_and_opens_a_period(operator):
    organisation = OrganisationFactory(region_code="440300")
    assert organisation.verified_at is None
    assert _periods(organisation) == []

    services.organisation_verify(actor=operator, organisation=organisation)

    organisation.refresh_from_db()
    assert organisation.verified_at == organisation.status_changed_at
    assert _periods(organisation) == [("440300", organisation.verified_at, None)]


def test_a_refused_verification_opens_no_period(operator):
    organisation = OrganisationFactory(verified=True)
    with pytest.raises(Conflict):
        services.organisation_verify(actor=operator, organisation=organisation)
    assert organisation.verification_periods.count() == 1


def test_a_rejection_opens_no_period(operator):
    organisation = OrganisationFactory()
    services.organisation_reject(actor=operator, organisation=organisation, reason="营业执照已过期")
    organisation.refresh_from_db()
    assert organisation.verified_at is None
    assert _periods(organisation) == []


def test_moving_a_verified_organisation_ends_its_period_in_the_old_region_and_verifying_again_opens_one(operator):
    organisation = OrganisationFactory(region_code="510100", verified=True)
    first = organisation.verified_at

    services.organisation_update_profile(actor=operator, organisation=organisation, region_code="330100")

    organisation.refresh_from_db()
    assert (organisation.status, organisation.verified_at) == ("submitted", None)
    assert _periods(organisation) == [("510100", first, organisation.status_changed_at)]

    services.organisation_verify(actor=operator, organisation=organisation)

    organisation.refresh_from_db()
    assert organisation.verified_at > first
    assert _periods(organisation)[1:] == [("330100", organisation.verified_at, None)]


def test_a_profile_edit_that_keeps_the_legal_identity_keeps_the_period(operator):
    organisation = OrganisationFactory(verified=True)
    verified_at = organisation.verified_at

    services.organisation_update_profile(actor=operator, organisation=organisation, address="天府大道1号")

    organisation.refresh_from_db()
    assert organisation.verified_at == verified_at
    assert _periods(organisation) == [(organisation.region_id, verified_at, None)]


def test_the_backfill_rebuilds_the_periods_the_services_kept_from_the_audit_log(operator):
    backfill = importlib.import_module("registry.migrations.0005_backfill_verification_periods").backfill
    moved = OrganisationFactory(region_code="510100", verified=True)
    services.organisation_update_profile(actor=operator, organisation=moved, region_code="330100")
    services.organisation_verify(actor=operator, organisation=moved)
    sent_back = OrganisationFactory(verified=True)
    services.organisation_update_profile(actor=operator, organisation=sent_back, name="改名后的数据标注有限公司")
    never = OrganisationFactory()
    written = OrganisationFactory()  # verified straight in the table: no audit row says when
    Organisation.objects.filter(pk=written.pk).update(status="verified", status_changed_at=timezone.now())
    kept = {organisation.pk: _periods(organisation) for organisation in (moved, sent_back, never)}
    verified_at = dict(Organisation.objects.values_list("pk", "verified_at"))
    VerificationPeriod.objects.all().delete()
    Organisation.objects.update(verified_at=None)

    backfill(apps, None)

    # The audit row of each change is written a moment after the status: the same instant to a second.
    for pk, periods in kept.items():
        backfilled = _periods(Organisation.objects.get(pk=pk))
        assert [(region, end is None) for region, _start, end in backfilled] == [
            (region, end is None) for region, _start, end in periods
        ]
        for (_r, start, end), (_region, kept_start, kept_end) in zip(backfilled, periods, strict=True):
            assert _same_second(start, kept_start)
            assert end is None or _same_second(end, kept_end)
        assert _same_second(Organisation.objects.get(pk=pk).verified_at, verified_at[pk])
    assert [period[0] for period in kept[moved.pk]] == ["510100", "330100"]
    written.refresh_from_db()
    assert _periods(written) == [(written.region_id, written.created_at, None)]
    assert written.verified_at == written.created_at


def _same_second(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs((a - b).total_seconds()) < 1

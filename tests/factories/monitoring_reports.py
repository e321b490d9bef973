"""Factories for statistical reports: reporting organisations (registered in the past, so that
they are expected to report the quarters of a test), valid figures, and reports filed through the
service."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from monitoring.models import StatisticalReport
from monitoring.reports import services
from portal.accounts.models import User
from registry.models import Organisation
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality
from tests.factories.registry import MembershipFactory, OrganisationFactory

# A quarter long ended, and the one before it, for most tests.
YEAR, QUARTER = 2025, 2
PREVIOUS = (2025, 1)
REGISTERED_AT = timezone.make_aware(datetime.datetime(2024, 1, 1))


def reporting_organisation(
    *, region_code: str = "510100", kind: str = OrganisationKind.VENDOR, verified: bool = True
) -> Organisation:
    organisation = OrganisationFactory(kind=kind, region_code=region_code, verified=verified)
    Organisation.objects.filter(pk=organisation.pk).update(created_at=REGISTERED_AT)
    organisation.refresh_from_db()
    return organisation


def staff_of(organisation: Organisation) -> User:
    return MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user


def regulator(region_code: str | None) -> User:
    """A regulator whose scope is `region_code`'s subtree (None: the whole country)."""
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code=region_code or "110000", verified=True)
    return MembershipFactory(organisation=agency, role=Role.REGULATOR, scope_region_code=region_code or "").user


def figures(**overrides: Any) -> dict[str, Any]:
    """Valid figures: 1,000,000.00 yuan, 50 people, 1,000 items in each modality, 25 % public."""
    values: dict[str, Any] = {
        "revenue_fen": 100_000_000,
        "headcount": 50,
        "total_items": 1_000 * len(Modality.values),
        "public_data_share_bp": 2_500,
        "volumes": dict.fromkeys(Modality.values, 1000),
    }
    values.update(overrides)
    return values


def submit(
    actor: User,
    organisation: Organisation,
    *,
    year: int = YEAR,
    quarter: int = QUARTER,
    now: datetime.datetime | None = None,
    **overrides: Any,
) -> StatisticalReport:
    return services.statistical_report_submit(
        actor=actor, organisation=organisation, year=year, quarter=quarter, now=now, **figures(**overrides)
    )

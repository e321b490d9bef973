"""Reads of statistical reports that carry rules: who files for which organisation, who sees which
report, the regulators' list of late and flagged reports, and what the portal knows of an
organisation's revenue.

Visibility: an organisation's own staff see its reports in any state; regulators see submitted
reports of organisations in their region's subtree (`regulator_scope_q`); operators see every
submitted report. Anyone else sees none, and a report they may not see answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from marketplace.models import Contract, EntryKind, PaymentEntry
from monitoring.models import ReportState, StatisticalReport, StatisticalReportFlag
from monitoring.reports import calendar
from portal.errors import PermissionDenied
from portal.permissions import AnyUser, visible_or_404
from registry.models import Membership, Organisation, Region, VerificationStatus
from registry.roles import OrganisationKind, Role
from registry.selectors import region_subtree_q, regulator_scope_q

# Who files statistical reports (DESIGN §8): annotation vendors and annotation base operators.
REPORTING_KINDS = (OrganisationKind.VENDOR, OrganisationKind.BASE_OPERATOR)


class Problem:
    """The regulators' list filter."""

    ATTENTION = ""  # late or flagged (the default)
    LATE = "late"
    FLAGGED = "flagged"
    ALL = "all"


def reporting_organisations_of(user: AnyUser) -> QuerySet[Organisation]:
    """The vendors and base operators the user is staff of: those they file reports for."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    staff_of = Membership.objects.filter(user=user, role=Role.VENDOR_STAFF).values("organisation_id")
    return Organisation.objects.filter(pk__in=staff_of, kind__in=REPORTING_KINDS)


def files_for(user: AnyUser, organisation: Organisation) -> bool:
    return reporting_organisations_of(user).filter(pk=organisation.pk).exists()


def statistical_reports_visible_to(*, user: AnyUser) -> QuerySet[StatisticalReport]:
    reports = StatisticalReport.objects.select_related("organisation__region", "submitted_by")
    if not user.is_authenticated:
        return reports.none()
    visible = Q(organisation__in=reporting_organisations_of(user))
    scope = regulator_scope_q(user=user, field="organisation__region")
    if scope is not None:
        visible |= Q(state=ReportState.SUBMITTED) & scope
    return reports.filter(visible)


def statistical_report_visible(*, user: AnyUser, pk: int | str) -> StatisticalReport:
    return visible_or_404(statistical_reports_visible_to(user=user).prefetch_related("volumes", "flags"), pk=pk)


def statistical_report_of(*, organisation: Organisation, year: int, quarter: int) -> StatisticalReport | None:
    return (
        StatisticalReport.objects.prefetch_related("volumes")
        .filter(organisation=organisation, year=year, quarter=quarter)
        .first()
    )


def statistical_report_previous(*, organisation: Organisation, year: int, quarter: int) -> StatisticalReport | None:
    """The submitted report of the quarter before, the baseline of the jump flags."""
    previous_year, previous = calendar.previous_quarter(year, quarter)
    return StatisticalReport.objects.filter(
        organisation=organisation, year=previous_year, quarter=previous, state=ReportState.SUBMITTED
    ).first()


@dataclass(frozen=True)
class PortalRevenue:
    """What the portal's exchange knows of a supplier's business in a quarter: the money released
    to it (card captures and treasury transfers, less refunds, by the day they were recorded) and
    the value of the contracts it signed."""

    paid_fen: int
    signed_fen: int
    contracts: int


def portal_revenue_of(*, organisation: Organisation, year: int, quarter: int) -> PortalRevenue:
    start, end = calendar.quarter_bounds(year, quarter)
    entries = PaymentEntry.objects.filter(
        payment__contract__supplier=organisation, recorded_at__gte=start, recorded_at__lt=end
    )
    sums = dict(entries.values_list("kind").annotate(total=Sum("amount_fen")).order_by().values_list("kind", "total"))
    paid = sums.get(EntryKind.CAPTURED, 0) + sums.get(EntryKind.TREASURY_TRANSFER, 0) - sums.get(EntryKind.REFUNDED, 0)
    signed = Contract.objects.filter(supplier=organisation, signed_at__gte=start, signed_at__lt=end)
    totals = signed.aggregate(value=Sum("value_fen"))
    return PortalRevenue(paid_fen=max(paid, 0), signed_fen=totals["value"] or 0, contracts=signed.count())


# --- The regulators' list -----------------------------------------------------------------------


def may_oversee(user: AnyUser) -> bool:
    return regulator_scope_q(user=user, field="region") is not None


def statistical_report_oversight(
    *,
    user: AnyUser,
    year: int,
    quarter: int,
    now: datetime.datetime,
    region: Region | None = None,
    problem: str = Problem.ATTENTION,
) -> QuerySet[Organisation]:
    """The organisations expected to report the quarter, in the user's regulatory scope, with
    their report's state: verified vendors and base operators registered before the quarter
    ended. Each row is annotated with `report_id`, `report_state`, `report_submitted_at` (first
    submission), `report_version`, `late` and `flagged`. `problem` narrows them (default: late or
    flagged). Regulators only (operators: every region); PermissionDenied for anyone else."""
    scope = regulator_scope_q(user=user, field="region")
    if scope is None:
        raise PermissionDenied(_("This page is for regulators."))
    limit = calendar.deadline(year, quarter)
    overdue = now >= limit
    reports = StatisticalReport.objects.filter(organisation=OuterRef("pk"), year=year, quarter=quarter)
    flags = StatisticalReportFlag.objects.filter(
        report__organisation=OuterRef("pk"),
        report__year=year,
        report__quarter=quarter,
        report__state=ReportState.SUBMITTED,
    )
    late = Q(report_submitted_at__gte=limit)
    if overdue:
        late |= Q(report_submitted_at__isnull=True)
    organisations = (
        Organisation.objects.filter(
            scope,
            kind__in=REPORTING_KINDS,
            status=VerificationStatus.VERIFIED,
            created_at__lt=calendar.quarter_bounds(year, quarter)[1],
        )
        .select_related("region")
        .annotate(
            report_id=Subquery(reports.values("pk")[:1]),
            report_state=Subquery(reports.values("state")[:1]),
            report_submitted_at=Subquery(reports.values("first_submitted_at")[:1]),
            report_version=Subquery(reports.values("version")[:1]),
            flagged=Exists(flags),
        )
        .annotate(late=ExpressionWrapper(late, output_field=BooleanField()))
        .order_by("region_id", "name", "pk")
    )
    if region is not None:
        organisations = organisations.filter(region_subtree_q(region))
    if problem == Problem.LATE:
        organisations = organisations.filter(late)
    elif problem == Problem.FLAGGED:
        organisations = organisations.filter(flagged=True)
    elif problem == Problem.ATTENTION:
        organisations = organisations.filter(late | Q(flagged=True))
    return organisations

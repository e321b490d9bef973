"""Writes of statistical reports: saving a draft, submitting (and amending by submitting again),
the anomaly flags computed on submission, and the reminders before the due day.

Bad input raises a ValidationError naming every wrong field and changes nothing; only the staff of
the reporting vendor or base operator file its reports (PermissionDenied for anyone else).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import (
    REPORT_TRANSITIONS,
    AnomalyKind,
    ReportState,
    StatisticalReport,
    StatisticalReportFlag,
    StatisticalReportReminder,
    StatisticalReportVolume,
)
from monitoring.models.reports import FIRST_YEAR, LAST_YEAR
from monitoring.reports import calendar, selectors
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from portal.notifications.services import notify
from registry.models import Membership, Organisation, VerificationStatus
from registry.roles import Role
from registry.taxonomy import Modality

MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
AUDITED_FIELDS = (
    "state",
    "revenue_fen",
    "headcount",
    "total_items",
    "public_data_share_bp",
    "version",
    "first_submitted_at",
    "submitted_at",
    "submitted_by",
)


def _whole_number(value: Any, *, field: str, errors: dict[str, list[str]], maximum: int) -> int | None:
    if value is None or value == "":
        errors.setdefault(field, []).append(_("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return None
    if value < 0:
        errors.setdefault(field, []).append(_("Enter a number that is not negative."))
        return None
    if value > maximum:
        errors.setdefault(field, []).append(_("Enter a number no larger than %(max)s.") % {"max": maximum})
        return None
    return value


def _check_period(*, year: Any, quarter: Any, now: datetime.datetime, errors: dict[str, list[str]]) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = [_("Enter a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}]
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        errors["quarter"] = [_("The quarter is 1, 2, 3 or 4.")]
    if not errors and not calendar.has_ended(year, quarter, now=now):
        first_day = calendar.quarter_last_day(year, quarter) + datetime.timedelta(days=1)
        errors["quarter"] = [
            _("The quarter has not ended yet: report it from %(day)s on.") % {"day": first_day.isoformat()}
        ]


def _clean_figures(
    *,
    revenue_fen: Any,
    headcount: Any,
    total_items: Any,
    public_data_share_bp: Any,
    volumes: Mapping[str, Any] | None,
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """The figures, checked: required, whole, in range, volumes for every modality and none
    other, the total equal to the sum of the modalities."""
    figures = {
        "revenue_fen": _whole_number(revenue_fen, field="revenue_fen", errors=errors, maximum=MAX_BIGINT),
        "headcount": _whole_number(
            headcount, field="headcount", errors=errors, maximum=settings.STATISTICAL_REPORT_HEADCOUNT_MAX
        ),
        "total_items": _whole_number(total_items, field="total_items", errors=errors, maximum=MAX_BIGINT),
        "public_data_share_bp": _whole_number(
            public_data_share_bp, field="public_data_share_bp", errors=errors, maximum=10_000
        ),
    }
    cleaned: dict[str, int] = {}
    given = dict(volumes or {})
    for unknown in sorted(set(given) - set(Modality.values)):
        errors.setdefault("volumes", []).append(_("Unknown modality “%(modality)s”.") % {"modality": unknown})
    for modality in Modality.values:
        items = _whole_number(given.get(modality), field=f"volumes.{modality}", errors=errors, maximum=MAX_BIGINT)
        if items is not None:
            cleaned[modality] = items
    total = figures["total_items"]
    if total is not None and len(cleaned) == len(Modality.values) and sum(cleaned.values()) != total:
        errors.setdefault("total_items", []).append(
            _("The total (%(total)s) must equal the sum of the modalities (%(sum)s).")
            % {"total": total, "sum": sum(cleaned.values())}
        )
    if total == 0 and figures["public_data_share_bp"]:
        errors.setdefault("public_data_share_bp", []).append(
            _("With no annotated items, the share of public-data work must be 0.")
        )
    return {**figures, "volumes": cleaned}


def _audit_view(report: StatisticalReport) -> dict[str, Any]:
    return {
        **snapshot(report, AUDITED_FIELDS),
        "volumes": {volume.modality: volume.items for volume in report.volumes.all()},
        "flags": [{"kind": flag.kind, "evidence": flag.evidence} for flag in report.flags.all()],
    }


def _jump(*, previous: int, current: int, factor: int) -> str:
    """ "up" when `current` is at least `factor` times `previous`, "down" when at most 1/factor of
    it, "" otherwise or without a baseline (a previous figure of 0)."""
    if previous <= 0:
        return ""
    if current >= factor * previous:
        return "up"
    if current * factor <= previous:
        return "down"
    return ""


def statistical_report_anomalies(
    *, organisation: Organisation, year: int, quarter: int, figures: Mapping[str, int]
) -> dict[str, dict[str, Any]]:
    """The anomaly flags of a quarter's figures against the organisation's previous submitted
    report and what the portal knows of its business in the quarter (`anomalies_of`)."""
    previous = selectors.statistical_report_previous(organisation=organisation, year=year, quarter=quarter)
    return anomalies_of(
        figures=figures,
        previous=None
        if previous is None
        else {"period": previous.period, **{field: getattr(previous, field) for field in JUMP_FIELDS.values()}},
        portal=selectors.portal_revenue_of(organisation=organisation, year=year, quarter=quarter),
    )


JUMP_FIELDS = {
    AnomalyKind.REVENUE_JUMP: "revenue_fen",
    AnomalyKind.HEADCOUNT_JUMP: "headcount",
    AnomalyKind.VOLUME_JUMP: "total_items",
}


def anomalies_of(
    *, figures: Mapping[str, int], previous: Mapping[str, Any] | None, portal: selectors.PortalRevenue
) -> dict[str, dict[str, Any]]:
    """The anomaly flags, each with its evidence (pure: the scale data set computes its flags with
    it too). Settings in portal/settings.py, STATISTICAL_REPORT_*:

    - a jump (×`JUMP_FACTOR` or more) or a drop (to 1/`JUMP_FACTOR` or less) of revenue, headcount
      or total items against the previous quarter's submitted report (`previous`: its `period` and
      those figures; none without one, or from 0);
    - revenue lower than what the portal's contracts paid the organisation in the quarter;
    - revenue more than `PORTAL_FACTOR` times the larger of what the portal paid it and the value
      of the contracts it signed in the quarter (only when the portal knows some of its business).
    """
    found: dict[str, dict[str, Any]] = {}
    factor = settings.STATISTICAL_REPORT_JUMP_FACTOR
    if previous is not None:
        for kind, field in JUMP_FIELDS.items():
            before, now = previous[field], figures[field]
            direction = _jump(previous=before, current=now, factor=factor)
            if direction:
                found[kind] = {
                    "field": field,
                    "previous_period": previous["period"],
                    "previous": before,
                    "current": now,
                    "factor": factor,
                    "direction": direction,
                }
    revenue = figures["revenue_fen"]
    evidence = {
        "revenue_fen": revenue,
        "portal_paid_fen": portal.paid_fen,
        "portal_signed_fen": portal.signed_fen,
        "contracts_signed": portal.contracts,
    }
    if revenue < portal.paid_fen:
        found[AnomalyKind.REVENUE_BELOW_PORTAL] = evidence
    above = settings.STATISTICAL_REPORT_PORTAL_FACTOR
    known = max(portal.paid_fen, portal.signed_fen)
    if above and known and revenue > above * known:
        found[AnomalyKind.REVENUE_ABOVE_PORTAL] = {**evidence, "factor": above}
    return found


def _file(
    *,
    actor: User,
    organisation: Organisation,
    year: Any,
    quarter: Any,
    revenue_fen: Any,
    headcount: Any,
    total_items: Any,
    public_data_share_bp: Any,
    volumes: Mapping[str, Any] | None,
    state: str,
    now: datetime.datetime | None,
) -> StatisticalReport:
    if not selectors.files_for(actor, organisation):
        raise PermissionDenied(_("Only the staff of the reporting vendor or base operator can file its reports."))
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    _check_period(year=year, quarter=quarter, now=now, errors=errors)
    figures = _clean_figures(
        revenue_fen=revenue_fen,
        headcount=headcount,
        total_items=total_items,
        public_data_share_bp=public_data_share_bp,
        volumes=volumes,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    volumes_clean: dict[str, int] = figures.pop("volumes")
    with transaction.atomic():
        report = (
            StatisticalReport.objects.select_for_update(of=("self",))
            .filter(organisation=organisation, year=year, quarter=quarter)
            .first()
        )
        if report is None:
            try:
                with transaction.atomic():
                    report = StatisticalReport.objects.create(
                        organisation=organisation, year=year, quarter=quarter, updated_by=actor, **figures
                    )
            except IntegrityError as error:  # a colleague filed the same quarter a moment ago
                raise Conflict(_("This quarter's report was just filed by someone else: reload it.")) from error
            before: dict[str, Any] = {}
        else:
            if state not in REPORT_TRANSITIONS[report.state]:
                raise Conflict(_("A submitted report can only be amended by submitting it again."))
            before = _audit_view(report)
            for name, value in figures.items():
                setattr(report, name, value)
            report.updated_by = actor
        amendment = report.state == ReportState.SUBMITTED
        report.state = state
        if state == ReportState.SUBMITTED:
            report.version += 1
            report.submitted_at = now
            report.submitted_by = actor
            report.first_submitted_at = report.first_submitted_at or now
        report.full_clean()
        report.save()
        report.volumes.all().delete()
        StatisticalReportVolume.objects.bulk_create(
            [StatisticalReportVolume(report=report, modality=m, items=n) for m, n in volumes_clean.items()]
        )
        report.flags.all().delete()
        if state == ReportState.SUBMITTED:
            anomalies = statistical_report_anomalies(
                organisation=organisation, year=year, quarter=quarter, figures=figures
            )
            StatisticalReportFlag.objects.bulk_create(
                [
                    StatisticalReportFlag(report=report, kind=kind, evidence=evidence, raised_at=now)
                    for kind, evidence in anomalies.items()
                ]
            )
        action = {
            ReportState.DRAFT: "statistical_report.save_draft",
            ReportState.SUBMITTED: "statistical_report.amend" if amendment else "statistical_report.submit",
        }[ReportState(state)]
        report = StatisticalReport.objects.prefetch_related("volumes", "flags").get(pk=report.pk)
        rollup_events.statistical_report_filed(report, previous=before if amendment else None)
        audit_record(actor=actor, action=action, obj=report, before=before, after=_audit_view(report))
    return report


def statistical_report_save_draft(
    *,
    actor: User,
    organisation: Organisation,
    year: Any,
    quarter: Any,
    revenue_fen: Any,
    headcount: Any,
    total_items: Any,
    public_data_share_bp: Any,
    volumes: Mapping[str, Any] | None,
    now: datetime.datetime | None = None,
) -> StatisticalReport:
    """Save the quarter's figures without submitting them (same checks; no flags). A submitted
    report cannot go back to draft (Conflict)."""
    return _file(
        actor=actor,
        organisation=organisation,
        year=year,
        quarter=quarter,
        revenue_fen=revenue_fen,
        headcount=headcount,
        total_items=total_items,
        public_data_share_bp=public_data_share_bp,
        volumes=volumes,
        state=ReportState.DRAFT,
        now=now,
    )


def statistical_report_submit(
    *,
    actor: User,
    organisation: Organisation,
    year: Any,
    quarter: Any,
    revenue_fen: Any,
    headcount: Any,
    total_items: Any,
    public_data_share_bp: Any,
    volumes: Mapping[str, Any] | None,
    now: datetime.datetime | None = None,
) -> StatisticalReport:
    """Submit the quarter's report (or amend a submitted one: a new version), after every check,
    and flag its anomalies (`statistical_report_anomalies`). Money in fen, the share in basis
    points, volumes as {modality: items} for every modality of registry.taxonomy.Modality."""
    return _file(
        actor=actor,
        organisation=organisation,
        year=year,
        quarter=quarter,
        revenue_fen=revenue_fen,
        headcount=headcount,
        total_items=total_items,
        public_data_share_bp=public_data_share_bp,
        volumes=volumes,
        state=ReportState.SUBMITTED,
        now=now,
    )


def statistical_reports_remind(*, today: datetime.date) -> int:
    """From `STATISTICAL_REPORT_REMIND_DAYS` before the due day of the last ended quarter until
    the due day, notify the staff of every expected organisation (verified vendors and base
    operators registered before the quarter ended) that has not submitted it. Once per
    organisation and quarter (a reminder row backed by a unique constraint; the notification's
    key too), so running it twice reminds nobody twice. Returns the organisations reminded now."""
    year, quarter = calendar.last_ended_quarter(today)
    due = calendar.due_on(year, quarter)
    if not due - datetime.timedelta(days=settings.STATISTICAL_REPORT_REMIND_DAYS) <= today <= due:
        return 0
    submitted = StatisticalReport.objects.filter(year=year, quarter=quarter, state=ReportState.SUBMITTED)
    expected = (
        Organisation.objects.filter(
            kind__in=selectors.REPORTING_KINDS,
            status=VerificationStatus.VERIFIED,
            created_at__lt=calendar.quarter_bounds(year, quarter)[1],
        )
        .exclude(pk__in=submitted.values("organisation_id"))
        .exclude(pk__in=StatisticalReportReminder.objects.filter(year=year, quarter=quarter).values("organisation_id"))
        .order_by("pk")
    )
    url = f"{reverse('monitoring:report-file')}?year={year}&quarter={quarter}"
    reminded = 0
    for organisation in expected:
        with transaction.atomic():
            _reminder, created = StatisticalReportReminder.objects.get_or_create(
                organisation=organisation, year=year, quarter=quarter
            )
            if not created:
                continue
            staff = [
                membership.user
                for membership in Membership.objects.filter(
                    organisation=organisation, role=Role.VENDOR_STAFF
                ).select_related("user")
            ]
            notify(
                users=staff,
                kind="statistical_report.due",
                params={"organisation": organisation.name, "period": f"{year}Q{quarter}", "due": due.isoformat()},
                url=url,
                key=f"statistical_report.due:{organisation.pk}:{year}Q{quarter}",
            )
            reminded += 1
    return reminded

"""The statistical-report part of the scale data set (DESIGN §10, "5 years of reports"): the
quarterly direct reports (统计直报) of the registry part's verified vendors and base operators, for
the 20 quarters up to the last one whose due day has passed (2021 Q4 – 2026 Q3 when built in
November 2026), with their per-modality volumes and anomaly flags. Built by `make bench-data`
after the voucher part; it does nothing when reports exist already.

Registration: the registry part creates every organisation at the moment of the build, which would
make none of them expected to report a past quarter (`statistical_report_oversight` and the
reminders expect the organisations created before the quarter ended). So each reporting
organisation created after the last quarter is given a registration instant here (its
`created_at` is moved back to it, never before it was founded; an earlier one is kept), and so
is the verification of a verified one: 70 %
were registered before the first quarter, the others join during the five years. An
organisation reports every quarter that ended after it registered, and none before.

Figures: each organisation has a size (from its annotator headcount), a trend of about 14–24 %
a year (a tenth grow slowly or shrink, a few grow fast; with the newcomers the industry grows
20–30 % a year), mild seasonality (the Spring Festival quarter low, the fourth quarter high)
and a little noise per quarter, all in integer arithmetic.
Headcount grows at about half the rate of revenue. Items are split over the six modalities by
the organisation's capabilities (`portal.money.split_in_proportion`, so the volumes sum to the
total exactly). Revenue is never below what the portal's exchange paid the organisation in the
quarter, nor above `STATISTICAL_REPORT_PORTAL_FACTOR` times the larger of that and the value of
the contracts it signed in the quarter (a large organisation that signed one small contract has
that quarter's revenue capped: otherwise a tenth of the quarters with portal business would be
flagged), except in the few anomalies made on purpose (a twentieth of the quarters the cap would
bind are left above it).

Irregularities, a few each: quarters never reported (gaps), late first submissions (after the
deadline, `monitoring.reports.calendar.deadline`), amendments (version 2, a few days after the
first submission), and in the last quarter some drafts and some organisations that have not
reported yet. Anomalies: entry errors (revenue ×100, items or headcount ×10 for one quarter, which
the next quarter undoes), revenue below the portal's payments and far above its business.

Flags are computed by `monitoring.reports.services.anomalies_of`, as submissions compute them, on the final
figures: jumps against the previous quarter's submitted report and revenue against the portal's
payments and contracts of the quarter (read with two grouped queries, as `portal_revenue_of`
reads them one quarter at a time). Amendments follow their first submission within days, long
before the next quarter's report, so each report's flags are what its last submission computed.
`tests/monitoring/test_scale_monitoring.py` checks on a small run that every report's flags equal
what the service computes.

Reporters: each report is filed by a staff member of the organisation: the exchange part's
`bench-staff-<id>` user when it has one, otherwise a `bench-reporter-<id>` user made here (base
operators). No audit rows and no reminder rows, as for the rest of the data set. Deterministic
(seeded); dates are relative to the day of the build, like the exchange's and the vouchers'.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from bench.copy import copy_rows, next_id
from marketplace.models import Contract, EntryKind, PaymentEntry
from monitoring.models import (
    ReportState,
    StatisticalReport,
    StatisticalReportFlag,
    StatisticalReportVolume,
)
from monitoring.reports import calendar
from monitoring.reports.selectors import REPORTING_KINDS, PortalRevenue
from monitoring.reports.services import anomalies_of
from portal.accounts.models import User
from portal.money import split_in_proportion
from registry.models import Membership, Organisation, OrganisationCapability, VerificationStatus
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality

QUARTERS = 20  # five years
SEED = 20_241_909
REPORTER_PREFIX = "bench-reporter-"
STAFF_PREFIX = "bench-staff-"  # the exchange part's staff users

REGISTERED_BEFORE = 0.7  # of the organisations, registered before the first quarter
GAP = 0.01  # a quarter never reported
LATE = 0.02  # first submitted after the deadline
AMENDED = 0.02  # submitted a second time
LAST_MISSING, LAST_DRAFT = 0.03, 0.015  # the last quarter: not reported yet / only a draft
ENTRY_ERROR = 0.004  # a figure typed ×10 or ×100 for one quarter
BELOW_PORTAL = 0.05  # of the quarters in which the portal paid the organisation: revenue below it
ABOVE_PORTAL = 0.05  # of the quarters with revenue far above the portal's business: left so (else capped)
SEASON_BP = {1: -600, 2: 0, 3: 200, 4: 500}  # revenue and items against the trend
BP = 10_000


@dataclass
class _Org:
    id: int
    kind: str
    founded: date | None
    headcount: int  # the registry's annotators
    modalities: list[str]
    reporter: int = 0
    registered: datetime | None = None


@dataclass
class _Rows:
    reports: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)


NO_BUSINESS = PortalRevenue(0, 0, 0)


def present() -> bool:
    return StatisticalReport.objects.exists()


def last_reported_quarter(today: date) -> tuple[int, int]:
    """The last quarter whose due day has passed by `today`: the newest one everybody should
    have reported."""
    year, quarter = calendar.last_ended_quarter(today)
    if calendar.due_on(year, quarter) >= today:
        year, quarter = calendar.previous_quarter(year, quarter)
    return year, quarter


def periods(today: date, quarters: int = QUARTERS) -> list[tuple[int, int]]:
    """The quarters reported, oldest first."""
    found = [last_reported_quarter(today)]
    while len(found) < quarters:
        found.append(calendar.previous_quarter(*found[-1]))
    return found[::-1]


def generate(*, organisations: int | None = None, quarters: int = QUARTERS, log: Any = print) -> None:
    """Reports of the verified vendors and base operators (the first `organisations` of them by
    id, or all) for `quarters` quarters."""
    if StatisticalReport.objects.exists():
        raise RuntimeError("the database holds statistical reports already: drop the database and build it again")
    rng = random.Random(SEED)
    started = time.perf_counter()
    now = timezone.now()
    zone = timezone.get_current_timezone()
    quarters_reported = periods(timezone.localdate(now), quarters)
    with transaction.atomic():
        orgs = _organisations(organisations)
        if not orgs:
            raise RuntimeError("the registry part of the scale data set has no verified vendor: build it first")
        _register(rng, orgs, quarters_reported, zone)
        _reporters(orgs, now)
        portal = _portal_business()
        rows = _Rows()
        for org in orgs:
            _history(rng, org, quarters_reported, portal, rows, now=now, zone=zone)
        first_report, first_volume, first_flag = (
            next_id(StatisticalReport),
            next_id(StatisticalReportVolume),
            next_id(StatisticalReportFlag),
        )
        for n, row in enumerate(rows.reports):
            row["id"] = first_report + n
        for n, row in enumerate(rows.volumes):
            row["id"] = first_volume + n
            row["report_id"] = rows.reports[row.pop("report")]["id"]
        for n, row in enumerate(rows.flags):
            row["id"] = first_flag + n
            row["report_id"] = rows.reports[row.pop("report")]["id"]
        copy_rows(StatisticalReport, rows.reports)
        copy_rows(StatisticalReportVolume, rows.volumes)
        copy_rows(StatisticalReportFlag, rows.flags)
        log(
            f"statistical reports: {len(orgs):,} organisations, {len(rows.reports):,} reports,"
            f" {len(rows.volumes):,} volumes, {len(rows.flags):,} flags in {time.perf_counter() - started:.1f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE "
            + ", ".join(model._meta.db_table for model in (StatisticalReport, StatisticalReportVolume, Organisation))
        )


# --- the organisations: who reports, since when, and who files --------------------------------


def _organisations(limit: int | None) -> list[_Org]:
    rows = (
        Organisation.objects.filter(kind__in=REPORTING_KINDS, status=VerificationStatus.VERIFIED)
        .order_by("pk")
        .values_list("pk", "kind", "founded_on", "annotator_headcount", "created_at")
    )
    if limit is not None:
        rows = rows[:limit]
    orgs = [
        _Org(pk, kind, founded, headcount or 20, [], registered=created)
        for pk, kind, founded, headcount, created in rows
    ]
    by_id = {org.id: org for org in orgs}
    capabilities = OrganisationCapability.objects.filter(organisation_id__in=list(by_id)).order_by(
        "organisation_id", "modality"
    )
    for pk, modality in capabilities.values_list("organisation_id", "modality"):
        by_id[pk].modalities.append(modality)
    return orgs


def _register(rng: random.Random, orgs: list[_Org], quarters: list[tuple[int, int]], zone: tzinfo) -> None:
    """Give each organisation created after the last quarter (the registry part creates them all
    at the build) a registration instant, and move its `created_at` back to it. Organisations
    created earlier keep theirs."""
    first_start = calendar.quarter_bounds(*quarters[0])[0]
    last_end = calendar.quarter_bounds(*quarters[-1])[1]
    moved = []
    for org in orgs:
        if org.registered is not None and org.registered < last_end:
            continue
        founded = datetime.combine(org.founded, clock(9), tzinfo=zone) if org.founded else None
        if rng.random() < REGISTERED_BEFORE:
            at = first_start - timedelta(days=rng.randrange(1, 1000), seconds=rng.randrange(86_400))
        else:
            at = first_start + timedelta(seconds=rng.randrange(int((last_end - first_start).total_seconds())))
        if founded and at < founded:
            at = founded + timedelta(days=rng.randrange(30, 400))
        org.registered = at
        moved.append(org)
    # A verified organisation was verified when it registered: its verification moves with it
    # (the rollups count organisations verified on that day).
    instants = [[org.id for org in moved], [org.registered for org in moved]]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_organisation AS o SET created_at = r.at,"
            " verified_at = CASE WHEN o.verified_at IS NULL THEN NULL ELSE r.at END,"
            " status_changed_at = CASE WHEN o.verified_at IS NULL THEN o.status_changed_at ELSE r.at END"
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS r(id, at) WHERE o.id = r.id",
            instants,
        )
        cursor.execute(
            "UPDATE registry_verificationperiod AS p SET verified_at = r.at"
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS r(id, at)"
            " WHERE p.organisation_id = r.id AND p.ended_at IS NULL",
            instants,
        )


def _reporters(orgs: list[_Org], now: datetime) -> None:
    """The staff member who files each organisation's reports: the exchange part's staff user if
    it has one (or a reporter of an earlier build), else a new one."""
    staff = dict(
        Membership.objects.filter(
            Q(user__username__startswith=STAFF_PREFIX) | Q(user__username__startswith=REPORTER_PREFIX),
            organisation_id__in=[org.id for org in orgs],
            role=Role.VENDOR_STAFF,
        ).values_list("organisation_id", "user_id")
    )
    missing = [org for org in orgs if org.id not in staff]
    if missing:
        details = dict(
            Organisation.objects.filter(pk__in=[org.id for org in missing]).values_list("pk", "members_group_id")
        )
        names = dict(Organisation.objects.filter(pk__in=[org.id for org in missing]).values_list("pk", "name"))
        first_user, first_membership = next_id(User), next_id(Membership)
        first_link = next_id(User.groups.through)
        copy_rows(
            User,
            (
                {
                    "id": first_user + n,
                    "username": f"{REPORTER_PREFIX}{org.id}",
                    "name": f"{names[org.id]}统计员",
                    "password": "!",
                }
                for n, org in enumerate(missing)
            ),
        )
        copy_rows(
            Membership,
            (
                {
                    "id": first_membership + n,
                    "user_id": first_user + n,
                    "organisation_id": org.id,
                    "role": Role.VENDOR_STAFF,
                    "created_at": now,
                }
                for n, org in enumerate(missing)
            ),
        )
        copy_rows(
            User.groups.through,
            (
                {"id": first_link + n, "user_id": first_user + n, "group_id": details[org.id]}
                for n, org in enumerate(missing)
            ),
        )
        staff.update({org.id: first_user + n for n, org in enumerate(missing)})
    for org in orgs:
        org.reporter = staff[org.id]


def _portal_business() -> dict[tuple[int, int, int], PortalRevenue]:
    """(supplier, year, quarter) -> what the exchange paid it and the contracts it signed in the
    quarter, as `monitoring.reports.selectors.portal_revenue_of` counts them."""
    paid: dict[tuple[int, int, int], int] = defaultdict(int)
    sign = {EntryKind.CAPTURED: 1, EntryKind.TREASURY_TRANSFER: 1, EntryKind.REFUNDED: -1}
    entries = (
        PaymentEntry.objects.filter(kind__in=list(sign))
        .annotate(supplier=F("payment__contract__supplier_id"), period=TruncQuarter("recorded_at"))
        .values("supplier", "period", "kind")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    for row in entries:
        start = timezone.localtime(row["period"])
        paid[(row["supplier"], *calendar.quarter_of(start.date()))] += sign[row["kind"]] * row["total"]
    signed: dict[tuple[int, int, int], tuple[int, int]] = {}
    contracts = (
        Contract.objects.filter(signed_at__isnull=False)
        .annotate(period=TruncQuarter("signed_at"))
        .values("supplier_id", "period")
        .annotate(value=Sum("value_fen"), count=Count("pk"))
        .order_by()
    )
    for row in contracts:
        start = timezone.localtime(row["period"])
        signed[(row["supplier_id"], *calendar.quarter_of(start.date()))] = (row["value"] or 0, row["count"])
    return {key: PortalRevenue(max(paid.get(key, 0), 0), *signed.get(key, (0, 0))) for key in set(paid) | set(signed)}


# --- one organisation's reports ------------------------------------------------------------------


def _weights(rng: random.Random, org: _Org) -> list[int]:
    """A weight per modality: large for the organisation's capabilities, small for the few others
    it dabbles in, 0 for the rest (those get no items; `_split` leaves them out of the split)."""
    weights = []
    for modality in Modality.values:
        if modality in org.modalities:
            weights.append(rng.randrange(50, 100) * 1_000)
        elif rng.random() < 0.15:
            weights.append(rng.randrange(1, 8) * 1_000)
        else:
            weights.append(0)
    if not any(weights):
        weights[rng.randrange(len(weights))] = 1_000
    return weights


def _split(total: int, weights: list[int]) -> list[int]:
    used = [index for index, weight in enumerate(weights) if weight]
    parts = split_in_proportion(total, [weights[index] for index in used])
    items = [0] * len(weights)
    for index, part in zip(used, parts, strict=True):
        items[index] = part
    return items


def _trend_bp(rng: random.Random) -> int:
    """The organisation's growth per quarter, in basis points (about a quarter of its annual)."""
    draw = rng.random()
    if draw < 0.10:
        return rng.randrange(-300, 300)  # shrinking or flat
    if draw < 0.95:
        return rng.randrange(340, 560)  # about 14–24 % a year; with the newcomers, 20–30 % for the industry
    return rng.randrange(900, 1_500)  # fast growers


def _moment(day: date, rng: random.Random, zone: tzinfo) -> datetime:
    """A moment in office hours of `day`."""
    return datetime.combine(day, clock(9), tzinfo=zone) + timedelta(seconds=rng.randrange(9 * 3600))


def _history(
    rng: random.Random,
    org: _Org,
    quarters: list[tuple[int, int]],
    portal: dict[tuple[int, int, int], PortalRevenue],
    rows: _Rows,
    *,
    now: datetime,
    zone: tzinfo,
) -> None:
    assert org.registered is not None
    scale = 3 if org.kind == OrganisationKind.BASE_OPERATOR else 1
    people = max(3, org.headcount * scale * rng.randrange(5, 25) // 100)
    revenue = people * rng.randrange(1_500_000, 3_500_000)  # fen a quarter: ¥15,000–35,000 a head
    items = people * rng.randrange(8_000, 60_000)
    trend = _trend_bp(rng)
    share = rng.randrange(500, 4_500)
    weights = _weights(rng, org)
    previous: dict[str, Any] | None = None  # the last quarter's submitted figures
    above = settings.STATISTICAL_REPORT_PORTAL_FACTOR
    for number, (year, quarter) in enumerate(quarters):
        if calendar.quarter_bounds(year, quarter)[1] <= org.registered:
            continue  # not registered yet when the quarter ended
        last = number == len(quarters) - 1
        revenue = max(revenue * (BP + trend + rng.randrange(-150, 151)) // BP, 100_000)
        items = max(items * (BP + trend + rng.randrange(-200, 201)) // BP, 0)
        people = max(people * (BP + trend // 2 + rng.randrange(-100, 101)) // BP, 1)
        share = min(max(share + rng.randrange(-300, 301), 0), BP)
        draw = rng.random()
        if (last and draw < LAST_MISSING) or (not last and draw < GAP):
            previous = None
            continue
        state = ReportState.DRAFT if last and draw < LAST_MISSING + LAST_DRAFT else ReportState.SUBMITTED
        business = portal.get((org.id, year, quarter), NO_BUSINESS)
        figures = {
            "revenue_fen": revenue * (BP + SEASON_BP[quarter]) // BP,
            "headcount": people,
            "total_items": items * (BP + SEASON_BP[quarter]) // BP,
        }
        if figures["revenue_fen"] < business.paid_fen:
            figures["revenue_fen"] = business.paid_fen + business.paid_fen * rng.randrange(0, 3_000) // BP
        known = max(business.paid_fen, business.signed_fen)
        if above and known and figures["revenue_fen"] > above * known and rng.random() >= ABOVE_PORTAL:
            figures["revenue_fen"] = above * known * rng.randrange(5_000, BP + 1) // BP
        if previous is not None and rng.random() < ENTRY_ERROR:
            field_name, factor = rng.choice((("revenue_fen", 100), ("total_items", 10), ("headcount", 10)))
            figures[field_name] *= factor
        if business.paid_fen and rng.random() < BELOW_PORTAL:
            figures["revenue_fen"] = business.paid_fen * rng.randrange(3_000, 9_500) // BP
        figures["public_data_share_bp"] = share if figures["total_items"] else 0
        report = _report(rng, org, year, quarter, state, figures, now=now, zone=zone)
        index = len(rows.reports)
        rows.reports.append(report)
        for modality, amount in zip(Modality.values, _split(figures["total_items"], weights), strict=True):
            rows.volumes.append({"report": index, "modality": modality, "items": amount})
        if state == ReportState.SUBMITTED:
            for kind, evidence in anomalies_of(figures=figures, previous=previous, portal=business).items():
                rows.flags.append(
                    {"report": index, "kind": kind, "evidence": evidence, "raised_at": report["submitted_at"]}
                )
            previous = {**figures, "period": f"{year}Q{quarter}"}
        else:
            previous = None


def _report(
    rng: random.Random,
    org: _Org,
    year: int,
    quarter: int,
    state: str,
    figures: dict[str, int],
    *,
    now: datetime,
    zone: tzinfo,
) -> dict[str, Any]:
    ended = calendar.quarter_last_day(year, quarter)
    due = calendar.due_on(year, quarter)
    latest = now - timedelta(hours=1)
    row: dict[str, Any] = {
        "organisation_id": org.id,
        "year": year,
        "quarter": quarter,
        "state": state,
        **figures,
        "updated_by_id": org.reporter,
    }
    if state == ReportState.DRAFT:
        saved = min(_moment(ended + timedelta(days=rng.randrange(1, 15)), rng, zone), latest)
        return {**row, "version": 0, "created_at": saved, "updated_at": saved}
    if rng.random() < LATE:
        first = _moment(due + timedelta(days=rng.randrange(1, 40)), rng, zone)
    else:
        first = _moment(ended + timedelta(days=rng.randrange(1, (due - ended).days + 1)), rng, zone)
    first = max(min(first, latest), calendar.quarter_bounds(year, quarter)[1])
    version, submitted = 1, first
    if rng.random() < AMENDED:
        version, submitted = 2, min(first + timedelta(days=rng.randrange(1, 10)), latest)
    return {
        **row,
        "version": version,
        "first_submitted_at": first,
        "submitted_at": submitted,
        "submitted_by_id": org.reporter,
        "created_at": max(first - timedelta(hours=rng.randrange(0, 72)), calendar.quarter_bounds(year, quarter)[1]),
        "updated_at": submitted,
    }

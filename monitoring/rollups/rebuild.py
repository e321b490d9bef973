"""Every fact computed from the source tables: one aggregate query per metric family, grouped in
the database by day, region, sector, modality, programme and base (awards and acceptance
decisions, whose per-row arithmetic differs between databases, are summed here while streaming
their rows).

Each family mirrors a hook of `monitoring.rollups.events`: change them together. Figures are
attributed to the region an organisation, person or tender has now (organisations verified: the
region of the verification period); a hook wrote the region it had at the time of the event, so a
move between regions shows as a difference in `rollups_verify` until the nightly rebuild
re-attributes it.

A `Scope` restricts every family's queries to a range of days and to regions under some code
prefixes, in SQL: `monitoring.rollups.source` reads the dashboards' figures this way, straight from
the source tables, to compare with the rollups.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from marketplace.models import AcceptanceReport, Award, Bid, Contract, Lot, PaymentEntry, Tender
from monitoring.models.reports import ReportState, StatisticalReport, StatisticalReportVolume
from monitoring.rollups.events import PAYMENT_SIGNS, award_days, local_day, quality_bp, quarter_start
from monitoring.rollups.models import CERTIFICATE_METRICS, Metric
from registry.bases.models import BaseOutput
from registry.models import VerificationPeriod
from registry.roles import OrganisationKind
from registry.talent.models import Certificate
from vouchers.models import (
    Account,
    ClaimState,
    LedgerEntry,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
)

# (day, region, sector, modality, programme_key, base_key, metric)
Key = tuple[datetime.date, str, str, str, int, int, str]


def _quarter_index(day: datetime.date) -> int:
    """Quarters since year 0: the quarter holding `day`."""
    return day.year * 4 + (day.month - 1) // 3


def _quarter_q(year: str, quarter: str, first: int, last: int) -> Q:
    """(year, quarter) from the quarter index `first` to `last`, both included."""
    first_year, first_quarter = divmod(first, 4)
    last_year, last_quarter = divmod(last, 4)
    return (Q(**{f"{year}__gt": first_year}) | Q(**{year: first_year, f"{quarter}__gte": first_quarter + 1})) & (
        Q(**{f"{year}__lt": last_year}) | Q(**{year: last_year, f"{quarter}__lte": last_quarter + 1})
    )


@dataclass(frozen=True)
class Scope:
    """Which source rows the families read: those of the local days `start` to `end` (both
    included; None: no bound) in a region whose code starts with one of `region_prefixes` (empty:
    every region). A row's day is the day its fact is counted on, so a scoped rebuild gives
    exactly the facts of those days and regions."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    region_prefixes: Sequence[str] = ()

    def where(
        self,
        *,
        region: str,
        moment: str | None = None,
        day: str | None = None,
        quarter: tuple[str, str] | None = None,
    ) -> Q:
        """The condition on a row whose region code is the column `region` and whose day is the
        local day of the time `moment`, the date `day`, or the first day of the (year, quarter)
        columns `quarter`."""
        where = Q()
        # A foreign key takes no text lookup itself: its target's key does (with no join).
        column = f"{region.removesuffix('_id')}__pk" if region.endswith("_id") else region
        for prefix in self.region_prefixes:
            where |= Q(**{f"{column}__startswith": prefix})
        if moment is not None:
            if self.start is not None:
                where &= Q(**{f"{moment}__gte": _midnight(self.start)})
            if self.end is not None:
                where &= Q(**{f"{moment}__lt": _midnight(self.end + datetime.timedelta(days=1))})
        if day is not None:
            if self.start is not None:
                where &= Q(**{f"{day}__gte": self.start})
            if self.end is not None:
                where &= Q(**{f"{day}__lte": self.end})
        if quarter is not None and (self.start is not None or self.end is not None):
            # The first quarter starting on or after `start`, the last one starting by `end`.
            first = _quarter_index(self.start) if self.start is not None else 0
            if self.start is not None and self.start != quarter_start(self.start.year, first % 4 + 1):
                first += 1
            last = _quarter_index(self.end) if self.end is not None else 10_000 * 4
            where &= _quarter_q(*quarter, first, last)
        return where


EVERYTHING = Scope()


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of `day` in the site's time zone (the facts' days are local)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _Facts:
    def __init__(self) -> None:
        self.totals: Counter[Key] = Counter()

    def add(
        self,
        metric: str,
        value: int | None,
        *,
        day: datetime.date,
        region: str,
        sector: str = "",
        modality: str = "",
        programme: int | None = None,
        base: int | None = None,
    ) -> None:
        if value:
            self.totals[(day, region, sector, modality, programme or 0, base or 0, str(metric))] += value

    def add_rows(self, rows: Iterable[dict[str, Any]], metrics: dict[str, str], **dimensions: str) -> None:
        """Rows of a grouped query: `metrics` maps each aggregate's name to its metric,
        `dimensions` each dimension ("day", "region"…) to the row's column holding it."""
        for row in rows:
            where: dict[str, Any] = {name: row[column] for name, column in dimensions.items()}
            for column, metric in metrics.items():
                self.add(metric, row[column], **where)


def _tenders(facts: _Facts, scope: Scope) -> None:
    published = Tender.objects.filter(
        scope.where(moment="published_at", region="region_id"), published_at__isnull=False
    ).annotate(d=TruncDate("published_at"))
    facts.add_rows(
        published.values("d", "region_id", "sector").annotate(n=Count("id")).order_by(),
        {"n": Metric.TENDERS_PUBLISHED},
        day="d",
        region="region_id",
        sector="sector",
    )
    lots = Lot.objects.filter(
        scope.where(moment="tender__published_at", region="tender__region_id"), tender__published_at__isnull=False
    ).annotate(d=TruncDate("tender__published_at"))
    facts.add_rows(
        lots.values("d", "tender__region_id", "tender__sector", "modality")
        .annotate(n=Count("id"), budget=Sum("budget_fen"))
        .order_by(),
        {"n": Metric.LOTS_PUBLISHED, "budget": Metric.LOT_BUDGET_FEN},
        day="d",
        region="tender__region_id",
        sector="tender__sector",
        modality="modality",
    )


def _openings(facts: _Facts, scope: Scope) -> None:
    opened_bids = (
        Bid.objects.filter(lot=OuterRef("pk"), opened_at__isnull=False)
        .order_by()
        .values("lot")
        .annotate(n=Count("id"))
        .values("n")
    )
    lots = Lot.objects.filter(
        scope.where(moment="tender__opened_at", region="tender__region_id"), tender__opened_at__isnull=False
    ).annotate(d=TruncDate("tender__opened_at"), opened=Coalesce(Subquery(opened_bids), Value(0)))
    facts.add_rows(
        lots.values("d", "tender__region_id", "tender__sector", "modality")
        .annotate(lots=Count("id"), opened_bids=Sum("opened"), single=Count("id", filter=Q(opened=1)))
        .order_by(),
        {"lots": Metric.LOTS_OPENED, "opened_bids": Metric.BIDS_OPENED, "single": Metric.SINGLE_BID_LOTS},
        day="d",
        region="tender__region_id",
        sector="tender__sector",
        modality="modality",
    )


def _awards(facts: _Facts, scope: Scope) -> None:
    rows = (
        Award.objects.filter(scope.where(moment="awarded_at", region="tender__region_id"))
        .order_by()
        .values_list(
            "awarded_at",
            "tender__published_at",
            "tender__region_id",
            "tender__sector",
            "lot__modality",
            "value_fen",
            "lot__budget_fen",
        )
    )
    for awarded_at, published_at, region, sector, modality, value_fen, budget_fen in rows.iterator(chunk_size=5_000):
        where: dict[str, Any] = {"day": local_day(awarded_at), "region": region, "sector": sector, "modality": modality}
        facts.add(Metric.AWARDS, 1, **where)
        facts.add(Metric.AWARD_VALUE_FEN, value_fen, **where)
        facts.add(Metric.AWARD_BUDGET_FEN, budget_fen, **where)
        facts.add(Metric.AWARD_DAYS, award_days(published_at=published_at, awarded_at=awarded_at), **where)


def _contracts(facts: _Facts, scope: Scope) -> None:
    signed = Contract.objects.filter(
        scope.where(moment="signed_at", region="tender__region_id"), signed_at__isnull=False
    ).annotate(d=TruncDate("signed_at"))
    facts.add_rows(
        signed.values("d", "tender__region_id", "tender__sector", "award__lot__modality")
        .annotate(n=Count("id"), value=Sum("value_fen"))
        .order_by(),
        {"n": Metric.CONTRACTS_SIGNED, "value": Metric.CONTRACT_VALUE_FEN},
        day="d",
        region="tender__region_id",
        sector="tender__sector",
        modality="award__lot__modality",
    )


def _payments(facts: _Facts, scope: Scope) -> None:
    contract = "payment__contract__"
    for kind, sign in PAYMENT_SIGNS.items():
        entries = PaymentEntry.objects.filter(
            scope.where(moment="recorded_at", region=f"{contract}tender__region_id"), kind=kind
        ).annotate(d=TruncDate("recorded_at"))
        rows = (
            entries.values(
                "d", f"{contract}tender__region_id", f"{contract}tender__sector", f"{contract}award__lot__modality"
            )
            .annotate(amount=Sum("amount_fen"))
            .order_by()
        )
        for row in rows:
            facts.add(
                Metric.PAYMENTS_FEN,
                sign * row["amount"],
                day=row["d"],
                region=row[f"{contract}tender__region_id"],
                sector=row[f"{contract}tender__sector"],
                modality=row[f"{contract}award__lot__modality"],
            )


def _acceptances(facts: _Facts, scope: Scope) -> None:
    contract = "delivery__contract__"
    rows = (
        AcceptanceReport.objects.filter(
            scope.where(moment="decided_at", region=f"{contract}tender__region_id"), decided_at__isnull=False
        )
        .order_by()
        .values_list(
            "decided_at",
            "decision",
            "sample_size",
            "defect_count",
            f"{contract}tender__region_id",
            f"{contract}tender__sector",
            f"{contract}award__lot__modality",
        )
    )
    for decided_at, decision, sample_size, defect_count, region, sector, modality in rows.iterator(chunk_size=5_000):
        where: dict[str, Any] = {"day": local_day(decided_at), "region": region, "sector": sector, "modality": modality}
        facts.add(Metric.ACCEPTANCES_DECIDED, 1, **where)
        facts.add(Metric.ACCEPTANCES_ACCEPTED, 1 if decision == "accepted" else 0, **where)
        facts.add(Metric.ACCEPTANCE_QUALITY_BP, quality_bp(sample_size=sample_size, defect_count=defect_count), **where)


def _vouchers(facts: _Facts, scope: Scope) -> None:
    funded = LedgerEntry.objects.filter(
        scope.where(moment="transaction__created_at", region="programme__authority__region_id"),
        transaction__kind=TransactionKind.FUND,
        account=Account.BUDGET,
    ).annotate(d=TruncDate("transaction__created_at"))
    facts.add_rows(
        funded.values("d", "programme__authority__region_id", "programme_id")
        .annotate(fen=Sum("amount_fen"))
        .order_by(),
        {"fen": Metric.VOUCHER_BUDGET_FEN},
        day="d",
        region="programme__authority__region_id",
        programme="programme_id",
    )
    issued = Voucher.objects.filter(scope.where(moment="issued_at", region="holder__region_id")).annotate(
        d=TruncDate("issued_at")
    )
    facts.add_rows(
        issued.values("d", "holder__region_id", "programme_id").annotate(n=Count("id"), fen=Sum("face_fen")).order_by(),
        {"n": Metric.VOUCHERS_ISSUED, "fen": Metric.VOUCHER_ISSUED_FEN},
        day="d",
        region="holder__region_id",
        programme="programme_id",
    )
    redeemed = Redemption.objects.filter(
        scope.where(moment="confirmed_at", region="holder__region_id"),
        state__in=(RedemptionState.CONFIRMED, RedemptionState.SETTLED),
        confirmed_at__isnull=False,
    ).annotate(d=TruncDate("confirmed_at"))
    facts.add_rows(
        redeemed.values("d", "holder__region_id", "programme_id")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
        .order_by(),
        {"n": Metric.VOUCHER_REDEMPTIONS, "fen": Metric.VOUCHER_REDEEMED_FEN},
        day="d",
        region="holder__region_id",
        programme="programme_id",
    )
    settled = SettlementClaim.objects.filter(
        scope.where(moment="settled_at", region="redemption__holder__region_id"),
        state=ClaimState.SETTLED,
        settled_at__isnull=False,
    ).annotate(d=TruncDate("settled_at"))
    facts.add_rows(
        settled.values("d", "redemption__holder__region_id", "programme_id")
        .annotate(n=Count("id"), fen=Sum("redemption__amount_fen"))
        .order_by(),
        {"n": Metric.VOUCHER_SETTLEMENTS, "fen": Metric.VOUCHER_SETTLED_FEN},
        day="d",
        region="redemption__holder__region_id",
        programme="programme_id",
    )
    returned = LedgerEntry.objects.filter(
        scope.where(moment="transaction__voucher__ended_at", region="transaction__voucher__holder__region_id"),
        transaction__kind__in=(TransactionKind.EXPIRE, TransactionKind.CANCEL),
        account=Account.BUDGET,
    ).annotate(d=TruncDate("transaction__voucher__ended_at"))
    facts.add_rows(
        returned.values("d", "transaction__voucher__holder__region_id", "programme_id")
        .annotate(fen=Sum("amount_fen"))
        .order_by(),
        {"fen": Metric.VOUCHER_RETURNED_FEN},
        day="d",
        region="transaction__voucher__holder__region_id",
        programme="programme_id",
    )


def _certificates(facts: _Facts, scope: Scope) -> None:
    rows = (
        Certificate.objects.filter(scope.where(day="issued_on", region="person__region_id"))
        .values("issued_on", "person__region_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        facts.add(CERTIFICATE_METRICS[row["level"]], row["n"], day=row["issued_on"], region=row["person__region_id"])


def _reports(facts: _Facts, scope: Scope) -> None:
    reports = (
        StatisticalReport.objects.filter(
            scope.where(quarter=("year", "quarter"), region="organisation__region_id"), state=ReportState.SUBMITTED
        )
        .values("year", "quarter", "organisation__region_id")
        .annotate(n=Count("id"), revenue=Sum("revenue_fen"), headcount=Sum("headcount"))
        .order_by()
    )
    for row in reports:
        where: dict[str, Any] = {
            "day": quarter_start(row["year"], row["quarter"]),
            "region": row["organisation__region_id"],
        }
        facts.add(Metric.REPORTS_SUBMITTED, row["n"], **where)
        facts.add(Metric.REPORTED_REVENUE_FEN, row["revenue"], **where)
        facts.add(Metric.REPORTED_HEADCOUNT, row["headcount"], **where)
    volumes = (
        StatisticalReportVolume.objects.filter(
            scope.where(quarter=("report__year", "report__quarter"), region="report__organisation__region_id"),
            report__state=ReportState.SUBMITTED,
        )
        .values("report__year", "report__quarter", "report__organisation__region_id", "modality")
        .annotate(items=Sum("items"))
        .order_by()
    )
    for row in volumes:
        facts.add(
            Metric.REPORTED_ITEMS,
            row["items"],
            day=quarter_start(row["report__year"], row["report__quarter"]),
            region=row["report__organisation__region_id"],
            modality=row["modality"],
        )


def _bases(facts: _Facts, scope: Scope) -> None:
    rows = (
        BaseOutput.objects.filter(scope.where(quarter=("year", "quarter"), region="base__city_id"))
        .values("year", "quarter", "base__city_id", "base_id")
        .annotate(items=Sum("annotated_items"), revenue=Sum("revenue_fen"), headcount=Sum("headcount"))
        .order_by()
    )
    for row in rows:
        where: dict[str, Any] = {
            "day": quarter_start(row["year"], row["quarter"]),
            "region": row["base__city_id"],
            "base": row["base_id"],
        }
        facts.add(Metric.BASE_OUTPUT_ITEMS, row["items"], **where)
        facts.add(Metric.BASE_OUTPUT_REVENUE_FEN, row["revenue"], **where)
        facts.add(Metric.BASE_HEADCOUNT, row["headcount"], **where)


def _registrations(facts: _Facts, scope: Scope) -> None:
    """+1 on the day each verification period began, −1 on the day it ended."""
    vendor = Q(organisation__kind=OrganisationKind.VENDOR)
    for moment, sign in (("verified_at", 1), ("ended_at", -1)):
        periods = VerificationPeriod.objects.filter(
            scope.where(moment=moment, region="region_id"), **{f"{moment}__isnull": False}
        ).annotate(d=TruncDate(moment))
        rows = periods.values("d", "region_id").annotate(n=Count("id"), vendors=Count("id", filter=vendor)).order_by()
        for row in rows:
            facts.add(Metric.ORGANISATIONS_VERIFIED, sign * row["n"], day=row["d"], region=row["region_id"])
            facts.add(Metric.VENDORS_VERIFIED, sign * row["vendors"], day=row["d"], region=row["region_id"])


class Family(NamedTuple):
    read: Callable[[_Facts, Scope], None]
    metrics: frozenset[str]


def _family(read: Callable[[_Facts, Scope], None], *metrics: str) -> Family:
    return Family(read, frozenset(str(metric) for metric in metrics))


FAMILIES = (
    _family(_tenders, Metric.TENDERS_PUBLISHED, Metric.LOTS_PUBLISHED, Metric.LOT_BUDGET_FEN),
    _family(_openings, Metric.LOTS_OPENED, Metric.BIDS_OPENED, Metric.SINGLE_BID_LOTS),
    _family(_awards, Metric.AWARDS, Metric.AWARD_VALUE_FEN, Metric.AWARD_BUDGET_FEN, Metric.AWARD_DAYS),
    _family(_contracts, Metric.CONTRACTS_SIGNED, Metric.CONTRACT_VALUE_FEN),
    _family(_payments, Metric.PAYMENTS_FEN),
    _family(_acceptances, Metric.ACCEPTANCES_DECIDED, Metric.ACCEPTANCES_ACCEPTED, Metric.ACCEPTANCE_QUALITY_BP),
    _family(
        _vouchers,
        Metric.VOUCHER_BUDGET_FEN,
        Metric.VOUCHERS_ISSUED,
        Metric.VOUCHER_ISSUED_FEN,
        Metric.VOUCHER_REDEMPTIONS,
        Metric.VOUCHER_REDEEMED_FEN,
        Metric.VOUCHER_SETTLEMENTS,
        Metric.VOUCHER_SETTLED_FEN,
        Metric.VOUCHER_RETURNED_FEN,
    ),
    _family(_certificates, *CERTIFICATE_METRICS.values()),
    _family(
        _reports,
        Metric.REPORTS_SUBMITTED,
        Metric.REPORTED_REVENUE_FEN,
        Metric.REPORTED_HEADCOUNT,
        Metric.REPORTED_ITEMS,
    ),
    _family(_bases, Metric.BASE_OUTPUT_ITEMS, Metric.BASE_OUTPUT_REVENUE_FEN, Metric.BASE_HEADCOUNT),
    _family(_registrations, Metric.ORGANISATIONS_VERIFIED, Metric.VENDORS_VERIFIED),
)


def rebuilt_facts(*, scope: Scope = EVERYTHING, metrics: Iterable[str] | None = None) -> dict[Key, int]:
    """Every fact the source tables give within `scope`, per key, zero totals left out; with
    `metrics`, only the families that count one of them are read (their other metrics come too)."""
    wanted = None if metrics is None else {str(metric) for metric in metrics}
    facts = _Facts()
    for family in FAMILIES:
        if wanted is None or family.metrics & wanted:
            family.read(facts, scope)
    return {key: value for key, value in facts.totals.items() if value}

"""Every fact computed from the source tables: one aggregate query per metric family, grouped in
the database by day, region, sector, modality and programme (awards and acceptance decisions,
whose per-row arithmetic differs between databases, are summed here while streaming their rows).

Each family mirrors a hook of `monitoring.rollups.events`: change them together. Figures are
attributed to the region an organisation, person or tender has now; a hook wrote the region it
had at the time of the event, so a move between regions shows as a difference in
`rollups_verify` until the nightly rebuild re-attributes it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from marketplace.models import AcceptanceReport, Award, Bid, Contract, Lot, PaymentEntry, Tender
from monitoring.models.reports import ReportState, StatisticalReport, StatisticalReportVolume
from monitoring.rollups.events import PAYMENT_SIGNS, award_days, quality_bp, quarter_start
from monitoring.rollups.models import CERTIFICATE_METRICS, Metric
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

# (day, region, sector, modality, programme_key, metric)
Key = tuple[datetime.date, str, str, str, int, str]


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
    ) -> None:
        if value:
            self.totals[(day, region, sector, modality, programme or 0, str(metric))] += value

    def add_rows(self, rows: Iterable[dict[str, Any]], metrics: dict[str, str], **dimensions: str) -> None:
        """Rows of a grouped query: `metrics` maps each aggregate's name to its metric,
        `dimensions` each dimension ("day", "region"…) to the row's column holding it."""
        for row in rows:
            where: dict[str, Any] = {name: row[column] for name, column in dimensions.items()}
            for column, metric in metrics.items():
                self.add(metric, row[column], **where)


def _tenders(facts: _Facts) -> None:
    published = Tender.objects.filter(published_at__isnull=False).annotate(d=TruncDate("published_at"))
    facts.add_rows(
        published.values("d", "region_id", "sector").annotate(n=Count("id")).order_by(),
        {"n": Metric.TENDERS_PUBLISHED},
        day="d",
        region="region_id",
        sector="sector",
    )
    lots = Lot.objects.filter(tender__published_at__isnull=False).annotate(d=TruncDate("tender__published_at"))
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


def _openings(facts: _Facts) -> None:
    opened_bids = (
        Bid.objects.filter(lot=OuterRef("pk"), opened_at__isnull=False)
        .order_by()
        .values("lot")
        .annotate(n=Count("id"))
        .values("n")
    )
    lots = Lot.objects.filter(tender__opened_at__isnull=False).annotate(
        d=TruncDate("tender__opened_at"), opened=Coalesce(Subquery(opened_bids), Value(0))
    )
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


def _awards(facts: _Facts) -> None:
    from monitoring.rollups.events import local_day

    rows = Award.objects.order_by().values_list(
        "awarded_at",
        "tender__published_at",
        "tender__region_id",
        "tender__sector",
        "lot__modality",
        "value_fen",
        "lot__budget_fen",
    )
    for awarded_at, published_at, region, sector, modality, value_fen, budget_fen in rows.iterator(chunk_size=5_000):
        where: dict[str, Any] = {"day": local_day(awarded_at), "region": region, "sector": sector, "modality": modality}
        facts.add(Metric.AWARDS, 1, **where)
        facts.add(Metric.AWARD_VALUE_FEN, value_fen, **where)
        facts.add(Metric.AWARD_BUDGET_FEN, budget_fen, **where)
        facts.add(Metric.AWARD_DAYS, award_days(published_at=published_at, awarded_at=awarded_at), **where)


def _contracts(facts: _Facts) -> None:
    signed = Contract.objects.filter(signed_at__isnull=False).annotate(d=TruncDate("signed_at"))
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


def _payments(facts: _Facts) -> None:
    contract = "payment__contract__"
    for kind, sign in PAYMENT_SIGNS.items():
        entries = PaymentEntry.objects.filter(kind=kind).annotate(d=TruncDate("recorded_at"))
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


def _acceptances(facts: _Facts) -> None:
    from monitoring.rollups.events import local_day

    contract = "delivery__contract__"
    rows = (
        AcceptanceReport.objects.filter(decided_at__isnull=False)
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


def _vouchers(facts: _Facts) -> None:
    funded = LedgerEntry.objects.filter(transaction__kind=TransactionKind.FUND, account=Account.BUDGET).annotate(
        d=TruncDate("transaction__created_at")
    )
    facts.add_rows(
        funded.values("d", "programme__authority__region_id", "programme_id")
        .annotate(fen=Sum("amount_fen"))
        .order_by(),
        {"fen": Metric.VOUCHER_BUDGET_FEN},
        day="d",
        region="programme__authority__region_id",
        programme="programme_id",
    )
    issued = Voucher.objects.annotate(d=TruncDate("issued_at"))
    facts.add_rows(
        issued.values("d", "holder__region_id", "programme_id").annotate(n=Count("id"), fen=Sum("face_fen")).order_by(),
        {"n": Metric.VOUCHERS_ISSUED, "fen": Metric.VOUCHER_ISSUED_FEN},
        day="d",
        region="holder__region_id",
        programme="programme_id",
    )
    redeemed = Redemption.objects.filter(
        state__in=(RedemptionState.CONFIRMED, RedemptionState.SETTLED), confirmed_at__isnull=False
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
    settled = SettlementClaim.objects.filter(state=ClaimState.SETTLED, settled_at__isnull=False).annotate(
        d=TruncDate("settled_at")
    )
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
        transaction__kind__in=(TransactionKind.EXPIRE, TransactionKind.CANCEL), account=Account.BUDGET
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


def _certificates(facts: _Facts) -> None:
    rows = Certificate.objects.values("issued_on", "person__region_id", "level").annotate(n=Count("id")).order_by()
    for row in rows:
        facts.add(CERTIFICATE_METRICS[row["level"]], row["n"], day=row["issued_on"], region=row["person__region_id"])


def _reports(facts: _Facts) -> None:
    reports = (
        StatisticalReport.objects.filter(state=ReportState.SUBMITTED)
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
        StatisticalReportVolume.objects.filter(report__state=ReportState.SUBMITTED)
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


FAMILIES = (_tenders, _openings, _awards, _contracts, _payments, _acceptances, _vouchers, _certificates, _reports)


def rebuilt_facts() -> dict[Key, int]:
    """Every fact the source tables give, per key, zero totals left out."""
    facts = _Facts()
    for family in FAMILIES:
        family(facts)
    return {key: value for key, value in facts.totals.items() if value}

"""Marketplace panels: tenders by quarter, the split by sector and by modality, acceptance.

Marketplace figures carry the tender's sector and the lot's modality, so both filters apply to
them; tenders published are per tender (modality ""), and statistical reports (items) have no
sector: where a filter does not apply to a figure, the panel says so in `notes["ignored_filters"]`
or, for tenders published under a modality filter, leaves the figure out.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels.base import (
    Chart,
    Column,
    Panel,
    Reader,
    by_key,
    by_quarter,
    ignored_filters,
    mean,
    quarters_between,
    ratio_bp,
    read,
    share_bp,
)
from monitoring.rollups.models import Metric
from registry.taxonomy import Modality, Sector


def tenders(filters: DashboardFilters, reader: Reader) -> Panel:
    """Tender statistics by quarter: lots published and opened, bids per lot, single-bid rate,
    lots awarded, mean days from publication to award, mean discount of the award to the budget.
    Tenders published is a per-tender count without a modality, so it is left out under a
    modality filter."""
    metrics = [
        Metric.TENDERS_PUBLISHED,
        Metric.LOTS_PUBLISHED,
        Metric.LOTS_OPENED,
        Metric.BIDS_OPENED,
        Metric.SINGLE_BID_LOTS,
        Metric.AWARDS,
        Metric.AWARD_DAYS,
        Metric.AWARD_VALUE_FEN,
        Metric.AWARD_BUDGET_FEN,
    ]
    totals = by_quarter(read(reader, filters, metrics, ("quarter",)))
    rows = []
    for quarter in quarters_between(filters.period.start, filters.period.end):
        t = totals.get(quarter, {})
        row = {
            "period": quarter,
            "tenders": t.get(Metric.TENDERS_PUBLISHED, 0),
            "lots": t.get(Metric.LOTS_PUBLISHED, 0),
            "lots_opened": t.get(Metric.LOTS_OPENED, 0),
            "bids_per_lot": mean(t.get(Metric.BIDS_OPENED, 0), t.get(Metric.LOTS_OPENED, 0)),
            "single_bid_rate_bp": ratio_bp(t.get(Metric.SINGLE_BID_LOTS, 0), t.get(Metric.LOTS_OPENED, 0)),
            "awards": t.get(Metric.AWARDS, 0),
            "days_to_award": mean(t.get(Metric.AWARD_DAYS, 0), t.get(Metric.AWARDS, 0), "0.1"),
            "discount_bp": ratio_bp(
                t.get(Metric.AWARD_BUDGET_FEN, 0) - t.get(Metric.AWARD_VALUE_FEN, 0), t.get(Metric.AWARD_BUDGET_FEN, 0)
            ),
        }
        rows.append(row)
    columns = [
        Column("period", _("Quarter"), "text"),
        Column("tenders", _("Tenders published")),
        Column("lots", _("Lots published")),
        Column("lots_opened", _("Lots opened")),
        Column("bids_per_lot", _("Bids per lot"), "decimal"),
        Column("single_bid_rate_bp", _("Single-bid rate"), "bp"),
        Column("awards", _("Lots awarded")),
        Column("days_to_award", _("Days from publication to award"), "decimal"),
        Column("discount_bp", _("Discount to budget"), "bp"),
    ]
    if filters.modality:
        columns = [column for column in columns if column.key != "tenders"]
        for row in rows:
            del row["tenders"]
    return Panel(
        name="tenders",
        title=_("Tender statistics"),
        chart=Chart("line", "period", ("lots", "awards")),
        columns=columns,
        rows=rows,
    )


def _keys(choices: type[Sector] | type[Modality], chosen: str | None) -> list[str]:
    """Every sector (or modality) in taxonomy order, or the one the filter names."""
    return [chosen] if chosen else list(choices.values)


def _drop(columns: list[Column], rows: list[dict[str, Any]], key: str) -> list[Column]:
    for row in rows:
        row.pop(key, None)
    return [column for column in columns if column.key != key]


def sectors(filters: DashboardFilters, reader: Reader) -> Panel:
    """Per sector: tenders published, budget of their lots, contracts signed and their value. Every
    sector has a row (zeros where nothing happened). Tenders published have no modality, so
    under a modality filter that column is left out, as in `tenders`."""
    metrics = [Metric.TENDERS_PUBLISHED, Metric.LOT_BUDGET_FEN, Metric.CONTRACTS_SIGNED, Metric.CONTRACT_VALUE_FEN]
    totals = by_key(read(reader, filters, metrics, ("sector",)), "sector")
    labels = dict(Sector.choices)
    rows = []
    for key in _keys(Sector, filters.sector):
        t = totals.get(key, {})
        rows.append(
            {
                "sector": key,
                "sector_name": str(labels[key]),
                "tenders": t.get(Metric.TENDERS_PUBLISHED, 0),
                "lot_budget_fen": t.get(Metric.LOT_BUDGET_FEN, 0),
                "contracts": t.get(Metric.CONTRACTS_SIGNED, 0),
                "contract_value_fen": t.get(Metric.CONTRACT_VALUE_FEN, 0),
            }
        )
    columns = [
        Column("sector", _("Sector code"), "text"),
        Column("sector_name", _("Sector"), "text"),
        Column("tenders", _("Tenders published")),
        Column("lot_budget_fen", _("Budget of the lots published"), "fen"),
        Column("contracts", _("Contracts signed")),
        Column("contract_value_fen", _("Value of the contracts signed"), "fen"),
    ]
    if filters.modality:
        columns = _drop(columns, rows, "tenders")
    return Panel(
        name="sectors",
        title=_("Sectors"),
        chart=Chart("pie", "sector_name", ("contract_value_fen",)),
        columns=columns,
        rows=rows,
    )


def modalities(filters: DashboardFilters, reader: Reader) -> Panel:
    """Per data modality: lots published, contracts signed, items annotated (statistical reports)
    and deliveries decided. Reports have no sector: under a sector filter the items are not
    filtered (`ignored_filters`)."""
    market = [Metric.LOTS_PUBLISHED, Metric.CONTRACTS_SIGNED, Metric.ACCEPTANCES_DECIDED]
    totals = by_key(read(reader, filters, market, ("modality",)), "modality")
    items = by_key(read(reader, filters, [Metric.REPORTED_ITEMS], ("modality",), by_sector=False), "modality")
    labels = dict(Modality.choices)
    rows = []
    for key in _keys(Modality, filters.modality):
        t = totals.get(key, {})
        rows.append(
            {
                "modality": key,
                "modality_name": str(labels[key]),
                "lots": t.get(Metric.LOTS_PUBLISHED, 0),
                "contracts": t.get(Metric.CONTRACTS_SIGNED, 0),
                "items": items.get(key, {}).get(Metric.REPORTED_ITEMS, 0),
                "deliveries_decided": t.get(Metric.ACCEPTANCES_DECIDED, 0),
            }
        )
    return Panel(
        name="modalities",
        title=_("Data modalities"),
        chart=Chart("bar", "modality_name", ("lots", "contracts", "deliveries_decided")),
        columns=[
            Column("modality", _("Modality code"), "text"),
            Column("modality_name", _("Modality"), "text"),
            Column("lots", _("Lots published")),
            Column("contracts", _("Contracts signed")),
            Column("items", _("Items annotated (reported)")),
            Column("deliveries_decided", _("Deliveries decided")),
        ],
        rows=rows,
        notes={"ignored_filters": ignored_filters(filters, "sector")},
    )


def acceptance(filters: DashboardFilters, reader: Reader) -> Panel:
    """Per modality: deliveries decided and accepted, the pass rate (accepted / decided) and the
    mean sampled quality (Σ quality bp / decided), both in basis points, rounded down, None
    without a decision. Without a modality filter a last row (`modality` "total") gives the
    figures of every modality together, computed from the summed counts, not from the rates."""
    metrics = [Metric.ACCEPTANCES_DECIDED, Metric.ACCEPTANCES_ACCEPTED, Metric.ACCEPTANCE_QUALITY_BP]
    totals = by_key(read(reader, filters, metrics, ("modality",)), "modality")
    labels = dict(Modality.choices)

    def row(key: str, name: str, t: dict[str, int]) -> dict[str, Any]:
        decided = t.get(Metric.ACCEPTANCES_DECIDED, 0)
        accepted = t.get(Metric.ACCEPTANCES_ACCEPTED, 0)
        return {
            "modality": key,
            "modality_name": name,
            "decided": decided,
            "accepted": accepted,
            "pass_rate_bp": ratio_bp(accepted, decided),
            "quality_bp": share_bp(t.get(Metric.ACCEPTANCE_QUALITY_BP, 0), decided),
        }

    rows = [row(key, str(labels[key]), totals.get(key, {})) for key in _keys(Modality, filters.modality)]
    if not filters.modality:
        overall: dict[str, int] = {metric: sum(t.get(metric, 0) for t in totals.values()) for metric in metrics}
        rows.append(row("total", str(_("All modalities")), overall))
    return Panel(
        name="acceptance",
        title=_("Acceptance of deliveries"),
        chart=Chart("bar", "modality_name", ("pass_rate_bp", "quality_bp")),
        columns=[
            Column("modality", _("Modality code"), "text"),
            Column("modality_name", _("Modality"), "text"),
            Column("decided", _("Deliveries decided")),
            Column("accepted", _("Deliveries accepted")),
            Column("pass_rate_bp", _("Pass rate"), "bp"),
            Column("quality_bp", _("Mean sampled quality"), "bp"),
        ],
        rows=rows,
    )

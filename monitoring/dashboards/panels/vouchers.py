"""The voucher programmes' panel (DESIGN §6): budget, issued, redeemed, settled, returned."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels.base import Chart, Column, Panel, Reader, by_key, ignored_filters, read
from monitoring.rollups.models import Metric
from vouchers.models import Programme


def vouchers(filters: DashboardFilters, reader: Reader) -> Panel:
    """Voucher programmes: budget funded, value issued, redeemed, settled and returned (expired or
    cancelled), per programme, with the programme's authority region. Voucher figures have no
    sector or modality: those filters do not apply."""
    metrics = [
        Metric.VOUCHER_BUDGET_FEN,
        Metric.VOUCHERS_ISSUED,
        Metric.VOUCHER_ISSUED_FEN,
        Metric.VOUCHER_REDEMPTIONS,
        Metric.VOUCHER_REDEEMED_FEN,
        Metric.VOUCHER_SETTLED_FEN,
        Metric.VOUCHER_RETURNED_FEN,
    ]
    totals = by_key(read(reader, filters, metrics, ("programme",), by_sector=False, by_modality=False), "programme")
    programmes = {
        programme.pk: programme
        for programme in Programme.objects.filter(pk__in=[key for key in totals if key]).select_related(
            "authority__region"
        )
    }
    rows = []
    for key in sorted(totals, key=lambda pk: (programmes[pk].name, pk) if pk in programmes else ("", pk or 0)):
        t = totals[key]
        programme = programmes.get(key)
        rows.append(
            {
                "programme": programme.name if programme else "—",
                "region": programme.authority.region.display_name if programme else "",
                "budget_fen": t.get(Metric.VOUCHER_BUDGET_FEN, 0),
                "vouchers": t.get(Metric.VOUCHERS_ISSUED, 0),
                "issued_fen": t.get(Metric.VOUCHER_ISSUED_FEN, 0),
                "redemptions": t.get(Metric.VOUCHER_REDEMPTIONS, 0),
                "redeemed_fen": t.get(Metric.VOUCHER_REDEEMED_FEN, 0),
                "settled_fen": t.get(Metric.VOUCHER_SETTLED_FEN, 0),
                "returned_fen": t.get(Metric.VOUCHER_RETURNED_FEN, 0),
            }
        )
    return Panel(
        name="vouchers",
        title=_("Voucher programmes"),
        chart=Chart("bar", "programme", ("budget_fen", "issued_fen", "redeemed_fen", "settled_fen", "returned_fen")),
        columns=[
            Column("programme", _("Programme"), "text"),
            Column("region", _("Authority's region"), "text"),
            Column("budget_fen", _("Budget"), "fen"),
            Column("vouchers", _("Vouchers issued")),
            Column("issued_fen", _("Value issued"), "fen"),
            Column("redemptions", _("Redemptions")),
            Column("redeemed_fen", _("Value redeemed"), "fen"),
            Column("settled_fen", _("Value settled"), "fen"),
            Column("returned_fen", _("Value expired or cancelled"), "fen"),
        ],
        rows=rows,
        notes={"ignored_filters": ignored_filters(filters, "sector", "modality")},
    )

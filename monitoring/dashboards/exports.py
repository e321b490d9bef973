"""Panels as files: a panel's CSV or XLSX download, and the public summary as open data (CSV).

Decisions:
- Downloads are for people with a spreadsheet program: money is shown in yuan with two decimals
  and ratios in percent with two decimals, both computed exactly from the integer fen and basis
  points (Decimal shifts, no float); the header says the unit ("Budget (yuan)", "Single-bid rate
  (%)"). A figure without a denominator is an empty cell (not "—", which would make the column
  text in a spreadsheet). The filters and the data date come first: a block of label/value rows
  above the table in the CSV, a first sheet "Filters" in the XLSX.
- The open-data CSV is for programs: long format, one row per figure, in the API's raw units
  (integer fen, integer basis points, decimal strings) with the unit in its own column, so that
  nothing is lost to rounding; the header row is fixed English identifiers (`OPEN_DATA_HEADER`),
  the labels in the rows follow the language asked for. Every row carries the period, the data
  date and the licence, so that a row copied elsewhere keeps its provenance.
- Both CSVs start with a UTF-8 byte-order mark so that spreadsheet programs read Chinese text
  correctly (csv readers skip it with the `utf-8-sig` codec).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels import Column, Panel
from monitoring.dashboards.presenting import filters_data

BOM = "\ufeff"
FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPEN_DATA_HEADER = (
    "panel",
    "panel_title",
    "category",
    "category_name",
    "measure",
    "measure_label",
    "unit",
    "value",
    "period",
    "data_date",
    "licence",
    "licence_url",
)


# --- Cells ---------------------------------------------------------------------------------------


def shown_value(value: Any, unit: str) -> Any:
    """A panel's value as a spreadsheet shows it: yuan for fen, percent for basis points (both
    exact Decimals with two places), Decimal for means, None for no value."""
    if value is None:
        return None
    if unit in ("fen", "bp"):
        return Decimal(int(value)).scaleb(-2)
    if unit == "decimal":
        return Decimal(value)
    return value


def header(column: Column) -> str:
    if column.unit == "fen":
        return _("%(label)s (yuan)") % {"label": column.label}
    if column.unit == "bp":
        return _("%(label)s (%%)") % {"label": column.label}
    return str(column.label)


def _filter_rows(panel: Panel, filters: DashboardFilters, data_date: str) -> list[tuple[str, str]]:
    data = filters_data(filters)
    region = data["region"]
    if region:
        covered = f"{region['name']} ({region['code']})"
    elif filters.prefixes:
        covered = _("your regions (%(prefixes)s)") % {"prefixes": ", ".join(filters.prefixes)}
    else:
        covered = _("national")
    rows = [
        (_("Panel"), str(panel.title)),
        (_("Period"), f"{data['period']} ({data['start']} – {data['end']})"),
        (_("Region"), covered),
        (_("Sector"), filters.sector or _("all")),
        (_("Modality"), filters.modality or _("all")),
        (_("Data as of"), data_date),
    ]
    ignored = panel.notes.get("ignored_filters")
    if ignored:
        rows.append((_("Filters that do not apply to these figures"), ", ".join(ignored)))
    return rows


def filename(name: str, filters: DashboardFilters, fmt: str) -> str:
    """`tenders-2025Q2-440000.csv`: the panel, the period, the region (or the scope's regions,
    padded to six digits, or `national`), then the sector and modality when filtered."""
    if filters.region is not None:
        where = filters.region.code
    elif filters.prefixes:
        where = "_".join(prefix.ljust(6, "0") for prefix in filters.prefixes)
    else:
        where = "national"
    parts = [name, filters.period.code, where, filters.sector or "", filters.modality or ""]
    return "-".join(part for part in parts if part) + f".{fmt}"


# --- A panel's download --------------------------------------------------------------------------


def _table(panel: Panel) -> Iterator[list[Any]]:
    yield [header(column) for column in panel.columns]
    for row in panel.rows:
        yield [shown_value(row.get(column.key), column.unit) for column in panel.columns]


def panel_csv(panel: Panel, filters: DashboardFilters, data_date: str) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerows(_filter_rows(panel, filters, data_date))
    writer.writerow([])
    for row in _table(panel):
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode("utf-8")


def panel_xlsx(panel: Panel, filters: DashboardFilters, data_date: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = _("Filters")[:31]
    for row in _filter_rows(panel, filters, data_date):
        about.append(list(row))
    about.column_dimensions["A"].width = 40
    about.column_dimensions["B"].width = 40
    sheet = workbook.create_sheet(str(panel.title)[:31])
    formats = {"fen": "#,##0.00", "bp": "0.00", "decimal": "0.00"}
    for number, values in enumerate(_table(panel)):
        sheet.append(values)
        if number == 0:
            continue
        for cell, column in zip(sheet[sheet.max_row], panel.columns, strict=True):
            if column.unit in formats and cell.value is not None:
                cell.number_format = formats[column.unit]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Open data -----------------------------------------------------------------------------------


def _category(panel: Panel, row: dict[str, Any]) -> tuple[str, str]:
    """The row's key and readable name: the panel's first text column (a quarter, a sector or
    province code) and the next one (the sector's or province's name), else the key again."""
    texts = [str(row.get(column.key, "")) for column in panel.columns if column.unit == "text"]
    return (texts[0], texts[1]) if len(texts) > 1 else (texts[0], texts[0]) if texts else ("", "")


def open_data_rows(
    panels: Iterable[Panel], *, period: str, data_date: str, licence: dict[str, str]
) -> Iterator[list[Any]]:
    """One row per figure of the panels (the text columns are not figures: they name the row)."""
    yield list(OPEN_DATA_HEADER)
    for panel in panels:
        measures = [column for column in panel.columns if column.unit != "text"]
        for row in panel.rows:
            category, name = _category(panel, row)
            for column in measures:
                value = row.get(column.key)
                yield [
                    panel.name,
                    str(panel.title),
                    category,
                    name,
                    column.key,
                    str(column.label),
                    column.unit,
                    "" if value is None else str(value),
                    period,
                    data_date,
                    licence["name"],
                    licence["url"],
                ]


def open_data_csv(rows: Iterable[list[Any]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")

"""The dashboards' figures computed from the source tables instead of the rollups: what the
dashboard benchmark compares the rollups with (issue 9: the dashboard's time against "the same
figures computed from the source tables"), and a check that both give the same answer.

`source_totals` takes the arguments of `rollups.selectors.rollup_totals` and returns the same rows.
It runs the rebuild's aggregate queries of the families that count the metrics asked for, with the
day range and the region prefixes applied to the source rows in SQL (`rebuild.Scope`); the other
filters and the grouping are applied to the facts those queries return, which are already one per
day, region, sector, modality, programme and base. Like `rollup_totals`, it does no permission
scoping: the caller passes the scope's prefixes.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from monitoring.rollups.cube import quarter_of
from monitoring.rollups.rebuild import Key, Scope, rebuilt_facts
from monitoring.rollups.selectors import GROUPINGS

# Where each grouping of `rollup_totals` is in a fact's key; province and prefecture are prefixes
# of the region.
_PART: dict[str, Any] = {
    "day": lambda key: key[0],
    "quarter": lambda key: quarter_of(key[0]),
    "region": lambda key: key[1],
    "province": lambda key: key[1][:2],
    "prefecture": lambda key: key[1][:4],
    "sector": lambda key: key[2],
    "modality": lambda key: key[3],
    "programme": lambda key: key[4],
    "base": lambda key: key[5],
}


def source_totals(
    *,
    metrics: Iterable[str],
    start: datetime.date,
    end: datetime.date,
    region_prefixes: Sequence[str] | None = None,
    sector: str | None = None,
    modality: str | None = None,
    programme: int | None = None,
    base: int | None = None,
    group_by: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """What `rollup_totals` returns for the same arguments, computed from the source tables.
    `region_prefixes`: None or empty for everywhere, else the rows of regions under any of them."""
    unknown = [name for name in group_by if name not in GROUPINGS]
    if unknown:
        raise ValidationError({"group_by": [f"Unknown grouping: {', '.join(unknown)}"]})
    wanted = {str(metric) for metric in metrics}
    scope = Scope(start=start, end=end, region_prefixes=tuple(prefix for prefix in region_prefixes or () if prefix))
    totals: Counter[tuple[Any, ...]] = Counter()
    for key, value in rebuilt_facts(scope=scope, metrics=wanted).items():
        if _matches(key, wanted=wanted, sector=sector, modality=modality, programme=programme, base=base):
            totals[(key[6], *(_PART[name](key) for name in group_by))] += value
    result = []
    for group in sorted(totals, key=lambda parts: tuple(str(part) for part in parts)):
        if not totals[group]:
            continue
        row: dict[str, Any] = {"metric": group[0]}
        for name, part in zip(group_by, group[1:], strict=True):
            row[name] = (part or None) if name in ("programme", "base") else part
        row["value"] = totals[group]
        result.append(row)
    return result


def _matches(
    key: Key, *, wanted: set[str], sector: str | None, modality: str | None, programme: int | None, base: int | None
) -> bool:
    return (
        key[6] in wanted
        and (sector is None or key[2] == sector)
        and (modality is None or key[3] == modality)
        and (programme is None or key[4] == programme)
        and (base is None or key[5] == base)
    )

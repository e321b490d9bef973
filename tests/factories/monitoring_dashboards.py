"""Rollup facts written directly, for the dashboard tests: the panels read rollups only, and the
events that produce facts are tested in tests/monitoring/rollups/. Each fact is added to the
quarterly cube too, as a fold adds it."""

from __future__ import annotations

import datetime

from monitoring.rollups.cube import cube_add
from monitoring.rollups.models import RollupFact


def fact(
    metric: str,
    value: int,
    *,
    day: datetime.date,
    region: str = "440300",
    sector: str = "",
    modality: str = "",
    programme_id: int | None = None,
    base_id: int | None = None,
) -> RollupFact:
    cube_add({(day, region, sector, modality, programme_id or 0, base_id or 0, str(metric)): value})
    return RollupFact.objects.create(
        metric=metric,
        value=value,
        day=day,
        region=region,
        sector=sector,
        modality=modality,
        programme_id=programme_id,
        programme_key=programme_id or 0,
        base_id=base_id,
        base_key=base_id or 0,
    )

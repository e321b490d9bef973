"""The GB/T 2260 divisions the portal ships with (registry/data/regions.csv).

Used by the data migration and by test fixtures; takes the model class so that a migration can pass
its historical model.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "regions.csv"
LEVELS = ("province", "prefecture", "county")


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def load_regions(region_model: Any) -> int:
    """Create or update every region of the data file; parents are written before children."""
    with DATA.open(encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: LEVELS.index(level_of(row["code"])))
    for row in rows:
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "level": level_of(row["code"]),
                "parent_id": row["parent"] or None,
            },
        )
    return len(rows)

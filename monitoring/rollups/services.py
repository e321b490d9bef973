"""Rollup writes: folding the deltas events wrote into the facts, and rebuilding the facts from the
source tables; the quarterly cube (`monitoring.rollups.cube`) follows the facts in the same
transactions, under the same locks (a fold's cube upsert comes after its fact upsert, so the
facts' lock orders them).

Locks (PostgreSQL; SQLite runs one writer at a time anyway):
- a fold takes `rollup_fact` in ROW EXCLUSIVE mode first (what its upsert needs anyway: folds do not
  wait for each other), then the deltas it folds with `FOR UPDATE SKIP LOCKED`, so two folds at
  once fold disjoint deltas; their upserts add (`value = fact.value + excluded.value`) in key
  order, so they neither lose an addition nor deadlock;
- a rebuild runs at REPEATABLE READ and takes `rollup_fact` in EXCLUSIVE mode before its snapshot:
  folds wait for it (readers do not), and the deltas it deletes are exactly those its snapshot
  sees, i.e. those of the events its source queries counted. Events committed after the snapshot
  keep their deltas, folded later. Event transactions never wait for a rebuild.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from monitoring.rollups.cube import CubeDifference, cube_add, cube_differences, cube_rebuild
from monitoring.rollups.models import DIMENSIONS, RollupDelta, RollupFact
from monitoring.rollups.rebuild import Key, rebuilt_facts

logger = logging.getLogger(__name__)

FOLD_BATCH = 5_000
_UPSERT_ROWS = 90  # 10 parameters a row: under SQLite's old limit of 999
_COLUMNS = (
    "day",
    "region",
    "sector",
    "modality",
    "programme_id",
    "programme_key",
    "base_id",
    "base_key",
    "metric",
    "value",
)


def _upsert(totals: dict[Key, int]) -> None:
    """Add `totals` to the facts, in key order (two folds lock shared facts in the same order)."""
    table = RollupFact._meta.db_table
    conflict = ", ".join(DIMENSIONS)
    keys = [key for key in sorted(totals) if totals[key]]
    with connection.cursor() as cursor:
        for start in range(0, len(keys), _UPSERT_ROWS):
            chunk = keys[start : start + _UPSERT_ROWS]
            params: list[Any] = []
            for key in chunk:
                day, region, sector, modality, programme_key, base_key, metric = key
                day_value = connection.ops.adapt_datefield_value(day)
                params += [
                    day_value,
                    region,
                    sector,
                    modality,
                    programme_key or None,
                    programme_key,
                    base_key or None,
                    base_key,
                    metric,
                    totals[key],
                ]
            values = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES {values}"  # noqa: S608 (names only)
                f" ON CONFLICT ({conflict}) DO UPDATE SET value = {table}.value + excluded.value",
                params,
            )


def rollups_fold(*, batch: int = FOLD_BATCH) -> int:
    """Move the pending deltas into the facts; the number of deltas folded. Safe to run twice and
    concurrently (see the module's docstring)."""
    folded = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {RollupFact._meta.db_table} IN ROW EXCLUSIVE MODE")
            rows = list(
                RollupDelta.objects.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", *DIMENSIONS, "value")[:batch]
            )
            if not rows:
                return folded
            totals: Counter[Key] = Counter()
            for _pk, *key, value in rows:
                totals[tuple(key)] += value
            _upsert(totals)
            cube_add(totals)
            RollupDelta.objects.filter(pk__in=[row[0] for row in rows]).delete()
        folded += len(rows)
        if len(rows) < batch:
            return folded


@contextmanager
def _snapshot(*, exclusive: bool) -> Iterator[None]:
    """One transaction whose reads all see the same moment (REPEATABLE READ on PostgreSQL when it
    is the outermost one; inside a caller's transaction, that transaction's isolation). With
    `exclusive`, folds wait until it ends."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if exclusive:
                    cursor.execute(f"LOCK TABLE {RollupFact._meta.db_table} IN EXCLUSIVE MODE")
        yield


def current_facts() -> dict[Key, int]:
    """Facts plus pending deltas, per key, zero totals left out (one statement: one moment)."""
    facts = RollupFact.objects.order_by().values_list(*DIMENSIONS, "value")
    deltas = RollupDelta.objects.order_by().values_list(*DIMENSIONS, "value")
    totals: Counter[Key] = Counter()
    for *key, value in facts.union(deltas, all=True):
        totals[tuple(key)] += value
    return {key: value for key, value in totals.items() if value}


@dataclass(frozen=True)
class Difference:
    key: Key
    rebuilt: int
    current: int

    def __str__(self) -> str:
        day, region, sector, modality, programme_key, base_key, metric = self.key
        return (
            f"{metric} {day} region={region} sector={sector or '-'} modality={modality or '-'}"
            f" programme={programme_key or '-'} base={base_key or '-'}: rebuilt {self.rebuilt}, current {self.current}"
        )


def _differences(rebuilt: dict[Key, int], current: dict[Key, int]) -> list[Difference]:
    return [
        Difference(key=key, rebuilt=rebuilt.get(key, 0), current=current.get(key, 0))
        for key in sorted(set(rebuilt) | set(current))
        if rebuilt.get(key, 0) != current.get(key, 0)
    ]


def rollups_verify() -> list[Difference | CubeDifference]:
    """Where the facts plus pending deltas differ from the facts rebuilt from the source tables,
    then where the cube differs from the sums of the facts (empty when all agree). Changes
    nothing."""
    with _snapshot(exclusive=False):
        return [*_differences(rebuilt_facts(), current_facts()), *cube_differences()]


def rollups_rebuild() -> int:
    """Replace every fact by the figures rebuilt from the source tables, in one transaction, and
    delete the deltas those figures include, then the cube by the sums of the new facts; the
    number of facts written."""
    with _snapshot(exclusive=True):
        rebuilt = rebuilt_facts()
        RollupFact.objects.all().delete()
        RollupDelta.objects.all().delete()  # those the snapshot sees: see the module's docstring
        RollupFact.objects.bulk_create(
            (
                RollupFact(
                    day=day,
                    region=region,
                    sector=sector,
                    modality=modality,
                    programme_id=programme_key or None,
                    programme_key=programme_key,
                    base_id=base_key or None,
                    base_key=base_key,
                    metric=metric,
                    value=value,
                )
                for (day, region, sector, modality, programme_key, base_key, metric), value in sorted(rebuilt.items())
            ),
            batch_size=2_000,
        )
        cube_rebuild()
    return len(rebuilt)


def rollups_nightly() -> list[Difference | CubeDifference]:
    """The nightly beat: verify first (the differences are logged), then rebuild."""
    differences = rollups_verify()
    for difference in differences:
        logger.warning("rollup difference: %s", difference)
    rollups_rebuild()
    return differences

"""Acceptance sampling by GB/T 2828.1-2012 (≡ ISO 2859-1): single sampling, normal inspection,
general inspection level II, and a sample drawn so that neither buyer nor vendor can choose it.

The standard's tables are written out below as data, cell by cell, so they can be checked against
the printed standard; `sampling_plan` only looks them up and follows the arrows.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import hmac
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from marketplace.quality.errors import QualityInputError

# Table 1, general inspection level II: the largest lot size of each code letter (the lot sizes
# from 2; a lot of 1 is read as letter A). 500,001 and over is Q.
LOT_SIZE_LETTERS: Final[tuple[tuple[int, str], ...]] = (
    (8, "A"),
    (15, "B"),
    (25, "C"),
    (50, "D"),
    (90, "E"),
    (150, "F"),
    (280, "G"),
    (500, "H"),
    (1_200, "J"),
    (3_200, "K"),
    (10_000, "L"),
    (35_000, "M"),
    (150_000, "N"),
    (500_000, "P"),
)
LAST_LETTER_OF_TABLE_1: Final = "Q"
_UPPER_BOUNDS: Final = tuple(upper for upper, _ in LOT_SIZE_LETTERS)

# Table 2-A, the sample size of each code letter (R is only reached by following an arrow).
SAMPLE_SIZES: Final[dict[str, int]] = {
    "A": 2,
    "B": 3,
    "C": 5,
    "D": 8,
    "E": 13,
    "F": 20,
    "G": 32,
    "H": 50,
    "J": 80,
    "K": 125,
    "L": 200,
    "M": 315,
    "N": 500,
    "P": 800,
    "Q": 1_250,
    "R": 2_000,
}
LETTERS: Final[tuple[str, ...]] = tuple(SAMPLE_SIZES)

# The AQLs the portal offers, in hundredths of a percent (65 = 0.65 %), in the table's column order.
AQLS: Final[tuple[int, ...]] = (65, 100, 150, 250, 400, 650, 1000)

Arrow = Literal["up", "down"]
Cell = tuple[int, int] | Arrow
UP: Final = "up"  # ↑ use the first sampling plan above the arrow
DOWN: Final = "down"  # ↓ use the first sampling plan below the arrow

# Table 2-A (single sampling plans for normal inspection, master table), the columns of the AQLs
# above: each cell is (Ac, Re) or an arrow. One cell differs from the printed staircase: the
# staircase would put ↑ at letter A, AQL 10, where no plan lies above; it is read as ↓ (the plan
# 1/2 at letter C), the direction in which a plan exists.
MASTER_TABLE: Final[dict[str, tuple[Cell, ...]]] = {
    #     0.65      1.0       1.5       2.5       4.0       6.5       10
    "A": (DOWN,    DOWN,    DOWN,    DOWN,    DOWN,    (0, 1),  DOWN),
    "B": (DOWN,    DOWN,    DOWN,    DOWN,    (0, 1),  UP,      DOWN),
    "C": (DOWN,    DOWN,    DOWN,    (0, 1),  UP,      DOWN,    (1, 2)),
    "D": (DOWN,    DOWN,    (0, 1),  UP,      DOWN,    (1, 2),  (2, 3)),
    "E": (DOWN,    (0, 1),  UP,      DOWN,    (1, 2),  (2, 3),  (3, 4)),
    "F": ((0, 1),  UP,      DOWN,    (1, 2),  (2, 3),  (3, 4),  (5, 6)),
    "G": (UP,      DOWN,    (1, 2),  (2, 3),  (3, 4),  (5, 6),  (7, 8)),
    "H": (DOWN,    (1, 2),  (2, 3),  (3, 4),  (5, 6),  (7, 8),  (10, 11)),
    "J": ((1, 2),  (2, 3),  (3, 4),  (5, 6),  (7, 8),  (10, 11), (14, 15)),
    "K": ((2, 3),  (3, 4),  (5, 6),  (7, 8),  (10, 11), (14, 15), (21, 22)),
    "L": ((3, 4),  (5, 6),  (7, 8),  (10, 11), (14, 15), (21, 22), UP),
    "M": ((5, 6),  (7, 8),  (10, 11), (14, 15), (21, 22), UP,     UP),
    "N": ((7, 8),  (10, 11), (14, 15), (21, 22), UP,     UP,      UP),
    "P": ((10, 11), (14, 15), (21, 22), UP,     UP,      UP,      UP),
    "Q": ((14, 15), (21, 22), UP,     UP,      UP,      UP,      UP),
    "R": ((21, 22), UP,      UP,      UP,      UP,      UP,      UP),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """What to inspect and how many defects a lot may have.

    `code_letter` is the letter of the lot size (Table 1); `letter` the one whose plan is used after
    following the arrows, and so `sample_size` is that letter's unless the sample would be at least
    the lot, when every item is inspected (`full_inspection`). Accept with at most `accept` defects,
    reject with `reject` (= accept + 1) or more.
    """

    lot_size: int
    aql: int
    code_letter: str
    letter: str
    sample_size: int
    accept: int
    reject: int
    full_inspection: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def code_letter_for(lot_size: int) -> str:
    """Table 1, general inspection level II."""
    index = bisect.bisect_left(_UPPER_BOUNDS, lot_size)
    return LOT_SIZE_LETTERS[index][1] if index < len(LOT_SIZE_LETTERS) else LAST_LETTER_OF_TABLE_1


def resolve_cell(letter: str, aql: int) -> tuple[str, int, int]:
    """Follow the arrows of Table 2-A from (letter, aql) to the first cell with numbers; returns
    that cell's letter, Ac and Re."""
    column = AQLS.index(aql)
    row = LETTERS.index(letter)
    cell = MASTER_TABLE[letter][column]
    step = {UP: -1, DOWN: 1}
    while not isinstance(cell, tuple):
        row += step[cell]
        # The table is built so that every arrow meets numbers before leaving it; a mistake in the
        # table must fail loudly here, not wrap around.
        if not 0 <= row < len(LETTERS):
            raise AssertionError(f"arrow at {letter}/{aql} leaves Table 2-A")
        cell = MASTER_TABLE[LETTERS[row]][column]
    accept, reject = cell
    return LETTERS[row], accept, reject


def sampling_plan(lot_size: int, aql: int) -> SamplingPlan:
    """The single sampling plan, normal inspection, level II, for a lot of `lot_size` items at the
    AQL `aql` (hundredths of a percent: 65, 100, 150, 250, 400, 650 or 1000)."""
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 1:
        raise QualityInputError(
            "invalid_lot_size", "the lot size must be a whole number of at least 1, not {value!r}", value=lot_size
        )
    if isinstance(aql, bool) or aql not in AQLS:
        raise QualityInputError(
            "invalid_aql",
            "the AQL must be one of {allowed} (hundredths of a percent), not {value!r}",
            value=aql,
            allowed=", ".join(str(value) for value in AQLS),
        )
    code_letter = code_letter_for(lot_size)
    letter, accept, reject = resolve_cell(code_letter, aql)
    sample_size = SAMPLE_SIZES[letter]
    full_inspection = sample_size >= lot_size
    return SamplingPlan(
        lot_size=lot_size,
        aql=aql,
        code_letter=code_letter,
        letter=letter,
        sample_size=lot_size if full_inspection else sample_size,
        accept=accept,
        reject=reject,
        full_inspection=full_inspection,
    )


def sample_key(seed: bytes, item_id: str) -> bytes:
    """An item's place in the draw: HMAC-SHA256 of its id under the seed. Without the seed nobody
    can tell which items will be drawn; with it anybody can check the draw."""
    return hmac.new(seed, item_id.encode("utf-8"), hashlib.sha256).digest()


def draw_sample(item_ids: Iterable[str], n: int, seed: bytes) -> list[str]:
    """The `n` items with the smallest keys, in key order. The result depends only on the set of
    ids and the seed, never on the order in which the ids come."""
    if not isinstance(seed, bytes | bytearray) or not seed:
        raise QualityInputError("empty_seed", "the sampling seed must be non-empty bytes")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise QualityInputError(
            "invalid_sample_size", "the sample size must be a whole number of at least 0, not {value!r}", value=n
        )
    seen: set[str] = set()
    keyed: list[tuple[bytes, str]] = []
    for item_id in item_ids:
        if not isinstance(item_id, str):
            raise QualityInputError("invalid_item_id", "item ids must be strings, not {value!r}", value=item_id)
        if item_id in seen:
            raise QualityInputError("duplicate_item", "item {item} is listed twice", item=item_id)
        seen.add(item_id)
        keyed.append((sample_key(bytes(seed), item_id), item_id))
    if n > len(keyed):
        raise QualityInputError(
            "sample_larger_than_lot",
            "cannot draw {n} items from {count}",
            n=n,
            count=len(keyed),
        )
    return [item_id for _, item_id in heapq.nsmallest(n, keyed)]

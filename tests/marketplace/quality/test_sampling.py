"""GB/T 2828.1 single sampling, normal inspection, level II (marketplace.quality.sampling), and the
seeded draw of the sample."""

from __future__ import annotations

import hashlib
import hmac
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.quality import QualityInputError, draw_sample, sampling_plan
from marketplace.quality.sampling import (
    AQLS,
    DOWN,
    LETTERS,
    MASTER_TABLE,
    SAMPLE_SIZES,
    UP,
    code_letter_for,
    resolve_cell,
)

# Table 1, level II, as printed: lot size ranges (inclusive) and their letter.
TABLE_1 = [
    (2, 8, "A"),
    (9, 15, "B"),
    (16, 25, "C"),
    (26, 50, "D"),
    (51, 90, "E"),
    (91, 150, "F"),
    (151, 280, "G"),
    (281, 500, "H"),
    (501, 1_200, "J"),
    (1_201, 3_200, "K"),
    (3_201, 10_000, "L"),
    (10_001, 35_000, "M"),
    (35_001, 150_000, "N"),
    (150_001, 500_000, "P"),
    (500_001, 10**12, "Q"),
]
BOUNDARIES = sorted({size for low, high, _ in TABLE_1[:-1] for size in (low, high)} | {1, 500_001})


def letters_containing(lot_size: int) -> list[str]:
    return [letter for low, high, letter in TABLE_1 if low <= lot_size <= high] or (["A"] if lot_size == 1 else [])


@pytest.mark.parametrize("lot_size", sorted({max(1, b + d) for b in BOUNDARIES for d in (-1, 0, 1)}))
def test_every_lot_size_around_a_boundary_maps_to_exactly_one_letter(lot_size: int) -> None:
    expected = letters_containing(lot_size)
    assert len(expected) == 1
    assert code_letter_for(lot_size) == expected[0]
    assert sampling_plan(lot_size, 250).code_letter == expected[0]


@given(lot_size=st.integers(min_value=1, max_value=2_000_000))
def test_a_random_lot_size_maps_to_the_one_letter_of_its_range(lot_size: int) -> None:
    (expected,) = letters_containing(lot_size)
    assert code_letter_for(lot_size) == expected


def test_table_1_ranges_are_contiguous_from_2() -> None:
    assert TABLE_1[0][0] == 2
    for (_, high, _), (low, _, _) in itertools.pairwise(TABLE_1):
        assert low == high + 1


def test_sample_sizes_are_the_standards() -> None:
    assert SAMPLE_SIZES == {
        "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
        "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
    }  # fmt: skip


def staircase(letter: str, aql: int) -> tuple[int, int] | str:
    """Table 2-A's structure, derived independently of the module: the sample sizes and the AQLs are
    both steps of the same preferred-number series, so each cell is fixed by letter index + AQL
    index. Along that diagonal: ↓ ... ↓, 0/1, ↑, ↓, 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22, ↑ ...
    (0.65 is the 10th AQL column of the full table, 0.010 the 1st)."""
    diagonal = LETTERS.index(letter) + 9 + AQLS.index(aql)
    numbers = {
        14: (0, 1),
        17: (1, 2),
        18: (2, 3),
        19: (3, 4),
        20: (5, 6),
        21: (7, 8),
        22: (10, 11),
        23: (14, 15),
        24: (21, 22),
    }
    if diagonal in numbers:
        return numbers[diagonal]
    return UP if diagonal in (15,) or diagonal > 24 else DOWN


def test_master_table_follows_the_standards_staircase() -> None:
    for letter in LETTERS:
        for column, aql in enumerate(AQLS):
            expected = staircase(letter, aql)
            if (letter, aql) == ("A", 1000):
                # the staircase's ↑ here has no plan above it: read as ↓ (documented in the module)
                expected = DOWN
            assert MASTER_TABLE[letter][column] == expected, (letter, aql)


def test_every_arrow_resolves_in_its_direction_to_the_first_cell_with_numbers() -> None:
    for letter in LETTERS:
        for column, aql in enumerate(AQLS):
            cell = MASTER_TABLE[letter][column]
            resolved, accept, reject = resolve_cell(letter, aql)
            assert reject == accept + 1
            start, end = LETTERS.index(letter), LETTERS.index(resolved)
            if isinstance(cell, tuple):
                assert (resolved, (accept, reject)) == (letter, cell)
                continue
            assert (end < start) if cell == UP else (end > start), (letter, aql)
            passed = LETTERS[min(start, end) : max(start, end) + 1]
            between = [MASTER_TABLE[row][column] for row in passed if row not in (letter, resolved)]
            assert all(not isinstance(c, tuple) for c in between), (letter, aql)
            assert MASTER_TABLE[resolved][column] == (accept, reject)


def test_every_cell_has_re_one_more_than_ac() -> None:
    cells = [cell for row in MASTER_TABLE.values() for cell in row if isinstance(cell, tuple)]
    assert cells
    assert all(re == ac + 1 for ac, re in cells)


@pytest.mark.parametrize(
    ("lot_size", "aql", "code_letter", "letter", "n", "ac"),
    [
        (1_000, 250, "J", "J", 80, 5),  # the spot values
        (10_000, 100, "L", "L", 200, 5),
        (1_000, 100, "J", "J", 80, 2),
        (1_000, 150, "J", "J", 80, 3),
        (1_000, 400, "J", "J", 80, 7),
        (1_000, 650, "J", "J", 80, 10),
        (1_000, 1000, "J", "J", 80, 14),
        (1_000, 65, "J", "J", 80, 1),
        (500, 250, "H", "H", 50, 3),
        (3_000, 100, "K", "K", 125, 3),
        (10_000, 65, "L", "L", 200, 3),
        (150, 100, "F", "E", 13, 0),  # ↑ to E
        (500, 65, "H", "J", 80, 1),  # ↓ to J
        (80, 65, "E", "F", 20, 0),  # ↓ to F
        (200, 65, "G", "F", 20, 0),  # ↑ to F
        (1_000_000, 1000, "Q", "K", 125, 21),  # ↑ five letters to K
        (1_000_000, 65, "Q", "Q", 1250, 14),
        (400_000, 100, "P", "P", 800, 14),
    ],
)
def test_known_plans(lot_size: int, aql: int, code_letter: str, letter: str, n: int, ac: int) -> None:
    plan = sampling_plan(lot_size, aql)
    assert (plan.code_letter, plan.letter, plan.sample_size, plan.accept, plan.reject) == (
        code_letter,
        letter,
        n,
        ac,
        ac + 1,
    )
    assert not plan.full_inspection


@pytest.mark.parametrize(
    ("lot_size", "aql", "letter", "n", "ac"),
    [
        (1, 650, "A", 1, 0),  # letter A's 2 items exceed the lot of 1
        (5, 100, "E", 5, 0),  # ↓ from A to E: 13 > 5
        (15, 65, "F", 15, 0),  # ↓ from B to F: 20 > 15
        (8, 1000, "C", 5, 1),  # not full: ↓ to C, 5 < 8
        (13, 100, "E", 13, 0),  # sample equal to the lot is full inspection
    ],
)
def test_a_sample_at_least_the_lot_is_full_inspection(lot_size: int, aql: int, letter: str, n: int, ac: int) -> None:
    plan = sampling_plan(lot_size, aql)
    assert (plan.letter, plan.sample_size, plan.accept, plan.reject) == (letter, n, ac, ac + 1)
    assert plan.full_inspection == (SAMPLE_SIZES[letter] >= lot_size)


@given(lot_size=st.integers(min_value=1, max_value=2_000_000), aql=st.sampled_from(AQLS))
def test_every_plan_is_consistent(lot_size: int, aql: int) -> None:
    plan = sampling_plan(lot_size, aql)
    assert plan.reject == plan.accept + 1
    assert 1 <= plan.sample_size <= lot_size
    assert plan.full_inspection == (SAMPLE_SIZES[plan.letter] >= lot_size)
    assert plan.sample_size == (lot_size if plan.full_inspection else SAMPLE_SIZES[plan.letter])
    assert MASTER_TABLE[plan.letter][AQLS.index(aql)] == (plan.accept, plan.reject)


def test_plan_as_dict() -> None:
    assert sampling_plan(1_000, 250).as_dict() == {
        "lot_size": 1000,
        "aql": 250,
        "code_letter": "J",
        "letter": "J",
        "sample_size": 80,
        "accept": 5,
        "reject": 6,
        "full_inspection": False,
    }


@pytest.mark.parametrize(
    ("lot_size", "code"),
    [(0, "invalid_lot_size"), (-5, "invalid_lot_size"), (True, "invalid_lot_size"), (2.0, "invalid_lot_size")],
)
def test_a_lot_size_below_one_or_not_whole_is_refused(lot_size: object, code: str) -> None:
    with pytest.raises(QualityInputError) as caught:
        sampling_plan(lot_size, 250)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.params == {"value": lot_size}


@pytest.mark.parametrize("aql", [0, 25, 1500, 2.5, "250", True])
def test_an_aql_outside_the_portals_list_is_refused(aql: object) -> None:
    with pytest.raises(QualityInputError) as caught:
        sampling_plan(100, aql)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_aql"
    assert caught.value.params["value"] == aql
    assert caught.value.params["allowed"] == "65, 100, 150, 250, 400, 650, 1000"


# --- draw_sample ----------------------------------------------------------------------------------

ITEMS = [f"img-{i:04d}.jpg" for i in range(500)]


def test_draw_takes_the_smallest_hmac_keys_in_key_order() -> None:
    seed = b"committed before delivery"
    expected = sorted(ITEMS, key=lambda item: hmac.new(seed, item.encode(), hashlib.sha256).digest())[:20]
    assert draw_sample(ITEMS, 20, seed) == expected


def test_draw_is_deterministic_and_a_smaller_sample_is_a_prefix_of_a_larger_one() -> None:
    seed = b"\x00\x01seed"
    assert draw_sample(ITEMS, 50, seed) == draw_sample(list(ITEMS), 50, seed)
    assert draw_sample(ITEMS, 50, seed)[:10] == draw_sample(ITEMS, 10, seed)
    assert draw_sample(ITEMS, 0, seed) == []
    assert sorted(draw_sample(ITEMS, len(ITEMS), seed)) == sorted(ITEMS)


@given(order=st.permutations(ITEMS[:60]), n=st.integers(min_value=0, max_value=60))
def test_draw_does_not_depend_on_the_input_order(order: list[str], n: int) -> None:
    assert draw_sample(iter(order), n, b"seed") == draw_sample(ITEMS[:60], n, b"seed")


def test_different_seeds_draw_different_samples() -> None:
    samples = {tuple(draw_sample(ITEMS, 10, seed)) for seed in (b"a", b"b", b"c", b"d")}
    assert len(samples) == 4


def test_draw_uses_utf8_ids() -> None:
    items = ["图像-1", "图像-2", "图像-3"]
    expected = min(items, key=lambda item: hmac.new(b"s", item.encode("utf-8"), hashlib.sha256).digest())
    assert draw_sample(items, 1, b"s") == [expected]


@pytest.mark.parametrize(
    ("items", "n", "seed", "code", "params"),
    [
        (["a", "b", "a"], 1, b"s", "duplicate_item", {"item": "a"}),
        (["a", "b"], -1, b"s", "invalid_sample_size", {"value": -1}),
        (["a", "b"], 3, b"s", "sample_larger_than_lot", {"n": 3, "count": 2}),
        (["a", "b"], 1, b"", "empty_seed", {}),
        (["a", 7], 1, b"s", "invalid_item_id", {"value": 7}),
    ],
)
def test_draw_refuses_nonsense(items: list[object], n: int, seed: bytes, code: str, params: dict[str, object]) -> None:
    with pytest.raises(QualityInputError) as caught:
        draw_sample(items, n, seed)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.params == params

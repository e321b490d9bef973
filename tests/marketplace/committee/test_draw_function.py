"""marketplace.committee_draw: the pure draw an auditor re-runs."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace import committee_draw

SEED = "ab" * 32


def test_a_new_seed_is_32_random_bytes_in_hex():
    seeds = {committee_draw.new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(len(seed) == 64 and bytes.fromhex(seed) for seed in seeds)


def test_the_same_record_draws_the_same_experts():
    first = committee_draw.draw(seed=SEED, candidates=list(range(1, 31)), seats=5, round_number=1)
    again = committee_draw.draw(seed=SEED, candidates=list(range(1, 31)), seats=5, round_number=1)
    assert first == again
    assert len(first) == len(set(first)) == 5
    assert set(first) <= set(range(1, 31))


@given(
    candidates=st.lists(st.integers(min_value=1, max_value=10_000), min_size=5, max_size=40, unique=True),
    seed=st.binary(min_size=32, max_size=32).map(bytes.hex),
    data=st.data(),
)
def test_the_order_the_candidates_are_listed_in_does_not_matter(candidates, seed, data):
    seats = data.draw(st.integers(min_value=0, max_value=len(candidates)))
    shuffled = data.draw(st.permutations(candidates))
    drawn = committee_draw.draw(seed=seed, candidates=candidates, seats=seats, round_number=1)
    assert committee_draw.draw(seed=seed, candidates=shuffled, seats=seats, round_number=1) == drawn
    assert len(drawn) == seats
    assert set(drawn) <= set(candidates)
    # More seats from the same record extend the draw, never reshuffle it.
    assert committee_draw.draw(seed=seed, candidates=candidates, seats=len(candidates), round_number=1)[:seats] == drawn


def test_the_seed_and_the_round_change_the_draw():
    candidates = list(range(1, 41))
    draws = {
        tuple(committee_draw.draw(seed=committee_draw.new_seed(), candidates=candidates, seats=5, round_number=1))
        for _ in range(10)
    }
    assert len(draws) > 1
    by_round = {
        tuple(committee_draw.draw(seed=SEED, candidates=candidates, seats=5, round_number=r)) for r in (1, 2, 3)
    }
    assert len(by_round) > 1


def test_every_candidate_gets_drawn_over_many_seeds_and_none_is_favoured():
    candidates = list(range(101, 121))  # 20 candidates, 5 seats: each expected in a quarter of the draws
    rng = random.Random(20260615)
    counts: Counter[int] = Counter()
    runs = 2_000
    for _ in range(runs):
        seed = rng.randbytes(32).hex()
        counts.update(committee_draw.draw(seed=seed, candidates=candidates, seats=5, round_number=1))
    assert set(counts) == set(candidates)
    expected = runs * 5 / len(candidates)  # 500
    # Binomial(2000, 0.25): standard deviation about 19; 6 of them is far outside chance.
    assert all(abs(count - expected) < 120 for count in counts.values()), counts


@pytest.mark.parametrize(
    ("candidates", "seats"),
    [([1, 2, 3], 4), ([1, 2, 3], -1), ([1, 2, 2, 3], 2)],
)
def test_impossible_draws_are_refused(candidates, seats):
    with pytest.raises(ValueError, match=r"cannot draw|twice"):
        committee_draw.draw(seed=SEED, candidates=candidates, seats=seats, round_number=1)


def test_the_digest_covers_every_field_of_the_record():
    record = {"tender_id": 7, "round_number": 1, "seed": SEED, "candidates": [1, 2, 3, 4, 5, 6], "seats": 5}
    drawn = committee_draw.draw(seed=SEED, candidates=record["candidates"], seats=5, round_number=1)
    digest = committee_draw.digest(**record, drawn=drawn)
    assert len(digest) == 64
    assert committee_draw.digest(**record, drawn=drawn) == digest
    changed = [
        {**record, "tender_id": 8},
        {**record, "round_number": 2},
        {**record, "seed": "cd" * 32},
        {**record, "candidates": [1, 2, 3, 4, 5, 7]},
        {**record, "seats": 4},
    ]
    assert all(committee_draw.digest(**other, drawn=drawn) != digest for other in changed)
    assert committee_draw.digest(**record, drawn=list(reversed(drawn))) != digest

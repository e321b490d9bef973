"""The quarterly cube (issue 9): the fold adds to it what it adds to the facts, the rebuild's SQL
gives what the fold's Python rule gives, the verification finds a drift, and `rollup_totals` answers
the same from the cube and from the facts."""

from __future__ import annotations

import datetime
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.models import Metric, RollupCube, RollupDelta, RollupFact
from monitoring.rollups import selectors
from monitoring.rollups.cube import cube_differences, cube_rebuild, quarter_end, quarter_of
from monitoring.rollups.events import delta
from monitoring.rollups.selectors import rollup_totals
from monitoring.rollups.services import rollups_fold, rollups_verify
from tests.factories.bases import AnnotationBaseFactory
from tests.factories.vouchers import open_programme

pytestmark = pytest.mark.django_db

REGIONS = ["510100", "510104", "511000", "330100", "440300"]
SECTORS = ["", "finance", "transport"]
MODALITIES = ["", "image", "text"]
METRICS = [Metric.AWARDS, Metric.LOTS_PUBLISHED, Metric.VOUCHER_ISSUED_FEN, Metric.BASE_OUTPUT_ITEMS]
FIRST_DAY = datetime.date(2024, 11, 20)


def _cube() -> dict[tuple, int]:
    return {
        (row.quarter, row.level, row.region, row.sector, row.modality, row.programme_key, row.base_key, row.metric): (
            row.value
        )
        for row in RollupCube.objects.all()
        if row.value
    }


def _random_deltas(seed: int, count: int, programmes: list[int], bases: list[int]) -> list[RollupDelta]:
    rng = random.Random(seed)
    return [
        delta(
            rng.choice(METRICS),
            rng.choice([1, 2, 5, 40, -1]),
            day=FIRST_DAY + datetime.timedelta(days=rng.randrange(400)),
            region=rng.choice(REGIONS),
            sector=rng.choice(SECTORS),
            modality=rng.choice(MODALITIES),
            programme_id=rng.choice([None, None, *programmes]),
            base_id=rng.choice([None, None, *bases]),
        )
        for _ in range(count)
    ]


@pytest.fixture
def dimensions() -> tuple[list[int], list[int]]:
    programmes = [open_programme().pk, open_programme().pk]
    bases = [AnnotationBaseFactory(city_code="330100").pk]
    RollupDelta.objects.all().delete()  # opening the programmes funded their budgets
    RollupFact.objects.all().delete()
    RollupCube.objects.all().delete()
    return programmes, bases


def test_a_fold_adds_each_delta_to_its_16_cube_rows():
    RollupDelta.objects.bulk_create(
        [
            delta(Metric.AWARDS, 2, day=datetime.date(2026, 3, 2), region="510104", sector="finance", modality="image"),
            delta(Metric.AWARDS, 3, day=datetime.date(2026, 1, 1), region="510100", sector="finance", modality="text"),
            delta(Metric.AWARDS, 7, day=datetime.date(2026, 4, 1), region="330100", sector="finance", modality="text"),
        ]
    )

    rollups_fold()

    cube = _cube()
    q1, q2 = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)
    # The two Q1 facts share 2 rows at each of the levels 0, 2 and 4 (finance or all sectors, all
    # modalities): 2 × 16 − 6 rows, and 16 for Q2.
    assert len(cube) == 26 + 16
    assert cube[(q1, 0, "", "*", "*", 0, 0, Metric.AWARDS)] == 5
    assert cube[(q1, 2, "51", "finance", "*", 0, 0, Metric.AWARDS)] == 5
    assert cube[(q1, 4, "5101", "*", "text", 0, 0, Metric.AWARDS)] == 3
    assert cube[(q1, 6, "510104", "finance", "image", 0, 0, Metric.AWARDS)] == 2
    assert cube[(q2, 2, "33", "*", "text", 0, 0, Metric.AWARDS)] == 7
    assert cube_differences() == []

    # A later negative delta subtracts from the same rows.
    RollupDelta.objects.bulk_create([delta(Metric.AWARDS, -2, day=datetime.date(2026, 2, 1), region="510104")])
    rollups_fold()
    assert _cube()[(q1, 0, "", "*", "*", 0, 0, Metric.AWARDS)] == 3
    assert _cube()[(q1, 6, "510104", "", "", 0, 0, Metric.AWARDS)] == -2
    assert cube_differences() == []


def test_the_rebuilds_sql_gives_what_the_folds_rule_gives(dimensions):
    RollupDelta.objects.bulk_create(_random_deltas(1, 600, *dimensions))
    rollups_fold(batch=150)
    folded = _cube()

    written = cube_rebuild()

    assert _cube() == folded
    assert written == len(folded)
    assert written > 1_000


def test_the_verification_reports_a_drifted_cube_row_and_changes_nothing(dimensions):
    RollupDelta.objects.bulk_create(_random_deltas(2, 200, *dimensions))
    rollups_fold()
    row = RollupCube.objects.filter(level=2, sector="*", modality="*").order_by("pk").first()
    row.value += 11
    row.save()
    RollupCube.objects.filter(level=6).exclude(value=0).order_by("pk").first().delete()
    cube_before = _cube()

    differences = [difference for difference in rollups_verify() if str(difference).startswith("cube")]

    assert len(differences) == 2
    drifted = next(d for d in differences if d.key[1] == 2)
    assert (drifted.cube - drifted.facts) == 11
    missing = next(d for d in differences if d.key[1] == 6)
    assert missing.cube == 0
    assert missing.facts != 0
    assert _cube() == cube_before


GROUPINGS = [
    (),
    ("quarter",),
    ("province",),
    ("prefecture",),
    ("region",),
    ("sector",),
    ("modality",),
    ("programme",),
    ("base",),
    ("quarter", "province"),
    ("province", "sector"),
    ("prefecture", "sector", "modality"),
    ("quarter", "modality", "programme"),
]
FILTERS = [
    {},
    {"region_prefixes": ["51"]},
    {"region_prefixes": ["5101", "33"]},
    {"region_prefixes": ["510104"]},
    {"region_prefixes": ["5"]},
    {"region_prefixes": [""]},
    {"sector": "finance"},
    {"sector": ""},
    {"modality": "image", "region_prefixes": ["51"]},
    {"sector": "transport", "modality": ""},
]
PERIODS = [
    (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)),  # a quarter
    (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),  # a year
    (datetime.date(2024, 1, 1), datetime.date(2100, 1, 1)),  # up to after today
]


def _from_facts(monkeypatch, **arguments):
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "_cube_answers", lambda *_: False)
        return rollup_totals(**arguments)


def test_the_cube_and_the_facts_give_the_same_totals(dimensions, monkeypatch):
    programmes, bases = dimensions
    RollupDelta.objects.bulk_create(_random_deltas(3, 800, programmes, bases))
    rollups_fold()
    RollupDelta.objects.bulk_create(_random_deltas(4, 40, programmes, bases))  # pending
    combinations = [
        *itertools.product(GROUPINGS, FILTERS[:6], PERIODS),
        *itertools.product(GROUPINGS[:6], FILTERS[6:], PERIODS[:2]),
        *(((), {"programme": programmes[0]}, period) for period in PERIODS),
        *((("province",), {"base": bases[0]}, period) for period in PERIODS),
    ]
    nonempty = 0
    for group_by, filters, (start, end) in combinations:
        arguments = {"metrics": METRICS, "start": start, "end": end, "group_by": group_by, **filters}
        with CaptureQueriesContext(connection) as queries:
            from_cube = rollup_totals(**arguments)
        assert any("monitoring_rollupcube" in query["sql"] for query in queries.captured_queries)
        assert from_cube == _from_facts(monkeypatch, **arguments), (group_by, filters, start, end)
        nonempty += bool(from_cube)
    assert nonempty > len(combinations) * 3 // 4  # the comparisons are not of empty answers


def test_the_facts_answer_periods_the_cube_cannot(dimensions):
    RollupDelta.objects.bulk_create(_random_deltas(5, 100, *dimensions))
    rollups_fold()
    for start, end, group_by in (
        (datetime.date(2025, 4, 2), datetime.date(2025, 6, 30), ()),  # not from a quarter's first day
        (datetime.date(2025, 4, 1), datetime.date(2025, 6, 29), ()),  # nor to its last, before today
        (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30), ("day",)),
    ):
        with CaptureQueriesContext(connection) as queries:
            rollup_totals(metrics=METRICS, start=start, end=end, group_by=group_by)
        assert any("monitoring_rollupfact" in query["sql"] for query in queries.captured_queries)
        assert not any("monitoring_rollupcube" in query["sql"] for query in queries.captured_queries)


def test_a_period_ending_today_leaves_out_what_is_dated_later_in_its_quarter(monkeypatch):
    today = datetime.date(2025, 5, 10)
    monkeypatch.setattr(timezone, "localdate", lambda *_: today)
    RollupDelta.objects.bulk_create(
        [
            delta(Metric.AWARDS, 1, day=datetime.date(2025, 4, 3), region="510100"),
            delta(Metric.AWARDS, 10, day=today, region="510100", sector="finance"),
            delta(Metric.AWARDS, 100, day=datetime.date(2025, 5, 11), region="510104", sector="finance"),
            delta(Metric.AWARDS, 1_000, day=datetime.date(2025, 6, 30), region="330100"),
        ]
    )
    rollups_fold()
    RollupDelta.objects.bulk_create(
        [
            delta(Metric.AWARDS, 20, day=today, region="330100"),  # pending, in the period
            delta(Metric.AWARDS, 200, day=datetime.date(2025, 5, 12), region="330100"),  # pending, after it
        ]
    )
    arguments = {"metrics": [Metric.AWARDS], "start": datetime.date(2025, 4, 1), "end": today}

    assert rollup_totals(**arguments) == [{"metric": Metric.AWARDS, "value": 31}]
    assert rollup_totals(**arguments, group_by=("province", "sector")) == [
        {"metric": Metric.AWARDS, "province": "33", "sector": "", "value": 20},
        {"metric": Metric.AWARDS, "province": "51", "sector": "", "value": 1},
        {"metric": Metric.AWARDS, "province": "51", "sector": "finance", "value": 10},
    ]
    assert rollup_totals(**arguments, group_by=("quarter",)) == [
        {"metric": Metric.AWARDS, "quarter": datetime.date(2025, 4, 1), "value": 31}
    ]
    assert rollup_totals(**arguments, group_by=("quarter",)) == _from_facts(
        monkeypatch, **arguments, group_by=("quarter",)
    )


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (datetime.date(2025, 1, 1), datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
        (datetime.date(2025, 5, 31), datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)),
        (datetime.date(2024, 8, 15), datetime.date(2024, 7, 1), datetime.date(2024, 9, 30)),
        (datetime.date(2025, 12, 31), datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)),
    ],
)
def test_quarter_bounds(day, first, last):
    assert quarter_of(day) == first
    assert quarter_end(day) == last

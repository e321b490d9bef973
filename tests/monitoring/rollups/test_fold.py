"""Folding deltas into facts (idempotent, additive, and safe with two folds at once on
PostgreSQL), rebuilding, and the dashboards' selector reading facts plus pending deltas."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from monitoring.models import Metric, RollupCube, RollupDelta, RollupFact
from monitoring.rollups.cube import cube_differences
from monitoring.rollups.events import delta
from monitoring.rollups.selectors import rollup_totals
from monitoring.rollups.services import rollups_fold, rollups_rebuild, rollups_verify
from tests.factories.vouchers import open_programme
from tests.races import run_together

DAY = datetime.date(2026, 3, 2)
EVER = {"start": datetime.date(2000, 1, 1), "end": datetime.date(2100, 1, 1)}


def _deltas(*rows) -> None:
    RollupDelta.objects.bulk_create(rows)


def _facts() -> dict[tuple, int]:
    return {
        (f.day, f.region, f.sector, f.modality, f.programme_id, f.metric): f.value for f in RollupFact.objects.all()
    }


@pytest.mark.django_db
def test_a_fold_adds_the_deltas_to_the_facts_and_deletes_them():
    _deltas(
        delta(Metric.CONTRACTS_SIGNED, 1, day=DAY, region="510100", sector="finance", modality="image"),
        delta(Metric.CONTRACTS_SIGNED, 2, day=DAY, region="510100", sector="finance", modality="image"),
        delta(Metric.CONTRACTS_SIGNED, 1, day=DAY, region="510104", sector="finance", modality="image"),
    )

    assert rollups_fold() == 3

    assert not RollupDelta.objects.exists()
    assert _facts() == {
        (DAY, "510100", "finance", "image", None, Metric.CONTRACTS_SIGNED): 3,
        (DAY, "510104", "finance", "image", None, Metric.CONTRACTS_SIGNED): 1,
    }
    # Again: nothing to fold, nothing changes.
    assert rollups_fold() == 0
    assert RollupFact.objects.aggregate(total=Sum("value"))["total"] == 4

    # Later deltas add to the existing facts (the upsert), negative ones too.
    _deltas(
        delta(Metric.CONTRACTS_SIGNED, 5, day=DAY, region="510100", sector="finance", modality="image"),
        delta(Metric.CONTRACTS_SIGNED, -1, day=DAY, region="510104", sector="finance", modality="image"),
    )
    assert rollups_fold(batch=1) == 2  # in batches of one: every batch its own transaction
    assert _facts() == {
        (DAY, "510100", "finance", "image", None, Metric.CONTRACTS_SIGNED): 8,
        (DAY, "510104", "finance", "image", None, Metric.CONTRACTS_SIGNED): 0,
    }


@pytest.mark.django_db
def test_facts_with_and_without_a_programme_stay_apart():
    programme = open_programme()
    RollupDelta.objects.all().delete()  # opening it funded the budget
    _deltas(
        delta(Metric.VOUCHER_ISSUED_FEN, 10, day=DAY, region="440300", programme_id=programme.pk),
        delta(Metric.VOUCHER_ISSUED_FEN, 20, day=DAY, region="440300"),
        delta(Metric.VOUCHER_ISSUED_FEN, 30, day=DAY, region="440300"),
    )
    rollups_fold()

    assert _facts() == {
        (DAY, "440300", "", "", programme.pk, Metric.VOUCHER_ISSUED_FEN): 10,
        (DAY, "440300", "", "", None, Metric.VOUCHER_ISSUED_FEN): 50,
    }
    assert set(RollupFact.objects.values_list("programme_key", flat=True)) == {0, programme.pk}


@pytest.mark.django_db
def test_the_selector_reads_facts_plus_pending_deltas_with_filters_and_groups():
    _deltas(
        delta(Metric.AWARDS, 2, day=DAY, region="510100", sector="finance", modality="image"),
        delta(Metric.AWARDS, 1, day=DAY, region="510104", sector="transport", modality="text"),
        delta(Metric.AWARDS, 4, day=DAY, region="330100", sector="finance", modality="image"),
        delta(Metric.AWARD_VALUE_FEN, 900, day=DAY, region="510100", sector="finance", modality="image"),
    )
    rollups_fold()
    _deltas(
        delta(
            Metric.AWARDS, 3, day=DAY + datetime.timedelta(days=1), region="510100", sector="finance", modality="video"
        ),
        delta(
            Metric.AWARDS, 7, day=DAY + datetime.timedelta(days=40), region="510100", sector="finance", modality="video"
        ),
    )

    assert rollup_totals(metrics=[Metric.AWARDS], **EVER) == [{"metric": Metric.AWARDS, "value": 17}]
    assert rollup_totals(metrics=[Metric.AWARDS], start=DAY, end=DAY + datetime.timedelta(days=1)) == [
        {"metric": Metric.AWARDS, "value": 10}
    ]
    assert rollup_totals(metrics=[Metric.AWARDS], region_prefixes=["51"], group_by=("prefecture",), **EVER) == [
        {"metric": Metric.AWARDS, "prefecture": "5101", "value": 13}
    ]
    assert rollup_totals(metrics=[Metric.AWARDS], group_by=("province",), sector="finance", **EVER) == [
        {"metric": Metric.AWARDS, "province": "33", "value": 4},
        {"metric": Metric.AWARDS, "province": "51", "value": 12},
    ]
    assert rollup_totals(
        metrics=[Metric.AWARDS, Metric.AWARD_VALUE_FEN], modality="image", region_prefixes=["510100"], **EVER
    ) == [{"metric": Metric.AWARD_VALUE_FEN, "value": 900}, {"metric": Metric.AWARDS, "value": 2}]
    assert rollup_totals(metrics=[Metric.AWARDS], group_by=("modality",), region_prefixes=["5101"], **EVER) == [
        {"metric": Metric.AWARDS, "modality": "image", "value": 2},
        {"metric": Metric.AWARDS, "modality": "text", "value": 1},
        {"metric": Metric.AWARDS, "modality": "video", "value": 10},
    ]
    # Several prefixes: a row counts once when it matches any of them.
    assert rollup_totals(metrics=[Metric.AWARDS], region_prefixes=["33", "99"], **EVER) == [
        {"metric": Metric.AWARDS, "value": 4}
    ]
    assert rollup_totals(metrics=[Metric.AWARDS], region_prefixes=["33", "51", "5101"], **EVER) == [
        {"metric": Metric.AWARDS, "value": 17}
    ]


@pytest.mark.django_db
def test_the_selector_refuses_an_unknown_grouping():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        rollup_totals(metrics=[Metric.AWARDS], group_by=("buyer",), **EVER)


@pytest.mark.django_db
def test_a_rebuild_replaces_wrong_facts_and_clears_the_deltas():
    RollupFact.objects.create(day=DAY, region="510100", metric=Metric.AWARDS, value=99)
    _deltas(delta(Metric.AWARDS, 1, day=DAY, region="510100"))
    differences = [str(d) for d in rollups_verify()]
    # The fact, then the 16 cube rows it should be in (it was written straight to the table).
    assert (
        differences[0] == f"awards {DAY} region=510100 sector=- modality=- programme=- base=-: rebuilt 0, current 100"
    )
    assert differences[1:] == [
        f"cube awards quarter 2026-01-01 level {level} region={region} sector={sector} modality={modality}"
        " programme=- base=-: facts 99, cube 0"
        for level, region in ((0, "-"), (2, "51"), (4, "5101"), (6, "510100"))
        for sector in ("-", "*")
        for modality in ("-", "*")
    ]

    rollups_rebuild()

    assert not RollupFact.objects.exists()  # the source tables hold no award
    assert not RollupDelta.objects.exists()
    assert not RollupCube.objects.exists()
    assert rollups_verify() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_folds_at_once_fold_every_delta_exactly_once():
    regions = ["510100", "510104", "330100"]
    _deltas(
        *(
            delta(Metric.BIDS_OPENED, n % 5 + 1, day=DAY + datetime.timedelta(days=n % 3), region=regions[n % 3])
            for n in range(3_000)
        )
    )
    expected = sum(n % 5 + 1 for n in range(3_000))

    outcomes = run_together(lambda: rollups_fold(batch=200), lambda: rollups_fold(batch=200))

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == 3_000
    assert not RollupDelta.objects.exists()
    assert RollupFact.objects.count() == 3
    assert RollupFact.objects.aggregate(total=Sum("value"))["total"] == expected
    assert cube_differences() == []
    assert RollupCube.objects.get(level=0, sector="*", modality="*").value == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_folds_during_a_rebuild_neither_lose_nor_double_a_figure():
    from registry.talent import services as talent_services
    from tests.factories.monitoring_rollups import issuer_staff
    from tests.factories.talent import PersonFactory

    issuer, person = issuer_staff(), PersonFactory(region_id="510100")
    for n in range(40):
        talent_services.certificate_issue(
            actor=issuer, person=person, occupation="ai_trainer", level=4, number=f"R-{n}", issued_on=DAY,
            expires_on=None,
        )  # fmt: skip
    rollups_fold(batch=10_000)
    for n in range(40, 100):  # pending deltas, for the folds and the rebuild to meet on
        talent_services.certificate_issue(
            actor=issuer, person=person, occupation="ai_trainer", level=4, number=f"R-{n}", issued_on=DAY,
            expires_on=None,
        )  # fmt: skip

    outcomes = run_together(rollups_rebuild, lambda: rollups_fold(batch=7), lambda: rollups_fold(batch=7))

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert rollups_verify() == []
    rollups_fold()
    assert not RollupDelta.objects.exists()
    facts = RollupFact.objects.exclude(metric=Metric.ORGANISATIONS_VERIFIED)  # the issuer's
    assert list(facts.values_list("region", "metric", "value")) == [("510100", Metric.CERTIFICATES_LEVEL_4, 100)]

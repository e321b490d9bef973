"""`source_totals`, the dashboards' figures computed from the source tables (the benchmark's
baseline), gives what `rollup_totals` gives from the rollups, for the same arguments, on a world
whose events happened in several provinces; and the day range and region prefixes restrict the
source rows themselves."""

from __future__ import annotations

import datetime
import inspect

import pytest
from django.utils import timezone

from monitoring.models import Metric
from monitoring.rollups.rebuild import Scope, rebuilt_facts
from monitoring.rollups.selectors import rollup_totals
from monitoring.rollups.services import rollups_fold, rollups_rebuild
from monitoring.rollups.source import source_totals
from registry import services as registry_services
from registry.bases.services import base_output_report
from registry.talent import services as talent_services
from tests.factories import OrganisationFactory
from tests.factories.bases import AnnotationBaseFactory, system_operator
from tests.factories.evaluation import awarded_tender
from tests.factories.monitoring_reports import reporting_organisation, staff_of, submit
from tests.factories.monitoring_rollups import issuer_staff
from tests.factories.talent import PersonFactory
from tests.factories.vouchers import YUAN, redeemable_order
from tests.vouchers.services.helpers import redeem

pytestmark = pytest.mark.django_db

EVER = {"start": datetime.date(2000, 1, 1), "end": datetime.date(2100, 1, 1)}
METRICS = list(Metric.values)


def _rollup_totals(*, region_prefixes=None, **arguments):
    """`rollup_totals` with a list of prefixes, whether it takes a list yet or one prefix."""
    if "region_prefixes" in inspect.signature(rollup_totals).parameters:
        return rollup_totals(region_prefixes=region_prefixes, **arguments)
    assert len(region_prefixes or ()) <= 1
    return rollup_totals(region_prefix=(region_prefixes or [None])[0], **arguments)


@pytest.fixture
def world():
    """Events in Zhejiang (33), Guangdong (44) and Sichuan (51), through the services, on top of
    a rebuild of what the factories wrote straight to the tables; half of them folded."""
    operator = system_operator()
    tender, _contracts = awarded_tender()
    order = redeemable_order()
    bases = [AnnotationBaseFactory(city_code=code) for code in ("330100", "510100")]
    reporters = [reporting_organisation(region_code=code) for code in ("330100", "510100")]
    issuer = issuer_staff()
    registrants = [OrganisationFactory(region_code=code) for code in ("440300", "510100")]
    rollups_rebuild()

    for number, code in enumerate(("330100", "440300", "510100", "510100")):
        talent_services.certificate_issue(
            actor=issuer, person=PersonFactory(region_id=code), occupation="ai_trainer", level=number % 2 + 3,
            number=f"S-{number}", issued_on=datetime.date(2025, 4, 1 + number), expires_on=None,
        )  # fmt: skip
    for organisation in reporters:
        submit(staff_of(organisation), organisation, revenue_fen=100_000_000, headcount=50)
    for number, base in enumerate(bases):
        for quarter in (1, 2):
            base_output_report(
                actor=operator, base=base, year=2025, quarter=quarter, annotated_items=1_000 * (number + quarter),
                revenue_fen=10_000 * quarter, headcount=10 + number,
            )  # fmt: skip
    rollups_fold()  # the rest stays pending: the selector reads both
    for organisation in registrants:
        registry_services.organisation_verify(actor=operator, organisation=organisation)
    registry_services.organisation_update_profile(actor=operator, organisation=registrants[1], name="更名数据有限公司")
    redeem(order.holder_user, order.voucher, 10_000 * YUAN, order=order.order)
    return {"tender": tender, "programme": order.programme, "bases": bases}


CASES = [
    {},
    {"group_by": ("province",)},
    {"group_by": ("region", "day")},
    {"region_prefixes": ["51"], "group_by": ("prefecture", "modality")},
    {"region_prefixes": ["44"], "group_by": ("day",)},
    {"region_prefixes": ["3301"], "sector": ""},
    {"modality": "", "group_by": ("sector", "programme", "base")},
    {"start": datetime.date(2025, 4, 1), "end": datetime.date(2025, 4, 2), "group_by": ("region",)},
    {"start": datetime.date(2025, 4, 2), "end": datetime.date(2025, 6, 30), "group_by": ("day",)},
    {"start": datetime.date(2025, 1, 1), "end": datetime.date(2025, 3, 31), "group_by": ("base",)},
]


@pytest.mark.parametrize("case", CASES)
def test_source_totals_equal_the_rollup_totals(world, case):
    arguments = {"metrics": METRICS, **EVER, **case}

    expected = _rollup_totals(**arguments)

    assert expected  # every case has figures to compare
    assert source_totals(**arguments) == expected


def test_filters_by_programme_base_and_todays_figures_agree(world):
    today = timezone.localdate()
    for arguments in (
        {"programme": world["programme"].pk, "group_by": ("programme", "region")},
        {"base": world["bases"][1].pk, "group_by": ("base", "day")},
        {"start": today, "end": today, "group_by": ("province",)},
        {"start": today, "end": today, "sector": world["tender"].sector, "group_by": ("modality",)},
    ):
        expected = _rollup_totals(metrics=METRICS, **{**EVER, **arguments})
        assert expected, arguments
        assert source_totals(metrics=METRICS, **{**EVER, **arguments}) == expected


def test_several_prefixes_add_up_and_none_or_empty_mean_everywhere(world):
    def by_province(prefixes):
        return source_totals(metrics=METRICS, region_prefixes=prefixes, group_by=("province",), **EVER)

    both = by_province(["33", "51"])
    assert {row["province"] for row in both} == {"33", "51"}
    assert both == sorted(by_province(["33"]) + by_province(["51"]), key=lambda row: (row["metric"], row["province"]))
    assert by_province(None) == by_province([]) == _rollup_totals(metrics=METRICS, group_by=("province",), **EVER)


def test_only_the_families_asked_for_are_read_and_unknown_groupings_are_refused(world, django_assert_num_queries):
    from django.core.exceptions import ValidationError

    with django_assert_num_queries(1):  # the bases' output: one grouped query
        rows = source_totals(metrics=[Metric.BASE_HEADCOUNT], group_by=("base",), **EVER)
    assert [row["value"] for row in rows] == [20, 22]
    with pytest.raises(ValidationError):
        source_totals(metrics=METRICS, group_by=("buyer",), **EVER)


def test_a_scope_filters_the_source_rows_in_the_query(world):
    """The rebuild's queries restricted to a province and a day give exactly the facts of the
    unrestricted rebuild in that province and on that day."""
    day = datetime.date(2025, 4, 1)
    everything = rebuilt_facts()
    scoped = rebuilt_facts(scope=Scope(start=day, end=day, region_prefixes=("51",)))

    assert scoped
    assert scoped == {key: value for key, value in everything.items() if key[0] == day and key[1].startswith("51")}

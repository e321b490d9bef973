"""The red flags through the selector and the service, on tenders made by the exchange's own
services: each flag raises an alert with its evidence on a crafted tender and none on a clean one;
recomputing is idempotent; a flag that stops holding clears its open alert."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Bid, Tender
from monitoring.redflags.models import Alert, AlertState, RedFlag
from monitoring.redflags.services import alert_acknowledge, red_flags_compute
from tests.factories.marketplace import TenderFactory, bid_on, opened_tender, vendor_staff
from tests.factories.monitoring_redflags import enterprise_buyer, publicised, regulator, rfq_publicised, with_bid_period

pytestmark = pytest.mark.django_db

M = 1_000_000  # ¥10,000 in fen


def flags_on(tender: Tender) -> dict[str, Alert]:
    red_flags_compute(tender_ids=[tender.pk])
    return {alert.flag: alert for alert in Alert.objects.filter(tender=tender)}


# --- each flag: fires on a crafted tender, silent on a clean one --------------------------------


def test_short_submission_period_raises_an_alert_with_the_tenders_buyer_and_region():
    tender = with_bid_period(opened_tender(), days=21)

    alert = flags_on(tender)[RedFlag.SHORT_SUBMISSION_PERIOD]

    assert (alert.state, alert.buyer_id, alert.region_id) == (AlertState.OPEN, tender.buyer_id, tender.region_id)
    assert alert.evidence["threshold_days"] == 22
    assert alert.evidence["period_hours"] == 21 * 24
    assert alert.evidence["reference"] == tender.reference


def test_short_submission_period_is_silent_on_a_full_bid_period():
    tender = with_bid_period(opened_tender(), days=25)

    assert RedFlag.SHORT_SUBMISSION_PERIOD not in flags_on(tender)


def test_single_bid_fires_on_a_lot_with_one_opened_bid():
    tender = opened_tender(bidders=1, prices=[38 * M])

    alert = flags_on(tender)[RedFlag.SINGLE_BID]

    [lot] = alert.evidence["lots"]
    assert [(bid["price_fen"], bid["disqualified"]) for bid in lot["bids"]] == [(38 * M, False)]


def test_single_bid_is_silent_with_three_bids():
    assert RedFlag.SINGLE_BID not in flags_on(opened_tender(bidders=3))


def test_identical_bid_prices_fire_on_two_bids_at_the_same_price():
    tender = opened_tender(prices=[40 * M, 41 * M, 41 * M])

    alert = flags_on(tender)[RedFlag.IDENTICAL_BID_PRICES]

    [group] = alert.evidence["lots"]
    assert group["price_fen"] == 41 * M
    assert len(group["bids"]) == 2


def test_identical_bid_prices_are_silent_on_distinct_prices():
    assert RedFlag.IDENTICAL_BID_PRICES not in flags_on(opened_tender(prices=[40 * M, 41 * M, 42 * M]))


def test_no_flag_reads_a_sealed_bid():
    """Bids of a tender still open for bids are sealed: nothing about them is flagged."""
    tender = TenderFactory(publish=True)
    for _ in range(2):
        bid_on(tender, vendor_staff(), price_fen=40 * M)  # identical prices, but sealed

    red_flags_compute()

    assert not Alert.objects.filter(tender=tender).exists()
    assert set(Bid.objects.filter(tender=tender).values_list("price_fen", flat=True)) == {None}


def test_a_winning_price_close_to_the_next_fires_once_the_candidates_are_published():
    # 0.25 % apart under comprehensive scoring: the lowest price ranks first.
    tender = publicised(prices=[40 * M, 40_100_000, 45 * M])

    alert = flags_on(tender)[RedFlag.CLOSE_TO_SECOND_PRICE]

    [lot] = alert.evidence["lots"]
    assert (lot["winner"]["price_fen"], lot["next"]["price_fen"], lot["difference_bp"]) == (40 * M, 40_100_000, 25)


def test_a_clean_competitive_award_raises_none_of_the_winner_flags():
    tender = with_bid_period(publicised(prices=[40 * M, 42 * M, 44 * M]), days=30)

    assert flags_on(tender) == {}


def test_a_heavily_discounted_winner_fires_against_the_lot_budget():
    # The lot's budget is ¥500,000; the winner asks ¥200,000 (60 % under).
    tender = rfq_publicised(prices=[20 * M, 30 * M])

    alert = flags_on(tender)[RedFlag.HEAVILY_DISCOUNTED_WINNER]

    [lot] = alert.evidence["lots"]
    assert (lot["budget_fen"], lot["winner"]["price_fen"], lot["discount_bp"]) == (50 * M, 20 * M, 6_000)


def test_all_but_the_winner_disqualified_fires_and_the_cheaper_disqualified_bids_too():
    # Under lowest price, the two cheaper quotes are disqualified: the dearest one wins.
    tender = rfq_publicised(prices=[45 * M, 40 * M, 42 * M], disqualify=(1, 2))

    alerts = flags_on(tender)

    everyone_else = alerts[RedFlag.ALL_BUT_WINNER_DISQUALIFIED].evidence["lots"][0]
    assert everyone_else["winner"]["price_fen"] == 45 * M
    assert [bid["reasons"] for bid in everyone_else["disqualified"]] == ["资质证书过期", "资质证书过期"]
    cheaper = alerts[RedFlag.LOWEST_BID_DISQUALIFIED].evidence["lots"][0]
    assert [bid["price_fen"] for bid in cheaper["disqualified_lower"]] == [40 * M, 42 * M]


def test_a_clean_request_for_quotation_raises_neither_disqualification_flag():
    alerts = flags_on(rfq_publicised(prices=[40 * M, 42 * M, 45 * M]))

    assert RedFlag.ALL_BUT_WINNER_DISQUALIFIED not in alerts
    assert RedFlag.LOWEST_BID_DISQUALIFIED not in alerts


def test_the_lowest_bid_disqualified_fires_alone_when_another_bid_stays_qualified():
    alerts = flags_on(rfq_publicised(prices=[40 * M, 42 * M, 45 * M], disqualify=(0,)))

    assert RedFlag.LOWEST_BID_DISQUALIFIED in alerts
    assert RedFlag.ALL_BUT_WINNER_DISQUALIFIED not in alerts


def test_the_lowest_bid_disqualified_is_silent_under_comprehensive_scoring():
    # Four bids so that three stay qualified (an open tender needs three).
    tender = publicised(prices=[38 * M, 40 * M, 42 * M, 44 * M], disqualify=(0,))

    assert RedFlag.LOWEST_BID_DISQUALIFIED not in flags_on(tender)


def test_a_buyer_disqualifying_far_more_than_the_norm_is_flagged_and_a_clean_one_is_not(settings):
    settings.RED_FLAG_BUYER_MIN_TENDERS = 1  # read when the computation starts
    strict = rfq_publicised(prices=[45 * M, 40 * M, 42 * M], disqualify=(1, 2))
    fair = rfq_publicised(prices=[40 * M, 42 * M, 45 * M])

    red_flags_compute()

    [alert] = Alert.objects.filter(flag=RedFlag.BUYER_DISQUALIFICATION_RATIO)
    assert (alert.tender_id, alert.buyer_id, alert.region_id) == (None, strict.buyer_id, strict.buyer.region_id)
    assert (alert.evidence["bids"], alert.evidence["disqualified"], alert.evidence["norm_bp"]) == (3, 2, 0)
    assert [row["tender"] for row in alert.evidence["by_tender"]] == [strict.pk]
    assert fair.buyer_id != strict.buyer_id


def test_the_buyer_flag_waits_for_enough_decided_tenders():
    rfq_publicised(prices=[45 * M, 40 * M, 42 * M], disqualify=(1, 2))
    rfq_publicised(prices=[40 * M, 42 * M, 45 * M])

    red_flags_compute()  # the default minimum is 5 decided tenders

    assert not Alert.objects.filter(flag=RedFlag.BUYER_DISQUALIFICATION_RATIO).exists()


# --- recomputing --------------------------------------------------------------------------------


def test_recomputing_changes_nothing_and_duplicates_nothing():
    tender = opened_tender(prices=[40 * M, 40 * M, 41 * M])
    first = red_flags_compute()
    before = list(Alert.objects.order_by("pk").values("pk", "flag", "state", "evidence", "updated_at"))

    second = red_flags_compute()

    assert first.raised == len(before) >= 2  # identical prices and the short period
    assert (second.raised, second.refreshed, second.cleared, second.reopened) == (0, 0, 0, 0)
    assert list(Alert.objects.order_by("pk").values("pk", "flag", "state", "evidence", "updated_at")) == before
    assert Alert.objects.filter(tender=tender, flag=RedFlag.IDENTICAL_BID_PRICES).count() == 1


def test_an_open_alert_is_cleared_when_its_flag_stops_holding_and_reopened_when_it_holds_again():
    tender = with_bid_period(opened_tender(), days=21)
    red_flags_compute(tender_ids=[tender.pk])
    alert = Alert.objects.get(tender=tender, flag=RedFlag.SHORT_SUBMISSION_PERIOD)

    with_bid_period(tender, days=25)
    cleared = red_flags_compute(tender_ids=[tender.pk])
    alert.refresh_from_db()
    assert (cleared.cleared, alert.state) == (1, AlertState.CLEARED)

    with_bid_period(tender, days=20)
    reopened = red_flags_compute(tender_ids=[tender.pk])
    alert.refresh_from_db()
    assert (reopened.reopened, alert.state, alert.evidence["period_hours"]) == (1, AlertState.OPEN, 20 * 24)


def test_a_decided_alert_stays_as_decided_when_its_flag_stops_holding():
    tender = with_bid_period(opened_tender(), days=21)
    red_flags_compute(tender_ids=[tender.pk])
    alert = Alert.objects.get(tender=tender, flag=RedFlag.SHORT_SUBMISSION_PERIOD)
    alert_acknowledge(actor=regulator("510000"), alert=alert, note="已约谈采购人")
    evidence = Alert.objects.get(pk=alert.pk).evidence

    with_bid_period(tender, days=25)
    red_flags_compute(tender_ids=[tender.pk])

    alert.refresh_from_db()
    assert (alert.state, alert.evidence) == (AlertState.ACKNOWLEDGED, evidence)


def test_the_computation_reads_in_a_fixed_number_of_queries_whatever_the_number_of_tenders():
    one = [opened_tender(prices=[40 * M, 40 * M, 41 * M])]
    with CaptureQueriesContext(connection) as few:
        red_flags_compute(tender_ids=[tender.pk for tender in one])
    three = [opened_tender(prices=[40 * M, 40 * M, 41 * M]) for _ in range(3)]
    with CaptureQueriesContext(connection) as many:
        red_flags_compute(tender_ids=[tender.pk for tender in three])

    assert Alert.objects.filter(tender__in=three, flag=RedFlag.IDENTICAL_BID_PRICES).count() == 3
    assert len(many) == len(few)


def test_an_enterprise_tender_in_another_region_gets_that_regions_alert():
    tender = opened_tender(
        bidders=1,
        actor=enterprise_buyer("440300"),
        procedure="request_for_quotation",
        evaluation_method="lowest_price",
        price_weight_bp=10_000,
        technical_weight_bp=0,
        business_weight_bp=0,
    )

    assert flags_on(tender)[RedFlag.SINGLE_BID].region_id == "440300"

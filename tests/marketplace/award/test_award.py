"""The award: after the window and with nothing pending, each active lot goes to its first
candidate, with an award, a pending contract and its milestones; the bidders are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from marketplace import services
from marketplace.models import Award, Contract, ContractState, Release
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from portal.money import split_by_shares
from portal.notifications.models import Notification
from registry.taxonomy import Modality
from tests.factories.evaluation import buyer_user, formed_committee, publicity_over, score_all
from tests.factories.marketplace import TenderFactory, bid_on, past_deadline, vendor_of, vendor_staff
from tests.marketplace.award.conftest import bidder_staff

pytestmark = pytest.mark.django_db


def _audit(obj, action):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action)


def test_award_before_the_window_ends_is_refused(in_publicity):
    with pytest.raises(Conflict, match="publicity until"):
        services.tender_award(actor=buyer_user(in_publicity), tender=in_publicity)

    in_publicity.refresh_from_db()
    assert in_publicity.state == TenderState.PUBLICITY
    assert not Award.objects.exists()
    assert not Contract.objects.exists()


def test_award_before_the_publicity_is_refused(evaluated):
    with pytest.raises(Conflict):
        services.tender_award(actor=buyer_user(evaluated), tender=evaluated)
    assert not Award.objects.exists()


def test_only_the_buyer_awards(after_window, stranger_agency):
    winner, *_ = bidder_staff(after_window)
    for outsider in (stranger_agency, winner):
        with pytest.raises(PermissionDenied):
            services.tender_award(actor=outsider, tender=after_window)
    assert not Award.objects.exists()


def test_the_award_goes_to_the_first_candidate_with_a_pending_contract(after_window):
    buyer = buyer_user(after_window)
    winner, second, third = bidder_staff(after_window)
    before = timezone.now()

    (contract,) = services.tender_award(actor=buyer, tender=after_window)

    tender = contract.tender
    tender.refresh_from_db()
    assert tender.state == TenderState.AWARDED
    award = contract.award
    assert award.supplier == vendor_of(winner)
    assert award.value_fen == contract.value_fen == 40_000_000
    assert award.lot == tender.lots.get()
    assert award.bid.price_fen == 40_000_000
    assert contract.state == ContractState.PENDING
    assert contract.buyer == tender.buyer
    assert contract.supplier == vendor_of(winner)
    assert contract.reference.startswith("HT")
    assert before + timedelta(days=30) <= contract.sign_by <= timezone.now() + timedelta(days=30)
    # The tender's milestones (30 % / 70 %), the amounts adding up to the value exactly.
    rows = list(contract.milestones.values_list("position", "title", "share_bp", "amount_fen"))
    assert rows == [(1, "首批交付验收", 3_000, 12_000_000), (2, "全部交付验收", 7_000, 28_000_000)]

    # Audit: the tender's transition, the award and the contract.
    assert _audit(tender, "tender.award").count() == 1
    assert _audit(award, "award.create").count() == 1
    assert _audit(contract, "contract.create").count() == 1
    # OCDS: the award release joins the tender's releases.
    assert Release.objects.filter(tender=tender, tags__contains=["award"]).exists()

    # Notifications: the winner's staff won, the others lost, both parties are asked to sign.
    assert list(Notification.objects.filter(kind="award.won").values_list("user_id", flat=True)) == [winner.pk]
    assert set(Notification.objects.filter(kind="award.lost").values_list("user_id", flat=True)) == {
        second.pk,
        third.pk,
    }
    assert set(Notification.objects.filter(kind="contract.to_sign").values_list("user_id", flat=True)) == {
        buyer.pk,
        winner.pk,
    }
    won = Notification.objects.get(kind="award.won")
    assert won.url == f"/tenders/contracts/{contract.pk}/"


def test_an_awarded_tender_cannot_be_awarded_again(awarded):
    tender, _contract = awarded
    with pytest.raises(Conflict):
        services.tender_award(actor=buyer_user(tender), tender=tender)
    assert Contract.objects.filter(tender=tender).count() == 1


def test_amounts_of_odd_fen_split_in_thirds_add_up(contract):
    buyer = buyer_user(contract.tender)
    Contract.objects.filter(pk=contract.pk).update(value_fen=40_000_001)
    contract.refresh_from_db()
    specs = [
        services.ContractMilestoneSpec(title="一", share_bp=3_333),
        services.ContractMilestoneSpec(title="二", share_bp=3_333),
        services.ContractMilestoneSpec(title="三", share_bp=3_334),
    ]

    services.contract_milestones_set(actor=buyer, contract=contract, milestones=specs)

    amounts = list(contract.milestones.order_by("position").values_list("amount_fen", flat=True))
    assert sum(amounts) == 40_000_001
    assert amounts == [13_332_000, 13_332_000, 13_336_001]


shares = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=12).filter(
    lambda parts: sum(parts) <= 10_000
)


@given(total=st.integers(min_value=0, max_value=10**15), parts=shares)
def test_split_by_shares_adds_up_to_the_value_exactly(total, parts):
    parts = [*parts[:-1], parts[-1] + 10_000 - sum(parts)]  # shares summing to 100 %

    amounts = split_by_shares(total, parts)

    assert sum(amounts) == total
    assert all(amount >= 0 for amount in amounts)
    # Each part is its exact share rounded down or up by less than one fen.
    for amount, share in zip(amounts, parts, strict=True):
        assert abs(amount * 10_000 - total * share) < 10_000


@given(total=st.integers(min_value=1, max_value=10**12))
def test_thirds_of_any_value_add_up(total):
    amounts = split_by_shares(total, [3_333, 3_333, 3_334])
    assert sum(amounts) == total


def test_bidders_on_a_lot_left_without_qualified_bids_are_told_it_was_not_awarded(db):
    lots = [
        services.LotSpec(title="视频框选", modality=Modality.VIDEO, volume=1_000, budget_fen=50_000_000),
        services.LotSpec(title="语音转写", modality=Modality.VIDEO, volume=1_000, budget_fen=50_000_000),
    ]
    tender = TenderFactory(publish=True, lots=lots)
    first, second = tender.lots.order_by("number")
    for index in range(3):
        bid_on(tender, vendor_staff(), price_fen=40_000_000 + index, lot=first)
    second_lot_bidders = [vendor_staff() for _ in range(3)]
    for index, user in enumerate(second_lot_bidders):
        bid_on(tender, user, price_fen=40_000_000 + index, lot=second)
    past_deadline(tender)
    for tender_id in services.tenders_close_due():
        services.tender_open(tender_id=tender_id)
    tender.refresh_from_db()
    formed_committee(tender)
    scores = [
        services.ScoreInput(
            bid_id=bid.pk,
            qualified=bid.lot_id == first.pk,
            technical=8_000,
            business=8_000,
            reason="" if bid.lot_id == first.pk else "资质不符",
        )
        for bid in services.bids_under_evaluation(tender)
    ]
    score_all(tender, scores)
    services.tender_publicise(actor=buyer_user(tender), tender=tender)
    tender = publicity_over(tender)

    services.tender_award(actor=buyer_user(tender), tender=tender)

    told = Notification.objects.filter(kind="lot.unsuccessful")
    assert set(told.values_list("user_id", flat=True)) == {user.pk for user in second_lot_bidders}
    assert told.first().params == {"lot": 2, "reference": tender.reference}
    lost = set(Notification.objects.filter(kind="award.lost").values_list("user_id", flat=True))
    assert not lost & {user.pk for user in second_lot_bidders}

"""Publicity of the candidates and challenges: the window, who may challenge, the pause and the
resume, and an upheld challenge reopening the evaluation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import selectors, services
from marketplace.models import BidResult, Challenge, ChallengeState, Contract, LotState, Tender
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from portal.notifications.models import Notification
from tests.factories.evaluation import buyer_user, expert_user, publicity_over
from tests.factories.marketplace import vendor_of
from tests.marketplace.award.conftest import bidder_staff

pytestmark = pytest.mark.django_db


def _audit(obj, action):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action)


def _challenge(tender, user, grounds="第二名的资质证书已过期。"):
    return services.challenge_submit(actor=user, tender=tender, vendor=vendor_of(user), grounds=grounds)


# --- publishing the candidates -------------------------------------------------------------------


def test_publicise_opens_the_window_and_tells_the_bidders(evaluated):
    buyer = buyer_user(evaluated)
    before = timezone.now()

    tender = services.tender_publicise(actor=buyer, tender=evaluated, days=5)

    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLICITY
    assert before <= tender.publicity_started_at <= timezone.now()
    assert tender.publicity_ends_at - tender.publicity_started_at == timedelta(days=5)
    assert _audit(tender, "tender.publicise").count() == 1
    bidders = bidder_staff(tender)
    told = Notification.objects.filter(kind="publicity.started")
    assert set(told.values_list("user_id", flat=True)) == {user.pk for user in bidders}
    assert [(c.rank, c.price_fen) for c in selectors.candidates_of(tender=tender)] == [
        (1, 40_000_000),
        (2, 45_000_000),
        (3, 48_000_000),
    ]


@pytest.mark.parametrize("days", [0, 1, 2, 31, -3])
def test_publicity_outside_3_to_30_days_is_refused(evaluated, days):
    with pytest.raises(ValidationError) as refused:
        services.tender_publicise(actor=buyer_user(evaluated), tender=evaluated, days=days)

    assert "days" in refused.value.message_dict
    evaluated.refresh_from_db()
    assert evaluated.state == TenderState.EVALUATION
    assert evaluated.publicity_ends_at is None
    assert not _audit(evaluated, "tender.publicise").exists()


def test_only_the_buyer_publishes_the_candidates(evaluated, stranger_agency):
    with pytest.raises(PermissionDenied):
        services.tender_publicise(actor=stranger_agency, tender=evaluated, days=3)
    evaluated.refresh_from_db()
    assert evaluated.state == TenderState.EVALUATION


def test_candidates_are_not_public_before_the_publicity(evaluated):
    assert selectors.candidates_of(tender=evaluated) == []


def test_candidates_of_a_lot_stop_at_the_third(db):
    from tests.factories.evaluation import evaluated_tender

    tender = evaluated_tender(bidders=4, prices=[40_000_000, 41_000_000, 42_000_000, 43_000_000])
    tender = services.tender_publicise(actor=buyer_user(tender), tender=tender, days=3)

    assert [c.rank for c in selectors.candidates_of(tender=tender)] == [1, 2, 3]


# --- challenges ------------------------------------------------------------------------------------


def test_a_challenge_pauses_the_tender_and_the_answer_resumes_it(in_publicity):
    buyer = buyer_user(in_publicity)
    _winner, second, _third = bidder_staff(in_publicity)

    challenge = _challenge(in_publicity, second)

    assert challenge.state == ChallengeState.PENDING
    assert challenge.round == 1
    assert selectors.tender_paused(tender=in_publicity)
    assert _audit(challenge, "challenge.submit").count() == 1
    assert _audit(in_publicity, "tender.pause").count() == 1
    assert set(Notification.objects.filter(kind="challenge.submitted").values_list("user_id", flat=True)) == {buyer.pk}

    # While it is pending the tender cannot be awarded, even after the window.
    tender = publicity_over(in_publicity)
    with pytest.raises(Conflict, match="paused"):
        services.tender_award(actor=buyer, tender=tender)
    assert not Contract.objects.filter(tender=tender).exists()

    services.challenge_answer(actor=buyer, challenge=challenge, answer="资质证书在有效期内。", upheld=False)

    challenge.refresh_from_db()
    assert challenge.state == ChallengeState.REJECTED
    assert challenge.answered_by == buyer
    assert _audit(challenge, "challenge.answer").count() == 1
    assert _audit(tender, "tender.resume").count() == 1
    assert not selectors.tender_paused(tender=tender)
    answered = Notification.objects.get(kind="challenge.rejected")
    assert answered.user == second
    assert answered.params["reference"] == tender.reference

    contracts = services.tender_award(actor=buyer, tender=tender)
    assert len(contracts) == 1
    tender.refresh_from_db()
    assert tender.state == TenderState.AWARDED


def test_a_second_pending_challenge_keeps_the_tender_paused(in_publicity):
    buyer = buyer_user(in_publicity)
    _winner, second, third = bidder_staff(in_publicity)
    first = _challenge(in_publicity, second)
    _challenge(in_publicity, third, "评分有误。")

    services.challenge_answer(actor=buyer, challenge=first, answer="经复核无误。", upheld=False)

    assert selectors.tender_paused(tender=in_publicity)
    assert _audit(in_publicity, "tender.pause").count() == 1
    assert not _audit(in_publicity, "tender.resume").exists()


def test_an_upheld_challenge_sends_the_tender_back_to_the_committee(in_publicity):
    buyer = buyer_user(in_publicity)
    _winner, second, _third = bidder_staff(in_publicity)
    lot = in_publicity.lots.get()
    # The committee left the lot short in round 1: the new round puts it back into competition.
    lot.state = LotState.UNSUCCESSFUL
    lot.save(update_fields=["state"])
    challenge = _challenge(in_publicity, second)

    services.challenge_answer(actor=buyer, challenge=challenge, answer="第一名报价计算有误，重新评审。", upheld=True)

    tender = Tender.objects.get(pk=in_publicity.pk)
    assert tender.state == TenderState.EVALUATION
    assert tender.evaluation_round == 2
    assert tender.publicity_started_at is None
    assert tender.publicity_ends_at is None
    lot.refresh_from_db()
    assert lot.state == LotState.ACTIVE
    assert _audit(tender, "tender.reevaluate").count() == 1
    assert not _audit(tender, "tender.resume").exists()
    members = {expert_user(member.expert).pk for member in tender.committee.members.select_related("expert__person")}
    reopened = Notification.objects.filter(kind="evaluation.reopened")
    assert set(reopened.values_list("user_id", flat=True)) == members
    assert Notification.objects.filter(kind="challenge.upheld").exists()
    assert not Notification.objects.filter(kind="challenge.rejected").exists()
    assert selectors.candidates_of(tender=tender) == []
    assert not BidResult.objects.filter(tender=tender, round=2).exists()


def test_a_challenge_after_the_window_is_refused(after_window):
    _winner, second, _third = bidder_staff(after_window)

    with pytest.raises(Conflict):
        _challenge(after_window, second)

    assert not Challenge.objects.exists()


def test_a_challenge_before_the_publicity_is_refused(evaluated):
    _winner, second, _third = bidder_staff(evaluated)
    with pytest.raises(Conflict):
        _challenge(evaluated, second)
    assert not Challenge.objects.exists()


def test_a_non_bidder_cannot_challenge(in_publicity, stranger_vendor):
    with pytest.raises(PermissionDenied):
        _challenge(in_publicity, stranger_vendor)
    assert not Challenge.objects.exists()
    assert not selectors.tender_paused(tender=in_publicity)


def test_someone_else_cannot_challenge_for_a_bidder(in_publicity, stranger_vendor):
    _winner, second, _third = bidder_staff(in_publicity)
    with pytest.raises(PermissionDenied):
        services.challenge_submit(actor=stranger_vendor, tender=in_publicity, vendor=vendor_of(second), grounds="x")
    assert not Challenge.objects.exists()


def test_a_challenge_needs_grounds(in_publicity):
    _winner, second, _third = bidder_staff(in_publicity)
    with pytest.raises(ValidationError) as refused:
        _challenge(in_publicity, second, grounds="   ")
    assert "grounds" in refused.value.message_dict
    assert not Challenge.objects.exists()


def test_a_challenge_is_answered_once(in_publicity):
    buyer = buyer_user(in_publicity)
    _winner, second, _third = bidder_staff(in_publicity)
    challenge = _challenge(in_publicity, second)
    services.challenge_answer(actor=buyer, challenge=challenge, answer="不成立。", upheld=False)

    with pytest.raises(Conflict):
        services.challenge_answer(actor=buyer, challenge=challenge, answer="改为成立。", upheld=True)

    challenge.refresh_from_db()
    assert (challenge.state, challenge.answer) == (ChallengeState.REJECTED, "不成立。")
    assert _audit(challenge, "challenge.answer").count() == 1
    in_publicity.refresh_from_db()
    assert in_publicity.state == TenderState.PUBLICITY


def test_only_the_buyer_answers_and_an_answer_needs_text(in_publicity, stranger_agency):
    _winner, second, _third = bidder_staff(in_publicity)
    challenge = _challenge(in_publicity, second)

    with pytest.raises(PermissionDenied):
        services.challenge_answer(actor=stranger_agency, challenge=challenge, answer="不成立。", upheld=False)
    with pytest.raises(PermissionDenied):
        services.challenge_answer(actor=second, challenge=challenge, answer="不成立。", upheld=False)
    with pytest.raises(ValidationError):
        services.challenge_answer(actor=buyer_user(in_publicity), challenge=challenge, answer=" ", upheld=False)

    challenge.refresh_from_db()
    assert challenge.state == ChallengeState.PENDING


def test_answered_challenges_are_public_without_the_challenger(in_publicity, stranger_vendor):
    from django.contrib.auth.models import AnonymousUser

    buyer = buyer_user(in_publicity)
    _winner, second, third = bidder_staff(in_publicity)
    answered = _challenge(in_publicity, second, "报价异常低。")
    services.challenge_answer(actor=buyer, challenge=answered, answer="已核实，不成立。", upheld=False)
    pending = _challenge(in_publicity, third, "评分有误。")

    def seen(user):
        return {
            (c.pk, c.challenger_name, c.own) for c in selectors.challenges_visible_to(user=user, tender=in_publicity)
        }

    assert seen(AnonymousUser()) == {(answered.pk, "", False)}
    assert seen(stranger_vendor) == {(answered.pk, "", False)}
    # The challenger sees its own, pending included, with its name; not the others' names.
    assert seen(third) == {(answered.pk, "", False), (pending.pk, vendor_of(third).name, True)}
    assert seen(second) == {(answered.pk, vendor_of(second).name, True)}
    # The buyer sees every challenge with the challenger's name.
    assert seen(buyer) == {(answered.pk, vendor_of(second).name, False), (pending.pk, vendor_of(third).name, False)}

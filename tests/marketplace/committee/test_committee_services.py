"""Forming the committee, answering invitations, replacing declined seats."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace import services
from marketplace.committee_replay import committee_draw_replay
from marketplace.models import Committee, CommitteeDraw, CommitteeMember, MemberState, ScoreSheet
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from portal.notifications.models import Notification
from registry.taxonomy import Modality, Sector
from tests.factories.evaluation import expert_pool, pool_expert, uniform_scores
from tests.factories.marketplace import TenderFactory, agency_staff
from tests.factories.talent import EmploymentFactory
from tests.marketplace.committee.conftest import seat_user

pytestmark = pytest.mark.django_db


def _nothing_recorded():
    assert not Committee.objects.exists()
    assert not CommitteeDraw.objects.exists()
    assert not CommitteeMember.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="committee").exists()
    assert not Notification.objects.filter(kind__startswith="committee").exists()


def _audit(action, obj):
    return AuditEntry.objects.filter(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk))


# --- forming ------------------------------------------------------------------------------------


def test_forming_draws_the_size_from_every_eligible_expert_and_invites_them(tender, buyer, pool):
    committee = services.committee_form(actor=buyer, tender=tender, size=5)

    (draw,) = committee.draws.all()
    assert (draw.round, draw.seats, draw.drawn_by) == (1, 5, buyer)
    assert draw.candidates == sorted(expert.pk for expert in pool)
    members = list(committee.members.select_related("expert__person__user"))
    assert sorted(m.expert_id for m in members) == sorted(draw.drawn)
    assert {m.state for m in members} == {MemberState.INVITED}
    assert {m.draw_id for m in members} == {draw.pk}
    assert _audit("committee.form", committee).get().after == {"tender": tender.pk, "size": 5}
    logged = _audit("committee.draw", committee).get().after
    assert logged == {"round": 1, "seats": 5, "candidates": 7, "drawn": draw.drawn, "digest": draw.digest}
    invited = Notification.objects.filter(kind="committee.invited")
    assert {n.user for n in invited} == {seat_user(m) for m in members}
    assert {n.url for n in invited} == {reverse("marketplace:expert-invitations")}
    assert committee_draw_replay(tender=tender).ok


def test_only_matching_experts_free_of_conflict_are_candidates(tender, buyer, pool):
    bidder = tender.bids.select_related("vendor").first().vendor
    employed_by_bidder = pool_expert()
    EmploymentFactory(expert=employed_by_bidder, organisation=bidder)
    employed_by_buyer = pool_expert()
    EmploymentFactory(expert=employed_by_buyer, organisation=tender.buyer)
    other_modality = pool_expert(modality=Modality.SPEECH)
    same_sector = pool_expert(modality=Modality.SPEECH, sectors=[Sector.TRANSPORT])

    candidates = services.committee_candidates(tender)

    assert employed_by_bidder.pk not in candidates
    assert employed_by_buyer.pk not in candidates
    assert other_modality.pk not in candidates
    assert same_sector.pk in candidates
    assert candidates == sorted([*(e.pk for e in pool), same_sector.pk])


@pytest.mark.parametrize("size", [4, 6, 3, 1, 0, -5, 27])
def test_even_sized_or_under_five_committees_are_refused(tender, buyer, pool, size):
    with pytest.raises(ValidationError) as refused:
        services.committee_form(actor=buyer, tender=tender, size=size)
    assert "odd number" in refused.value.message_dict["size"][0]
    _nothing_recorded()


def test_a_larger_odd_committee_is_the_agencys_choice(tender, buyer):
    expert_pool(9)
    committee = services.committee_form(actor=buyer, tender=tender, size=7)
    assert committee.members.count() == 7


def test_too_small_a_pool_is_a_conflict_and_records_nothing(tender, buyer):
    expert_pool(4)
    with pytest.raises(Conflict, match="Only 4 eligible experts"):
        services.committee_form(actor=buyer, tender=tender, size=5)
    _nothing_recorded()


def test_a_second_committee_is_refused(committee, tender, buyer):
    expert_pool(5)
    with pytest.raises(Conflict, match="already has its committee"):
        services.committee_form(actor=buyer, tender=tender, size=5)
    assert Committee.objects.count() == 1
    assert CommitteeDraw.objects.count() == 1
    assert CommitteeMember.objects.count() == 5


def test_only_the_buyers_staff_form_the_committee(tender, pool):
    with pytest.raises(PermissionDenied):
        services.committee_form(actor=agency_staff(), tender=tender, size=5)
    with pytest.raises(PermissionDenied):  # checked before the size
        services.committee_form(actor=agency_staff(), tender=tender, size=4)
    _nothing_recorded()


def test_a_committee_waits_for_the_opening(buyer, pool):
    open_tender = TenderFactory(actor=buyer, publish=True)
    with pytest.raises(Conflict, match="under evaluation"):
        services.committee_form(actor=buyer, tender=open_tender, size=5)
    _nothing_recorded()


# --- accepting ----------------------------------------------------------------------------------


def test_accepting_records_the_answer_and_the_last_acceptance_completes_the_committee(committee, tender, buyer):
    members = list(committee.members.select_related("expert__person__user"))
    for member in members[:-1]:
        services.committee_member_accept(actor=seat_user(member), member=member)
    assert not Notification.objects.filter(kind="committee.complete").exists()

    last = services.committee_member_accept(actor=seat_user(members[-1]), member=members[-1])

    assert last.state == MemberState.ACCEPTED
    assert last.responded_at is not None
    assert committee.members.filter(state=MemberState.ACCEPTED).count() == 5
    assert _audit("committee_member.accept", last).get().after == {"state": "accepted"}
    assert Notification.objects.get(kind="committee.complete").user == buyer


def test_accepting_someone_elses_seat_is_refused(committee):
    mine, theirs = committee.members.select_related("expert__person__user")[:2]
    with pytest.raises(PermissionDenied):
        services.committee_member_accept(actor=seat_user(mine), member=theirs)
    with pytest.raises(PermissionDenied):
        services.committee_member_accept(actor=agency_staff(), member=theirs)
    theirs.refresh_from_db()
    assert theirs.state == MemberState.INVITED
    assert not AuditEntry.objects.filter(action="committee_member.accept").exists()


def test_answering_twice_is_a_conflict(committee):
    member = committee.members.first()
    services.committee_member_accept(actor=seat_user(member), member=member)
    with pytest.raises(Conflict):
        services.committee_member_accept(actor=seat_user(member), member=member)


# --- declining ----------------------------------------------------------------------------------


def test_declining_with_a_declaration_draws_a_replacement(committee, tender, buyer, pool):
    first = committee.draws.get()
    member = committee.members.select_related("expert__person__user").first()

    services.committee_member_decline(actor=seat_user(member), member=member, declaration="  我的配偶在投标人处任职。 ")

    member.refresh_from_db()
    assert member.state == MemberState.DECLINED
    assert member.declaration == "我的配偶在投标人处任职。"
    assert member.responded_at is not None
    second = committee.draws.get(round=2)
    assert second.seats == 1
    assert not set(second.candidates) & set(first.drawn)  # nobody drawn before, the decliner included
    (replacement,) = second.drawn
    assert replacement not in first.drawn
    assert replacement in {expert.pk for expert in pool}
    assert committee.members.get(expert_id=replacement).draw == second
    assert committee.members.exclude(state=MemberState.DECLINED).count() == 5
    assert _audit("committee_member.decline", member).get().after == {
        "state": "declined",
        "declaration": "我的配偶在投标人处任职。",
    }
    assert _audit("committee.draw", committee).filter(after__round=2).get().actor is None  # drawn by the system
    assert Notification.objects.get(kind="committee.replacement").user == buyer
    assert Notification.objects.filter(kind="committee.invited", key__endswith=":2").get().user.pk == (
        committee.members.get(expert_id=replacement).expert.person.user_id
    )
    assert committee_draw_replay(tender=tender).ok


@pytest.mark.parametrize("declaration", ["", "   "])
def test_declining_without_a_declaration_is_refused(committee, declaration):
    member = committee.members.first()
    with pytest.raises(ValidationError) as refused:
        services.committee_member_decline(actor=seat_user(member), member=member, declaration=declaration)
    assert "declaration" in refused.value.message_dict
    member.refresh_from_db()
    assert member.state == MemberState.INVITED
    assert committee.draws.count() == 1
    assert not AuditEntry.objects.filter(action="committee_member.decline").exists()


def test_declining_someone_elses_seat_is_refused(committee):
    mine, theirs = committee.members.select_related("expert__person__user")[:2]
    with pytest.raises(PermissionDenied):
        services.committee_member_decline(actor=seat_user(mine), member=theirs, declaration="冲突")
    theirs.refresh_from_db()
    assert theirs.state == MemberState.INVITED


def test_an_accepted_expert_may_still_withdraw_before_submitting(committee, tender):
    members = list(committee.members.select_related("expert__person__user"))
    for member in members:
        services.committee_member_accept(actor=seat_user(member), member=member)
    services.score_sheet_save(actor=seat_user(members[0]), tender=tender, scores=uniform_scores(tender), submit=False)

    services.committee_member_decline(
        actor=seat_user(members[0]), member=members[0], declaration="后来得知存在利害关系。"
    )

    assert not ScoreSheet.objects.filter(member=members[0]).exists()  # the draft went with the seat
    assert committee.draws.count() == 2
    with pytest.raises(Conflict):
        services.committee_member_decline(actor=seat_user(members[0]), member=members[0], declaration="再次")


def test_a_replacement_accepting_completes_the_committee_again(committee, buyer):
    members = list(committee.members.select_related("expert__person__user"))
    for member in members:
        services.committee_member_accept(actor=seat_user(member), member=member)
    services.committee_member_decline(actor=seat_user(members[0]), member=members[0], declaration="利害关系")
    replacement = committee.members.select_related("expert__person__user").get(state=MemberState.INVITED)

    services.committee_member_accept(actor=seat_user(replacement), member=replacement)

    assert Notification.objects.filter(kind="committee.complete", user=buyer).count() == 2


def test_an_exhausted_pool_tells_the_buyer_and_a_refill_works_once_experts_join(tender, buyer):
    expert_pool(5)
    committee = services.committee_form(actor=buyer, tender=tender, size=5)
    member = committee.members.select_related("expert__person__user").first()

    services.committee_member_decline(actor=seat_user(member), member=member, declaration="亲属在投标单位")

    assert committee.draws.count() == 1
    short = Notification.objects.get(kind="committee.short")
    assert short.user == buyer
    assert short.url == reverse("marketplace:tender-committee", args=[tender.pk])
    assert services.committee_refill(actor=buyer, committee=committee) is None  # still nobody
    assert Notification.objects.filter(kind="committee.short").count() == 1  # told once

    newcomer = pool_expert()
    draw = services.committee_refill(actor=buyer, committee=committee)

    assert draw is not None
    assert (draw.round, draw.seats, draw.drawn, draw.candidates, draw.drawn_by) == (
        2,
        1,
        [newcomer.pk],
        [newcomer.pk],
        buyer,
    )
    assert committee.members.exclude(state=MemberState.DECLINED).count() == 5
    assert Notification.objects.filter(kind="committee.replacement").count() == 1
    assert committee_draw_replay(tender=tender).ok


def test_a_second_empty_seat_is_told_again(tender, buyer):
    expert_pool(5)
    committee = services.committee_form(actor=buyer, tender=tender, size=5)
    first, second = committee.members.select_related("expert__person__user")[:2]
    services.committee_member_decline(actor=seat_user(first), member=first, declaration="利害关系一")
    services.committee_member_decline(actor=seat_user(second), member=second, declaration="利害关系二")
    assert Notification.objects.filter(kind="committee.short", user=buyer).count() == 2


def test_refilling_is_for_the_buyers_staff_and_needs_an_open_seat(committee, buyer):
    with pytest.raises(PermissionDenied):
        services.committee_refill(actor=agency_staff(), committee=committee)
    assert services.committee_refill(actor=buyer, committee=committee) is None
    assert committee.draws.count() == 1


def test_seats_are_answered_only_while_the_tender_is_under_evaluation(committee, tender):
    member = committee.members.first()
    tender.__class__.objects.filter(pk=tender.pk).update(state=TenderState.PUBLICITY)
    with pytest.raises(Conflict, match="evaluation"):
        services.committee_member_accept(actor=seat_user(member), member=member)
    with pytest.raises(Conflict, match="evaluation"):
        services.committee_member_decline(actor=seat_user(member), member=member, declaration="冲突")

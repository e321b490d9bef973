"""`replay_committee_draw TENDER_ID`: the draw replays from its record, and an altered record is
caught."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from marketplace import committee_draw, services
from marketplace.committee_replay import committee_draw_replay
from marketplace.models import CommitteeDraw, CommitteeMember, MemberState
from portal.audit.chain import chain_of
from portal.audit.models import AuditEntry
from portal.audit.selectors import audit_chain_report
from portal.audit.services import audit_record
from registry.talent.models import Expert
from tests.factories import UserFactory
from tests.factories.marketplace import TenderFactory
from tests.marketplace.committee.conftest import seat_user

pytestmark = pytest.mark.django_db


def _replay(tender_id):
    out = StringIO()
    call_command("replay_committee_draw", str(tender_id), stdout=out)
    return out.getvalue()


def _refused(tender_id) -> str:
    with pytest.raises(CommandError) as refused:
        _replay(tender_id)
    assert refused.value.returncode == 1  # the exit status of manage.py
    return str(refused.value)


def _decline_one(committee):
    member = committee.members.select_related("expert__person__user").filter(state=MemberState.INVITED).first()
    services.committee_member_decline(actor=seat_user(member), member=member, declaration="利害关系")
    return member


def _redigest(draw: CommitteeDraw, **changes) -> str:
    """What a forger would write into `digest` after changing the row."""
    values = {
        "seed": draw.seed,
        "candidates": draw.candidates,
        "seats": draw.seats,
        "drawn": draw.drawn,
        **changes,
    }
    return committee_draw.digest(tender_id=draw.committee.tender_id, round_number=draw.round, **values)


def test_the_draw_replays_and_prints_each_round(committee, tender):
    _decline_one(committee)

    printed = _replay(tender.pk)

    first, second = committee.draws.order_by("round")
    assert f"Round 1: seed {first.seed}, 7 candidates, drew 5:" in printed
    assert f"Round 2: seed {second.seed}, 2 candidates, drew 1:" in printed
    for member in committee.members.select_related("expert__person"):
        assert f"#{member.expert_id} {member.expert.person.name}" in printed
    assert printed.rstrip().endswith("OK: the draw replays")


def test_the_report_lists_rounds_with_the_members_names(committee, tender):
    report = committee_draw_replay(tender=tender)
    assert report.ok
    assert report.problems == []
    (only,) = report.rounds
    draw = committee.draws.get()
    assert (only.round, only.seed, only.candidates, only.drawn) == (1, draw.seed, 7, draw.drawn)
    names = dict(Expert.objects.values_list("pk", "person__name"))
    assert only.members == [names[pk] for pk in draw.drawn]


def test_an_altered_seed_is_detected(committee, tender):
    CommitteeDraw.objects.filter(committee=committee).update(seed="00" * 32)
    message = _refused(tender.pk)
    assert "Round 1: the record does not match its digest" in message
    assert "Round 1: replaying the seed draws experts" in message


def test_a_forged_digest_is_caught_by_the_audit_log(committee, tender):
    draw = committee.draws.get()
    CommitteeDraw.objects.filter(pk=draw.pk).update(seed="00" * 32, digest=_redigest(draw, seed="00" * 32))
    message = _refused(tender.pk)
    assert "does not match its digest" not in message
    assert "Round 1: the record does not match the digest in the audit log" in message


def test_an_altered_candidate_list_is_detected(committee, tender):
    draw = committee.draws.get()
    left_out = next(pk for pk in draw.candidates if pk not in draw.drawn)
    CommitteeDraw.objects.filter(pk=draw.pk).update(candidates=[pk for pk in draw.candidates if pk != left_out])
    message = _refused(tender.pk)
    assert "Round 1: the record does not match its digest" in message
    assert "audit log" in message


def test_altered_experts_drawn_are_detected_even_with_their_members_moved_along(committee, tender):
    draw = committee.draws.get()
    outsider = next(pk for pk in draw.candidates if pk not in draw.drawn)
    forged = [outsider, *draw.drawn[1:]]
    CommitteeMember.objects.filter(committee=committee, expert_id=draw.drawn[0]).update(expert_id=outsider)
    CommitteeDraw.objects.filter(pk=draw.pk).update(drawn=forged, digest=_redigest(draw, drawn=forged))
    message = _refused(tender.pk)
    assert "Round 1: replaying the seed draws experts" in message
    assert "audit log" in message


def test_a_members_expert_swapped_is_detected(committee, tender):
    draw = committee.draws.get()
    outsider = next(pk for pk in draw.candidates if pk not in draw.drawn)
    CommitteeMember.objects.filter(committee=committee, expert_id=draw.drawn[0]).update(expert_id=outsider)
    message = _refused(tender.pk)
    assert "Round 1: the committee's members from this draw are experts" in message
    assert "does not match" not in message  # the draw record itself is intact


def test_a_removed_replacement_draw_is_detected(committee, tender):
    _decline_one(committee)
    second = committee.draws.get(round=2)
    CommitteeMember.objects.filter(draw=second).delete()
    second.delete()
    message = _refused(tender.pk)
    assert "The audit log records draws [2] that are no longer in the record." in message


def test_renumbered_rounds_and_a_short_first_draw_are_detected(committee, tender):
    draw = committee.draws.get()
    CommitteeDraw.objects.filter(pk=draw.pk).update(round=2, seats=4)
    message = _refused(tender.pk)
    assert "not numbered 1, 2, 3" in message
    assert "The first draw filled 4 seats, but the committee has 5." in message


def test_a_draw_record_that_is_not_a_list_of_ids_is_reported(committee, tender):
    CommitteeDraw.objects.filter(committee=committee).update(candidates={"forged": True})
    assert "Round 1: the candidate list is not a list of expert ids." in _refused(tender.pk)


def test_an_edited_audit_row_of_the_committee_is_detected(committee, tender):
    entry = AuditEntry.objects.get(action="committee.draw")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["someone-else", entry.pk])
    message = _refused(tender.pk)
    assert f"The committee's audit chain is broken at row {entry.pk}" in message


def test_an_unknown_tender_or_one_without_committee_is_refused(buyer):
    assert "No tender has the id 987654" in _refused(987_654)
    draft = TenderFactory(actor=buyer)
    assert f"Tender {draft.reference} has no evaluation committee" in _refused(draft.pk)


def test_the_chain_check_can_be_limited_to_one_objects_chain():
    mine, other = UserFactory(), UserFactory()
    while chain_of("accounts.user", str(other.pk)) == chain_of("accounts.user", str(mine.pk)):
        other = UserFactory()
    audit_record(actor=mine, action="test.touch", obj=mine, before={}, after={"n": 1})
    broken = audit_record(actor=other, action="test.touch", obj=other, before={}, after={"n": 1})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET after = %s WHERE id = %s", ['{"n": 2}', broken.pk])

    assert audit_chain_report().broken_row == broken.pk
    assert audit_chain_report(chains=[chain_of("accounts.user", str(mine.pk))]).ok
    assert audit_chain_report(chains=[broken.chain]).broken_row == broken.pk

"""The second half of a tender through the API alone: from the opening, the committee is drawn,
one expert declines and is replaced, the committee scores, the candidates are published, a losing
bidder challenges and is answered, the tender is awarded, the milestones are rearranged and both
parties sign. Then the audit trail shows every step in order, the draw replays and the OCDS
record still validates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from marketplace.models import (
    Award,
    Challenge,
    ChallengeState,
    Committee,
    CommitteeMember,
    Contract,
    ContractState,
    MemberState,
    ScoreSheet,
    Tender,
)
from marketplace.ocds import encoding
from marketplace.states import TenderState
from tests.factories.evaluation import buyer_user, expert_pool, expert_user, publicity_over
from tests.factories.marketplace import opened_tender, vendor_of
from tests.marketplace.ocds.validation import ocds_problems, standard_zip_or_skip

pytestmark = pytest.mark.django_db

PRICES = [40_000_000, 41_000_000, 42_000_000]
DECLARATION = "本人近两年在投标人处兼职。"
DISQUALIFICATION_REASON = "报价单未加盖公章。"
GROUNDS = "第一候选人的技术方案不满足招标文件第三章要求。"
ANSWER = "经复核，第一候选人的技术方案满足要求，质疑不成立。"

# Every audited step after the opening, in order: the first expert declines and a second draw
# replaces them; the other four and the replacement accept; all five submit, the last submission
# concludes the evaluation.
STEPS = [
    "committee.form",
    "committee.draw",
    "committee_member.decline",
    "committee.draw",
    *["committee_member.accept"] * 5,
    *["score_sheet.submit"] * 5,
    "tender.evaluate",
    "tender.publicise",
    "challenge.submit",
    "tender.pause",
    "challenge.answer",
    "tender.resume",
    "award.create",
    "contract.create",
    "tender.award",
    "contract.milestones",
    "contract.sign.buyer",
    "contract.sign.supplier",
]


def _staff(bid):
    return bid.vendor.memberships.first().user


def _seat_id(api_client, user, tender: Tender) -> int:
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/committee-seats/")
    assert response.status_code == 200, response.content
    rows = response.data["results"] if isinstance(response.data, dict) else response.data
    (seat,) = [row for row in rows if row["tender"] == tender.pk]
    assert seat["bidders"], "the expert sees the bidders to judge their conflicts"
    return seat["id"]


def _trail_actions(client, user, tender: Tender) -> list[str]:
    """The actions of the tender's audit trail page, oldest first, over all its pages."""
    client.force_login(user)
    actions: list[str] = []
    page = 1
    while True:
        response = client.get(f"/tenders/{tender.pk}/trail/?page={page}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        actions += [row["entry"].action for row in response.context["rows"]]
        if not response.context["page"].has_next():
            return actions
        page += 1


def test_from_opening_to_signed_contract_through_the_api(api_client, client):
    tender = opened_tender(prices=PRICES)
    expert_pool(7, modality=tender.lots.get().modality)
    buyer = buyer_user(tender)
    bids = list(tender.bids.order_by("price_fen"))
    winner, loser = _staff(bids[0]), _staff(bids[2])

    # The agency forms a committee of five: the server draws it and shows the seed and digest.
    api_client.force_authenticate(buyer)
    formed = api_client.post(f"/api/v1/tenders/{tender.pk}/committee/", {"size": 5}, format="json")
    assert formed.status_code == 201, formed.content
    assert len(formed.data["members"]) == 5
    (draw,) = formed.data["draws"]
    committee = Committee.objects.get(tender=tender)
    record = committee.draws.get()
    assert (draw["seed"], draw["digest"], draw["drawn"]) == (record.seed, record.digest, record.drawn)

    # The first expert drawn declines with a declaration: a replacement is drawn at once.
    members = list(committee.members.select_related("expert__person__user").order_by("pk"))
    first = expert_user(members[0].expert)
    declined = api_client.post(
        f"/api/v1/committee-seats/{_seat_id(api_client, first, tender)}/decline/",
        {"declaration": DECLARATION},
        format="json",
    )
    assert declined.status_code == 200, declined.content
    assert declined.data["state"] == MemberState.DECLINED
    api_client.force_authenticate(buyer)
    shown = api_client.get(f"/api/v1/tenders/{tender.pk}/committee/").data
    assert [d["round"] for d in shown["draws"]] == [1, 2]
    assert shown["open_seats"] == 0
    assert [m["declaration"] for m in shown["members"] if m["state"] == MemberState.DECLINED] == [DECLARATION]

    # The four others and the replacement accept.
    seated = list(committee.members.exclude(state=MemberState.DECLINED).order_by("pk"))
    assert len(seated) == 5
    assert members[0].pk not in {m.pk for m in seated}
    experts = [expert_user(member.expert) for member in seated]
    for user in experts:
        accepted = api_client.post(f"/api/v1/committee-seats/{_seat_id(api_client, user, tender)}/accept/")
        assert accepted.status_code == 200, accepted.content
        assert accepted.data["state"] == MemberState.ACCEPTED

    # Each member scores every bid with decimals; one (a minority) disqualifies the dearest bid.
    for index, user in enumerate(experts):
        api_client.force_authenticate(user)
        sheet = api_client.get(f"/api/v1/tenders/{tender.pk}/score-sheet/")
        assert sheet.status_code == 200, sheet.content
        assert [b["id"] for b in sheet.data["bids"]] == [b.pk for b in sorted(bids, key=lambda b: b.received_at)]
        scores = [
            {"bid": bid.pk, "qualified": True, "technical": f"{85 - rank}.{index}5", "business": "80.50"}
            for rank, bid in enumerate(bids)
        ]
        if index == 0:
            scores[2] = {"bid": bids[2].pk, "qualified": False, "reason": DISQUALIFICATION_REASON}
        if index < 4:  # the scores stay hidden until every member has submitted
            api_client.force_authenticate(buyer)
            assert api_client.get(f"/api/v1/tenders/{tender.pk}/committee-report/").status_code == 409
            api_client.force_authenticate(user)
        saved = api_client.put(
            f"/api/v1/tenders/{tender.pk}/score-sheet/", {"scores": scores, "submit": True}, format="json"
        )
        assert saved.status_code == 200, saved.content
        assert saved.data["status"] == "submitted"
    assert ScoreSheet.objects.filter(tender=tender, submitted_at__isnull=False).count() == 5

    # The committee report lists every member's scores of every bid.
    api_client.force_authenticate(buyer)
    report = api_client.get(f"/api/v1/tenders/{tender.pk}/committee-report/")
    assert report.status_code == 200, report.content
    (lot,) = report.data["lots"]
    assert [row["bid"] for row in lot["results"] if row["rank"] == 1] == [bids[0].pk]
    assert all(len(row["scores"]) == 5 for row in lot["results"])
    assert all(row["qualified"] for row in lot["results"])  # one disqualification of five is a minority
    assert lot["results"][0]["scores"][0]["technical"] == "85.05"
    assert [s["reason"] for row in lot["results"] for s in row["scores"] if not s["qualified"]] == [
        DISQUALIFICATION_REASON
    ]

    # The candidates are published; a losing bidder challenges and the tender is paused.
    published = api_client.post(f"/api/v1/tenders/{tender.pk}/publicise/", {"days": 3}, format="json")
    assert published.status_code == 200, published.content
    assert published.data["state"] == TenderState.PUBLICITY
    assert [c["bid"] for c in published.data["candidates"]] == [b.pk for b in bids]
    api_client.force_authenticate(loser)
    lodged = api_client.post(
        f"/api/v1/tenders/{tender.pk}/challenges/",
        {"vendor": vendor_of(loser).pk, "grounds": GROUNDS},
        format="json",
    )
    assert lodged.status_code == 201, lodged.content
    challenge = Challenge.objects.get(tender=tender)
    assert challenge.state == ChallengeState.PENDING
    assert api_client.get(f"/api/v1/tenders/{tender.pk}/candidates/").data["paused"] is True

    # The agency answers (rejected): the tender resumes and is awarded once the window is over.
    api_client.force_authenticate(buyer)
    assert api_client.post(f"/api/v1/tenders/{tender.pk}/award/").status_code == 409
    answered = api_client.post(
        f"/api/v1/challenges/{challenge.pk}/answer/", {"answer": ANSWER, "upheld": False}, format="json"
    )
    assert answered.status_code == 200, answered.content
    assert answered.data["state"] == ChallengeState.REJECTED
    assert api_client.get(f"/api/v1/tenders/{tender.pk}/candidates/").data["paused"] is False
    publicity_over(tender)
    awarded = api_client.post(f"/api/v1/tenders/{tender.pk}/award/")
    assert awarded.status_code == 201, awarded.content
    award = Award.objects.get(tender=tender)
    assert (award.bid_id, award.supplier, award.value_fen) == (bids[0].pk, bids[0].vendor, PRICES[0])
    assert Tender.objects.get(pk=tender.pk).state == TenderState.AWARDED

    # The buyer's staff find the contract and rearrange its milestones: shares not adding up to
    # exactly 100 % are refused and change nothing.
    listed = api_client.get("/api/v1/contracts/")
    assert listed.status_code == 200, listed.content
    (row,) = listed.data["results"]
    contract = Contract.objects.get(tender=tender)
    assert row["id"] == contract.pk
    assert {"sign", "milestones"} <= set(row["allowed_actions"])
    before = list(contract.milestones.order_by("position").values_list("title", "share_bp", "amount_fen"))
    refused = api_client.put(
        f"/api/v1/contracts/{contract.pk}/milestones/",
        {"milestones": [{"title": "首批交付验收", "share": "40"}, {"title": "全部交付验收", "share": "59.99"}]},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    assert set(refused.json()) == {"code", "message", "fields"}
    assert "milestones" in refused.json()["fields"]
    assert list(contract.milestones.order_by("position").values_list("title", "share_bp", "amount_fen")) == before
    changed = api_client.put(
        f"/api/v1/contracts/{contract.pk}/milestones/",
        {
            "milestones": [
                {"title": "合同签订预付款", "share": "33.33"},
                {"title": "首批交付验收", "share": "33.33", "due_on": "2026-09-30"},
                {"title": "全部交付验收", "share": "33.34"},
            ]
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert [m["share_bp"] for m in changed.data["milestones"]] == [3_333, 3_333, 3_334]
    assert sum(m["amount_fen"] for m in changed.data["milestones"]) == PRICES[0]

    # Both parties sign: the contract is active.
    signed = api_client.post(f"/api/v1/contracts/{contract.pk}/sign/")
    assert signed.status_code == 200, signed.content
    assert signed.data["state"] == ContractState.PENDING
    api_client.force_authenticate(winner)
    signed = api_client.post(f"/api/v1/contracts/{contract.pk}/sign/")
    assert signed.status_code == 200, signed.content
    assert signed.data["state"] == ContractState.ACTIVE
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert contract.buyer_signed_at
    assert contract.supplier_signed_at
    assert contract.signed_at

    # The audit trail shows every step, in order.
    assert CommitteeMember.objects.filter(committee=committee, state=MemberState.ACCEPTED).count() == 5
    actions = _trail_actions(client, buyer, tender)
    assert [action for action in actions if action in set(STEPS)] == STEPS

    # The draw replays from its record.
    out = StringIO()
    call_command("replay_committee_draw", tender.pk, stdout=out)
    assert "OK" in out.getvalue()

    # The OCDS record of the tender, now with its award and contract, still validates.
    standard_zip_or_skip()
    api_client.force_authenticate(None)
    response = api_client.get(f"/api/ocds/tenders/{tender.pk}/record/")
    assert response.status_code == 200
    package = encoding.loads(response.content.decode())
    assert ocds_problems(package) == []
    compiled = package["records"][0]["compiledRelease"]
    assert [a["status"] for a in compiled["awards"]] == ["active"]
    assert [c["status"] for c in compiled["contracts"]] == ["active"]

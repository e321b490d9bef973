"""After the opening: the evaluation outcome, the awards, the contracts and their implementation
join a tender's releases, and every package still validates against OCDS 1.1.5 (offline)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace import services
from marketplace.models import Bid, CommitteeMember, Contract, MemberState, Release, Tender
from marketplace.ocds import encoding
from marketplace.states import TenderState
from tests.factories.evaluation import (
    awarded_tender,
    buyer_user,
    formed_committee,
    publicised_tender,
    publicity_over,
    score_all,
    uniform_scores,
)
from tests.factories.marketplace import opened_tender
from tests.marketplace.ocds.validation import ocds_problems, standard_zip_or_skip

pytestmark = pytest.mark.django_db

# Four bids (an open tender needs three qualified): the committee disqualifies the dearest.
PRICES = [39_000_000, 40_000_000, 41_000_000, 42_000_000]
# A technical score one expert gives one bid (91.37): it must never be published, in any form.
DISTINCTIVE_SCORE = 9_137
DISQUALIFICATION_REASON = "营业执照经营范围不含数据标注服务。"


def _user_of(bid: Bid):
    return bid.vendor.memberships.first().user


def _bids(tender: Tender) -> list[Bid]:
    return list(tender.bids.filter(opened_at__isnull=False).order_by("price_fen"))


def _scores(tender: Tender, *, disqualify: Bid, technical: int = 8_000) -> list[services.ScoreInput]:
    return [
        services.ScoreInput(bid_id=bid.pk, qualified=False, reason=DISQUALIFICATION_REASON)
        if bid.pk == disqualify.pk
        else services.ScoreInput(bid_id=bid.pk, qualified=True, technical=technical, business=8_000)
        for bid in services.bids_under_evaluation(tender)
    ]


def _releases(tender: Tender) -> list[dict]:
    texts = Release.objects.filter(tender=tender).order_by("pk").values_list("data", flat=True)
    return [encoding.loads(text) for text in texts]


def _tags(tender: Tender) -> list[list[str]]:
    return list(Release.objects.filter(tender=tender).order_by("pk").values_list("tags", flat=True))


def _get(api_client, path: str) -> dict:
    response = api_client.get(path)
    assert response.status_code == 200, path
    return encoding.loads(response.content.decode())


def _compiled(api_client, tender: Tender) -> dict:
    record = _get(api_client, f"/api/ocds/tenders/{tender.pk}/record/")
    return record["records"][0]["compiledRelease"]


def completed_tender() -> tuple[Tender, Contract]:
    """The whole path: one expert gives a distinctive score, the committee disqualifies the dearest
    bid, the buyer rearranges the milestones (one with a due date), both sign, every milestone met."""
    tender = opened_tender(prices=PRICES)
    formed_committee(tender)
    bids = _bids(tender)
    members = CommitteeMember.objects.filter(committee__tender=tender, state=MemberState.ACCEPTED).select_related(
        "expert__person__user"
    )
    for index, member in enumerate(members):
        services.score_sheet_save(
            actor=member.expert.person.user,
            tender=tender,
            scores=_scores(tender, disqualify=bids[-1], technical=DISTINCTIVE_SCORE if index == 0 else 8_000),
            submit=True,
        )
    tender = services.tender_publicise(actor=buyer_user(tender), tender=tender, days=3)
    tender = publicity_over(tender)
    (contract,) = services.tender_award(actor=buyer_user(tender), tender=tender)
    services.contract_milestones_set(
        actor=buyer_user(tender),
        contract=contract,
        milestones=[
            services.ContractMilestoneSpec(title="样例标注验收", share_bp=1_000, due_on=date(2026, 9, 30)),
            services.ContractMilestoneSpec(title="首批交付验收", share_bp=3_000),
            services.ContractMilestoneSpec(title="全部交付验收", share_bp=6_000),
        ],
    )
    services.contract_sign(actor=buyer_user(tender), contract=contract)
    services.contract_sign(actor=contract.supplier.memberships.first().user, contract=contract)
    for milestone in contract.milestones.order_by("position"):
        services.contract_milestone_meet(actor=buyer_user(tender), contract=contract, milestone_id=milestone.pk)
    tender.refresh_from_db()
    contract.refresh_from_db()
    return tender, contract


def challenged_tender() -> Tender:
    """Round 1 publicised; a bidder's challenge upheld; round 2 disqualifies round 1's first
    candidate and its candidates are in publicity."""
    tender = publicised_tender(prices=PRICES)
    bids = _bids(tender)
    challenge = services.challenge_submit(
        actor=_user_of(bids[1]), tender=tender, vendor=bids[1].vendor, grounds="第一候选人资质存疑。"
    )
    services.challenge_answer(actor=buyer_user(tender), challenge=challenge, answer="经复核，质疑成立。", upheld=True)
    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATION
    assert tender.evaluation_round == 2
    tender = score_all(tender, _scores(tender, disqualify=bids[0]))
    return services.tender_publicise(actor=buyer_user(tender), tender=tender, days=3)


def terminated_tender(*, sign: bool) -> tuple[Tender, Contract]:
    """Awarded; signed and one milestone met before termination, or terminated unsigned."""
    tender, (contract,) = awarded_tender()
    buyer = buyer_user(tender)
    if sign:
        services.contract_sign(actor=buyer, contract=contract)
        services.contract_sign(actor=contract.supplier.memberships.first().user, contract=contract)
        first = contract.milestones.order_by("position").first()
        services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=first.pk)
    services.contract_terminate(actor=buyer, contract=contract, reason="供应商未按期交付。")
    contract.refresh_from_db()
    return tender, contract


def cancelled_in_publicity() -> Tender:
    tender = publicised_tender()
    return services.tender_cancel(actor=buyer_user(tender), tender=tender, reason="采购需求取消。")


@dataclass(frozen=True)
class AwardData:
    completed: Tender
    challenged: Tender
    terminated: Tender
    unsigned: Tender
    cancelled: Tender

    @property
    def all(self) -> list[Tender]:
        return [self.completed, self.challenged, self.terminated, self.unsigned, self.cancelled]


@pytest.fixture
def award_data(db) -> AwardData:
    return AwardData(
        completed=completed_tender()[0],
        challenged=challenged_tender(),
        terminated=terminated_tender(sign=True)[0],
        unsigned=terminated_tender(sign=False)[0],
        cancelled=cancelled_in_publicity(),
    )


def test_every_release_package_and_record_package_validates(award_data, api_client):
    standard_zip_or_skip()
    for tender in award_data.all:
        releases = _get(api_client, f"/api/ocds/tenders/{tender.pk}/releases/")
        record = _get(api_client, f"/api/ocds/tenders/{tender.pk}/record/")

        assert ocds_problems(releases) == [], tender.pk
        assert ocds_problems(record) == [], tender.pk


def test_the_export_and_the_feed_hold_the_award_and_contract_releases_and_validate(award_data, api_client):
    standard_zip_or_skip()
    out = StringIO()
    call_command("export_ocds", "--out", "-", stdout=out, stderr=StringIO())
    export = encoding.loads(out.getvalue())
    feed, path = [], "/api/ocds/releases/?limit=20"
    while path:
        page = _get(api_client, path)
        assert ocds_problems(page) == []
        feed += page["releases"]
        path = page.get("links", {}).get("next")

    every_id = list(Release.objects.order_by("pk").values_list("release_id", flat=True))
    assert [release["id"] for release in export["releases"]] == every_id
    assert [release["id"] for release in feed] == every_id
    assert ocds_problems(export) == []
    tags = {tag for release in export["releases"] for tag in release["tag"]}
    assert {"award", "awardUpdate", "contract", "contractUpdate", "implementation", "contractTermination"} <= tags


def test_the_completed_tender_publishes_each_step_in_order(db):
    tender, _contract = completed_tender()

    assert _tags(tender) == [
        ["tender"],
        ["tenderUpdate"],
        ["tenderUpdate"],
        ["award"],
        ["award", "contract"],
        ["contractUpdate"],
        ["implementation"],
        ["implementation"],
        ["implementation", "contractUpdate"],
    ]
    releases = _releases(tender)
    in_publicity, awarded, signed = releases[3], releases[4], releases[5]
    (pending,) = in_publicity["awards"]
    winner = _bids(tender)[0]
    assert pending["id"] == "award-lot-1-r1"
    assert pending["status"] == "pending"
    assert "date" not in pending
    assert pending["suppliers"] == [{"id": f"CN-USCI-{winner.vendor.credit_code}", "name": winner.vendor.name}]
    assert pending["relatedBids"] == [str(winner.uid)]
    assert "contracts" not in in_publicity
    # Before both sign, the contract's milestones may still change: none is published.
    (unsigned,) = awarded["contracts"]
    assert unsigned["status"] == "pending"
    assert "milestones" not in unsigned
    assert "dateSigned" not in unsigned
    (active,) = signed["contracts"]
    assert active["status"] == "active"
    assert [m["title"] for m in active["milestones"]] == ["样例标注验收", "首批交付验收", "全部交付验收"]
    assert [m.get("status") for m in active["milestones"]] == ["scheduled", None, None]
    assert "implementation" not in active


def test_the_compiled_release_holds_the_final_award_contract_and_implementation(db, api_client):
    tender, contract = completed_tender()
    winner, *_others, dearest = _bids(tender)

    compiled = _compiled(api_client, tender)

    assert compiled["tender"]["status"] == "complete"
    (award,) = compiled["awards"]
    assert award["id"] == "award-lot-1-r1"
    assert award["status"] == "active"
    assert award["date"] == encoding.date_time(contract.award.awarded_at)
    assert award["value"] == {"amount": encoding.yuan(winner.price_fen), "currency": "CNY"}
    assert award["relatedLots"] == ["lot-1"]
    assert [item["id"] for item in award["items"]] == ["lot-1"]
    supplier_id = f"CN-USCI-{winner.vendor.credit_code}"
    assert award["suppliers"] == [{"id": supplier_id, "name": winner.vendor.name}]
    roles = {party["id"]: party["roles"] for party in compiled["parties"]}
    assert roles[supplier_id] == ["tenderer", "supplier"]
    assert roles[f"CN-USCI-{dearest.vendor.credit_code}"] == ["tenderer"]
    statuses = {bid["id"]: bid["status"] for bid in compiled["bids"]["details"]}
    assert statuses[str(dearest.uid)] == "disqualified"
    assert statuses[str(winner.uid)] == "valid"
    assert {s["id"]: s["value"] for s in compiled["bids"]["statistics"]} == {"bids": 4, "validBids": 3}

    (published,) = compiled["contracts"]
    assert published["id"] == contract.reference
    assert published["awardID"] == award["id"]
    assert published["status"] == "terminated"
    with translation.override(settings.LANGUAGE_CODE):
        assert published["description"] == _("Completed: every payment milestone was met.")
    assert published["dateSigned"] == encoding.date_time(contract.signed_at)
    assert published["period"] == {
        "startDate": encoding.date_time(contract.signed_at),
        "endDate": encoding.date_time(contract.completed_at),
    }
    assert published["value"] == {"amount": encoding.yuan(contract.value_fen), "currency": "CNY"}
    milestones = published["milestones"]
    assert [m["status"] for m in milestones] == ["met", "met", "met"]
    assert {m["type"] for m in milestones} == {"payment"}
    assert sum(m["value"]["amount"] for m in milestones) == encoding.yuan(contract.value_fen)
    assert milestones[0]["dueDate"] == "2026-09-30T23:59:59+08:00"
    assert all("dateMet" in m for m in milestones)
    assert [m["id"] for m in published["implementation"]["milestones"]] == [m["id"] for m in milestones]


def test_an_upheld_challenge_cancels_the_rounds_awards_and_the_next_round_is_published(db, api_client):
    tender = challenged_tender()
    first, second, *_others = _bids(tender)

    assert _tags(tender)[3:] == [["award"], ["awardUpdate"], ["award"]]
    reevaluation = _releases(tender)[4]
    assert [(a["id"], a["status"]) for a in reevaluation["awards"]] == [("award-lot-1-r1", "cancelled")]
    compiled = _compiled(api_client, tender)
    assert compiled["tender"]["status"] == "active"
    assert [(a["id"], a["status"], a["relatedBids"]) for a in compiled["awards"]] == [
        ("award-lot-1-r1", "cancelled", [str(first.uid)]),
        ("award-lot-1-r2", "pending", [str(second.uid)]),
    ]
    statuses = {bid["id"]: bid["status"] for bid in compiled["bids"]["details"]}
    assert statuses[str(first.uid)] == "disqualified"


def test_a_contract_terminated_after_signature_is_terminated_with_unmet_milestones(db, api_client):
    tender, contract = terminated_tender(sign=True)

    assert _tags(tender)[-3:] == [["contractUpdate"], ["implementation"], ["contractTermination"]]
    (published,) = _compiled(api_client, tender)["contracts"]
    assert published["status"] == "terminated"
    assert "供应商未按期交付。" in published["description"]
    assert published["period"]["endDate"] == encoding.date_time(contract.terminated_at)
    assert [m["status"] for m in published["milestones"]] == ["met", "notMet"]
    assert published["milestones"][1]["dateModified"] == encoding.date_time(contract.terminated_at)
    assert [m["id"] for m in published["implementation"]["milestones"]] == ["milestone-1"]


def test_a_contract_terminated_before_signature_is_cancelled(db, api_client):
    tender, _contract = terminated_tender(sign=False)

    (published,) = _compiled(api_client, tender)["contracts"]
    assert published["status"] == "cancelled"
    assert "供应商未按期交付。" in published["description"]
    assert "milestones" not in published
    assert "period" not in published
    assert "dateSigned" not in published


def test_cancelling_a_tender_in_publicity_cancels_its_pending_awards(db, api_client):
    tender = cancelled_in_publicity()

    assert _tags(tender)[-2:] == [["award"], ["tenderCancellation"]]
    compiled = _compiled(api_client, tender)
    assert compiled["tender"]["status"] == "cancelled"
    assert [(a["id"], a["status"]) for a in compiled["awards"]] == [("award-lot-1-r1", "cancelled")]


def test_no_release_before_the_opening_holds_a_price_or_an_outcome(award_data):
    for tender in award_data.all:
        prices = [str(encoding.yuan(bid.price_fen)) for bid in tender.bids.all()]
        prices += [str(bid.price_fen) for bid in tender.bids.all()]
        before = Release.objects.filter(tender=tender, date__lt=tender.opened_at)
        assert before.exists()
        for text in before.values_list("data", flat=True):
            data = encoding.loads(text)
            assert not {"bids", "awards", "contracts"} & data.keys()
            assert not any(price in text for price in prices)


def test_no_experts_score_is_ever_published(db, api_client):
    tender, _contract = completed_tender()
    # The score (as points or hundredths), or any field of scores, points or ranks.
    forbidden = re.compile(r'91\.37|(?<![\w-])9137(?![\w-])|"[^"]*(score|points|rank)[^"]*"\s*:', re.IGNORECASE)
    out = StringIO()
    call_command("export_ocds", "--out", "-", stdout=out, stderr=StringIO())
    texts = [
        out.getvalue(),
        api_client.get(f"/api/ocds/tenders/{tender.pk}/releases/").content.decode(),
        api_client.get(f"/api/ocds/tenders/{tender.pk}/record/").content.decode(),
        api_client.get("/api/ocds/releases/?limit=1000").content.decode(),
    ]

    assert tender.score_sheets.filter(scores__technical=DISTINCTIVE_SCORE).exists()
    for text in texts:
        assert forbidden.search(text) is None
        assert DISQUALIFICATION_REASON not in text


def test_the_committee_disqualifying_every_bid_fails_the_tender_with_disqualified_bids(db, api_client):
    tender = opened_tender()
    formed_committee(tender)
    scores = [
        services.ScoreInput(bid_id=s.bid_id, qualified=False, reason=DISQUALIFICATION_REASON)
        for s in uniform_scores(tender)
    ]
    tender = score_all(tender, scores)

    assert tender.state == TenderState.FAILED
    compiled = _compiled(api_client, tender)
    assert {bid["status"] for bid in compiled["bids"]["details"]} == {"disqualified"}
    assert "awards" not in compiled
    assert compiled["tender"]["status"] == "unsuccessful"


def test_the_publicity_end_is_in_the_pending_awards_description(db):
    tender = publicised_tender()

    (award,) = _releases(tender)[-1]["awards"]
    until = timezone.localtime(tender.publicity_ends_at).isoformat(timespec="minutes")
    assert until in award["description"]
    assert tender.publicity_ends_at - tender.publicity_started_at == timedelta(days=3)

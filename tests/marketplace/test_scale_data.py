"""The exchange's part of the benchmark scale data set, built small: the rows are what the services
would have written (states, sealed bids that open with their receipts, permissions, committees
drawn as the draw service draws them, results computed by the scoring of the stored scores,
awards and contracts as the award service opens them) and each tender's last release is exactly
what the real OCDS builder makes of the rows."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from bench import scale_marketplace, scale_registry
from marketplace import committee_draw, scoring
from marketplace.committee_replay import committee_draw_replay
from marketplace.models import (
    Award,
    Bid,
    BidResult,
    BidState,
    Challenge,
    ChallengeState,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Contract,
    ContractState,
    Lot,
    LotState,
    MemberState,
    MilestoneState,
    Release,
    Score,
    ScoreSheet,
    Tender,
)
from marketplace.ocds.build import release_data
from marketplace.ocds.encoding import dumps, loads
from marketplace.procedures import rules_of
from marketplace.services import bid_unseal, committee_candidates
from marketplace.services.contracts import SIGNING_PERIOD
from marketplace.states import TenderState
from portal.money import split_by_shares
from portal.permissions import with_perm
from registry.talent.models import Employment, Expert, ExpertStatus
from tests.marketplace.ocds.validation import ocds_problems, standard_zip_or_skip

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TENDERS, BIDS = 400, 4_000
EVALUATED = (TenderState.EVALUATION, TenderState.PUBLICITY, TenderState.AWARDED)
# The tags of the releases the contracts write (services.contracts).
CONTRACT_EVENTS = (
    ["contractUpdate"],
    ["implementation"],
    ["implementation", "contractUpdate"],
    ["contractTermination"],
)


def _quiet(*_args: object) -> None:
    pass


@pytest.fixture
def scale_data(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    scale_registry.generate(organisations=600, people=10, log=_quiet)
    scale_marketplace.generate(tenders=TENDERS, bids=BIDS, catalogue_entries=40, log=_quiet)


def test_the_scale_data_has_every_state_and_exactly_the_bids_asked_for(scale_data):
    states = Counter(Tender.objects.values_list("state", flat=True))

    assert sum(states.values()) == TENDERS
    assert Bid.objects.count() == BIDS
    assert scale_marketplace.present(tenders=TENDERS, bids=BIDS)
    for state in (*scale_marketplace.OPENED_STATES, *scale_marketplace.SEALED_STATES, TenderState.DRAFT):
        assert states[state] > 0, state
    assert not Bid.objects.filter(tender__state=TenderState.DRAFT).exists()
    assert Tender.objects.filter(state=TenderState.OPEN, next_check_at__isnull=False).count() == states["open"]
    # After the opening: every stage of the second tender issue is there.
    assert Expert.objects.filter(status=ExpertStatus.APPROVED).count() > scale_marketplace.EXPERTS * 0.9
    assert set(CommitteeMember.objects.values_list("state", flat=True)) == set(MemberState.values)
    assert ScoreSheet.objects.filter(submitted_at__isnull=True).exists()
    assert set(Challenge.objects.values_list("state", flat=True)) == {ChallengeState.PENDING, ChallengeState.REJECTED}
    assert set(Contract.objects.values_list("state", flat=True)) == set(ContractState.values)
    assert Contract.objects.filter(state=ContractState.TERMINATED, signed_at__isnull=True).exists()
    assert Contract.objects.filter(state=ContractState.TERMINATED, signed_at__isnull=False).exists()
    assert Lot.objects.filter(tender__state=TenderState.AWARDED, state=LotState.UNSUCCESSFUL).exists()
    in_evaluation = Tender.objects.filter(state=TenderState.EVALUATION)
    assert in_evaluation.filter(bid_results__isnull=False).distinct().count() > 0  # concluded
    assert in_evaluation.filter(bid_results__isnull=True).count() > in_evaluation.count() / 2  # scoring
    # Built once: a second build (or one over an older version's) would double the exchange.
    with pytest.raises(RuntimeError, match="drop the database"):
        scale_marketplace.generate(tenders=1, bids=1, log=_quiet)


def test_bids_open_with_their_receipts_and_are_sealed_until_the_opening(scale_data):
    sealed = Bid.objects.filter(tender__state__in=scale_marketplace.SEALED_STATES)
    opened = Bid.objects.filter(tender__state__in=scale_marketplace.OPENED_STATES)

    assert set(sealed.values_list("price_fen", flat=True)) == {None}
    assert set(sealed.values_list("state", flat=True)) <= {BidState.SUBMITTED, BidState.WITHDRAWN}
    assert set(opened.values_list("state", flat=True)) == {BidState.VALID, BidState.INVALID}
    for bid in [*sealed.order_by("?")[:20], *opened.order_by("?")[:20]]:
        content = bid_unseal(bid)
        assert bid.price_fen in (None, content.price_fen)
    invalid = opened.filter(state=BidState.INVALID).select_related("lot").first()
    assert invalid.price_fen > invalid.lot.budget_fen


def test_buyers_and_bidders_hold_the_permissions_the_services_grant(scale_data):
    bid = Bid.objects.select_related("submitted_by").order_by("?").first()
    tender = Tender.objects.select_related("created_by").filter(state=TenderState.DRAFT).first()

    assert (
        with_perm(user=bid.submitted_by, perm="marketplace.view_bid", queryset=Bid.objects.all())
        .filter(pk=bid.pk)
        .exists()
    )
    assert (
        with_perm(user=tender.created_by, perm="marketplace.change_tender", queryset=Tender.objects.all())
        .filter(pk=tender.pk)
        .exists()
    )


def test_every_committee_draw_replays_and_drew_from_the_experts_the_service_finds_eligible(scale_data):
    assert set(Committee.objects.values_list("tender__state", flat=True)) == set(EVALUATED)
    assert Committee.objects.count() == Tender.objects.filter(state__in=EVALUATED).count()
    members_of = defaultdict(list)
    for draw_id, expert_id in CommitteeMember.objects.values_list("draw_id", "expert_id"):
        members_of[draw_id].append(expert_id)
    earlier: dict[int, set[int]] = defaultdict(set)  # committee -> experts drawn so far
    refills = 0
    for draw in CommitteeDraw.objects.select_related("committee").order_by("committee", "round"):
        tender_id = draw.committee.tender_id
        assert draw.drawn == committee_draw.draw(
            seed=draw.seed, candidates=draw.candidates, seats=draw.seats, round_number=draw.round
        )
        assert draw.digest == committee_draw.digest(
            tender_id=tender_id,
            round_number=draw.round,
            seed=draw.seed,
            candidates=draw.candidates,
            seats=draw.seats,
            drawn=draw.drawn,
        )
        assert sorted(members_of[draw.pk]) == sorted(draw.drawn)
        assert not earlier[draw.committee_id] & set(draw.candidates)
        assert draw.seats == (draw.committee.size if draw.round == 1 else 1)
        refills += draw.round > 1
        earlier[draw.committee_id].update(draw.drawn)
    assert refills > 0
    # The candidates are the experts the service finds eligible today (specialties, status and
    # conflicts, which the pool keeps as they were on the day of every draw).
    sample = CommitteeDraw.objects.select_related("committee__tender").order_by("-round", "pk")[:12]
    for draw in sample:
        drawn_before = CommitteeDraw.objects.filter(committee=draw.committee, round__lt=draw.round)
        exclude = {expert for earlier_draw in drawn_before for expert in earlier_draw.drawn}
        assert draw.candidates == committee_candidates(draw.committee.tender, exclude=exclude)
    # A conflict keeps an expert out: none who works for a bidder is ever a candidate.
    conflicted = 0
    for job in Employment.objects.all():
        tenders = Bid.objects.filter(vendor_id=job.organisation_id).values("tender_id")
        for draw in CommitteeDraw.objects.filter(committee__tender__in=tenders):
            assert job.expert_id not in draw.candidates
            conflicted += 1
    assert conflicted > 0
    # The replay finds nothing wrong but the audit entries the scale data set does not write.
    for committee in Committee.objects.select_related("tender").order_by("?")[:5]:
        report = committee_draw_replay(tender=committee.tender)
        assert report.problems
        assert all("audit log has no entry" in problem for problem in report.problems), report.problems


def _judgements(tender: Tender) -> dict[int, list[scoring.Judgement]]:
    """As `services.evaluation._conclude` reads the submitted score sheets."""
    judgements: dict[int, list[scoring.Judgement]] = defaultdict(list)
    scores = Score.objects.filter(sheet__tender=tender, sheet__round=1, sheet__submitted_at__isnull=False)
    for score in scores.order_by("sheet__member_id", "bid_id"):
        judgements[score.bid_id].append(
            scoring.Judgement(
                qualified=score.qualified,
                technical=score.technical,
                business=score.business,
                reason=score.disqualification_reason,
            )
        )
    return judgements


def _points(result: BidResult | scoring.Outcome, reasons: str) -> tuple[object, ...]:
    return (
        result.qualified,
        reasons,
        result.price_points,
        result.technical_points,
        result.business_points,
        result.total_points,
        result.rank,
    )


def test_results_are_what_the_scoring_makes_of_the_stored_scores(scale_data):
    concluded = Tender.objects.filter(bid_results__isnull=False).distinct()
    assert set(concluded.values_list("state", flat=True)) == set(EVALUATED)
    assert not Tender.objects.filter(state__in=(TenderState.PUBLICITY, TenderState.AWARDED), bid_results=None)
    disqualified = 0
    for tender in concluded.prefetch_related("lots"):
        committee = Committee.objects.get(tender=tender)
        seated = CommitteeMember.objects.filter(committee=committee, state=MemberState.ACCEPTED)
        assert seated.count() == committee.size
        sheets = ScoreSheet.objects.filter(tender=tender, round=1)
        assert sheets.filter(submitted_at__isnull=False).count() == committee.size
        assert set(sheets.values_list("member_id", flat=True)) == set(seated.values_list("pk", flat=True))
        valid = list(Bid.objects.filter(tender=tender, state=BidState.VALID).order_by("lot__number", "received_at"))
        judgements = _judgements(tender)
        assert all(len(judgements[bid.pk]) == committee.size for bid in valid)
        weights = scoring.Weights(tender.price_weight_bp, tender.technical_weight_bp, tender.business_weight_bp)
        needed = rules_of(tender.procedure).min_valid_bids
        for lot in tender.lots.all():
            outcomes = scoring.evaluate_lot(
                [
                    scoring.BidInput(bid.pk, bid.price_fen, bid.received_at, judgements[bid.pk])
                    for bid in valid
                    if bid.lot_id == lot.pk
                ],
                weights,
            )
            stored = BidResult.objects.filter(lot=lot, round=1)
            assert {r.bid_id: _points(r, r.disqualification_reasons) for r in stored} == {
                o.bid_id: _points(o, "\n".join(o.reasons)) for o in outcomes
            }
            qualified = sum(o.qualified for o in outcomes)
            assert lot.state == (LotState.ACTIVE if qualified >= needed else LotState.UNSUCCESSFUL)
            disqualified += len(outcomes) - qualified
    assert disqualified > 0
    # Still scoring: no results, and the sheets hold scores for the valid bids only.
    scoring_sheets = ScoreSheet.objects.filter(tender__state=TenderState.EVALUATION, tender__bid_results=None)
    assert scoring_sheets.exists()
    assert not Score.objects.filter(sheet__in=scoring_sheets).exclude(bid__state=BidState.VALID).exists()


def test_awarded_lots_have_their_award_and_a_contract_with_consistent_milestones(scale_data):
    now = timezone.now()
    awarded = Tender.objects.filter(state=TenderState.AWARDED)
    active = Lot.objects.filter(tender__in=awarded, state=LotState.ACTIVE)
    assert Award.objects.count() == active.count() == Contract.objects.count()
    assert set(Award.objects.values_list("lot_id", flat=True)) == set(active.values_list("pk", flat=True))
    for award in Award.objects.select_related("bid", "tender", "contract"):
        first = BidResult.objects.get(lot_id=award.lot_id, round=1, rank=1)
        assert award.bid_id == first.bid_id
        assert award.supplier_id == award.bid.vendor_id
        assert award.value_fen == award.bid.price_fen == award.contract.value_fen
        assert award.awarded_at == award.tender.state_changed_at
        assert award.tender.publicity_ends_at <= award.awarded_at
        assert not award.tender.challenges.filter(state=ChallengeState.PENDING).exists()
    for contract in Contract.objects.select_related("award", "tender").prefetch_related("milestones"):
        assert re.fullmatch(
            rf"HT{timezone.localtime(contract.award.awarded_at).year}{contract.pk:08d}", contract.reference
        )
        assert contract.sign_by == contract.award.awarded_at + SIGNING_PERIOD
        milestones = list(contract.milestones.order_by("position"))
        template = list(contract.tender.milestones.order_by("position").values_list("title", "share_bp"))
        assert [(m.title, m.share_bp) for m in milestones] == template
        assert [m.amount_fen for m in milestones] == split_by_shares(contract.value_fen, [s for _t, s in template])
        assert sum(m.amount_fen for m in milestones) == contract.value_fen
        met = [m for m in milestones if m.state == MilestoneState.MET]
        assert all((m.met_at is not None) == (m.state == MilestoneState.MET) for m in milestones)
        assert all(m.met_at <= now for m in met)
        signed = contract.signed_at is not None
        assert signed == (contract.buyer_signed_at is not None and contract.supplier_signed_at is not None)
        if signed:
            assert contract.signed_at == max(contract.buyer_signed_at, contract.supplier_signed_at) <= contract.sign_by
            assert all(m.met_at > contract.signed_at for m in met)
        if contract.state == ContractState.PENDING:
            assert not signed
            assert not met
        elif contract.state == ContractState.ACTIVE:
            assert signed
            assert len(met) < len(milestones)
        elif contract.state == ContractState.COMPLETED:
            assert len(met) == len(milestones)
            assert contract.completed_at == max(m.met_at for m in met)
        else:
            assert contract.terminated_at <= now
            assert contract.termination_reason
            assert len(met) < len(milestones)
            assert all(m.met_at < contract.terminated_at for m in met)


def test_the_last_release_of_each_tender_is_what_the_real_builder_makes(scale_data):
    # The committee's conclusion writes no release (services.evaluation), so the last release of
    # a tender still in evaluation predates the verdicts when the committee disqualified a bid.
    judged = BidResult.objects.filter(tender__state=TenderState.EVALUATION, qualified=False).values("tender_id")
    compared: Counter[str] = Counter()
    for tender in Tender.objects.exclude(state=TenderState.DRAFT).exclude(pk__in=judged):
        releases = list(Release.objects.filter(tender=tender).order_by("pk"))
        assert [r.release_id for r in releases] == [f"{r.ocid}-{n:04d}" for n, r in enumerate(releases, start=1)]
        last = releases[-1]
        expected = release_data(tender=tender, tags=last.tags, release_id=last.release_id, date=last.date)
        assert last.data == dumps(expected), tender.state
        compared[tender.state] += 1
        # After the opening, only the release of the latest state change is written.
        if tender.state == TenderState.AWARDED:
            assert last.tags in (["award", "contract"], *CONTRACT_EVENTS)
        elif tender.state == TenderState.PUBLICITY:
            assert last.tags == ["award"]
        if tender.state in scale_marketplace.OPENED_STATES:
            assert [r.tags for r in releases[:3]] == [releases[0].tags, ["tenderUpdate"], ["tenderUpdate"]]
            assert len(releases) == (4 if tender.state in (TenderState.PUBLICITY, TenderState.AWARDED) else 3)
    assert sum(compared.values()) > TENDERS * 0.9
    assert compared[TenderState.AWARDED] > TENDERS / 2
    assert compared[TenderState.PUBLICITY] > 0


def test_the_scale_releases_validate_as_ocds(scale_data):
    standard_zip_or_skip()
    releases = [loads(text) for text in Release.objects.order_by("pk").values_list("data", flat=True)]
    package = {
        "uri": "http://127.0.0.1:8000/api/ocds/releases/",
        "version": "1.1",
        "publishedDate": releases[-1]["date"],
        "publisher": {"name": "全国数据标注公共服务平台"},
        "releases": releases,
    }

    assert ocds_problems(package) == []

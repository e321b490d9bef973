"""Factories for the stages after the opening: an expert pool, a committee, an evaluated tender, a
tender in publicity, an awarded one. Everything goes through the services (so audit rows,
notifications and releases exist); the one shortcut is `publicity_over`, since tests cannot wait
three days."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from marketplace import services
from marketplace.models import Committee, CommitteeMember, Contract, MemberState, Tender
from portal.accounts.models import User
from registry.talent.models import Expert
from registry.taxonomy import Modality
from tests.factories.marketplace import opened_tender
from tests.factories.registry import UserFactory
from tests.factories.talent import ExpertFactory, PersonFactory


def expert_user(expert: Expert) -> User:
    return expert.person.user


def pool_expert(*, modality: str = Modality.VIDEO, **kwargs) -> Expert:
    """An approved expert with a portal account, specialised in `modality`."""
    return ExpertFactory(person=PersonFactory(user=UserFactory()), modalities=[modality], **kwargs)


def expert_pool(size: int = 7, *, modality: str = Modality.VIDEO) -> list[Expert]:
    return [pool_expert(modality=modality) for _ in range(size)]


def buyer_user(tender: Tender) -> User:
    return tender.created_by


def formed_committee(tender: Tender, *, size: int = 5, pool: int | None = None, accept: bool = True) -> Committee:
    """Draw a committee of `size` from a fresh pool (of `pool` experts, default size + 2), every
    member accepting unless `accept` is false."""
    expert_pool(pool or size + 2, modality=tender.lots.first().modality)
    committee = services.committee_form(actor=buyer_user(tender), tender=tender, size=size)
    if accept:
        for member in committee.members.select_related("expert__person__user"):
            services.committee_member_accept(actor=member.expert.person.user, member=member)
    return committee


def uniform_scores(tender: Tender, *, technical: int = 8_000, business: int = 8_000) -> list[services.ScoreInput]:
    return [
        services.ScoreInput(bid_id=bid.pk, qualified=True, technical=technical, business=business)
        for bid in services.bids_under_evaluation(tender)
    ]


def score_all(tender: Tender, scores: list[services.ScoreInput] | None = None) -> Tender:
    """Every accepted member submits `scores` (default: everyone qualified, 80/80)."""
    scores = scores if scores is not None else uniform_scores(tender)
    for member in CommitteeMember.objects.filter(committee__tender=tender, state=MemberState.ACCEPTED).select_related(
        "expert__person__user"
    ):
        services.score_sheet_save(actor=member.expert.person.user, tender=tender, scores=scores, submit=True)
    tender.refresh_from_db()
    return tender


def evaluated_tender(**kwargs) -> Tender:
    """An opened tender (opened_tender's arguments) whose committee has scored every bid."""
    tender = opened_tender(**kwargs)
    formed_committee(tender)
    return score_all(tender)


def publicised_tender(*, days: int = 3, **kwargs) -> Tender:
    tender = evaluated_tender(**kwargs)
    return services.tender_publicise(actor=buyer_user(tender), tender=tender, days=days)


def publicity_over(tender: Tender) -> Tender:
    """Move the publicity window into the past."""
    Tender.objects.filter(pk=tender.pk).update(
        publicity_started_at=timezone.now() - timedelta(days=4), publicity_ends_at=timezone.now() - timedelta(seconds=1)
    )
    tender.refresh_from_db()
    return tender


def awarded_tender(**kwargs) -> tuple[Tender, list[Contract]]:
    tender = publicity_over(publicised_tender(**kwargs))
    contracts = services.tender_award(actor=buyer_user(tender), tender=tender)
    tender.refresh_from_db()
    return tender, contracts

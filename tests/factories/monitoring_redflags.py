"""Factories for the red flags: regulators by scope, tenders crafted so that one flag fires, and
alerts (as the computation would raise them) for the permission tests."""

from __future__ import annotations

from datetime import timedelta

import factory

from marketplace import services
from marketplace.models import Tender
from marketplace.procedures import EvaluationMethod, Procedure
from monitoring.redflags.models import Alert, RedFlag
from portal.accounts.models import User
from registry.roles import OrganisationKind, Role
from tests.factories.evaluation import formed_committee, score_all
from tests.factories.marketplace import TenderFactory, opened_tender
from tests.factories.registry import MembershipFactory, OrganisationFactory


def regulator(scope_region_code: str = "") -> User:
    """A regulator of a data administration scoped to `scope_region_code` (national when empty)."""
    organisation = OrganisationFactory(
        kind=OrganisationKind.AGENCY, region_code=scope_region_code or "110000", verified=True
    )
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code=scope_region_code).user


def enterprise_buyer(region_code: str = "440300") -> User:
    enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, region_code=region_code, verified=True)
    return MembershipFactory(organisation=enterprise, role=Role.ENTERPRISE_BUYER).user


def with_bid_period(tender: Tender, *, days: int) -> Tender:
    """Date the publication `days` before the deadline (the factories publish just before it)."""
    Tender.objects.filter(pk=tender.pk).update(published_at=tender.deadline - timedelta(days=days))
    tender.refresh_from_db()
    return tender


RFQ = {
    "procedure": Procedure.REQUEST_FOR_QUOTATION,
    "evaluation_method": EvaluationMethod.LOWEST_PRICE,
    "price_weight_bp": 10_000,
    "technical_weight_bp": 0,
    "business_weight_bp": 0,
}


def publicised(*, prices: list[int], disqualify: tuple[int, ...] = (), **tender_kwargs) -> Tender:
    """A tender with bids at `prices` (in that order of arrival), the bids at the positions in
    `disqualify` disqualified by every member of the committee, the others qualified (80/80), and
    the candidates in publicity. Default: an agency's open tender under comprehensive scoring."""
    tender = opened_tender(prices=prices, **tender_kwargs)
    formed_committee(tender)
    bids = sorted(services.bids_under_evaluation(tender), key=lambda bid: (bid.received_at, bid.pk))
    scores = [
        services.ScoreInput(
            bid_id=bid.pk,
            qualified=position not in disqualify,
            technical=8_000,
            business=8_000,
            reason="资质证书过期" if position in disqualify else "",
        )
        for position, bid in enumerate(bids)
    ]
    score_all(tender, scores)
    return services.tender_publicise(actor=tender.created_by, tender=tender, days=3)


def rfq_publicised(*, prices: list[int], disqualify: tuple[int, ...] = (), actor: User | None = None) -> Tender:
    """An enterprise's request for quotation (one qualified bid suffices, the lowest price wins)."""
    return publicised(prices=prices, disqualify=disqualify, actor=actor or enterprise_buyer(), **RFQ)


SINGLE_BID_EVIDENCE = {
    "reference": "",
    "lots": [
        {
            "lot": 1,
            "lot_title": "视频框选",
            "budget_fen": 50_000_000,
            "bids": [
                {
                    "bid": 1,
                    "vendor": "示例数据标注有限公司",
                    "price_fen": 40_000_000,
                    "disqualified": False,
                    "reasons": "",
                }
            ],
        }
    ],
}


class AlertFactory(factory.django.DjangoModelFactory):
    """An open single-bid alert on a published tender of a Sichuan agency (region 510000)."""

    class Meta:
        model = Alert

    flag = RedFlag.SINGLE_BID
    tender = factory.LazyFunction(lambda: TenderFactory(publish=True))
    buyer = factory.LazyAttribute(lambda alert: alert.tender.buyer)
    region = factory.LazyAttribute(lambda alert: alert.tender.region)
    evidence = factory.LazyFunction(lambda: dict(SINGLE_BID_EVIDENCE))

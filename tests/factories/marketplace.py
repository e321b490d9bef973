"""Factories of the tender exchange. Everything is made through the services, so each object has
its permissions, audit rows and OCDS releases; `past_deadline` is the one shortcut (tests cannot
wait twenty days for a deadline)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace import services
from marketplace.models import Bid, CatalogueEntry, Tender
from marketplace.procedures import EvaluationMethod, Procedure
from portal.accounts.models import User
from registry.models import Organisation
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector
from tests.factories.registry import MembershipFactory, OrganisationFactory


def agency_staff(organisation: Organisation | None = None) -> User:
    """A verified agency's staff member (a new agency unless one is given)."""
    organisation = organisation or OrganisationFactory(
        kind=OrganisationKind.AGENCY, region_code="510000", verified=True
    )
    return MembershipFactory(organisation=organisation, role=Role.AGENCY_STAFF).user


def vendor_staff(organisation: Organisation | None = None, *, region_code: str = "510100") -> User:
    organisation = organisation or OrganisationFactory(
        kind=OrganisationKind.VENDOR, region_code=region_code, verified=True
    )
    return MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user


def buyer_of(user: User) -> Organisation:
    return user.memberships.get(role__in=(Role.AGENCY_STAFF, Role.ENTERPRISE_BUYER)).organisation


def vendor_of(user: User) -> Organisation:
    return user.memberships.get(role=Role.VENDOR_STAFF).organisation


def tender_spec(**overrides) -> services.TenderSpec:
    values = {
        "title": "城市交通视频目标标注",
        "description": "对路口监控视频中的车辆、行人进行框选标注。",
        "procedure": Procedure.OPEN_TENDER,
        "evaluation_method": EvaluationMethod.COMPREHENSIVE_SCORING,
        "sector": Sector.TRANSPORT,
        "deadline": timezone.now() + timedelta(days=25),
        "lots": [services.LotSpec(title="视频框选", modality=Modality.VIDEO, volume=100_000, budget_fen=50_000_000)],
        "milestones": [
            services.MilestoneSpec(title="首批交付验收", share_bp=3_000),
            services.MilestoneSpec(title="全部交付验收", share_bp=7_000),
        ],
        "price_weight_bp": 3_000,
        "technical_weight_bp": 6_000,
        "business_weight_bp": 1_000,
    }
    values.update(overrides)
    return services.TenderSpec(**values)


def document_upload(name: str = "招标文件.pdf", content: bytes = b"%PDF-1.4 tender documents") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class CatalogueEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogueEntry

    actor = factory.LazyFunction(agency_staff)
    dataset = factory.Sequence(lambda n: f"公共交通卡口图像数据集{n}")
    description = "路网卡口抓拍图像，已脱敏。"
    sector = Sector.TRANSPORT
    modality = Modality.IMAGE
    volume = 2_000_000
    volume_unit = "image"
    openness = "conditional"
    annotation_needs = "车辆类型、车牌区域框选（脱敏）。"

    @classmethod
    def _create(cls, model_class, *args, actor, **fields):
        return services.catalogue_entry_create(actor=actor, agency=buyer_of(actor), **fields)


class TenderFactory(factory.django.DjangoModelFactory):
    """A tender by a new agency's staff member (`actor`); `publish=True` opens it for bids."""

    class Meta:
        model = Tender

    actor = factory.LazyFunction(agency_staff)
    publish = False

    @classmethod
    def _create(cls, model_class, *args, actor, publish, **overrides):
        tender = services.tender_create(actor=actor, buyer=buyer_of(actor), spec=tender_spec(**overrides))
        services.tender_document_add(actor=actor, tender=tender, title="招标文件", upload=document_upload())
        if publish:
            tender = services.tender_publish(actor=actor, tender=tender)
        return tender


def bid_on(tender: Tender, user: User, *, price_fen: int = 40_000_000, lot=None, name: str = "技术方案.pdf") -> Bid:
    return services.bid_submit(
        actor=user,
        tender=tender,
        lot=lot or tender.lots.get(number=1),
        vendor=vendor_of(user),
        price_fen=price_fen,
        documents=[services.BidDocumentInput(name=name, content=b"technical proposal " + name.encode())],
    )


def past_deadline(tender: Tender, *, seconds_ago: int = 1) -> Tender:
    """Move the deadline (and the sweep's next check) into the past, as if the bid period ran out."""
    moment = timezone.now() - timedelta(seconds=seconds_ago)
    Tender.objects.filter(pk=tender.pk).update(deadline=moment, next_check_at=moment)
    tender.refresh_from_db()
    return tender


def opened_tender(*, bidders: int = 3, prices: list[int] | None = None, **overrides) -> Tender:
    """A published tender with `bidders` bids, past its deadline and opened by the sweep."""
    tender = TenderFactory(publish=True, **overrides)
    prices = prices or [40_000_000 + 1_000_000 * i for i in range(bidders)]
    for index, price in enumerate(prices):
        bid_on(tender, vendor_staff(region_code=("510100", "340100", "440300", "110000")[index % 4]), price_fen=price)
    past_deadline(tender)
    # The sweep queues the opening after commit, which a test's transaction never reaches.
    for tender_id in services.tenders_close_due():
        services.tender_open(tender_id=tender_id)
    tender.refresh_from_db()
    return tender

"""Factories for vouchers: an authority with its officer, an open programme, a holder with a
voucher, an enterprise contract to redeem against. Everything goes through the services, so the
ledger, the audit rows and the permissions are what production would have."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import Award, Bid, Contract, ContractMilestone, ContractState, Lot, Tender
from marketplace.procedures import EvaluationMethod, Procedure
from marketplace.states import TenderState
from portal.accounts.models import User
from registry.models import Organisation
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector
from tests.factories.registry import MembershipFactory, OrganisationFactory
from vouchers import services
from vouchers.models import ExternalOrder, Programme, ProgrammeKind, ProviderRule, Voucher

YUAN = 100


def evidence_file(name: str = "证明材料.pdf", content: bytes = b"%PDF-1.4 evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def officer(region_code: str = "440300") -> User:
    """An officer of a new, verified voucher authority (a data bureau) in `region_code`."""
    authority = OrganisationFactory(kind=OrganisationKind.VOUCHER_AUTHORITY, region_code=region_code, verified=True)
    return MembershipFactory(organisation=authority, role=Role.VOUCHER_OFFICER).user


def authority_of(user: User) -> Organisation:
    return user.memberships.get(role=Role.VOUCHER_OFFICER).organisation


def holder_staff(organisation: Organisation | None = None, *, region_code: str = "440300") -> User:
    """A buyer of a verified enterprise (a new one unless given)."""
    organisation = organisation or OrganisationFactory(
        kind=OrganisationKind.ENTERPRISE, region_code=region_code, verified=True
    )
    return MembershipFactory(organisation=organisation, role=Role.ENTERPRISE_BUYER).user


def programme_spec(**overrides) -> services.ProgrammeSpec:
    today = timezone.localdate()
    spec = services.ProgrammeSpec(
        name="深圳市数据券（标注服务）",
        kind=ProgrammeKind.DATA,
        year=today.year,
        budget_fen=1_000_000 * YUAN,
        coverage_bp=5_000,
        holder_cap_fen=100_000 * YUAN,
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=300),
        holder_region_code="440300",
        holder_kinds=[OrganisationKind.ENTERPRISE],
        provider_rule=ProviderRule.REGION,
        provider_region_code="510000",
        rules="申领须提交标注服务合同。",
    )
    return replace(spec, **overrides)


def open_programme(actor: User | None = None, **overrides) -> Programme:
    actor = actor or officer()
    programme = services.programme_create(actor=actor, authority=authority_of(actor), spec=programme_spec(**overrides))
    return services.programme_open(actor=actor, programme=programme)


def officer_of(programme: Programme) -> User:
    return programme.authority.memberships.filter(role=Role.VOUCHER_OFFICER).first().user


def issued_voucher(programme: Programme, holder_user: User, amount_fen: int = 50_000 * YUAN) -> Voucher:
    holder = holder_user.memberships.get(role=Role.ENTERPRISE_BUYER).organisation
    application = services.application_submit(
        actor=holder_user,
        programme=programme,
        applicant=holder,
        requested_fen=amount_fen,
        purpose="用于采购数据标注服务",
        evidence=evidence_file(),
    )
    return services.application_approve(actor=officer_of(programme), application=application)


@dataclass
class Setup:
    """A voucher whose holder is the buyer of an active enterprise contract."""

    programme: Programme
    officer: User
    contract: Contract
    holder_user: User
    provider_user: User
    voucher: Voucher


def active_contract(
    *,
    buyer_user: User | None = None,
    supplier: Organisation | None = None,
    value_fen: int = 400_000 * YUAN,
    procedure: str = Procedure.REQUEST_FOR_QUOTATION,
) -> Contract:
    """An active (signed) contract written straight to the tables: the tender, its lot, the
    winning bid and the award exist, but none of the exchange's steps ran. Building one through
    the services (tests/factories/payments.py::enterprise_contract) costs seconds; voucher tests
    only need a signed contract between a buyer and a supplier, with two milestones (40 %, 60 %)."""
    buyer_user = buyer_user or holder_staff()
    buyer = buyer_user.memberships.get(role__in=(Role.ENTERPRISE_BUYER, Role.AGENCY_STAFF)).organisation
    supplier = supplier or OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)
    if not supplier.memberships.filter(role=Role.VENDOR_STAFF).exists():
        MembershipFactory(organisation=supplier, role=Role.VENDOR_STAFF)
    now = timezone.now()
    tender = Tender.objects.create(
        title="汽车零部件缺陷图像分类标注",
        description="图像分类标注服务",
        buyer=buyer,
        created_by=buyer_user,
        procedure=procedure,
        evaluation_method=EvaluationMethod.LOWEST_PRICE,
        sector=Sector.MANUFACTURING,
        region_id=buyer.region_id,
        budget_fen=value_fen,
        price_weight_bp=10_000,
        technical_weight_bp=0,
        business_weight_bp=0,
        deadline=now - datetime.timedelta(days=20),
        state=TenderState.AWARDED,
    )
    tender.reference = f"VT{tender.pk:010d}"
    tender.save(update_fields=["reference"])
    lot = Lot.objects.create(
        tender=tender, number=1, title="全部", modality=Modality.IMAGE, volume=100_000, budget_fen=value_fen
    )
    bid = Bid.objects.create(
        tender=tender,
        lot=lot,
        vendor=supplier,
        submitted_by=supplier.memberships.filter(role=Role.VENDOR_STAFF).first().user,
        sealed=b"-",
        receipt_sha256="0" * 64,
        received_at=now - datetime.timedelta(days=21),
        documents_version=1,
    )
    award = Award.objects.create(
        tender=tender, lot=lot, bid=bid, supplier=supplier, value_fen=value_fen, awarded_by=buyer_user, awarded_at=now
    )
    contract = Contract.objects.create(
        award=award,
        tender=tender,
        buyer=buyer,
        supplier=supplier,
        title=tender.title,
        value_fen=value_fen,
        state=ContractState.ACTIVE,
        sign_by=now + datetime.timedelta(days=30),
        signed_at=now,
    )
    contract.reference = f"HTV{contract.pk:010d}"
    contract.save(update_fields=["reference"])
    first = value_fen * 4 // 10
    ContractMilestone.objects.bulk_create(
        [
            ContractMilestone(contract=contract, position=1, title="首批交付", share_bp=4_000, amount_fen=first),
            ContractMilestone(
                contract=contract, position=2, title="全部交付", share_bp=6_000, amount_fen=value_fen - first
            ),
        ]
    )
    return contract


def redeemable(*, amount_fen: int = 50_000 * YUAN, **programme_overrides) -> Setup:
    """An open programme (50 % coverage), an active contract of ¥400,000 between an enterprise in
    Shenzhen and a vendor in Chengdu, and a ¥50,000 voucher of the contract's buyer."""
    holder_user = holder_staff()
    contract = active_contract(buyer_user=holder_user)
    programme = open_programme(**programme_overrides)
    voucher = issued_voucher(programme, holder_user, amount_fen)
    return Setup(
        programme=programme,
        officer=officer_of(programme),
        contract=contract,
        holder_user=holder_user,
        provider_user=contract.supplier.memberships.filter(role=Role.VENDOR_STAFF).first().user,
        voucher=voucher,
    )


def external_order(holder_user: User, provider: Organisation, value_fen: int = 200_000 * YUAN) -> ExternalOrder:
    holder = holder_user.memberships.get(role=Role.ENTERPRISE_BUYER).organisation
    return services.external_order_record(
        actor=holder_user,
        holder=holder,
        provider_credit_code=provider.credit_code,
        description="GPU 算力租用 1,000 卡时",
        value_fen=value_fen,
        ordered_on=timezone.localdate(),
    )


# --- Added for the service tests (tests/vouchers/services) ---------------------------------------


def holder_of(user: User) -> Organisation:
    """The enterprise a holder's staff member (holder_staff) buys for."""
    return user.memberships.get(role=Role.ENTERPRISE_BUYER).organisation


def provider_staff(region_code: str = "510100") -> User:
    """Staff of a new verified vendor; the default programme pays vendors of 510000's subtree."""
    organisation = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code=region_code, verified=True)
    return MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user


def provider_of(user: User) -> Organisation:
    return user.memberships.get(role=Role.VENDOR_STAFF).organisation


def voucher_issued_on(programme: Programme, holder_user: User, amount_fen: int, *, today: datetime.date) -> Voucher:
    """`issued_voucher` applied for and approved on `today` (the voucher is valid from that day)."""
    application = services.application_submit(
        actor=holder_user,
        programme=programme,
        applicant=holder_of(holder_user),
        requested_fen=amount_fen,
        purpose="用于采购数据标注服务",
        evidence=evidence_file(),
        today=today,
    )
    return services.application_approve(actor=officer_of(programme), application=application, today=today)


@dataclass
class OrderSetup:
    """A voucher whose holder recorded an external order with an eligible provider."""

    programme: Programme
    officer: User
    order: ExternalOrder
    holder_user: User
    provider_user: User
    voucher: Voucher


def redeemable_order(
    *, amount_fen: int = 50_000 * YUAN, order_value_fen: int = 200_000 * YUAN, **programme_overrides
) -> OrderSetup:
    """Like `redeemable`, without the tender exchange (much quicker): an open programme (50 %
    coverage, ¥100,000 cap), a new enterprise with a ¥50,000 voucher, and its external order of
    ¥200,000 with a verified vendor of Chengdu (eligible under the default region rule)."""
    programme = open_programme(**programme_overrides)
    holder_user = holder_staff()
    provider_user = provider_staff()
    voucher = issued_voucher(programme, holder_user, amount_fen)
    return OrderSetup(
        programme=programme,
        officer=officer_of(programme),
        order=external_order(holder_user, provider_of(provider_user), order_value_fen),
        holder_user=holder_user,
        provider_user=provider_user,
        voucher=voucher,
    )

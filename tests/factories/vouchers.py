"""Factories for vouchers: an authority with its officer, an open programme, a holder with a
voucher, an enterprise contract to redeem against. Everything goes through the services, so the
ledger, the audit rows and the permissions are what production would have."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import Contract
from portal.accounts.models import User
from registry.models import Organisation
from registry.roles import OrganisationKind, Role
from tests.factories.acceptance import supplier_user
from tests.factories.payments import enterprise_contract
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


def redeemable(*, amount_fen: int = 50_000 * YUAN, **programme_overrides) -> Setup:
    """An open programme (50 % coverage), an active contract of ¥400,000 by default (the tender
    factory's price), and a ¥50,000 voucher of the contract's buyer."""
    contract = enterprise_contract()
    holder_user = contract.tender.created_by
    programme = open_programme(**programme_overrides)
    voucher = issued_voucher(programme, holder_user, amount_fen)
    return Setup(
        programme=programme,
        officer=officer_of(programme),
        contract=contract,
        holder_user=holder_user,
        provider_user=supplier_user(contract),
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

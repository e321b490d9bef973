"""Demo voucher programmes for `seed_demo` (DESIGN §6): four voucher authorities in four regions,
and every state a programme, an application, a voucher, a redemption and a settlement claim reaches.

Everything goes through `vouchers.services`, so every movement is a real ledger transaction and
every change has its audit row; `python manage.py verify_voucher_ledger` passes on the result. An
authority's whole story is told only in the run that creates its first programme: an authority
that already has a programme is left alone, so a second run creates nothing.

- 廊坊市数据局 (the registry demo's authority; `officer` signs in for it), compute vouchers (算力券)
  for enterprises and vendors in Langfang, paying verified vendors in Hebei, 50 % of an order, at
  most ¥1,000,000 per holder a year:
  - last year's programme, closed: 廊坊云帆's voucher paid half of a GPU rental, that redemption was
    settled (disbursed with a transfer number), and the voucher expired at the year's end, its
    unused ¥180,000 returned to the budget (the expiry beat, run for 1 January);
  - this year's programme, open: 廊坊云帆 holds a voucher approved for less than asked and partly
    redeemed (one claim awaiting review, one approved awaiting disbursement), a voucher fully
    redeemed (one claim settled, one rejected with a reason), a voucher with its full balance, and
    an application it withdrew; 廊坊临空 had an application rejected with a reason and has another
    awaiting review;
  - a special programme for small enterprises, paused: 廊坊临空's voucher keeps its full balance,
    廊坊云帆's was cancelled by the officer with a reason;
  - next year's programme, a draft.
- 深圳市数据局, annotation vouchers (数据标注券) paying listed providers: the demo enterprise
  深圳南山智驾 (`buyer`) redeemed ¥100,000 against its request-for-quotation contract with 成都星标
  (`vendor`) before any payment of it, so the card payments of its milestones are the milestone
  amounts less their part of the voucher; on an order placed outside the exchange with 合肥慧眼
  (`vendor2`), the provider asked twice: the buyer declined the first request, the second awaits
  the buyer's confirmation.
- 北京市数据局, data vouchers (数据券): 成都星标 (`vendor`) asked for a redemption on an outside
  order, the holder confirmed it, and 成都星标 claimed settlement, awaiting the officer.
- 扬州市数据局, algorithm vouchers (算法券): 合肥慧眼 (`vendor2`) asked, the holder confirmed, and
  its claim was approved and disbursed.

The extra authorities' officers (`officer-beijing`, `officer-yangzhou`, `officer-shenzhen`) and
廊坊云帆's staff (`holder-langfang`) sign in with the demo password; the other holders' staff are
demo records nobody signs in as. Last year's story is dated last year (the services take `today`),
but the ledger, like every row, records when the demo ran.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from marketplace.demo_acceptance import ENTERPRISE_TENDER
from marketplace.models import Contract, ContractState, MilestonePayment
from portal.accounts.models import User
from registry import services as registry_services
from registry.demo import ORGANISATIONS, DemoOrganisation, demo_credit_code
from registry.models import Organisation
from registry.roles import OrganisationKind as K
from registry.roles import Role
from vouchers import services
from vouchers.models import (
    Application,
    ExternalOrder,
    Programme,
    ProgrammeKind,
    ProviderRule,
    Redemption,
    SettlementClaim,
    Voucher,
)

YUAN = 100

LANGFANG = "廊坊市数据局"
BEIJING = "北京市数据局"
YANGZHOU = "扬州市数据局"
SHENZHEN = "深圳市数据局"
ENTERPRISE = "深圳南山智驾科技有限公司"  # the registry demo's enterprise: `buyer`
CHENGDU_VENDOR = "成都星标智能科技有限公司"  # `vendor`
HEFEI_VENDOR = "合肥慧眼数据标注有限公司"  # `vendor2`
BAODING_VENDOR = "保定京南标注科技有限公司"
YUNFAN = "廊坊云帆智能制造有限公司"
LINKONG = "廊坊临空数字物流有限公司"
HAIDIAN = "北京海淀语料数智科技有限公司"
YUNHE = "扬州运河智能装备有限公司"
ZHISUAN = "廊坊智算云科技有限公司"

# The organisations this demo adds (serials 301… keep their credit codes apart from the other
# demos'), with a line for their registry page.
ORGANISATIONS_ADDED = [
    (DemoOrganisation(BEIJING, K.VOUCHER_AUTHORITY, "110000", 301), "北京市数据券的发放与兑付主管部门。"),
    (DemoOrganisation(YANGZHOU, K.VOUCHER_AUTHORITY, "321000", 302), "扬州市算法券的发放与兑付主管部门。"),
    (DemoOrganisation(SHENZHEN, K.VOUCHER_AUTHORITY, "440300", 303), "深圳市数据标注券的发放与兑付主管部门。"),
    (
        DemoOrganisation(YUNFAN, K.ENTERPRISE, "131000", 311),
        "汽车零部件制造企业，租用智算中心算力训练缺陷检测模型。",
    ),
    (DemoOrganisation(LINKONG, K.ENTERPRISE, "131000", 312), "临空经济区数字物流企业，研发仓储调度与路径规划模型。"),
    (DemoOrganisation(HAIDIAN, K.ENTERPRISE, "110108", 313), "中文大模型语料研发企业。"),
    (DemoOrganisation(YUNHE, K.ENTERPRISE, "321000", 314), "智能装备制造企业，建设产线视觉质检系统。"),
    (DemoOrganisation(ZHISUAN, K.VENDOR, "131000", 315), "廊坊智算中心运营企业，提供 GPU 算力租用与模型训练平台服务。"),
]


@dataclass(frozen=True)
class DemoStaff:
    name: str
    organisation: str
    role: Role
    signs_in: bool  # with the demo password; the others' passwords are unusable


STAFF = {
    "officer-beijing": DemoStaff("钱数券", BEIJING, Role.VOUCHER_OFFICER, True),
    "officer-yangzhou": DemoStaff("冯算法", YANGZHOU, Role.VOUCHER_OFFICER, True),
    "officer-shenzhen": DemoStaff("邓标券", SHENZHEN, Role.VOUCHER_OFFICER, True),
    "holder-langfang": DemoStaff("刘云帆", YUNFAN, Role.ENTERPRISE_BUYER, True),
    "holder-demo-linkong": DemoStaff("韩临空", LINKONG, Role.ENTERPRISE_BUYER, False),
    "holder-demo-haidian": DemoStaff("曹语料", HAIDIAN, Role.ENTERPRISE_BUYER, False),
    "holder-demo-yunhe": DemoStaff("许运河", YUNHE, Role.ENTERPRISE_BUYER, False),
}

# username -> the holder they act for
HOLDER_STAFF = {"buyer": ENTERPRISE} | {
    username: staff.organisation for username, staff in STAFF.items() if staff.role == Role.ENTERPRISE_BUYER
}
HOLDERS = [K.ENTERPRISE, K.VENDOR]
ANNOTATION_RULES = (
    "面向注册在深圳市的企业，按数据标注服务合同金额的 50% 抵扣，每家企业每年最高 50 万元；须向服务商名录内的企业"
    "采购。兑付须在合同全部付款后申请。"
)
COMPUTE_RULES = (
    "面向注册在廊坊市的企业，按算力服务订单金额的 50% 抵扣，每家企业每年最高 100 万元；须向河北省内经平台核验的"
    "服务商采购，且与服务商不存在关联关系。申领须提交算力需求说明与营业执照；兑付须提交服务合同、发票与付款凭证。"
)


@dataclass
class _World:
    operator: User
    users: dict[str, User]
    organisations: dict[str, Organisation]
    today: datetime.date
    created: int = 0
    password_hash: str = field(default="", repr=False)

    def user(self, username: str) -> User:
        return self.users[username]

    def organisation_of(self, username: str) -> Organisation:
        """The holder a demo user acts for."""
        return self.organisations[HOLDER_STAFF[username]]

    def days_ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)


def seed_vouchers(*, users: dict[str, User]) -> int:
    """Create what is missing; return how many organisations, users, programmes, applications,
    vouchers, external orders, redemptions and claims were created. Needs the registry's demo
    organisations (`registry.demo.seed_registry`), without which it does nothing; the exchange's
    enterprise contract (`marketplace.demo`) is redeemed against when it is there."""
    codes = {demo_credit_code(item): item.name for item in ORGANISATIONS}
    organisations = {codes[o.credit_code]: o for o in Organisation.objects.filter(credit_code__in=codes)}
    if not {LANGFANG, ENTERPRISE, CHENGDU_VENDOR, HEFEI_VENDOR, BAODING_VENDOR} <= set(organisations):
        return 0
    world = _World(
        operator=users["operator"], users=dict(users), organisations=organisations, today=timezone.localdate()
    )
    _seed_organisations(world)
    _seed_staff(world)
    stories: list[tuple[str, Callable[[_World], None]]] = [
        (LANGFANG, _langfang),
        (SHENZHEN, _shenzhen),
        (BEIJING, _beijing),
        (YANGZHOU, _yangzhou),
    ]
    for authority, story in stories:
        if not Programme.objects.filter(authority=world.organisations[authority]).exists():
            story(world)
    return world.created


# --- Organisations and people ---------------------------------------------------------------------


def _seed_organisations(world: _World) -> None:
    for item, description in ORGANISATIONS_ADDED:
        code = demo_credit_code(item)
        organisation = Organisation.objects.filter(credit_code=code).first()
        if organisation is None:
            organisation = registry_services.organisation_create(
                actor=world.operator, name=item.name, kind=item.kind, credit_code_value=code, region_code=item.region
            )
            organisation = registry_services.organisation_update_profile(
                actor=world.operator, organisation=organisation, description=description
            )
            world.created += 1
        if not organisation.verified:
            organisation = registry_services.organisation_verify(actor=world.operator, organisation=organisation)
        world.organisations[item.name] = organisation


def _seed_staff(world: _World) -> None:
    for username, staff in STAFF.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=staff.name, email=f"{username}@demo.annotation-portal.localhost")
            if staff.signs_in:
                user.password = _password_hash(world)
            else:
                user.set_unusable_password()  # demo records only: nobody signs in as them
            user.save()
            world.created += 1
        organisation = world.organisations[staff.organisation]
        if not organisation.memberships.filter(user=user, role=staff.role).exists():
            registry_services.membership_add(
                actor=world.operator, organisation=organisation, username=username, role=staff.role
            )
        world.users[username] = user


def _password_hash(world: _World) -> str:
    """The demo password, hashed once per run (hashing is the slow part). Imported here: the
    command that defines it imports this module."""
    if not world.password_hash:
        from portal.management.commands.seed_demo import DEMO_PASSWORD

        world.password_hash = make_password(DEMO_PASSWORD)
    return world.password_hash


# --- Steps, each one service call ------------------------------------------------------------------


def _evidence(world: _World, name: str, what: str) -> SimpleUploadedFile:
    """A one-page PDF standing in for the scanned documents (ASCII text: the core fonts have no
    Chinese glyphs; the file's name says what it is)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.datetime(world.today.year, 1, 1, tzinfo=datetime.UTC))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(text="Demo evidence", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(w=0, text=f"{what}\n\nGenerated by the portal's demo data.")
    return SimpleUploadedFile(name, bytes(pdf.output()), content_type="application/pdf")


def _spec(
    world: _World,
    *,
    name: str,
    kind: str,
    year: int,
    budget_yuan: int,
    coverage_bp: int,
    cap_yuan: int,
    holder_region: str,
    holder_kinds: Sequence[str],
    rules: str,
    providers: Sequence[str] = (),
    provider_region: str = "",
) -> services.ProgrammeSpec:
    """A programme for `year`, valid all that calendar year. Providers: the listed organisations,
    or else the verified vendors in `provider_region`."""
    return services.ProgrammeSpec(
        name=name,
        kind=kind,
        year=year,
        budget_fen=budget_yuan * YUAN,
        coverage_bp=coverage_bp,
        holder_cap_fen=cap_yuan * YUAN,
        valid_from=datetime.date(year, 1, 1),
        valid_until=datetime.date(year, 12, 31),
        holder_region_code=holder_region,
        holder_kinds=list(holder_kinds),
        provider_rule=ProviderRule.LIST if providers else ProviderRule.REGION,
        provider_region_code=provider_region,
        provider_credit_codes=[world.organisations[provider].credit_code for provider in providers],
        rules=rules,
    )


def _programme(
    world: _World, officer: str, authority: str, spec: services.ProgrammeSpec, *, open_it: bool = True
) -> Programme:
    actor = world.user(officer)
    programme = services.programme_create(actor=actor, authority=world.organisations[authority], spec=spec)
    world.created += 1
    if open_it:
        programme = services.programme_open(actor=actor, programme=programme)
    return programme


def _apply(
    world: _World, programme: Programme, username: str, yuan: int, purpose: str, today: datetime.date | None = None
) -> Application:
    application = services.application_submit(
        actor=world.user(username),
        programme=programme,
        applicant=world.organisation_of(username),
        requested_fen=yuan * YUAN,
        purpose=purpose,
        evidence=_evidence(world, "申领材料.pdf", "Voucher application: statement of needs and business licence."),
        today=today,
    )
    world.created += 1
    return application


def _approve(
    world: _World,
    officer: str,
    application: Application,
    *,
    yuan: int | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> Voucher:
    voucher = services.application_approve(
        actor=world.user(officer),
        application=application,
        amount_fen=None if yuan is None else yuan * YUAN,
        note=note,
        today=today,
    )
    world.created += 1
    return voucher


def _voucher(
    world: _World,
    officer: str,
    programme: Programme,
    username: str,
    yuan: int,
    purpose: str,
    *,
    approved_yuan: int | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> Voucher:
    application = _apply(world, programme, username, yuan, purpose, today)
    return _approve(world, officer, application, yuan=approved_yuan, note=note, today=today)


def _order(
    world: _World,
    username: str,
    provider: str,
    yuan: int,
    description: str,
    *,
    ordered_on: datetime.date,
    today: datetime.date | None = None,
) -> ExternalOrder:
    order = services.external_order_record(
        actor=world.user(username),
        holder=world.organisation_of(username),
        provider_credit_code=world.organisations[provider].credit_code,
        description=description,
        value_fen=yuan * YUAN,
        ordered_on=ordered_on,
        today=today,
    )
    world.created += 1
    return order


def _redeem(
    world: _World,
    username: str,
    voucher: Voucher,
    amount_fen: int,
    *,
    order: ExternalOrder | None = None,
    contract: Contract | None = None,
    today: datetime.date | None = None,
) -> Redemption:
    """By the holder's staff (confirmed at once) or the provider's (awaiting the holder)."""
    outcome = services.voucher_redeem(
        actor=world.user(username),
        code=voucher.code,
        amount_fen=amount_fen,
        order_id=order.pk if order is not None else None,
        contract_id=contract.pk if contract is not None else None,
        today=today,
    )
    world.created += 1
    return outcome.redemption


def _claim(world: _World, username: str, redemption: Redemption, note: str) -> SettlementClaim:
    claim = services.claim_submit(
        actor=world.user(username),
        redemption=redemption,
        evidence=_evidence(world, "兑付材料.pdf", "Settlement claim: contract, invoice and proof of payment."),
        note=note,
    )
    world.created += 1
    return claim


def _settle(
    world: _World, officer: str, claim: SettlementClaim, transfer_number: str, transferred_on: datetime.date
) -> SettlementClaim:
    actor = world.user(officer)
    claim = services.claim_approve(actor=actor, claim=claim, note="材料齐全，同意兑付。")
    return services.claim_disburse(
        actor=actor, claim=claim, transfer_number=transfer_number, transferred_on=transferred_on
    )


# --- 廊坊市数据局: compute vouchers, every state ---------------------------------------------------


def _langfang(world: _World) -> None:
    _langfang_last_year(world)
    _langfang_this_year(world)
    _langfang_special(world)
    next_year = _compute_spec(world, year=world.today.year + 1, budget_yuan=25_000_000)
    _programme(world, "officer", LANGFANG, next_year, open_it=False)


def _compute_spec(world: _World, *, year: int, budget_yuan: int) -> services.ProgrammeSpec:
    """Langfang's yearly compute vouchers: 50 % of an order, ¥1,000,000 per holder a year."""
    return _spec(
        world,
        name=f"廊坊市 {year} 年度算力券",
        kind=ProgrammeKind.COMPUTE,
        year=year,
        budget_yuan=budget_yuan,
        coverage_bp=5_000,
        cap_yuan=1_000_000,
        holder_region="131000",
        holder_kinds=HOLDERS,
        provider_region="130000",
        rules=COMPUTE_RULES,
    )


def _langfang_last_year(world: _World) -> None:
    """Last year's programme: a voucher partly used and settled, then expired on 1 January (its
    unused balance back in the budget), and the programme closed."""
    year = world.today.year - 1
    programme = _programme(world, "officer", LANGFANG, _compute_spec(world, year=year, budget_yuan=10_000_000))
    voucher = _voucher(
        world,
        "officer",
        programme,
        "holder-langfang",
        300_000,
        "租用智算中心 GPU 算力训练产线缺陷检测模型。",
        today=datetime.date(year, 3, 16),
    )
    order = _order(
        world,
        "holder-langfang",
        ZHISUAN,
        240_000,
        "智算中心 GPU 算力租用（A800，1,500 卡时）",
        ordered_on=datetime.date(year, 4, 8),
        today=datetime.date(year, 4, 10),
    )
    redemption = _redeem(
        world, "holder-langfang", voucher, 120_000 * YUAN, order=order, today=datetime.date(year, 4, 10)
    )
    claim = _claim(world, "holder-langfang", redemption, "算力服务已全部交付，附服务合同、发票与付款凭证。")
    _settle(world, "officer", claim, f"LFCZ{year}-000128", datetime.date(year, 6, 30))
    services.vouchers_expire(today=datetime.date(year + 1, 1, 1))  # the beat, on the first day after
    services.programme_close(actor=world.user("officer"), programme=programme)


def _langfang_this_year(world: _World) -> None:
    year = world.today.year
    officer, holder = "officer", "holder-langfang"
    programme = _programme(world, officer, LANGFANG, _compute_spec(world, year=year, budget_yuan=20_000_000))
    days = world.days_ago
    # Partly redeemed: approved for less than asked; one claim awaits review, one disbursement.
    partly = _voucher(
        world,
        officer,
        programme,
        holder,
        800_000,
        "扩建产线缺陷检测模型训练集群，租用 GPU 算力。",
        approved_yuan=600_000,
        note="按企业算力需求说明与上年度实际用量核定为 60 万元。",
    )
    order = _order(world, holder, ZHISUAN, 600_000, "智算中心 GPU 算力租用（A800，4,000 卡时）", ordered_on=days(60))
    _claim(
        world, holder, _redeem(world, holder, partly, 300_000 * YUAN, order=order), "算力服务已交付，附发票与付款凭证。"
    )
    order = _order(world, holder, ZHISUAN, 200_000, "大模型微调算力服务（H20，1,200 卡时）", ordered_on=days(40))
    claim = _claim(
        world, holder, _redeem(world, holder, partly, 100_000 * YUAN, order=order), "服务已交付，附发票与付款凭证。"
    )
    services.claim_approve(actor=world.user(officer), claim=claim, note="材料齐全，同意兑付，待财政拨款。")
    # Fully redeemed: one claim settled, one rejected with a reason.
    used = _voucher(world, officer, programme, holder, 200_000, "租用推理算力部署质检模型。")
    order = _order(world, holder, ZHISUAN, 300_000, "推理算力包年服务（L20，8 卡）", ordered_on=days(90))
    claim = _claim(
        world, holder, _redeem(world, holder, used, 150_000 * YUAN, order=order), "服务已交付，附发票与付款凭证。"
    )
    _settle(world, officer, claim, f"LFCZ{year}-000342", days(5))
    order = _order(world, holder, ZHISUAN, 100_000, "算力平台训练数据存储扩容（200 TB）", ordered_on=days(30))
    claim = _claim(world, holder, _redeem(world, holder, used, 50_000 * YUAN, order=order), "附发票。")
    services.claim_reject(
        actor=world.user(officer),
        claim=claim,
        reason="发票开具日期早于订单日期，且未附付款凭证，请补齐后重新申请兑付。",
    )
    # Untouched, then an application the holder withdrew.
    _voucher(world, officer, programme, holder, 100_000, "新产线视觉模型的验证算力。")
    services.application_withdraw(
        actor=world.user(holder),
        application=_apply(world, programme, holder, 300_000, "第四季度新增算力需求。"),
    )
    # 廊坊临空: rejected with a reason, then a new application awaiting review.
    services.application_reject(
        actor=world.user(officer),
        application=_apply(world, programme, "holder-demo-linkong", 500_000, "仓储调度模型训练算力。"),
        reason="算力需求说明未载明算力用途与规模，且营业执照副本已过有效期，请补正后重新申领。",
    )
    _apply(world, programme, "holder-demo-linkong", 150_000, "仓储调度与路径规划模型训练，预计 1,000 卡时。")


def _langfang_special(world: _World) -> None:
    """The special programme, paused: one voucher keeps its balance, one was cancelled."""
    year = world.today.year
    spec = replace(
        _compute_spec(world, year=year, budget_yuan=3_000_000),
        name=f"廊坊市 {year} 年度算力券（中小企业专项）",
        coverage_bp=3_000,
        holder_cap_fen=200_000 * YUAN,
        holder_kinds=[K.ENTERPRISE],
        rules="面向廊坊市中小企业，按算力服务订单金额的 30% 抵扣，每家企业每年最高 20 万元；已享受年度算力券的"
        "企业不得重复申领。",
    )
    programme = _programme(world, "officer", LANGFANG, spec)
    _voucher(world, "officer", programme, "holder-demo-linkong", 100_000, "中小企业数字化转型算力需求。")
    cancelled = _voucher(world, "officer", programme, "holder-langfang", 100_000, "中小企业专项算力需求。")
    services.voucher_cancel(
        actor=world.user("officer"),
        voucher=cancelled,
        reason="经核查，该企业已获本年度算力券（普通批次）支持，按规定不得重复享受中小企业专项，予以注销。",
    )
    services.programme_pause(actor=world.user("officer"), programme=programme)


# --- 深圳市数据局: the enterprise's contract, and a provider's requests -----------------------------


def _shenzhen(world: _World) -> None:
    officer, buyer = "officer-shenzhen", "buyer"
    programme = _programme(
        world,
        officer,
        SHENZHEN,
        _spec(
            world,
            name=f"深圳市 {world.today.year} 年度数据标注券",
            kind=ProgrammeKind.ANNOTATION,
            year=world.today.year,
            budget_yuan=20_000_000,
            coverage_bp=5_000,
            cap_yuan=500_000,
            holder_region="440300",
            holder_kinds=[K.ENTERPRISE],
            providers=[CHENGDU_VENDOR, HEFEI_VENDOR, BAODING_VENDOR],
            rules=ANNOTATION_RULES,
        ),
    )
    voucher = _voucher(world, officer, programme, buyer, 200_000, "采购汽车零部件缺陷图像与车载语音数据标注服务。")
    contract = _enterprise_contract(world)
    if contract is not None:
        # Before the first payment: the card payments are then the milestones less their part.
        amount = min(100_000 * YUAN, contract.value_fen * programme.coverage_bp // 10_000)
        _redeem(world, buyer, voucher, amount, contract=contract)
    order = _order(
        world,
        buyer,
        HEFEI_VENDOR,
        160_000,
        "车载语音指令转写与意图标注（平台外订单）",
        ordered_on=world.days_ago(20),
    )
    declined = _redeem(world, "vendor2", voucher, 80_000 * YUAN, order=order)
    services.redemption_decline(actor=world.user(buyer), redemption=declined)
    _redeem(world, "vendor2", voucher, 50_000 * YUAN, order=order)  # awaits the buyer


def _enterprise_contract(world: _World) -> Contract | None:
    """The exchange demo's enterprise contract (buyer `buyer`, supplier `vendor`), active and not yet
    paid in any part: vouchers are redeemed before the first payment."""
    contract = Contract.objects.filter(
        tender__title=ENTERPRISE_TENDER,
        buyer=world.organisations[ENTERPRISE],
        supplier=world.organisations[CHENGDU_VENDOR],
        state=ContractState.ACTIVE,
    ).first()
    if contract is None or MilestonePayment.objects.filter(contract=contract).exists():
        return None
    return contract


# --- 北京市数据局 and 扬州市数据局: providers ask, holders confirm, providers claim ---------------


def _beijing(world: _World) -> None:
    officer, holder = "officer-beijing", "holder-demo-haidian"
    programme = _programme(
        world,
        officer,
        BEIJING,
        _spec(
            world,
            name=f"北京市 {world.today.year} 年度数据券",
            kind=ProgrammeKind.DATA,
            year=world.today.year,
            budget_yuan=30_000_000,
            coverage_bp=3_000,
            cap_yuan=500_000,
            holder_region="110000",
            holder_kinds=HOLDERS,
            providers=[CHENGDU_VENDOR, HEFEI_VENDOR],
            rules="面向注册在北京市的企业，按数据产品与数据服务合同金额的 30% 抵扣，每家企业每年最高 50 万元。",
        ),
    )
    voucher = _voucher(world, officer, programme, holder, 200_000, "采购中文大模型预训练语料清洗与标注服务。")
    order = _order(
        world,
        holder,
        CHENGDU_VENDOR,
        500_000,
        "中文大模型预训练语料清洗与质量标注（平台外订单）",
        ordered_on=world.days_ago(45),
    )
    redemption = _redeem(world, "vendor", voucher, 150_000 * YUAN, order=order)
    redemption = services.redemption_confirm(actor=world.user(holder), redemption=redemption)
    _claim(world, "vendor", redemption, "标注成果已通过采购方验收，附验收单、发票与收款凭证。")


def _yangzhou(world: _World) -> None:
    officer, holder = "officer-yangzhou", "holder-demo-yunhe"
    programme = _programme(
        world,
        officer,
        YANGZHOU,
        _spec(
            world,
            name=f"扬州市 {world.today.year} 年度算法券",
            kind=ProgrammeKind.ALGORITHM,
            year=world.today.year,
            budget_yuan=10_000_000,
            coverage_bp=4_000,
            cap_yuan=500_000,
            holder_region="321000",
            holder_kinds=[K.ENTERPRISE],
            providers=[HEFEI_VENDOR, CHENGDU_VENDOR],
            rules="面向注册在扬州市的企业，按算法模型服务合同金额的 40% 抵扣，每家企业每年最高 50 万元。",
        ),
    )
    voucher = _voucher(
        world,
        officer,
        programme,
        holder,
        300_000,
        "产线视觉质检算法模型训练与调优。",
        approved_yuan=200_000,
        note="按合同金额的 40% 核定为 20 万元。",
    )
    order = _order(
        world,
        holder,
        HEFEI_VENDOR,
        250_000,
        "产线视觉质检算法模型训练与调优服务（平台外订单）",
        ordered_on=world.days_ago(50),
    )
    redemption = _redeem(world, "vendor2", voucher, 100_000 * YUAN, order=order)
    redemption = services.redemption_confirm(actor=world.user(holder), redemption=redemption)
    claim = _claim(world, "vendor2", redemption, "模型已交付并通过验收，附验收单、发票与收款凭证。")
    _settle(world, officer, claim, f"YZCZ{world.today.year}-000057", world.days_ago(3))

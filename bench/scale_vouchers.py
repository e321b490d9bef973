"""The voucher part of the scale data set (DESIGN §10): 30 programmes and 50,000 vouchers, with
their applications, redemptions against the exchange's contracts and recorded external orders,
settlement claims in every state, and the double-entry ledger of every movement.

Authorities, holders and providers are organisations of the registry part (`bench.scale_registry`):
the first verified voucher authority of 15 regions each runs a programme of this year and one of an
earlier year (closed, its vouchers expired or used up). Of this year's, one is paused, one was closed
early (its active vouchers cancelled, as `programme_close` does) and one is still a draft. Holders
are the verified organisations of the programme's kinds in the authority's region; the buyer staff
users of the exchange part (`bench.scale_marketplace`) applied, redeemed and claimed, and every
voucher authority gets an officer user (`bench-officer-<id>`) who opened, reviewed and disbursed.

The rows are what the services would have written, loaded with COPY:
- applications (most approved, some awaiting review, rejected or withdrawn), one voucher per
  approved one, within the holder's cap per programme (the face values issued to one holder never
  exceed it, as `application_approve` checks), within the budget;
- redemptions against contracts active at the time, bought by the holder from a provider the
  programme pays, within the programme's coverage of the contract; each contract is paid by one
  programme at most; the rest against external orders recorded for the purpose. Pending requests of
  providers and declined ones move no money;
- claims after the contract was completed (for an order, a week after the redemption): awaiting
  review, approved, rejected, or settled (disbursed and written off, the redemption settled);
- the ledger: a funding transaction per opened programme, then issue, redeem, settle, and expire or
  cancel (what was left) per voucher, each balanced, so `manage.py verify_voucher_ledger` holds.
No audit rows (as for the rest of the data set). Deterministic (seeded); dates are relative to the
day of the build, like the exchange's.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from bench.copy import CHUNK, _default, copy_rows, indexes_deferred, next_id
from bench.scale_marketplace import _cell, _constraints_checked_once
from marketplace.models import Contract
from marketplace.services._common import SUPPLIER_KINDS
from portal.accounts.models import User
from registry.models import DeclaredRelation, Membership, Organisation, Region, Shareholder, VerificationStatus
from registry.related_parties import related_parties
from registry.roles import OrganisationKind, Role
from vouchers import ledger, totals
from vouchers.codes import ALPHABET, LENGTH
from vouchers.models import (
    Account,
    Application,
    ApplicationState,
    ClaimState,
    ExternalOrder,
    LedgerEntry,
    LedgerTransaction,
    Programme,
    ProgrammeKind,
    ProgrammeState,
    ProviderRule,
    RedeemedByHolder,
    RedeemedOnTarget,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
    VoucherBalance,
    VoucherState,
)

VOUCHERS = 50_000
REGIONS = 15  # each with a programme of this year and one of an earlier year: 30 programmes
SEED = 20_241_824
OFFICER_PREFIX = "bench-officer-"

# The regions asked for first (the policy's pilots and the big annotation clusters); others, in
# code order, make up the number when one of these has no verified authority.
PREFERRED_REGIONS = (
    "110105",  # 北京朝阳区
    "131000",  # 廊坊市
    "321000",  # 扬州市
    "440300",  # 深圳市
    "510100",  # 成都市
    "520100",  # 贵阳市
    "330100",  # 杭州市
    "320500",  # 苏州市
    "310115",  # 上海浦东新区
    "420100",  # 武汉市
    "370200",  # 青岛市
    "610100",  # 西安市
    "350200",  # 厦门市
    "430100",  # 长沙市
    "500112",  # 重庆渝北区
)
KINDS = (ProgrammeKind.DATA, ProgrammeKind.COMPUTE, ProgrammeKind.ALGORITHM, ProgrammeKind.ANNOTATION)
KIND_NAMES: dict[str, str] = {
    ProgrammeKind.DATA: "数据券",
    ProgrammeKind.ALGORITHM: "算法券",
    ProgrammeKind.COMPUTE: "算力券",
    ProgrammeKind.ANNOTATION: "标注券",
}
E, V, B = OrganisationKind.ENTERPRISE, OrganisationKind.VENDOR, OrganisationKind.BASE_OPERATOR
HOLDER_KINDS_OF: dict[str, list[str]] = {
    ProgrammeKind.DATA: [E],
    ProgrammeKind.ANNOTATION: [E],
    ProgrammeKind.ALGORITHM: sorted([E, V]),
    ProgrammeKind.COMPUTE: sorted([B, E, V]),
}
# Which of this year's programmes (by region index) are not simply open.
PAUSED, CLOSED_EARLY, DRAFT = 3, 7, 11
COVERAGES = (3_000, 5_000, 5_000, 5_000, 6_000, 8_000)
CAPS_YUAN = (1_000_000, 1_000_000, 2_000_000, 3_000_000)
FACES_YUAN = (2_000, 100_000)  # face values spread evenly on a log scale between these
LISTED_EXTRA = 120  # providers listed besides the suppliers of the holders' contracts
EXTRA_APPLICATIONS = 0.08  # not approved (awaiting review, rejected, withdrawn), per voucher
CANCELLED = 0.02  # vouchers an officer cancelled
BUYERS_FIRST = 0.25  # of the vouchers, issued to holders with contracts the programme may pay
CONTRACT_SHARE = 0.7  # of a holder's redemptions, when it has a contract to redeem against
PENDING, DECLINED = 0.03, 0.015  # provider requests awaiting the holder / declined, per voucher
YUAN = 100
CLOSED_REASON = "The programme was closed."  # vouchers.services.programmes' reason, translated

EVIDENCE_NAME = "vouchers/bench/证明材料.pdf"
EVIDENCE = "%PDF-1.4\n% 基准数据：申领与兑付证明材料（所有基准申请共用）\n".encode()
PURPOSES = (
    "用于采购数据标注服务，标注自动驾驶场景图像。",
    "用于租用智能算力开展大模型训练。",
    "用于采购医疗影像数据集加工服务。",
    "用于采购算法模型训练与评测服务。",
    "用于采购语音数据转写与标注服务。",
)
REJECTIONS = (
    "申领材料不全，请补充近一年标注服务合同。",
    "申领主体不符合本专项的支持范围。",
    "申请金额与采购计划不符。",
)
CLAIM_REJECTIONS = ("付款凭证与合同金额不一致，请补充材料。", "发票信息有误，请重新提交。")
ORDERS = ("GPU 算力租用 {n} 卡时", "云端训练算力 {n} 卡时", "数据集授权使用 {n} 份", "模型评测服务 {n} 次")


@dataclass
class _Programme:
    id: int
    authority_id: int
    officer_id: int
    region: Region
    kind: str
    state: str
    valid_from: date
    valid_until: date
    coverage_bp: int
    cap_fen: int
    provider_rule: str
    closed_on: date | None = None  # closed: no use after this day
    holders: list[int] = field(default_factory=list)
    providers: list[int] = field(default_factory=list)
    contracts: dict[int, list[_Contract]] = field(default_factory=dict)  # by holder
    issued_fen: int = 0

    @property
    def year(self) -> int:
        return self.valid_from.year


@dataclass
class _Contract:
    id: int
    buyer_id: int
    supplier_id: int
    value_fen: int
    start: date
    end: date  # the last day it was active
    completed: date | None
    taken: bool = False  # a programme pays it (one at most)
    room_fen: int = 0  # that programme's coverage of it, left


@dataclass
class _World:
    today: date
    now: datetime
    organisations: dict[int, tuple[str, str]]  # pk -> (kind, region code), verified only
    staff: dict[int, int]  # organisation -> its staff user
    officers: dict[int, int]  # authority -> its officer user
    contracts: list[_Contract]
    related: dict[int, set[int]]
    zone: tzinfo
    rows: dict[type[models.Model], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    ids: dict[type[models.Model], int] = field(default_factory=dict)

    def at(self, day: date, rng: random.Random) -> datetime:
        """A moment in office hours of `day`, in the portal's time zone."""
        return datetime.combine(day, clock(9), tzinfo=self.zone) + timedelta(seconds=rng.randrange(9 * 3600))

    def new(self, model: type[models.Model], row: dict[str, Any]) -> int:
        pk = self.ids[model]
        self.ids[model] = pk + 1
        row["id"] = pk
        self.rows[model].append(row)
        return pk


def present(*, vouchers: int = VOUCHERS) -> bool:
    return Voucher.objects.count() >= vouchers


def generate(*, vouchers: int = VOUCHERS, regions: int = REGIONS, log: Any = print) -> None:
    if User.objects.filter(username__startswith=OFFICER_PREFIX).exists():
        raise RuntimeError(
            "the database holds a voucher part of the scale data set already, incomplete or of another size:"
            " drop the database and build it again"
        )
    rng = random.Random(SEED)
    started = time.perf_counter()
    if not default_storage.exists(EVIDENCE_NAME):
        default_storage.save(EVIDENCE_NAME, ContentFile(EVIDENCE))
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        world = _world()
        programmes = _programmes(rng, world, regions)
        _allocate(rng, world, programmes, vouchers)
        for programme in programmes:
            _history(rng, world, programme)
        counts = _load(world)
        # Written straight into the tables: no posting or confirmation kept the running totals.
        ledger.rebuild_balances()
        totals.rebuild()
        log(
            f"vouchers: {len(programmes)} programmes, "
            + ", ".join(f"{n:,} {model.__name__}" for model, n in counts.items())
            + f" in {time.perf_counter() - started:.1f} s"
        )
    tables = ", ".join(model._meta.db_table for model in [*counts, VoucherBalance, RedeemedOnTarget, RedeemedByHolder])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


# --- the world: organisations, users, contracts -----------------------------------------------


def _world() -> _World:
    now = timezone.now()
    organisations = {
        pk: (kind, region)
        for pk, kind, region in Organisation.objects.filter(status=VerificationStatus.VERIFIED).values_list(
            "pk", "kind", "region_id"
        )
    }
    staff = {
        int(username.removeprefix("bench-staff-")): pk
        for username, pk in User.objects.filter(username__startswith="bench-staff-").values_list("username", "pk")
    }
    if not staff:
        raise RuntimeError("the exchange part of the scale data set is missing: build it first")
    world = _World(
        today=timezone.localdate(now),
        now=now,
        organisations=organisations,
        staff=staff,
        officers=_officers(now, organisations),
        contracts=_contracts(now),
        related=_relations(organisations),
        zone=timezone.get_current_timezone(),
    )
    for model in (
        Programme,
        Programme.providers.through,
        Application,
        Voucher,
        ExternalOrder,
        Redemption,
        SettlementClaim,
        LedgerTransaction,
        LedgerEntry,
    ):
        world.ids[model] = next_id(model)
    return world


def _officers(now: datetime, organisations: dict[int, tuple[str, str]]) -> dict[int, int]:
    """An officer user for every verified voucher authority (the benchmark runs its programmes as one)."""
    authorities = sorted(pk for pk, (kind, _r) in organisations.items() if kind == OrganisationKind.VOUCHER_AUTHORITY)
    groups = dict(Organisation.objects.filter(pk__in=authorities).values_list("pk", "members_group_id"))
    names = dict(Organisation.objects.filter(pk__in=authorities).values_list("pk", "name"))
    first_user, first_membership, first_link = next_id(User), next_id(Membership), next_id(User.groups.through)
    copy_rows(
        User,
        (
            {"id": first_user + n, "username": f"{OFFICER_PREFIX}{pk}", "name": f"{names[pk]}专员", "password": "!"}
            for n, pk in enumerate(authorities)
        ),
    )
    copy_rows(
        Membership,
        (
            {
                "id": first_membership + n,
                "user_id": first_user + n,
                "organisation_id": pk,
                "role": Role.VOUCHER_OFFICER,
                "created_at": now,
            }
            for n, pk in enumerate(authorities)
        ),
    )
    copy_rows(
        User.groups.through,
        ({"id": first_link + n, "user_id": first_user + n, "group_id": groups[pk]} for n, pk in enumerate(authorities)),
    )
    return {pk: first_user + n for n, pk in enumerate(authorities)}


def _contracts(now: datetime) -> list[_Contract]:
    """The exchange's signed contracts with an enterprise buyer, and when each was active."""
    rows = (
        Contract.objects.filter(buyer__kind=OrganisationKind.ENTERPRISE, signed_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "buyer_id", "supplier_id", "value_fen", "signed_at", "completed_at", "terminated_at")
    )
    contracts = []
    for pk, buyer, supplier, value, signed, completed, terminated in rows:
        ended = completed or terminated or now
        contracts.append(
            _Contract(
                pk,
                buyer,
                supplier,
                value,
                timezone.localdate(signed) + timedelta(days=1),
                timezone.localdate(ended) - timedelta(days=1),
                timezone.localdate(completed) if completed else None,
            )
        )
    return [c for c in contracts if c.start <= c.end]


def _relations(organisations: dict[int, tuple[str, str]]) -> dict[int, set[int]]:
    """Related parties of every organisation that has any (none in the generated registry)."""
    if not (
        Shareholder.objects.exists()
        or DeclaredRelation.objects.exists()
        or Organisation.objects.exclude(legal_representative_id_hash="").exists()
    ):
        return {}
    return {org.pk: set(related_parties(org)) for org in Organisation.objects.filter(pk__in=organisations)}


# --- programmes ---------------------------------------------------------------------------------


def _authorities(world: _World, count: int) -> list[tuple[int, Region]]:
    """The first verified authority of each region, preferred regions first."""
    first: dict[str, int] = {}
    for pk, (kind, region) in sorted(world.organisations.items()):
        if kind == OrganisationKind.VOUCHER_AUTHORITY:
            first.setdefault(region, pk)
    order = [code for code in PREFERRED_REGIONS if code in first]
    order += sorted(code for code in first if code not in order)
    regions = Region.objects.in_bulk(order[:count])
    return [(first[code], regions[code]) for code in order[:count]]


def _programmes(rng: random.Random, world: _World, count: int) -> list[_Programme]:
    today = world.today
    programmes = []
    for index, (authority, region) in enumerate(_authorities(world, count)):
        current_state = {
            PAUSED: ProgrammeState.PAUSED,
            CLOSED_EARLY: ProgrammeState.CLOSED,
            DRAFT: ProgrammeState.DRAFT,
        }
        years_back = 1 + index % 4
        for years, kind, state in (
            (0, KINDS[index % 4], current_state.get(index, ProgrammeState.OPEN)),
            (years_back, KINDS[(index + 1) % 4], ProgrammeState.CLOSED),
        ):
            valid_from = today - timedelta(days=240 + 365 * years)
            valid_until = valid_from + timedelta(days=360 if years == 0 else 300)
            programme = _Programme(
                id=0,
                authority_id=authority,
                officer_id=world.officers[authority],
                region=region,
                kind=kind,
                state=state,
                valid_from=valid_from,
                valid_until=valid_until,
                coverage_bp=rng.choice(COVERAGES),
                cap_fen=rng.choice(CAPS_YUAN) * YUAN,
                provider_rule=ProviderRule.REGION if index % 3 == 2 else ProviderRule.LIST,
            )
            if state == ProgrammeState.CLOSED:
                programme.closed_on = today - timedelta(days=30) if years == 0 else valid_until + timedelta(days=30)
            _eligible(rng, world, programme)
            programmes.append(programme)
    return programmes


def _eligible(rng: random.Random, world: _World, programme: _Programme) -> None:
    """The programme's holders, the providers it pays, and each holder's contracts it may pay."""
    prefix = programme.region.subtree_prefix
    kinds = HOLDER_KINDS_OF[programme.kind]
    programme.holders = sorted(
        pk
        for pk, (kind, region) in world.organisations.items()
        if kind in kinds and region.startswith(prefix) and pk in world.staff
    )
    holders = set(programme.holders)
    last_day = _open_until(world, programme)
    contracts = [
        c
        for c in world.contracts
        if c.buyer_id in holders and not c.taken and c.start <= last_day and c.end >= programme.valid_from
    ]
    if programme.provider_rule == ProviderRule.REGION:
        province = programme.region.code[:2]
        programme.providers = sorted(
            pk
            for pk, (kind, region) in world.organisations.items()
            if kind == OrganisationKind.VENDOR and region.startswith(province) and pk in world.staff
        )
        payable = set(programme.providers)
        contracts = [c for c in contracts if c.supplier_id in payable]
    else:
        suppliers = {
            c.supplier_id
            for c in contracts
            if world.organisations.get(c.supplier_id, ("", ""))[0] in SUPPLIER_KINDS and c.supplier_id in world.staff
        }
        vendors = sorted(pk for pk, (kind, _r) in world.organisations.items() if kind == V and pk in world.staff)
        programme.providers = sorted(suppliers | set(rng.sample(vendors, min(LISTED_EXTRA, len(vendors)))))
        contracts = [c for c in contracts if c.supplier_id in suppliers]
    if programme.state == ProgrammeState.DRAFT:
        return
    for contract in contracts:
        if contract.supplier_id in world.related.get(contract.buyer_id, ()):
            continue
        contract.taken = True
        contract.room_fen = contract.value_fen * programme.coverage_bp // 10_000
        programme.contracts.setdefault(contract.buyer_id, []).append(contract)


def _allocate(rng: random.Random, world: _World, programmes: list[_Programme], vouchers: int) -> None:
    """Programme ids, and how many vouchers each issued (in proportion to its holders)."""
    weights = [
        0
        if p.state == ProgrammeState.DRAFT or not p.holders
        else len(p.holders) * (1.0 if p.closed_on is None else 0.8)
        for p in programmes
    ]
    total = sum(weights)
    counts = [int(vouchers * w / total) for w in weights]
    counts[weights.index(max(weights))] += vouchers - sum(counts)
    for programme, count in zip(programmes, counts, strict=True):
        programme.id = world.ids[Programme]
        world.ids[Programme] += 1
        programme.issued_fen = count  # how many to issue, until _history replaces it by the sum


# --- one programme's history ----------------------------------------------------------------------


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _code(rng: random.Random) -> str:
    bits = rng.getrandbits(5 * LENGTH)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))


def _open_until(world: _World, programme: _Programme) -> date:
    """The last day the programme's vouchers could be used (so far)."""
    closed = programme.closed_on - timedelta(days=1) if programme.closed_on else world.today
    return min(programme.valid_until, closed, world.today - timedelta(days=1))


def _history(rng: random.Random, world: _World, programme: _Programme) -> None:
    count, programme.issued_fen = programme.issued_fen, 0
    open_until = _open_until(world, programme)
    issued_to: dict[int, int] = defaultdict(int)
    buyers = sorted(programme.contracts)  # holders with contracts the programme may pay
    for _ in range(count):
        holder = rng.choice(buyers if buyers and rng.random() < BUYERS_FIRST else programme.holders)
        if programme.cap_fen - issued_to[holder] < FACES_YUAN[0] * YUAN:  # its cap is used up: the next one's turn
            holder = min(programme.holders, key=lambda h: issued_to[h])
        room = programme.cap_fen - issued_to[holder]
        if room < FACES_YUAN[0] * YUAN:
            raise RuntimeError(f"programme {programme.id}: every holder's cap is used up; issue fewer vouchers")
        face = round(math.exp(rng.uniform(*(math.log(f) for f in FACES_YUAN)))) // 1_000 * 1_000 * YUAN
        face = min(face, room)
        issued_to[holder] += face
        programme.issued_fen += face
        submitted = _day_between(rng, programme.valid_from, open_until - timedelta(days=10))
        approved = submitted + timedelta(days=rng.randint(1, 10))
        _voucher(rng, world, programme, holder, face, world.at(submitted, rng), world.at(approved, rng), open_until)
    if programme.state != ProgrammeState.DRAFT and programme.holders:  # a small world may leave a region without
        _other_applications(rng, world, programme, max(1, round(count * EXTRA_APPLICATIONS)), open_until)
    budget = max(
        math.ceil(programme.issued_fen / rng.uniform(0.6, 0.9) / 1_000_000) * 1_000_000, 10 * programme.cap_fen
    )
    opened_at = world.at(programme.valid_from - timedelta(days=10), rng)
    closed_at = world.at(programme.closed_on, rng) if programme.closed_on else None
    world.rows[Programme].append(
        {
            "id": programme.id,
            "authority_id": programme.authority_id,
            "name": f"{programme.region.name}{programme.year}年度{KIND_NAMES[programme.kind]}专项",
            "kind": programme.kind,
            "year": programme.year,
            "budget_fen": budget,
            "coverage_bp": programme.coverage_bp,
            "holder_cap_fen": programme.cap_fen,
            "valid_from": programme.valid_from,
            "valid_until": programme.valid_until,
            "holder_region_id": programme.region.code,
            "holder_kinds": HOLDER_KINDS_OF[programme.kind],
            "provider_rule": programme.provider_rule,
            "provider_region_id": programme.region.code[:2] + "0000"
            if programme.provider_rule == ProviderRule.REGION
            else None,
            "rules": "申领须提交采购合同或订单；兑付须提交付款凭证与发票。",
            "state": programme.state,
            "created_by_id": programme.officer_id,
            "created_at": opened_at - timedelta(days=5),
            "updated_at": closed_at or opened_at,
        }
    )
    if programme.provider_rule == ProviderRule.LIST:
        for provider in programme.providers:
            world.new(Programme.providers.through, {"programme_id": programme.id, "organisation_id": provider})
    if programme.state != ProgrammeState.DRAFT:
        _post(
            world,
            programme,
            TransactionKind.FUND,
            opened_at,
            programme.officer_id,
            [
                (Account.FUNDING, -budget, None),
                (Account.BUDGET, budget, None),
            ],
        )


def _post(
    world: _World,
    programme: _Programme,
    kind: str,
    at: datetime,
    actor: int | None,
    legs: list[tuple[str, int, int | None]],
    *,
    voucher: int | None = None,
    redemption: int | None = None,
    claim: int | None = None,
) -> None:
    assert sum(amount for _a, amount, _v in legs) == 0
    assert all(amount for _a, amount, _v in legs)
    transaction_id = world.new(
        LedgerTransaction,
        {
            "programme_id": programme.id,
            "kind": kind,
            "voucher_id": voucher,
            "redemption_id": redemption,
            "claim_id": claim,
            "created_at": at,
            "created_by_id": actor,
        },
    )
    for account, amount, leg_voucher in legs:
        world.new(
            LedgerEntry,
            {
                "transaction_id": transaction_id,
                "programme_id": programme.id,
                "account": account,
                "voucher_id": leg_voucher,
                "amount_fen": amount,
            },
        )


def _application(
    rng: random.Random, world: _World, programme: _Programme, holder: int, requested: int, submitted: datetime
) -> dict[str, Any]:
    return {
        "programme_id": programme.id,
        "applicant_id": holder,
        "requested_fen": requested,
        "purpose": rng.choice(PURPOSES),
        "evidence": EVIDENCE_NAME,
        "evidence_name": PurePath(EVIDENCE_NAME).name,
        "evidence_sha256": hashlib.sha256(EVIDENCE).hexdigest(),
        "submitted_by_id": world.staff[holder],
        "submitted_at": submitted,
    }


def _voucher(
    rng: random.Random,
    world: _World,
    programme: _Programme,
    holder: int,
    face: int,
    submitted: datetime,
    approved: datetime,
    open_until: date,
) -> None:
    requested = face if rng.random() < 0.8 else min(programme.cap_fen, face * rng.choice((5, 4)) // 3 // YUAN * YUAN)
    application = _application(rng, world, programme, holder, requested, submitted)
    application.update(
        state=ApplicationState.APPROVED,
        approved_fen=face,
        review_note="" if requested == face else "按本专项支持比例核减申领金额。",
        reviewed_by_id=programme.officer_id,
        reviewed_at=approved,
    )
    application_id = world.new(Application, application)
    # How the voucher ends: cancelled by an officer, cancelled when the programme closed early,
    # expired after its last day, or still active.
    last_day = open_until
    state, ended_at, reason = VoucherState.ACTIVE, None, ""
    if rng.random() < CANCELLED and approved.date() < open_until:
        last_day = _day_between(rng, approved.date(), open_until - timedelta(days=1))
        ended_at = world.at(last_day + timedelta(days=1), rng)
        state, reason = VoucherState.CANCELLED, "经核查，申领材料与实际采购不符。"
    elif programme.closed_on is not None and programme.closed_on <= programme.valid_until:
        state, ended_at, reason = VoucherState.CANCELLED, world.at(programme.closed_on, rng), gettext(CLOSED_REASON)
    elif programme.valid_until < world.today:
        state, ended_at = VoucherState.EXPIRED, world.at(programme.valid_until + timedelta(days=1), rng)
    voucher_id = world.new(
        Voucher,
        {
            "programme_id": programme.id,
            "application_id": application_id,
            "holder_id": holder,
            "code": _code(rng),
            "face_fen": face,
            "valid_from": approved.date(),
            "valid_until": programme.valid_until,
            "state": state,
            "issued_at": approved,
            "ended_at": ended_at,
            "cancellation_reason": reason,
        },
    )
    _post(
        world,
        programme,
        TransactionKind.ISSUE,
        approved,
        programme.officer_id,
        [
            (Account.BUDGET, -face, None),
            (Account.ISSUED, face, voucher_id),
        ],
        voucher=voucher_id,
    )
    used = _redemptions(rng, world, programme, holder, voucher_id, face, approved.date(), last_day)
    if state != VoucherState.ACTIVE and face > used:
        kind = TransactionKind.CANCEL if state == VoucherState.CANCELLED else TransactionKind.EXPIRE
        assert ended_at is not None
        _post(
            world,
            programme,
            kind,
            ended_at,
            programme.officer_id if kind == TransactionKind.CANCEL else None,
            [
                (Account.ISSUED, -(face - used), voucher_id),
                (Account.BUDGET, face - used, None),
            ],
            voucher=voucher_id,
        )


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` fen in `parts` positive amounts of whole yuan (the last takes the rest)."""
    amounts = []
    left = total
    for _ in range(parts - 1):
        amount = max(YUAN, round(left * rng.uniform(0.2, 0.6)) // YUAN * YUAN)
        if amount >= left:
            break
        amounts.append(amount)
        left -= amount
    return [*amounts, left]


def _redemptions(
    rng: random.Random,
    world: _World,
    programme: _Programme,
    holder: int,
    voucher_id: int,
    face: int,
    first_day: date,
    last_day: date,
) -> int:
    """The voucher's redemptions (and their claims); returns what they used."""
    past = programme.valid_until < world.today
    use = rng.choices(("all", "part", "none"), (45, 40, 15) if past else (15, 55, 30))[0]
    if use == "none" or last_day < first_day:
        return 0
    total = face if use == "all" else max(YUAN, round(face * rng.uniform(0.2, 0.9)) // YUAN * YUAN)
    amounts = _split(rng, total, rng.randint(1, 3 if use == "all" else 2))
    order: dict[str, Any] | None = None
    used = 0
    for amount in amounts:
        contract = None
        if rng.random() < CONTRACT_SHARE:
            contract = _contract_for(rng, programme.contracts.get(holder, []), amount, first_day, last_day)
        if contract is not None:
            day = _day_between(rng, max(first_day, contract.start), min(last_day, contract.end))
            contract.room_fen -= amount
            target = {"contract_id": contract.id, "provider_id": contract.supplier_id}
        else:
            day = _day_between(rng, first_day, last_day)
            order = _order_for(rng, world, programme, holder, amount, day, order)
            target = {"order_id": order["id"], "provider_id": order["provider_id"]}
        used += amount
        _redemption(rng, world, programme, holder, voucher_id, amount, day, target, contract)
    if last_day >= world.today - timedelta(days=1) and rng.random() < PENDING + DECLINED and face > used:
        # A provider's request: still awaiting the holder, or declined.
        day = _day_between(rng, first_day, last_day)
        order = _order_for(rng, world, programme, holder, min(face - used, 5_000 * YUAN), day, None)
        requested = world.at(day, rng)
        world.new(
            Redemption,
            {
                "voucher_id": voucher_id,
                "programme_id": programme.id,
                "holder_id": holder,
                "provider_id": order["provider_id"],
                "order_id": order["id"],
                "amount_fen": min(face - used, 5_000 * YUAN),
                "state": RedemptionState.PENDING
                if rng.random() < PENDING / (PENDING + DECLINED)
                else RedemptionState.DECLINED,
                "year": day.year,
                "requested_by_id": world.staff[order["provider_id"]],
                "idempotency_key": "",
                "requested_at": requested,
            },
        )
    return used


def _contract_for(
    rng: random.Random, contracts: list[_Contract], amount: int, first: date, last: date
) -> _Contract | None:
    usable = [c for c in contracts if c.room_fen >= amount and c.start <= last and c.end >= first]
    return rng.choice(usable) if usable else None


def _order_for(
    rng: random.Random,
    world: _World,
    programme: _Programme,
    holder: int,
    amount: int,
    day: date,
    order: dict[str, Any] | None,
) -> dict[str, Any]:
    """An external order of the holder that the programme may pay `amount` of more: the voucher's
    order so far, grown (its value covers every redemption against it), or a new one."""
    needed = math.ceil(amount * 10_000 / programme.coverage_bp / YUAN) * YUAN
    if order is not None and order["ordered_on"] <= day:
        order["value_fen"] += needed
        return order
    while True:
        provider = rng.choice(programme.providers)
        if provider != holder and provider not in world.related.get(holder, ()):
            break
    ordered_on = day - timedelta(days=rng.randint(0, 20))
    order = {
        "holder_id": holder,
        "provider_id": provider,
        "description": rng.choice(ORDERS).format(n=rng.choice((200, 500, 1_000, 2_000, 5_000))),
        "value_fen": needed + rng.randrange(0, 50_000) * YUAN,
        "ordered_on": ordered_on,
        "recorded_by_id": world.staff[holder],
        "recorded_at": world.at(ordered_on, rng),
    }
    world.new(ExternalOrder, order)
    return order


def _redemption(
    rng: random.Random,
    world: _World,
    programme: _Programme,
    holder: int,
    voucher_id: int,
    amount: int,
    day: date,
    target: dict[str, Any],
    contract: _Contract | None,
) -> None:
    """A confirmed redemption booked in the ledger, then its claims (and its settlement)."""
    at = world.at(day, rng)
    by_provider = rng.random() < 0.2  # asked by the provider, confirmed by the holder
    holder_user = world.staff[holder]
    redemption = {
        "voucher_id": voucher_id,
        "programme_id": programme.id,
        "holder_id": holder,
        "amount_fen": amount,
        "state": RedemptionState.CONFIRMED,
        "year": day.year,
        "requested_by_id": world.staff[target["provider_id"]] if by_provider else holder_user,
        "idempotency_key": "",
        "requested_at": at - timedelta(hours=rng.randint(2, 48)) if by_provider else at,
        "confirmed_by_id": holder_user,
        "confirmed_at": at,
        **target,
    }
    redemption_id = world.new(Redemption, redemption)
    _post(
        world,
        programme,
        TransactionKind.REDEEM,
        at,
        holder_user,
        [
            (Account.ISSUED, -amount, voucher_id),
            (Account.REDEEMED, amount, voucher_id),
        ],
        voucher=voucher_id,
        redemption=redemption_id,
    )
    # Settlement is claimed once the contract is complete (an order: a week on).
    claimable = contract.completed if contract is not None else day + timedelta(days=7)
    if claimable is None or claimable >= world.today:
        return
    claimable = max(claimable, day + timedelta(days=1))
    past = programme.valid_until < world.today
    outcome = rng.choices(
        ("none", ClaimState.SUBMITTED, ClaimState.APPROVED, ClaimState.REJECTED, ClaimState.SETTLED),
        (4, 2, 2, 2, 90) if past else (35, 15, 10, 5, 35),
    )[0]
    if outcome == "none":
        return
    claimant = target["provider_id"] if rng.random() < 0.5 else holder
    submitted = _day_between(rng, claimable, min(world.today - timedelta(days=1), claimable + timedelta(days=60)))
    if outcome == ClaimState.SETTLED and rng.random() < 0.05 and submitted + timedelta(days=12) < world.today:
        # First refused (reviewed within 10 days), claimed again.
        _claim(rng, world, programme, redemption_id, claimant, ClaimState.REJECTED, submitted, amount, voucher_id)
        submitted = min(world.today - timedelta(days=1), submitted + timedelta(days=rng.randint(11, 30)))
    state = _claim(rng, world, programme, redemption_id, claimant, outcome, submitted, amount, voucher_id)
    if state == ClaimState.SETTLED:
        redemption["state"] = RedemptionState.SETTLED


def _claim(
    rng: random.Random,
    world: _World,
    programme: _Programme,
    redemption_id: int,
    claimant: int,
    state: str,
    submitted: date,
    amount: int,
    voucher_id: int,
) -> str:
    """A claim in `state`, as far as the calendar allows (review and transfer take days); returns
    the state it reached."""
    submitted_at = world.at(submitted, rng)
    reviewed = submitted + timedelta(days=rng.randint(1, 10))
    settled = reviewed + timedelta(days=rng.randint(1, 15))
    if state == ClaimState.SETTLED and settled >= world.today:
        state = ClaimState.APPROVED
    if state in (ClaimState.APPROVED, ClaimState.REJECTED) and reviewed >= world.today:
        state = ClaimState.SUBMITTED
    claim = {
        "redemption_id": redemption_id,
        "programme_id": programme.id,
        "claimant_id": claimant,
        "evidence": EVIDENCE_NAME,
        "evidence_name": PurePath(EVIDENCE_NAME).name,
        "evidence_sha256": hashlib.sha256(EVIDENCE).hexdigest(),
        "note": "",
        "state": state,
        "submitted_by_id": world.staff[claimant],
        "submitted_at": submitted_at,
    }
    if state != ClaimState.SUBMITTED:
        claim.update(reviewed_by_id=programme.officer_id, reviewed_at=world.at(reviewed, rng))
    if state == ClaimState.REJECTED:
        claim["review_note"] = rng.choice(CLAIM_REJECTIONS)
    claim_id = world.new(SettlementClaim, claim)
    if state == ClaimState.SETTLED:
        settled_at = world.at(settled, rng)
        claim.update(transfer_number=f"GK{settled:%Y%m%d}{claim_id:08d}", transferred_on=settled, settled_at=settled_at)
        _post(
            world,
            programme,
            TransactionKind.SETTLE,
            settled_at,
            programme.officer_id,
            [
                (Account.REDEEMED, -amount, voucher_id),
                (Account.SETTLED, amount, None),
            ],
            voucher=voucher_id,
            redemption=redemption_id,
            claim=claim_id,
        )
    return state


def _other_applications(rng: random.Random, world: _World, programme: _Programme, count: int, open_until: date) -> None:
    """Applications that issued nothing: rejected, withdrawn, and (open programmes) awaiting review,
    at most one per holder."""
    waiting: set[int] = set()
    for _ in range(count):
        holder = rng.choice(programme.holders)
        submitted = _day_between(rng, programme.valid_from, open_until)
        requested = rng.randrange(5_000, 100_000, 1_000) * YUAN
        application = _application(rng, world, programme, holder, requested, world.at(submitted, rng))
        state = rng.choices(
            (ApplicationState.REJECTED, ApplicationState.WITHDRAWN, ApplicationState.SUBMITTED), (5, 2, 3)
        )[0]
        if state == ApplicationState.SUBMITTED and (programme.state != ProgrammeState.OPEN or holder in waiting):
            state = ApplicationState.REJECTED
        reviewed = submitted + timedelta(days=rng.randint(1, 10))
        if state == ApplicationState.REJECTED and reviewed >= world.today:
            state = ApplicationState.WITHDRAWN
        if state == ApplicationState.REJECTED:
            application.update(
                review_note=rng.choice(REJECTIONS),
                reviewed_by_id=programme.officer_id,
                reviewed_at=world.at(reviewed, rng),
            )
        if state == ApplicationState.SUBMITTED:
            waiting.add(holder)
        application["state"] = state
        world.new(Application, application)


# --- loading ------------------------------------------------------------------------------------


def _load(world: _World) -> dict[type[models.Model], int]:
    order = (
        Programme,
        Programme.providers.through,
        Application,
        Voucher,
        ExternalOrder,
        Redemption,
        SettlementClaim,
        LedgerTransaction,
        LedgerEntry,
    )
    if Programme not in world.rows:
        raise RuntimeError("no voucher programme could be made: the registry part has no voucher authority")
    world.rows[Programme].sort(key=lambda row: row["id"])
    with _constraints_checked_once(*order), indexes_deferred(*order):
        return {model: _copy(model, world.rows[model]) for model in order}


def _copy(model: type[models.Model], rows: list[dict[str, Any]]) -> int:
    """`bench.copy.copy_rows` for rows keyed by column attribute names, quicker: 7,000,000 values
    here, most of them numbers, which `_cell` writes without `_text`'s escaping."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    defaults = {}
    for f in fields:
        try:
            defaults[f.attname] = _cell(_default(f))
        except ValueError:  # a value every row gives (the id, a foreign key…)
            continue
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(rows), CHUNK):
                lines = [
                    "\t".join([_cell(row[n]) if n in row else defaults[n] for n in names])
                    for row in rows[start : start + CHUNK]
                ]
                copy.write("\n".join(lines) + "\n")
        pk = model._meta.pk.column
        cursor.execute(
            # Table and column names come from the model's metadata, not from input.
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({pk}) FROM {table}), 1))",  # noqa: S608
            [model._meta.db_table, pk],
        )
    return len(rows)

"""The tender exchange part of the scale data set (DESIGN §10): 100,000 tenders with their lots,
milestones, a document each, catalogue entries and OCDS releases, and 1,000,000 bids.

Buyers and bidders are the verified organisations of the registry part (`bench.scale_registry`):
agencies run open tenders and competitive negotiations, enterprises requests for quotation, and
each buying or bidding organisation gets one staff user (with its membership and members group).
Most tenders are history (awarded, in evaluation or publicity, failed, cancelled); about 3 % are
open for bids and a few are drafts. Deterministic (seeded), loaded with COPY.

Bids are sealed with the real `marketplace.sealing.seal` and the real payload layout, so every bid
opens with `bid_unseal` and its receipt matches; the bids of opened tenders also carry their price,
documents and valid/invalid state, as the opening leaves them; bids of open and cancelled tenders
carry nothing but the seal. Permissions (tender: buyer's group; bid: bidder's group) are written by
the database from the rows themselves.

Releases: the real builder (`marketplace.ocds.build.release_data`) makes a few queries per release,
far too slow for 300,000 of them, so `_Releases` builds the same dicts from the generated rows and
writes them with `marketplace.ocds.encoding.dumps`. A tender gets the releases the services would
have written up to its state (publish; close; open or fail; cancel): awarded and publicity tenders
stop at the opening, since award releases belong to the second tender issue.
`tests/marketplace/test_scale_data.py` checks, on a small run, that the last release of each tender
equals what the real builder produces and that the releases validate as OCDS.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from bench.copy import copy_rows, indexes_deferred, next_id
from marketplace import sealing
from marketplace.models import (
    Bid,
    BidGroupObjectPermission,
    BidState,
    CatalogueEntry,
    Lot,
    LotState,
    Openness,
    Release,
    Tender,
    TenderDocument,
    TenderGroupObjectPermission,
    TenderMilestone,
    VolumeUnit,
)
from marketplace.ocds import build, encoding
from marketplace.procedures import EvaluationMethod, Procedure, rules_of
from marketplace.services.bids import BidDocumentInput, _payload
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.money import hundredths_text
from registry.models import Membership, Organisation, Region, VerificationStatus
from registry.roles import OrganisationKind, managing_role
from registry.taxonomy import Modality, Sector

TENDERS = 100_000
BIDS = 1_000_000
CATALOGUE_ENTRIES = 3_000
SEED = 20_241_823
YEARS_OF_HISTORY = 5

S = TenderState
# Share of each state; the rest are awarded.
STATE_SHARES = {S.DRAFT: 0.005, S.OPEN: 0.03, S.CANCELLED: 0.05, S.FAILED: 0.10, S.EVALUATION: 0.12, S.PUBLICITY: 0.025}
SEALED_STATES = (S.OPEN, S.CANCELLED)  # bids submitted, never opened
OPENED_STATES = (S.FAILED, S.EVALUATION, S.PUBLICITY, S.AWARDED)

# (subject, its natural modality) per sector; titles read "<city><subject><task>服务项目".
SUBJECTS: dict[str, list[tuple[str, str]]] = {
    Sector.TRANSPORT: [
        ("路口监控视频", Modality.VIDEO),
        ("高速公路事件视频", Modality.VIDEO),
        ("公交客流图像", Modality.IMAGE),
        ("车载激光雷达点云", Modality.POINT_CLOUD),
        ("交通违法抓拍图像", Modality.IMAGE),
    ],
    Sector.HEALTHCARE: [
        ("胸部CT影像", Modality.IMAGE),
        ("病理切片图像", Modality.IMAGE),
        ("电子病历文本", Modality.TEXT),
        ("门诊语音问诊记录", Modality.SPEECH),
    ],
    Sector.FINANCE: [
        ("金融监管文书", Modality.TEXT),
        ("企业年报文本", Modality.TEXT),
        ("银行客服通话录音", Modality.SPEECH),
        ("票据影像", Modality.IMAGE),
    ],
    Sector.SCIENCE: [("科研论文摘要", Modality.TEXT), ("专利文献", Modality.TEXT), ("显微图像", Modality.IMAGE)],
    Sector.MANUFACTURING: [
        ("工业质检图像", Modality.IMAGE),
        ("产线监控视频", Modality.VIDEO),
        ("零部件三维点云", Modality.POINT_CLOUD),
    ],
    Sector.AGRICULTURE: [
        ("农田遥感影像", Modality.IMAGE),
        ("作物病虫害图像", Modality.IMAGE),
        ("农技问答图文", Modality.MULTIMODAL),
    ],
    Sector.GOVERNMENT_SERVICES: [
        ("12345热线通话录音", Modality.SPEECH),
        ("政务服务办事指南", Modality.TEXT),
        ("政务公文文本", Modality.TEXT),
        ("政务大厅服务视频", Modality.VIDEO),
    ],
    Sector.URBAN_GOVERNANCE: [
        ("城市三维点云", Modality.POINT_CLOUD),
        ("城市部件巡查图像", Modality.IMAGE),
        ("街景全景影像", Modality.IMAGE),
        ("城管事件视频", Modality.VIDEO),
    ],
    Sector.RURAL_REVITALISATION: [("乡村人居环境图像", Modality.IMAGE), ("方言语音", Modality.SPEECH)],
    Sector.OTHER: [("多语种语料", Modality.TEXT), ("文物数字化图像", Modality.IMAGE)],
}
SECTOR_WEIGHTS: dict[str, int] = {
    Sector.TRANSPORT: 18,
    Sector.HEALTHCARE: 12,
    Sector.FINANCE: 10,
    Sector.SCIENCE: 7,
    Sector.MANUFACTURING: 8,
    Sector.AGRICULTURE: 8,
    Sector.GOVERNMENT_SERVICES: 15,
    Sector.URBAN_GOVERNANCE: 12,
    Sector.RURAL_REVITALISATION: 5,
    Sector.OTHER: 5,
}
# task, unit, volume range
TASKS: dict[str, tuple[str, str, int, int]] = {
    Modality.TEXT: ("实体识别与分类标注", VolumeUnit.CHARACTER, 1_000_000, 500_000_000),
    Modality.IMAGE: ("目标检测与语义分割标注", VolumeUnit.IMAGE, 10_000, 1_000_000),
    Modality.VIDEO: ("目标跟踪与事件标注", VolumeUnit.HOUR, 500, 20_000),
    Modality.SPEECH: ("语音转写与说话人标注", VolumeUnit.HOUR, 200, 10_000),
    Modality.POINT_CLOUD: ("3D框与语义分割标注", VolumeUnit.FRAME, 10_000, 500_000),
    Modality.MULTIMODAL: ("图文对齐与多模态标注", VolumeUnit.ITEM, 10_000, 1_000_000),
}
EXTRA_LOTS = ("标注质检与复核", "难例补充标注")
MILESTONES = (
    (("首批数据交付验收", 3_000), ("全部数据交付验收", 7_000)),
    (("标注方案与样例确认", 1_000), ("首批数据交付验收", 3_000), ("全部数据交付验收", 6_000)),
)
DOCUMENT = "招标文件（基准数据）\n本文件由基准数据生成程序生成，所有基准招标共用。\n".encode()
DOCUMENT_NAME = "tenders/bench/招标文件.txt"
DOCUMENT_TITLE = "招标文件"
BID_DOCUMENT = BidDocumentInput(
    name="技术方案.pdf", content=b"%PDF-1.4 technical proposal (benchmark data)", media_type="application/pdf"
)
BID_DOCUMENTS_OPENED = [
    {
        "name": BID_DOCUMENT.name,
        "media_type": BID_DOCUMENT.media_type,
        "size": len(BID_DOCUMENT.content),
        "sha256": hashlib.sha256(BID_DOCUMENT.content).hexdigest(),
    }
]
# The tables the generator writes, analysed at the end (the whole database takes far longer).
ANALYSED = (
    User,
    Membership,
    CatalogueEntry,
    Tender,
    Lot,
    TenderMilestone,
    TenderDocument,
    Bid,
    Release,
    TenderGroupObjectPermission,
    BidGroupObjectPermission,
)
CANCELLATION_REASONS = (
    "因预算调整，本项目取消采购。",
    "采购需求发生重大变化，本项目终止。",
    "数据安全评估未通过，项目取消。",
)


@dataclass(frozen=True, slots=True)
class _Org:
    id: int
    code: str
    name: str
    kind: str
    region_id: str
    region_name: str
    group_id: int
    user_id: int = 0


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    dataset: str
    annotation_needs: str


@dataclass(slots=True)
class _Lot:
    id: int
    number: int
    title: str
    modality: str
    volume: int
    unit: str
    budget_fen: int
    bids: int = 0  # how many bids it gets
    valid: int = 0  # of which valid at the opening (failed tenders: fewer than needed)
    state: str = LotState.ACTIVE

    @property
    def pk(self) -> int:  # as on a Lot, for the builder's statistics
        return self.id


@dataclass(slots=True)
class _Plan:
    id: int
    seed: int
    title: str
    description: str
    buyer: _Org
    procedure: str
    method: str
    weights: tuple[int, int, int]
    sector: str
    state: str
    created_at: datetime
    deadline: datetime
    published_at: datetime | None
    opened_at: datetime | None
    state_changed_at: datetime | None
    cancellation_reason: str
    entry: _Entry | None
    lots: list[_Lot]
    milestones: tuple[tuple[str, int], ...]
    document_id: int
    needed: int = 0
    bids_until: datetime | None = None  # bids arrive between publication and this moment

    @property
    def reference(self) -> str:
        return f"BZ{self.created_at:%Y}{self.id:08d}"

    @property
    def budget_fen(self) -> int:
        return sum(lot.budget_fen for lot in self.lots)


@dataclass(slots=True)
class _Bid:
    uid: str
    lot: _Lot
    vendor: _Org
    received_at: datetime
    state: str
    price_fen: int  # the sealed price; stored in clear only once opened
    withdrawn_at: datetime | None = None
    opened: bool = False
    invalid_reason: str = ""

    @property
    def lot_id(self) -> int:  # as on a Bid, for the builder's statistics
        return self.lot.id


@dataclass
class _World:
    now: datetime
    agencies: list[_Org]
    enterprises: list[_Org]
    vendors: list[_Org]
    entries: dict[int, list[_Entry]] = field(default_factory=dict)  # agency id -> its entries


def present(*, tenders: int = TENDERS, bids: int = BIDS) -> bool:
    return Tender.objects.count() >= tenders and Bid.objects.count() >= bids


def generate(
    *, tenders: int = TENDERS, bids: int = BIDS, catalogue_entries: int = CATALOGUE_ENTRIES, log: Any = print
) -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()

    def step(what: str) -> None:
        log(f"{what}: {time.perf_counter() - started:.1f} s")

    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        world = _world()
        _staff_users(world)
        step(f"staff users for {len(world.agencies) + len(world.enterprises) + len(world.vendors):,} organisations")
        _catalogue(rng, world, catalogue_entries)
        plans = _plans(rng, world, tenders, bids)
        _copy_tenders(plans)
        step(f"tenders: {len(plans):,} with lots, milestones and documents")
        with indexes_deferred(Bid, BidGroupObjectPermission, Release):
            first_bid = next_id(Bid)
            written = copy_rows(Bid, _bid_rows(plans, world, first_bid))
            step(f"bids: {written:,}")
            _permissions(tenders=(plans[0].id, plans[-1].id), bids=(first_bid, first_bid + written - 1))
            step("tender and bid permissions")
            releases = copy_rows(Release, _Releases(world).rows(plans, next_id(Release)))
            step(f"OCDS releases: {releases:,}")
        step("indexes of bids, permissions and releases built")
    tables = [model._meta.db_table for model in ANALYSED]
    with connection.cursor() as cursor:
        # The searched tables are vacuumed too, so that index-only scans need not visit the heap
        # (VACUUM cannot run inside a transaction, such as a test's).
        if not connection.in_atomic_block:
            cursor.execute(f"VACUUM ANALYZE {Tender._meta.db_table}, {Lot._meta.db_table}")
        cursor.execute(f"ANALYZE {', '.join(tables)}")
    step("analysed")


def _world() -> _World:
    regions = dict(Region.objects.values_list("code", "name"))
    kinds = (OrganisationKind.AGENCY, OrganisationKind.ENTERPRISE, OrganisationKind.VENDOR)
    rows = (
        Organisation.objects.filter(status=VerificationStatus.VERIFIED, kind__in=kinds)
        .order_by("pk")
        .values_list("pk", "credit_code", "name", "kind", "region_id", "members_group_id")
    )
    by_kind: dict[str, list[_Org]] = {kind: [] for kind in kinds}
    for pk, code, name, kind, region, group in rows:
        by_kind[kind].append(_Org(pk, code, name, kind, region, regions[region], group))
    if not all(by_kind.values()):
        raise RuntimeError("the registry part of the scale data set is missing: build it first")
    return _World(
        now=timezone.now(),
        agencies=by_kind[OrganisationKind.AGENCY],
        enterprises=by_kind[OrganisationKind.ENTERPRISE],
        vendors=by_kind[OrganisationKind.VENDOR],
    )


def _staff_users(world: _World) -> None:
    """One staff member per buying and bidding organisation (its managing role), who created the
    tenders and submitted the bids. Nobody signs in as them: their passwords are unusable."""
    organisations = [*world.agencies, *world.enterprises, *world.vendors]
    first_user, first_membership = next_id(User), next_id(Membership)
    first_link = next_id(User.groups.through)
    now = world.now
    copy_rows(
        User,
        (
            {"id": first_user + n, "username": f"bench-staff-{org.id}", "name": f"{org.name}员工", "password": "!"}
            for n, org in enumerate(organisations)
        ),
    )
    copy_rows(
        Membership,
        (
            {
                "id": first_membership + n,
                "user_id": first_user + n,
                "organisation_id": org.id,
                "role": managing_role(org.kind),
                "created_at": now,
            }
            for n, org in enumerate(organisations)
        ),
    )
    copy_rows(
        User.groups.through,
        (
            {"id": first_link + n, "user_id": first_user + n, "group_id": org.group_id}
            for n, org in enumerate(organisations)
        ),
    )
    ids = {org.id: first_user + n for n, org in enumerate(organisations)}

    def staffed(orgs: list[_Org]) -> list[_Org]:
        return [_Org(o.id, o.code, o.name, o.kind, o.region_id, o.region_name, o.group_id, ids[o.id]) for o in orgs]

    world.agencies, world.enterprises, world.vendors = (
        staffed(world.agencies),
        staffed(world.enterprises),
        staffed(world.vendors),
    )


def _catalogue(rng: random.Random, world: _World, count: int) -> None:
    first = next_id(CatalogueEntry)
    rows = []
    for n in range(count):
        agency = rng.choice(world.agencies)
        sector = _weighted(rng, SECTOR_WEIGHTS)
        subject, modality = rng.choice(SUBJECTS[sector])
        task, unit, low, high = TASKS[modality]
        entry = _Entry(first + n, f"{agency.region_name}{subject}数据集（{2020 + n % 6}）", f"{subject}{task}")
        world.entries.setdefault(agency.id, []).append(entry)
        rows.append(
            {
                "id": entry.id,
                "agency_id": agency.id,
                "dataset": entry.dataset,
                "description": f"{agency.name}持有的{subject}数据，已完成脱敏处理。",
                "sector": sector,
                "modality": modality,
                "volume": _log_uniform(rng, low, high),
                "volume_unit": unit,
                "openness": rng.choice(Openness.values),
                "annotation_needs": entry.annotation_needs,
                "created_by_id": agency.user_id,
                "created_at": world.now,
                "updated_at": world.now,
            }
        )
    copy_rows(CatalogueEntry, rows)


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


def _states(rng: random.Random, count: int) -> list[str]:
    states: list[str] = []
    for state, share in STATE_SHARES.items():
        states += [state] * round(count * share)
    states += [S.AWARDED] * (count - len(states))
    rng.shuffle(states)
    return states


def _plans(rng: random.Random, world: _World, count: int, bids: int) -> list[_Plan]:
    first_tender, first_lot, first_document = next_id(Tender), next_id(Lot), next_id(TenderDocument)
    lot_id = first_lot
    plans = []
    for n, state in enumerate(_states(rng, count)):
        plan = _plan(rng, world, first_tender + n, state, first_document + n, lot_id)
        lot_id += len(plan.lots)
        plans.append(plan)
    _spread_bids(rng, plans, bids)
    return plans


def _plan(rng: random.Random, world: _World, tender_id: int, state: str, document_id: int, lot_id: int) -> _Plan:
    quotation = rng.random() < 0.12
    buyer = rng.choice(world.enterprises if quotation else world.agencies)
    if quotation:
        procedure = Procedure.REQUEST_FOR_QUOTATION
        method = EvaluationMethod.LOWEST_PRICE if rng.random() < 0.8 else EvaluationMethod.BUYERS_CHOICE
    else:
        procedure = Procedure.OPEN_TENDER if rng.random() < 0.65 else Procedure.COMPETITIVE_NEGOTIATION
        method = (
            EvaluationMethod.LOWEST_EVALUATED_PRICE
            if procedure == Procedure.OPEN_TENDER and rng.random() < 0.3
            else EvaluationMethod.COMPREHENSIVE_SCORING
        )
    weights = (
        rng.choice(((3_000, 6_000, 1_000), (4_000, 5_000, 1_000), (2_000, 7_000, 1_000)))
        if method == EvaluationMethod.COMPREHENSIVE_SCORING
        else (10_000, 0, 0)
    )
    sector = _weighted(rng, SECTOR_WEIGHTS)
    subject, modality = rng.choice(SUBJECTS[sector])
    task, unit, low, high = TASKS[modality]
    lot_count = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
    volume = _log_uniform(rng, low, high)
    lots = [
        _Lot(
            id=lot_id + i,
            number=i + 1,
            title=task if i == 0 else EXTRA_LOTS[i - 1],
            modality=modality if i == 0 or rng.random() < 0.7 else Modality.MULTIMODAL,
            volume=volume if i == 0 else max(1, volume // 10),
            unit=unit,
            budget_fen=_log_uniform(rng, 50, 5_000) * 1_000_00,  # 50,000 to 5,000,000 yuan
        )
        for i in range(lot_count)
    ]
    period = rules_of(procedure).min_bid_period
    now = world.now
    published: datetime | None
    if state == S.DRAFT:
        deadline = now + timedelta(days=rng.uniform(25, 60))
        published = None
        created = now - timedelta(days=rng.uniform(0, 10))
    elif state == S.OPEN:
        deadline = now + timedelta(seconds=rng.uniform(2 * 3600, period.total_seconds()))
        published = deadline - period - timedelta(days=rng.uniform(0, 3))
        created = published - timedelta(days=rng.uniform(0, 5))
    else:
        published = now - timedelta(days=rng.uniform(60, 365 * YEARS_OF_HISTORY))
        deadline = published + period + timedelta(days=rng.uniform(0, 10))
        created = published - timedelta(days=rng.uniform(0, 5))
    opened = changed = None
    reason = ""
    if state in OPENED_STATES:
        opened = deadline + timedelta(seconds=rng.uniform(5, 600))
        changed = opened
        if state == S.PUBLICITY:
            changed = opened + timedelta(days=rng.uniform(10, 30))
        elif state == S.AWARDED:
            changed = opened + timedelta(days=rng.uniform(15, 60))
    elif state == S.CANCELLED:
        assert published is not None
        changed = published + period * rng.uniform(0.1, 0.9)
        reason = rng.choice(CANCELLATION_REASONS)
    elif state == S.OPEN:
        changed = published
    until: datetime | None = deadline  # when bids stop coming (none for a draft)
    if state == S.DRAFT:
        until = None
    elif state == S.OPEN:
        until = now
    elif state == S.CANCELLED:
        until = changed
    entries = world.entries.get(buyer.id, [])
    entry = rng.choice(entries) if entries and rng.random() < 0.3 else None
    title = f"{buyer.region_name}{subject}{task}" + ("询价" if quotation else "服务项目")
    description = (
        f"对{buyer.name}提供的{subject}数据开展{task}，共 {volume:,} {VolumeUnit(unit).label}，"
        f"分 {lot_count} 个包，{len(MILESTONES[lot_count % 2])} 个付款节点。"
    )
    return _Plan(
        id=tender_id,
        seed=rng.getrandbits(64),
        title=title,
        description=description,
        buyer=buyer,
        procedure=procedure,
        method=method,
        weights=weights,
        sector=sector,
        state=state,
        created_at=created,
        deadline=deadline,
        published_at=published,
        opened_at=opened,
        state_changed_at=changed,
        cancellation_reason=reason,
        entry=entry,
        lots=lots,
        milestones=MILESTONES[lot_count % 2],
        document_id=document_id,
        needed=rules_of(procedure).min_valid_bids,
        bids_until=until,
    )


def _spread_bids(rng: random.Random, plans: list[_Plan], total: int) -> None:
    """How many bids each lot gets (and how many are valid), adding up to exactly `total`."""
    successful: list[tuple[_Lot, int]] = []
    for plan in plans:
        for lot in plan.lots:
            if plan.state in SEALED_STATES:
                lot.bids = rng.randint(1, 6) if plan.state == S.OPEN else rng.randint(0, 4)
            elif plan.state == S.FAILED:
                lot.bids = rng.randint(1, plan.needed + 1)
                lot.valid = min(lot.bids, rng.randint(0, plan.needed - 1))
                lot.state = LotState.UNSUCCESSFUL
            elif plan.state in OPENED_STATES:
                lot.bids = plan.needed + int(rng.expovariate(1 / 5))
                successful.append((lot, plan.needed))
    missing = total - sum(lot.bids for plan in plans for lot in plan.lots)
    for _ in range(max(missing, 0) if successful else 0):
        rng.choice(successful)[0].bids += 1
    for lot, needed in successful if missing < 0 else ():
        cut = min(lot.bids - needed, -missing)
        lot.bids -= cut
        missing += cut
    for lot, needed in successful:  # the first `needed` bids are valid; of the others, most
        lot.valid = needed + sum(rng.random() < 0.93 for _ in range(lot.bids - needed))


def _copy_tenders(plans: list[_Plan]) -> None:
    if not default_storage.exists(DOCUMENT_NAME):
        default_storage.save(DOCUMENT_NAME, ContentFile(DOCUMENT))
    document_sha = hashlib.sha256(DOCUMENT).hexdigest()
    copy_rows(
        Tender,
        (
            {
                "id": p.id,
                "reference": p.reference,
                "title": p.title,
                "description": p.description,
                "buyer_id": p.buyer.id,
                "created_by_id": p.buyer.user_id,
                "catalogue_entry_id": p.entry.id if p.entry else None,
                "procedure": p.procedure,
                "evaluation_method": p.method,
                "sector": p.sector,
                "region_id": p.buyer.region_id,
                "budget_fen": p.budget_fen,
                "price_weight_bp": p.weights[0],
                "technical_weight_bp": p.weights[1],
                "business_weight_bp": p.weights[2],
                "deadline": p.deadline,
                "state": p.state,
                "state_changed_at": p.state_changed_at,
                "next_check_at": p.deadline if p.state == S.OPEN else None,
                "published_at": p.published_at,
                "opened_at": p.opened_at,
                "cancellation_reason": p.cancellation_reason,
                "documents_version": 1,
                "created_at": p.created_at,
                "updated_at": p.state_changed_at or p.created_at,
            }
            for p in plans
        ),
    )
    copy_rows(
        Lot,
        (
            {
                "id": lot.id,
                "tender_id": p.id,
                "number": lot.number,
                "title": lot.title,
                "modality": lot.modality,
                "volume": lot.volume,
                "volume_unit": lot.unit,
                "budget_fen": lot.budget_fen,
                "state": lot.state,
            }
            for p in plans
            for lot in p.lots
        ),
    )
    first_milestone = next_id(TenderMilestone)
    milestones = ((p, position, m) for p in plans for position, m in enumerate(p.milestones, start=1))
    copy_rows(
        TenderMilestone,
        (
            {"id": first_milestone + n, "tender_id": p.id, "position": position, "title": title, "share_bp": share}
            for n, (p, position, (title, share)) in enumerate(milestones)
        ),
    )
    copy_rows(
        TenderDocument,
        (
            {
                "id": p.document_id,
                "tender_id": p.id,
                "version": 1,
                "title": DOCUMENT_TITLE,
                "file": DOCUMENT_NAME,
                "sha256": document_sha,
                "size": len(DOCUMENT),
                "uploaded_by_id": p.buyer.user_id,
                "uploaded_at": p.created_at,
            }
            for p in plans
        ),
    )


def _bids_of(plan: _Plan, vendors: list[_Org]) -> list[_Bid]:
    """The bids of a tender, in the order of the opening list (lot, time received). A pure
    function of the plan, so the bid rows and the releases are made from the same bids."""
    rng = random.Random(plan.seed)
    if plan.published_at is None or plan.bids_until is None:
        return []
    end = plan.bids_until
    span = (end - plan.published_at).total_seconds()
    bids: list[_Bid] = []
    invalid = gettext("The price exceeds the lot's budget.")
    for lot in plan.lots:
        chosen = rng.sample(vendors, lot.bids)
        lot_bids = []
        for index, vendor in enumerate(chosen):
            received = plan.published_at + timedelta(seconds=rng.uniform(0, span))
            bid = _Bid(
                uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                lot=lot,
                vendor=vendor,
                received_at=received,
                state=BidState.SUBMITTED,
                price_fen=int(lot.budget_fen * rng.uniform(0.72, 0.995)) // 100 * 100,
            )
            if plan.state in OPENED_STATES:
                bid.opened = True
                if index < lot.valid:
                    bid.state = BidState.VALID
                else:
                    bid.state, bid.invalid_reason = BidState.INVALID, invalid
                    bid.price_fen = int(lot.budget_fen * rng.uniform(1.01, 1.2)) // 100 * 100
            elif index and rng.random() < 0.1:  # withdrawn before the deadline, not resubmitted
                bid.state = BidState.WITHDRAWN
                bid.withdrawn_at = received + (end - received) * rng.random()
            lot_bids.append(bid)
        bids += sorted(lot_bids, key=lambda b: b.received_at)
    return bids


def _bid_rows(plans: list[_Plan], world: _World, bid_id: int) -> Iterator[dict[str, Any]]:
    for plan in plans:
        for bid in _bids_of(plan, world.vendors):
            sealed = sealing.seal(
                tender_id=plan.id,
                bid_uid=bid.uid,
                plaintext=_payload(price_fen=bid.price_fen, currency="CNY", documents=[BID_DOCUMENT]),
            )
            yield {
                "id": bid_id,
                "uid": bid.uid,
                "tender_id": plan.id,
                "lot_id": bid.lot.id,
                "vendor_id": bid.vendor.id,
                "submitted_by_id": bid.vendor.user_id,
                "state": bid.state,
                "sealed": sealed,
                "receipt_sha256": sealing.receipt_hash(sealed),
                "received_at": bid.received_at,
                "documents_version": 1,
                "withdrawn_at": bid.withdrawn_at,
                "opened_at": plan.opened_at if bid.opened else None,
                "price_fen": bid.price_fen if bid.opened else None,
                "documents": BID_DOCUMENTS_OPENED if bid.opened else [],
                "invalid_reason": bid.invalid_reason,
            }
            bid_id += 1


def _permissions(*, tenders: tuple[int, int], bids: tuple[int, int]) -> None:
    """What the services grant, written from the rows (ids within the given ranges): the buyer's
    members view and change a tender, the bidder's members view a bid."""
    perms = dict(
        Permission.objects.filter(
            content_type__app_label="marketplace", codename__in=("view_tender", "change_tender", "view_bid")
        ).values_list("codename", "pk")
    )
    with connection.cursor() as cursor:
        for codename in ("view_tender", "change_tender"):
            cursor.execute(
                "INSERT INTO marketplace_tendergroupobjectpermission (permission_id, group_id, content_object_id)"
                " SELECT %s, o.members_group_id, t.id FROM marketplace_tender t"
                " JOIN registry_organisation o ON o.id = t.buyer_id WHERE t.id BETWEEN %s AND %s",
                [perms[codename], *tenders],
            )
        cursor.execute(
            "INSERT INTO marketplace_bidgroupobjectpermission (permission_id, group_id, content_object_id)"
            " SELECT %s, o.members_group_id, b.id FROM marketplace_bid b"
            " JOIN registry_organisation o ON o.id = b.vendor_id WHERE b.id BETWEEN %s AND %s",
            [perms["view_bid"], *bids],
        )


class _Releases:
    """The releases the services would have written for each tender, as `build.release_data`
    makes them (same keys in the same order, same values, empty values left out), from the
    generated rows instead of queries. The parts shared by a tender's releases and by the releases
    of an organisation are made once."""

    def __init__(self, world: _World) -> None:
        self.vendors = world.vendors  # in the order `_bids_of` samples from
        self.references: dict[int, str] = {}  # JSON texts, by organisation id
        self.tenderers: dict[int, str] = {}
        self.procedures = {p.value: str(p.label) for p in Procedure}
        self.methods = {m.value: str(m.label) for m in EvaluationMethod}
        self.units = {u.value: str(u.label) for u in VolumeUnit}
        self.language = settings.LANGUAGE_CODE.split("-")[0]
        # As `build._tender` describes a milestone of the contract's payment template.
        self.milestones: dict[tuple[tuple[str, int], ...], list[dict[str, str]]] = {
            template: [
                {
                    "id": f"milestone-{position}",
                    "title": title,
                    "type": "payment",
                    "description": gettext("%(share)s%% of the contract value") % {"share": hundredths_text(share)},
                }
                for position, (title, share) in enumerate(template, start=1)
            ]
            for template in MILESTONES
        }

    def rows(self, plans: list[_Plan], release_id: int) -> Iterator[dict[str, Any]]:
        """Release rows, numbered from `release_id` (no query here: it runs inside the COPY)."""
        for plan in plans:
            for sequence, (text, tags, date) in enumerate(self.releases(plan), start=1):
                ocid = build.ocid_of(plan.id)
                yield {
                    "id": release_id,
                    "tender_id": plan.id,
                    "ocid": ocid,
                    "release_id": f"{ocid}-{sequence:04d}",
                    "date": date,
                    "tags": tags,
                    "data": text,
                }
                release_id += 1

    def releases(self, plan: _Plan) -> Iterator[tuple[str, list[str], datetime]]:
        """(release JSON, tags, date) of each state change the tender went through: publication;
        then cancellation, or the close of bidding and the opening (evaluation or failed).

        Each part is written by `encoding.dumps`, and the parts a tender's releases share (the
        tender as published, the parties) only once; a release is its parts joined in the
        builder's order, which is the very text `encoding.dumps` makes of the whole release."""
        if plan.published_at is None:
            return
        ocid = build.ocid_of(plan.id)
        published = self._tender_block(plan)
        published_text = encoding.dumps(published)
        history: list[tuple[list[str], datetime, str, list[_Bid]]] = [
            (["planning", "tender"] if plan.entry else ["tender"], plan.published_at, published_text, [])
        ]
        if plan.state == S.CANCELLED:
            assert plan.state_changed_at is not None
            cancelled = encoding.dumps(self._cancelled(published, plan))
            history.append((["tenderCancellation"], plan.state_changed_at, cancelled, []))
        elif plan.state in OPENED_STATES:
            assert plan.opened_at is not None
            closed_at = plan.deadline + (plan.opened_at - plan.deadline) / 2
            bids = [bid for bid in _bids_of(plan, self.vendors) if bid.state != BidState.WITHDRAWN]
            history.append((["tenderUpdate"], closed_at, published_text, []))
            history.append(
                (["tenderUpdate"], plan.opened_at, self._opened(published, published_text, plan, bids), bids)
            )
        planning = None
        if plan.entry is not None:
            planning = encoding.dumps(
                {
                    "rationale": plan.entry.annotation_needs,
                    "budget": {"description": plan.entry.dataset, "amount": build._value(plan.budget_fen)},
                }
            )
        buyer = self._party(plan.buyer, ["buyer", "procuringEntity"])
        for sequence, (tags, date, tender, bids) in enumerate(history, start=1):
            vendors = {bid.vendor.id: bid.vendor for bid in bids}.values()
            parts = [
                ("ocid", encoding.dumps(ocid)),
                ("id", encoding.dumps(f"{ocid}-{sequence:04d}")),
                ("date", encoding.dumps(encoding.date_time(date))),
                ("tag", encoding.dumps(tags)),
                ("initiationType", '"tender"'),
                ("language", encoding.dumps(self.language)),
                ("parties", _array([buyer, *(self._tenderer(vendor) for vendor in vendors)])),
                ("buyer", self._reference(plan.buyer)),
                *([("planning", planning)] if planning else []),
                ("tender", tender),
                *([("bids", encoding.dumps(self._bids(plan, bids)))] if bids else []),
            ]
            yield _object(parts), tags, date

    def _reference(self, org: _Org) -> str:
        reference = self.references.get(org.id)
        if reference is None:
            reference = self.references[org.id] = encoding.dumps(
                {"id": f"{build.IDENTIFIER_SCHEME}-{org.code}", "name": org.name}
            )
        return reference

    @staticmethod
    def _party(org: _Org, roles: list[str]) -> str:
        return encoding.dumps(
            {
                "id": f"{build.IDENTIFIER_SCHEME}-{org.code}",
                "name": org.name,
                "identifier": {"scheme": build.IDENTIFIER_SCHEME, "id": org.code, "legalName": org.name},
                "address": {"region": org.region_name, "countryName": "中国"},
                "roles": roles,
            }
        )

    def _tenderer(self, org: _Org) -> str:
        party = self.tenderers.get(org.id)
        if party is None:
            party = self.tenderers[org.id] = self._party(org, ["tenderer"])
        return party

    def _tender_block(self, plan: _Plan) -> dict[str, Any]:
        """The tender as published (and as it stays until the opening)."""
        assert plan.published_at is not None
        published = encoding.date_time(plan.published_at)
        return {
            "id": plan.reference,
            "title": plan.title,
            "description": plan.description,
            "status": build.TENDER_STATUS[S.OPEN],
            "procuringEntity": {"id": f"{build.IDENTIFIER_SCHEME}-{plan.buyer.code}", "name": plan.buyer.name},
            "value": build._value(plan.budget_fen),
            "procurementMethod": rules_of(plan.procedure).ocds_method,
            "procurementMethodDetails": self.procedures[plan.procedure],
            "mainProcurementCategory": "services",
            "awardCriteria": build.AWARD_CRITERIA[EvaluationMethod(plan.method)],
            "awardCriteriaDetails": self.methods[plan.method],
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {"startDate": published, "endDate": encoding.date_time(plan.deadline)},
            "datePublished": published,
            "items": [
                {
                    "id": build._lot_id(lot),  # type: ignore[arg-type]
                    "description": lot.title,
                    "classification": {"scheme": "CPV", "id": "72316000", "description": "Data analysis services"},
                    "quantity": lot.volume,
                    "unit": {"name": self.units[lot.unit]},
                    "relatedLot": build._lot_id(lot),  # type: ignore[arg-type]
                }
                for lot in plan.lots
            ],
            "lots": [
                {
                    "id": build._lot_id(lot),  # type: ignore[arg-type]
                    "title": lot.title,
                    "status": build.LOT_STATUS[LotState.ACTIVE],
                    "value": build._value(lot.budget_fen),
                }
                for lot in plan.lots
            ],
            "milestones": self.milestones[plan.milestones],
            "documents": [
                {
                    "id": f"document-{plan.document_id}",
                    "documentType": "biddingDocuments",
                    "title": DOCUMENT_TITLE,
                    "url": settings.PUBLIC_BASE_URL
                    + reverse("marketplace:tender-document", args=[plan.id, plan.document_id]),
                    "datePublished": encoding.date_time(plan.created_at),
                }
            ],
        }

    @staticmethod
    def _cancelled(published: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        tender: dict[str, Any] = {}
        for key, value in published.items():
            tender[key] = value
            if key == "status":
                tender[key] = build.TENDER_STATUS[S.CANCELLED]
                tender["statusDetails"] = plan.cancellation_reason
        return tender

    def _opened(self, published: dict[str, Any], published_text: str, plan: _Plan, bids: list[_Bid]) -> str:
        """The tender block after the opening: a failed tender's status and lots change; the
        tenderers follow the blocks the tender already had."""
        text = published_text
        if plan.state == S.FAILED:
            failed = dict(published)
            failed["status"] = build.TENDER_STATUS[S.FAILED]
            failed["lots"] = [
                {**lot, "status": build.LOT_STATUS[LotState(planned.state)]}
                for lot, planned in zip(published["lots"], plan.lots, strict=True)
            ]
            text = encoding.dumps(failed)
        references = [self._reference(vendor) for vendor in {bid.vendor.id: bid.vendor for bid in bids}.values()]
        text = f'{text[:-1]},"numberOfTenderers":{len(references)}'
        if references:
            text += f',"tenderers":{_array(references)}'
        return text + "}"

    def _bids(self, plan: _Plan, bids: list[_Bid]) -> dict[str, Any]:
        return {
            "statistics": build._bid_statistics(bids, plan.lots),  # type: ignore[arg-type]
            "details": [
                {
                    "id": bid.uid,
                    "date": encoding.date_time(bid.received_at),
                    "status": build.BID_STATUS[BidState(bid.state)],
                    "tenderers": [{"id": f"{build.IDENTIFIER_SCHEME}-{bid.vendor.code}", "name": bid.vendor.name}],
                    "relatedLots": [build._lot_id(bid.lot)],  # type: ignore[arg-type]
                    "value": build._value(bid.price_fen),
                }
                for bid in bids
            ],
        }


def _array(texts: list[str]) -> str:
    """The JSON array of values that are JSON texts already."""
    return "[" + ",".join(texts) + "]"


def _object(parts: list[tuple[str, str]]) -> str:
    """The JSON object of (key, JSON text of the value) pairs, as `encoding.dumps` writes it."""
    return "{" + ",".join(f"{encoding.dumps(key)}:{value}" for key, value in parts) + "}"

"""The tender exchange part of the scale data set (DESIGN §10): 100,000 tenders with their lots,
milestones, a document each, catalogue entries and OCDS releases, 1,000,000 bids, and what follows
the opening: an expert pool, evaluation committees with their draws, score sheets and results,
challenges, about 100,000 awards and contracts with their payment milestones.

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

After the opening (`_Evaluation`, made from the same bids in the pass that writes them, each table
spooled to a temporary file and loaded with COPY once the bids are in):
- the expert pool: 400 experts (people of their own, each with a portal account), each with one
  specialty, a modality or a sector; a few pending, suspended or unavailable, a few employed by a
  buyer or a vendor (still, or until less than 3 years ago, and since before the oldest tender, so
  that the conflict rules answer today as on the day of any draw). 400 rather than thousands: a
  draw stores its candidate list and costs an HMAC per candidate, so the pool's size sets the space
  and the time the 95,000 draws take (about 55 candidates each here; a pool of 2,000 would make
  them 300 each, five times the time).
- every tender in evaluation, publicity or awarded has a committee of 5. Its draws are real: the
  candidates are exactly the experts `services.committee_candidates` finds eligible (specialty,
  status, conflicts with the buyer and every bidder), the seed comes from the tender's seeded RNG,
  and `committee_draw.draw` / `digest` make the record, so each draw replays. A member who declines
  (declaring a conflict) is replaced by a further draw of the experts not yet drawn, as
  `committee_refill` does. No audit rows are written (nor for any other step of the data set), so
  `replay_committee_draw` replays every draw but reports that the audit log has no entry for it
  (and exits 1): acceptable for benchmark data.
- tenders in evaluation: some members still to answer, or scoring under way (some sheets
  submitted, perhaps a draft), or the results concluded. Publicity and awarded tenders: every
  member's sheet submitted, with a Score for every valid bid; the results are the real
  `scoring.evaluate_lot` of those scores, and a lot left with fewer qualified bids than the
  procedure needs is unsuccessful (only ever a second or third lot, so no tender fails here).
- publicity: the window's dates, and some challenges, pending (the tender is paused) or rejected;
  awarded tenders had at most a rejected one. No challenge is ever upheld, so every tender has a
  single evaluation round.
- awarded tenders: an Award per active lot to its first candidate, a Contract (reference
  HT<year of the award><8-digit id>, as `services.tender_award` makes it) with the tender's
  payment milestones (amounts by `portal.money.split_by_shares`, due dates on about half, set before
  signature). Contract states follow the calendar: signed within 30 days (a reminder 7 days before
  the limit when still unsigned then), milestones met over 2 to 12 months, so older contracts are
  mostly completed, recent ones active or pending; a few terminated, before or after signature.
Loading is quicker with the tables' secondary indexes built afterwards (`bench.copy`), and their
foreign keys and unique constraints too (`_constraints_checked_once`): each checks all the rows at
once when added back, in the same transaction.

Releases: the real builder (`marketplace.ocds.build.release_data`) makes a few queries per release,
far too slow for 300,000 of them, so `_Releases` builds the same texts from the generated rows,
reusing the builder's own functions for awards, contracts, milestones and statistics; the texts
are byte for byte those `marketplace.ocds.encoding.dumps` writes (`_dumps` makes them faster). A
tender gets the releases the services would have written up to the opening: publish; close; open
or fail; or cancel. After the opening, a simplification: only the release of the latest state
change is written, so the tender's last release shows its state now: publicity (["award"]), award
(["award", "contract"]), or the latest of its contracts' events (both signatures: contractUpdate;
a milestone met: implementation, the last one with contractUpdate; a termination:
contractTermination). The releases skipped are the publicity's of an awarded tender, the award's
of one whose contracts have moved on, and every contract event but the latest. Release ids are
numbered 1, 2, 3… over the releases written, so a service that writes a release afterwards
numbers it right. The committee's conclusion writes no release (`services.evaluation`), so a
tender whose committee has concluded keeps its opening release as its last until the publicity.
`tests/marketplace/test_scale_data.py` checks, on a small run, that the last release of each tender
equals what the real builder produces and that the releases validate as OCDS, and the consistency
of everything after the opening (results, draws, awards, contracts).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import random
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from bench.copy import _default, _text, copy_rows, indexes_deferred, next_id
from bench.scale_registry import GIVEN, SURNAMES
from marketplace import committee_draw, scoring, sealing
from marketplace.models import (
    FULL_MARKS,
    Award,
    Bid,
    BidGroupObjectPermission,
    BidResult,
    BidState,
    CatalogueEntry,
    Challenge,
    ChallengeState,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Contract,
    ContractMilestone,
    ContractState,
    Lot,
    LotState,
    MemberState,
    MilestoneState,
    Openness,
    Release,
    Score,
    ScoreSheet,
    Tender,
    TenderDocument,
    TenderGroupObjectPermission,
    TenderMilestone,
    VolumeUnit,
)
from marketplace.ocds import build, encoding
from marketplace.procedures import EvaluationMethod, Procedure, rules_of
from marketplace.services.bids import BidDocumentInput, _payload
from marketplace.services.contracts import REMINDER_BEFORE, SIGNING_PERIOD
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.money import hundredths_text, split_by_shares
from registry.models import Membership, Organisation, Region, VerificationStatus
from registry.resident_id import check_character as id_check
from registry.resident_id import keyed_hash, mask
from registry.roles import OrganisationKind, managing_role
from registry.talent.models import (
    Employment,
    EmploymentRole,
    Expert,
    ExpertModality,
    ExpertSector,
    ExpertStatus,
    Person,
)
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
EVALUATED_STATES = (S.EVALUATION, S.PUBLICITY, S.AWARDED)  # a committee was formed

EXPERTS = 400
COMMITTEE_SIZE = 5
# Where a tender in evaluation stands (weights): seats still to answer, scoring, results concluded.
INVITED, SCORING, CONCLUDED = "invited", "scoring", "concluded"
EVALUATION_STAGES = {INVITED: 15, SCORING: 60, CONCLUDED: 25}
RECENT_AWARDS = 0.04  # awarded tenders published only 45 to 60 days ago: contracts still to sign
EXPERT_STATUSES: dict[str, int] = {ExpertStatus.APPROVED: 95, ExpertStatus.PENDING: 3, ExpertStatus.SUSPENDED: 2}
DECLINES = 0.03  # invited experts who declare a conflict and decline
BAD_BIDS = 0.04  # valid bids a majority of the committee disqualifies
MINORITY_DISQUALIFICATIONS = 0.03  # other bids one member disqualifies (the majority keeps them)
SHORT_LOTS = 0.05  # second and third lots the committee leaves with too few qualified bids
PUBLICITY_DAYS = (3, 3, 3, 5, 7, 10)
CHALLENGED: dict[str, float] = {S.PUBLICITY: 0.15, S.AWARDED: 0.04}  # tenders challenged during the publicity
DUE_DATES = 0.5  # contracts whose milestones the buyer dated before signature
TERMINATED_UNSIGNED, TERMINATED_SIGNED = 0.015, 0.03
DECLARATIONS = ("本人近三年内曾为该投标人提供咨询服务。", "本人亲属在投标单位任职。", "本人与采购人存在利害关系。")
DISQUALIFICATIONS = (
    "技术方案未实质性响应招标文件要求。",
    "投标人资格证明文件不全。",
    "分项报价与投标总价不一致。",
)
GROUNDS = ("第一中标候选人业绩证明材料存疑，请求复核。", "评分标准执行不一致，请求复核技术评分。")
ANSWERS = ("经复核，评标过程符合招标文件规定，质疑不成立。", "经核查，候选人业绩材料真实有效，维持原评审结果。")
TERMINATIONS = (
    "供应商未按期交付，经协商解除合同。",
    "采购需求调整，双方协商终止合同。",
    "数据安全审查未通过，合同终止。",
)

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
ANALYSED: tuple[type[models.Model], ...] = (
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
    Person,
    Expert,
    ExpertModality,
    ExpertSector,
    Employment,
)
# The tables the evaluation pass writes, in foreign-key order (also analysed at the end).
EVALUATION_TABLES: tuple[type[models.Model], ...] = (
    Committee,
    CommitteeDraw,
    CommitteeMember,
    ScoreSheet,
    Score,
    BidResult,
    Challenge,
    Award,
    Contract,
    ContractMilestone,
)
# Loaded with their indexes built afterwards (`bench.copy.indexes_deferred`); these and the
# tender tables with their constraints checked afterwards (`_constraints_checked_once`).
LOADED: tuple[type[models.Model], ...] = (
    Bid,
    TenderGroupObjectPermission,
    BidGroupObjectPermission,
    Release,
    *EVALUATION_TABLES,
)
TENDER_TABLES: tuple[type[models.Model], ...] = (Tender, Lot, TenderMilestone, TenderDocument)
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

    @property
    def pk(self) -> int:  # as on an Organisation, for the builder
        return self.id

    @property
    def credit_code(self) -> str:
        return self.code


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
    disqualified: int = 0  # valid bids the committee disqualifies (by majority)

    @property
    def pk(self) -> int:  # as on a Lot, for the builder
        return self.id

    def get_volume_unit_display(self) -> str:
        return str(VolumeUnit(self.unit).label)


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
    first_bid: int = 0  # the id of its first bid (they are numbered in the order of `_bids_of`)
    stages: _Stages | None = None  # after the opening (evaluation, publicity, awarded)

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
    id: int = 0

    @property
    def pk(self) -> int:  # as on a Bid, for the builder
        return self.id

    @property
    def lot_id(self) -> int:
        return self.lot.id


@dataclass
class _World:
    now: datetime
    agencies: list[_Org]
    enterprises: list[_Org]
    vendors: list[_Org]
    entries: dict[int, list[_Entry]] = field(default_factory=dict)  # agency id -> its entries


@dataclass
class _Pool:
    """The experts a committee can be drawn from (approved, available, with an account), by
    specialty, and the experts each organisation is in conflict with."""

    by_modality: dict[str, set[int]] = field(default_factory=dict)
    by_sector: dict[str, set[int]] = field(default_factory=dict)
    conflicts: dict[int, set[int]] = field(default_factory=dict)  # organisation id -> expert ids

    def eligible(self, plan: _Plan, organisations: set[int]) -> set[int]:
        """As `services.committee_candidates`: a lot's modality or the tender's sector, and no
        conflict with the buyer or any bidder."""
        experts = set(self.by_sector.get(plan.sector, ()))
        for modality in {lot.modality for lot in plan.lots}:
            experts |= self.by_modality.get(modality, set())
        for organisation in organisations:
            experts -= self.conflicts.get(organisation, set())
        return experts


@dataclass(slots=True)
class _MilestoneView:
    """A contract's payment milestone: what the builder reads of a ContractMilestone."""

    position: int
    title: str
    share_bp: int
    amount_fen: int
    due_on: date | None
    met_at: datetime | None = None
    state: str = MilestoneState.SCHEDULED


@dataclass(slots=True)
class _ContractView:
    """A contract in its final state: what the builder reads of a Contract, and its row."""

    id: int
    reference: str
    lot: _Lot
    supplier: _Org
    title: str
    value_fen: int
    created_at: datetime
    sign_by: datetime
    milestones: list[_MilestoneView]
    state: str = ContractState.PENDING
    reminder_sent_at: datetime | None = None
    buyer_signed_at: datetime | None = None
    supplier_signed_at: datetime | None = None
    signed_at: datetime | None = None
    completed_at: datetime | None = None
    terminated_at: datetime | None = None
    termination_reason: str = ""
    currency: str = "CNY"


@dataclass(slots=True)
class _AwardView:
    """What the builder reads of an Award."""

    id: int
    lot: _Lot
    bid: _Bid
    supplier: _Org
    value_fen: int
    awarded_at: datetime
    currency: str = "CNY"

    @property
    def lot_id(self) -> int:
        return self.lot.id


@dataclass(frozen=True, slots=True)
class _ResultView:
    """What the builder's `_awards` reads of a BidResult."""

    round: int
    lot_id: int
    qualified: bool
    rank: int | None
    bid_id: int


@dataclass(frozen=True, slots=True)
class _TenderView:
    """What the builder's `_awards` reads of a Tender."""

    procedure: str
    state: str
    publicity_started_at: datetime | None
    publicity_ends_at: datetime | None
    evaluation_round: int = 1
    currency: str = "CNY"


@dataclass(slots=True)
class _LotOutcome:
    lot: _Lot
    qualified: int
    disqualified: int
    first: _Bid | None  # the first candidate


@dataclass(slots=True)
class _Stages:
    """A tender's course after the opening. The dates are decided with the plan (the tender and
    lot rows need them); the outcome by the evaluation pass, for the releases."""

    stage: str  # INVITED, SCORING or CONCLUDED in evaluation; else the tender's state
    formed_at: datetime
    answered_by: datetime  # every seat is answered by then
    concluded_at: datetime
    publicity_started_at: datetime | None = None
    publicity_ends_at: datetime | None = None
    awarded_at: datetime | None = None
    verdicts: dict[int, bool] = field(default_factory=dict)  # bid id -> False: disqualified
    outcomes: list[_LotOutcome] = field(default_factory=list)
    awards: list[_AwardView] = field(default_factory=list)
    contracts: list[_ContractView] = field(default_factory=list)
    latest: tuple[datetime, list[str]] | None = None  # the last contract event: date, release tags

    @property
    def concluded(self) -> bool:
        return self.stage in (CONCLUDED, S.PUBLICITY, S.AWARDED)


def present(*, tenders: int = TENDERS, bids: int = BIDS) -> bool:
    return Tender.objects.count() >= tenders and Bid.objects.count() >= bids and Contract.objects.exists()


def generate(
    *,
    tenders: int = TENDERS,
    bids: int = BIDS,
    catalogue_entries: int = CATALOGUE_ENTRIES,
    experts: int = EXPERTS,
    log: Any = print,
) -> None:
    if User.objects.filter(username__startswith="bench-staff-").exists():
        raise RuntimeError(
            "the database holds an exchange part of the scale data set already, incomplete or made by an"
            " older version of the generator (without contracts): drop the database and build it again"
        )
    rng = random.Random(SEED)
    started = time.perf_counter()

    def step(what: str) -> None:
        log(f"{what}: {time.perf_counter() - started:.1f} s")

    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        world = _world()
        _staff_users(world)
        step(f"staff users for {len(world.agencies) + len(world.enterprises) + len(world.vendors):,} organisations")
        _catalogue(rng, world, catalogue_entries)
        pool = _expert_pool(random.Random(SEED + 1), world, experts)
        step(f"expert pool: {experts:,}")
        plans = _plans(rng, world, tenders, bids)
        with _constraints_checked_once(*TENDER_TABLES, *LOADED):
            _copy_tenders(plans)
            step(f"tenders: {len(plans):,} with lots, milestones and documents")
            with indexes_deferred(*LOADED):
                first_bid = next_id(Bid)
                for plan in plans:
                    plan.first_bid = first_bid
                    first_bid += sum(lot.bids for lot in plan.lots)
                evaluation = _Evaluation(world, pool)
                written = copy_rows(Bid, _bid_rows(plans, world, evaluation))
                step(f"bids, and the rows of their evaluation: {written:,} bids")
                _permissions(tenders=(plans[0].id, plans[-1].id), bids=(plans[0].first_bid, first_bid - 1))
                step("tender and bid permissions")
                counts = evaluation.load()
                step("after the opening: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
                releases = copy_rows(Release, _Releases(world).rows(plans, next_id(Release)))
                step(f"OCDS releases: {releases:,}")
            step("indexes of bids, permissions, evaluations, contracts and releases built")
        step("foreign keys and unique constraints checked")
    tables = [model._meta.db_table for model in (*ANALYSED, *EVALUATION_TABLES)]
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


def _expert_pool(rng: random.Random, world: _World, count: int) -> _Pool:
    """`count` experts, each a person of their own with a portal account (the registry part's
    people have none), in the pool since before the oldest tender. Some are pending, suspended or
    unavailable (never drawn); some have worked for a buyer or a vendor, still or within the last
    3 years, and since before the oldest tender, so they conflict with it on the day of every draw
    as they do today."""
    pool = _Pool()
    if count == 0:
        return pool
    now, today = world.now, timezone.localdate(world.now)
    since = now - timedelta(days=365 * (YEARS_OF_HISTORY + 1))
    regions = list(Region.objects.exclude(level="province").order_by("code").values_list("code", flat=True))
    organisations = [*world.agencies, *world.enterprises, *world.vendors]
    first_user, first_person, first_expert = next_id(User), next_id(Person), next_id(Expert)
    first_modality, first_sector, first_job = next_id(ExpertModality), next_id(ExpertSector), next_id(Employment)
    users: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    experts: list[dict[str, Any]] = []
    modalities: list[dict[str, Any]] = []
    sectors: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    for n in range(count):
        user_id, person_id, expert_id = first_user + n, first_person + n, first_expert + n
        region = rng.choice(regions)
        born = date(1966, 1, 1) + timedelta(days=3 * n)  # the registry part's million are born by 1963
        first17 = f"{region}{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + id_check(first17)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        users.append({"id": user_id, "username": f"bench-expert-{n + 1}", "name": name, "password": "!"})
        people.append(
            {
                "id": person_id,
                "name": name,
                "region_id": region,
                "skills": ["数据标注", "评标"],
                "id_hash": keyed_hash(number, key=settings.PERSON_ID_HASH_KEY),
                "id_masked": mask(number),
                "user_id": user_id,
                "created_at": since,
            }
        )
        status = _weighted(rng, EXPERT_STATUSES)
        available = rng.random() >= 0.03
        experts.append(
            {
                "id": expert_id,
                "person_id": person_id,
                "status": status,
                "available": available,
                "approved_at": None if status == ExpertStatus.PENDING else since,
                "status_changed_at": since,
                "status_reason": "评审意见多次被投诉，暂停评审资格。" if status == ExpertStatus.SUSPENDED else "",
                "created_at": since,
            }
        )
        eligible = status == ExpertStatus.APPROVED and available
        if rng.random() < 0.5:  # one specialty: a modality, or a sector
            modality = rng.choice(Modality.values)
            modalities.append({"id": first_modality + len(modalities), "expert_id": expert_id, "modality": modality})
            if eligible:
                pool.by_modality.setdefault(modality, set()).add(expert_id)
        else:
            sector = _weighted(rng, SECTOR_WEIGHTS)
            sectors.append({"id": first_sector + len(sectors), "expert_id": expert_id, "sector": sector})
            if eligible:
                pool.by_sector.setdefault(sector, set()).add(expert_id)
        if rng.random() < 0.08:
            organisation = rng.choice(organisations)
            jobs.append(
                {
                    "id": first_job + len(jobs),
                    "expert_id": expert_id,
                    "organisation_id": organisation.id,
                    "role": rng.choice(EmploymentRole.values),
                    "started_on": since.date() - timedelta(days=rng.randrange(3000)),
                    "ended_on": None if rng.random() < 0.6 else today - timedelta(days=rng.randrange(30, 900)),
                }
            )
            pool.conflicts.setdefault(organisation.id, set()).add(expert_id)
    copy_rows(User, users)
    copy_rows(Person, people)
    copy_rows(Expert, experts)
    copy_rows(ExpertModality, modalities)
    copy_rows(ExpertSector, sectors)
    copy_rows(Employment, jobs)
    return pool


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
    for plan in plans:
        if plan.state in EVALUATED_STATES:
            plan.stages = _stages(plan, world.now)
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
        recent = state == S.AWARDED and rng.random() < RECENT_AWARDS
        published = now - timedelta(days=rng.uniform(45, 60) if recent else rng.uniform(60, 365 * YEARS_OF_HISTORY))
        deadline = published + period + timedelta(days=rng.uniform(0, 10))
        created = published - timedelta(days=rng.uniform(0, 5))
    opened = changed = None
    reason = ""
    if state in OPENED_STATES:
        opened = deadline + timedelta(seconds=rng.uniform(5, 600))
        changed = opened  # publicity and awarded: moved on by `_stages`
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


def _rng(plan: _Plan, purpose: int) -> random.Random:
    """A tender's own RNG for one purpose (its bids use `plan.seed` itself)."""
    return random.Random((plan.seed << 8) | purpose)


def _stages(plan: _Plan, now: datetime) -> _Stages:
    """When the committee of an opened tender was formed, its seats answered and its evaluation
    concluded, the publicity and the award, as far as the tender's state goes; which bids a
    majority of the committee disqualifies and which lots it leaves short. The few tenders
    opened recently have their course compressed, so that the stage they reached is past."""
    assert plan.opened_at is not None
    rng = _rng(plan, 1)
    stage = _weighted(rng, EVALUATION_STAGES) if plan.state == S.EVALUATION else plan.state
    # days from the opening to the committee, then to every seat answered, to the last sheet
    # submitted, to the publicity; then the publicity's length and the days to the award
    steps = [rng.uniform(0.05, 2), rng.uniform(2, 4), rng.uniform(1, 7), rng.uniform(0.1, 3)]
    days = rng.choice(PUBLICITY_DAYS)
    award = rng.uniform(0.05, 5)
    reached = {INVITED: 2, SCORING: 3, CONCLUDED: 3}.get(stage, 4)  # the steps the stage needs
    flexible = sum(steps) + award if stage == S.AWARDED else sum(steps[:reached])
    room = (now - timedelta(hours=6) - plan.opened_at) / timedelta(days=1) - (days if stage == S.AWARDED else 0)
    scale = min(1.0, room / flexible)
    moments = []
    moment = plan.opened_at
    for step in steps:
        moment += timedelta(days=step * scale)
        moments.append(moment)
    stages = _Stages(stage=stage, formed_at=moments[0], answered_by=moments[1], concluded_at=moments[2])
    if stage in (S.PUBLICITY, S.AWARDED):
        stages.publicity_started_at = plan.state_changed_at = moments[3]
        stages.publicity_ends_at = moments[3] + timedelta(days=days)
    if stage == S.AWARDED:
        stages.awarded_at = plan.state_changed_at = moments[3] + timedelta(days=days + award * scale)
    for lot in plan.lots:
        spare = lot.valid - plan.needed
        if stages.concluded and lot.number > 1 and rng.random() < SHORT_LOTS:
            lot.disqualified = spare + 1
            lot.state = LotState.UNSUCCESSFUL
        else:
            lot.disqualified = min(spare, sum(rng.random() < BAD_BIDS for _ in range(lot.valid)))
    return stages


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
                "evaluation_round": 1,
                "publicity_started_at": p.stages.publicity_started_at if p.stages else None,
                "publicity_ends_at": p.stages.publicity_ends_at if p.stages else None,
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
    """The bids of a tender, in the order of the opening list (lot, time received), which is the
    order of their ids. A pure function of the plan, so the bid rows, the evaluation and the
    releases are made from the same bids."""
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
    for offset, bid in enumerate(bids):
        bid.id = plan.first_bid + offset
    return bids


def _bid_rows(plans: list[_Plan], world: _World, evaluation: _Evaluation) -> Iterator[dict[str, Any]]:
    """The bid rows; on the way, the evaluation makes the rows that follow each tender's opening
    from the same bids."""
    for plan in plans:
        bids = _bids_of(plan, world.vendors)
        evaluation.tender(plan, bids)
        for bid in bids:
            sealed = sealing.seal(
                tender_id=plan.id,
                bid_uid=bid.uid,
                plaintext=_payload(price_fen=bid.price_fen, currency="CNY", documents=[BID_DOCUMENT]),
            )
            yield {
                "id": bid.id,
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


class _Spool:
    """One table's rows as COPY text, spooled to a temporary file while one pass over the tenders
    makes the rows of several tables (a connection runs one COPY at a time), loaded afterwards.
    Rows are numbered here; the columns they leave out get the model's defaults, as with
    `bench.copy.copy_rows`."""

    def __init__(self, model: type[models.Model], columns: tuple[str, ...]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        pk = model._meta.pk.attname
        rest = [f for name, f in fields.items() if name != pk and name not in columns]
        self.model = model
        self.columns = [fields[name].column for name in (pk, *columns)] + [f.column for f in rest]
        self.end = "".join("\t" + _text(_default(f)) for f in rest) + "\n"  # how every row ends
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by `load`)
        self.first = self.next = next_id(model)

    def add(self, *values: Any) -> int:
        """Write a row (the values of `columns`, in order); returns its id."""
        row_id = self.next
        self.file.write(f"{row_id}\t" + "\t".join([_cell(value) for value in values]) + self.end)
        self.next += 1
        return row_id

    def reserve(self, count: int) -> int:
        """Ids for `count` rows the caller writes itself (`write`); returns the first."""
        first = self.next
        self.next += count
        return first

    def write(self, text: str) -> None:
        """Rows already in COPY text, each ending with `end`."""
        self.file.write(text)

    def load(self) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        self.file.seek(0)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                while chunk := self.file.read(1 << 20):
                    copy.write(chunk)
            pk = self.model._meta.pk.column
            cursor.execute(
                # Table and column names come from the model's metadata, not from input.
                f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({pk}) FROM {table}), 1))",  # noqa: S608
                [self.model._meta.db_table, pk],
            )
        self.file.close()
        return self.next - self.first


def _cell(value: Any) -> str:
    """`bench.copy._text`, sooner for the commonest values."""
    if value is None:
        return "\\N"
    if type(value) is int:
        return str(value)
    if value is True or value is False:
        return "t" if value else "f"
    return _text(value)


@contextmanager
def _constraints_checked_once(*models_: type[models.Model]) -> Iterator[None]:
    """Drop the tables' foreign keys and unique constraints (not their primary keys) for a bulk
    load and add them again afterwards, in the same transaction. Adding a constraint checks every
    row at once (a foreign key with one join, a unique constraint by building its index) far
    sooner than checking row by row: a trigger per row and key (deferred to the end of the load,
    as Django declares them), an index insertion per row. A row that breaks one fails the build."""
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype IN ('f', 'u') AND conrelid = ANY(%s::regclass[])"
            " ORDER BY contype, conrelid::regclass::text, conname",  # foreign keys first
            [tables],
        )
        constraints = cursor.fetchall()
        # A key cannot be dropped while its tables have checks pending: run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in constraints:  # the names come from the catalogue, not from input
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in reversed(constraints):  # unique constraints first
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


class _Mark(NamedTuple):
    """One member's judgement of one bid, as `scoring.Judgement` (whose fields it has: the real
    `scoring.evaluate_lot` reads it), and as the Score row stores it."""

    qualified: bool
    technical: int
    business: int
    reason: str = ""


QUALIFIED = _Mark(True, 0, 0)  # under a price-only method: no technical or business score


class _Evaluation:
    """Everything that follows the opening of the tenders that reached evaluation, made tender by
    tender from its bids (`tender`, called as the bids are written) and its own RNG: committees,
    draws and members, score sheets and scores, results, challenges, awards, contracts and their
    milestones, spooled and then loaded (`load`). Each tender's outcome stays on its plan
    (`_Stages`) for the releases."""

    def __init__(self, world: _World, pool: _Pool) -> None:
        self.vendors, self.pool, self.now = world.vendors, pool, world.now
        self.committees = _Spool(Committee, ("tender_id", "size", "formed_by_id", "formed_at"))
        self.draws = _Spool(
            CommitteeDraw,
            ("committee_id", "round", "seed", "candidates", "seats", "drawn", "digest", "drawn_by_id", "drawn_at"),
        )
        self.members = _Spool(
            CommitteeMember, ("committee_id", "expert_id", "draw_id", "state", "declaration", "responded_at")
        )
        self.sheets = _Spool(ScoreSheet, ("member_id", "tender_id", "round", "submitted_at", "updated_at"))
        self.scores = _Spool(
            Score, ("sheet_id", "bid_id", "qualified", "disqualification_reason", "technical", "business")
        )
        self.results = _Spool(
            BidResult,
            (
                "bid_id",
                "tender_id",
                "lot_id",
                "round",
                "qualified",
                "disqualification_reasons",
                "price_points",
                "technical_points",
                "business_points",
                "total_points",
                "rank",
            ),
        )
        self.challenges = _Spool(
            Challenge,
            (
                "tender_id",
                "vendor_id",
                "submitted_by_id",
                "round",
                "grounds",
                "submitted_at",
                "state",
                "answer",
                "answered_by_id",
                "answered_at",
            ),
        )
        self.awards = _Spool(
            Award, ("tender_id", "lot_id", "bid_id", "supplier_id", "value_fen", "awarded_by_id", "awarded_at")
        )
        self.contracts = _Spool(
            Contract,
            (
                "reference",
                "award_id",
                "tender_id",
                "buyer_id",
                "supplier_id",
                "title",
                "value_fen",
                "state",
                "sign_by",
                "reminder_sent_at",
                "buyer_signed_at",
                "buyer_signed_by_id",
                "supplier_signed_at",
                "supplier_signed_by_id",
                "signed_at",
                "completed_at",
                "terminated_at",
                "termination_reason",
                "created_at",
            ),
        )
        self.milestones = _Spool(
            ContractMilestone,
            ("contract_id", "position", "title", "share_bp", "amount_fen", "due_on", "state", "met_at"),
        )
        if self.scores.end != "\n":
            raise RuntimeError("Score gained a field: write it in `_Evaluation._sheets`")
        self.spools = [
            self.committees,
            self.draws,
            self.members,
            self.sheets,
            self.scores,
            self.results,
            self.challenges,
            self.awards,
            self.contracts,
            self.milestones,
        ]
        assert [spool.model for spool in self.spools] == list(EVALUATION_TABLES)

    def load(self) -> dict[str, int]:
        """Load the rows made (after the bids they refer to); returns how many of each."""
        return {spool.model.__name__: spool.load() for spool in self.spools}

    def tender(self, plan: _Plan, bids: list[_Bid]) -> None:
        """Make the rows of one tender's course after the opening, if it had one."""
        if plan.stages is not None:
            self._tender(plan, plan.stages, bids)

    def _tender(self, plan: _Plan, stages: _Stages, bids: list[_Bid]) -> None:
        rng = _rng(plan, 2)
        committee = self.committees.add(plan.id, COMMITTEE_SIZE, plan.buyer.user_id, stages.formed_at)
        seated = self._draws(plan, stages, bids, committee, rng)
        if stages.stage == INVITED:
            return
        assert len(seated) == COMMITTEE_SIZE
        valid = [bid for bid in bids if bid.state == BidState.VALID]
        marks = self._marks(plan, valid, rng)
        self._sheets(plan, stages, seated, valid, marks, rng)
        if not stages.concluded:
            return
        self._results(plan, stages, valid, marks)
        if stages.stage in CHALLENGED and rng.random() < CHALLENGED[stages.stage]:
            self._challenge(plan, stages, bids, rng)
        if stages.stage == S.AWARDED:
            self._award(plan, stages, rng)

    def _draws(self, plan: _Plan, stages: _Stages, bids: list[_Bid], committee: int, rng: random.Random) -> list[int]:
        """The committee's draws as `services.committee` makes them: the first fills every seat;
        each expert who declines is replaced by a draw of one more, from the eligible experts not
        drawn yet. Returns the ids of the members who accepted, ascending."""
        eligible = self.pool.eligible(plan, {plan.buyer.id, *(bid.vendor.id for bid in bids)})
        on_committee: set[int] = set()
        accepted: list[int] = []
        due: list[tuple[datetime, int, int, int | None]] = [(stages.formed_at, 0, COMMITTEE_SIZE, plan.buyer.user_id)]
        round_number = 0
        while due:
            moment, _order, seats, actor = heapq.heappop(due)
            round_number += 1
            candidates = sorted(eligible - on_committee)
            if len(candidates) < seats:
                raise RuntimeError(f"the expert pool is too small for the committee of tender {plan.id}")
            seed = f"{rng.getrandbits(8 * committee_draw.SEED_BYTES):0{2 * committee_draw.SEED_BYTES}x}"
            drawn = committee_draw.draw(seed=seed, candidates=candidates, seats=seats, round_number=round_number)
            digest = committee_draw.digest(
                tender_id=plan.id,
                round_number=round_number,
                seed=seed,
                candidates=candidates,
                seats=seats,
                drawn=drawn,
            )
            draw = self.draws.add(committee, round_number, seed, candidates, seats, drawn, digest, actor, moment)
            on_committee.update(drawn)
            for expert in drawn:
                if stages.stage == INVITED and rng.random() < 0.4:  # not answered yet
                    self.members.add(committee, expert, draw, MemberState.INVITED, "", None)
                    continue
                answered = moment + (stages.answered_by - moment) * rng.uniform(0.05, 0.95)
                if rng.random() < DECLINES:
                    declaration = rng.choice(DECLARATIONS)
                    self.members.add(committee, expert, draw, MemberState.DECLINED, declaration, answered)
                    heapq.heappush(due, (answered, round_number, 1, None))  # `committee_refill`
                else:
                    accepted.append(self.members.add(committee, expert, draw, MemberState.ACCEPTED, "", answered))
        return accepted

    @staticmethod
    def _marks(plan: _Plan, valid: list[_Bid], rng: random.Random) -> list[list[_Mark]]:
        """Each member's judgement of each valid bid (in the order of the accepted members' ids):
        the lot's `disqualified` bids disqualified by a majority, a few others by one member;
        scores around each bid's own level, shifted by each member's leniency."""
        technical, business = plan.weights[1] > 0, plan.weights[2] > 0
        bad: set[int] = set()
        for lot in plan.lots:
            bad.update(rng.sample([bid.id for bid in valid if bid.lot is lot], lot.disqualified))
        leniency = [(rng.randint(-600, 600), rng.randint(-600, 600)) for _ in range(COMMITTEE_SIZE)]
        marks = []
        for bid in valid:
            if bid.id in bad:
                against = set(rng.sample(range(COMMITTEE_SIZE), rng.randint(COMMITTEE_SIZE // 2 + 1, COMMITTEE_SIZE)))
            elif rng.random() < MINORITY_DISQUALIFICATIONS:
                against = {rng.randrange(COMMITTEE_SIZE)}
            else:
                against = set()
            reason = rng.choice(DISQUALIFICATIONS) if against else ""
            level = (rng.randint(5_500, 9_500), rng.randint(6_000, 9_500))
            row = []
            for member, (more_technical, more_business) in enumerate(leniency):
                if member in against:
                    row.append(_Mark(False, 0, 0, reason))
                elif technical or business:
                    row.append(
                        _Mark(
                            True,
                            min(FULL_MARKS, level[0] + more_technical + int(rng.random() * 801) - 400)
                            if technical
                            else 0,
                            min(FULL_MARKS, level[1] + more_business + int(rng.random() * 801) - 400)
                            if business
                            else 0,
                        )
                    )
                else:
                    row.append(QUALIFIED)
            marks.append(row)
        return marks

    def _sheets(
        self,
        plan: _Plan,
        stages: _Stages,
        seated: list[int],
        valid: list[_Bid],
        marks: list[list[_Mark]],
        rng: random.Random,
    ) -> None:
        """Score sheets: every member's submitted once the evaluation is concluded (the last at
        its conclusion); while scoring, some submitted and perhaps one draft, part filled in."""
        start, span = stages.answered_by, stages.concluded_at - stages.answered_by
        order = rng.sample(range(COMMITTEE_SIZE), COMMITTEE_SIZE)
        if stages.concluded:
            submitted = order
            moments = [rng.uniform(0.1, 1) for _ in order]
            top = max(moments)
            times: list[datetime | None] = [start + span * (moment / top) for moment in moments]
        else:
            submitted = order[: rng.randrange(COMMITTEE_SIZE)]
            times = [start + span * rng.uniform(0.1, 0.9) for _ in submitted]
            if rng.random() < 0.5:  # a draft
                submitted = order[: len(submitted) + 1]
                times.append(None)
        for member, submitted_at in zip(submitted, times, strict=True):
            updated = submitted_at or start + span * rng.uniform(0.1, 0.9)
            sheet = self.sheets.add(seated[member], plan.id, 1, submitted_at, updated)
            scored = len(valid) if submitted_at else rng.randint(1, len(valid))
            first = self.scores.reserve(scored)
            lines = []
            for offset in range(scored):
                mark = marks[offset][member]
                flag = "t" if mark.qualified else "f"
                lines.append(
                    f"{first + offset}\t{sheet}\t{valid[offset].id}\t{flag}\t{mark.reason}"
                    f"\t{mark.technical}\t{mark.business}\n"
                )
            self.scores.write("".join(lines))

    def _results(self, plan: _Plan, stages: _Stages, valid: list[_Bid], marks: list[list[_Mark]]) -> None:
        """The committee's results, lot by lot, from the real `scoring.evaluate_lot`."""
        weights = scoring.Weights(*plan.weights)
        by_id = {bid.id: bid for bid in valid}
        for lot in plan.lots:
            inputs = [
                scoring.BidInput(
                    bid_id=bid.id,
                    price_fen=bid.price_fen,
                    received_at=bid.received_at,
                    judgements=marks[index],  # type: ignore[arg-type]  # a _Mark reads as a Judgement
                )
                for index, bid in enumerate(valid)
                if bid.lot is lot
            ]
            outcomes = scoring.evaluate_lot(inputs, weights)
            first_result, lines = self.results.reserve(len(outcomes)), []
            for offset, outcome in enumerate(outcomes):  # the columns of `self.results`, in order
                reasons = _text("\n".join(outcome.reasons))
                lines.append(
                    f"{first_result + offset}\t{outcome.bid_id}\t{plan.id}\t{lot.id}\t1"
                    f"\t{'t' if outcome.qualified else 'f'}\t{reasons}\t{outcome.price_points}"
                    f"\t{outcome.technical_points}\t{outcome.business_points}\t{outcome.total_points}"
                    f"\t{_cell(outcome.rank)}{self.results.end}"
                )
                if not outcome.qualified:
                    stages.verdicts[outcome.bid_id] = False
            self.results.write("".join(lines))
            qualified = sum(1 for outcome in outcomes if outcome.qualified)
            if (qualified < plan.needed) != (lot.state == LotState.UNSUCCESSFUL):
                raise RuntimeError(f"lot {lot.id}: the evaluation did not come out as planned")
            first = by_id[outcomes[0].bid_id] if qualified else None
            stages.outcomes.append(_LotOutcome(lot, qualified, len(outcomes) - qualified, first))

    def _challenge(self, plan: _Plan, stages: _Stages, bids: list[_Bid], rng: random.Random) -> None:
        """A bidder other than a first candidate challenges during the publicity; the buyer has
        rejected it, or (in publicity) not answered yet: the tender is paused."""
        assert stages.publicity_started_at is not None
        assert stages.publicity_ends_at is not None
        firsts = {outcome.first.vendor.id for outcome in stages.outcomes if outcome.first is not None}
        challengers = list({bid.vendor.id: bid.vendor for bid in bids if bid.vendor.id not in firsts}.values())
        if not challengers:
            return
        vendor = rng.choice(challengers)
        start = stages.publicity_started_at
        submitted = start + (min(stages.publicity_ends_at, self.now) - start) * rng.uniform(0.05, 0.9)
        if stages.stage == S.PUBLICITY and rng.random() < 2 / 3:
            state, answer, answered_by, answered = ChallengeState.PENDING, "", None, None
        else:
            until = stages.awarded_at or self.now
            state, answer, answered_by = ChallengeState.REJECTED, rng.choice(ANSWERS), plan.buyer.user_id
            answered = submitted + (until - submitted) * rng.uniform(0.2, 0.9)
        self.challenges.add(
            plan.id, vendor.id, vendor.user_id, 1, rng.choice(GROUNDS), submitted, state, answer, answered_by, answered
        )

    def _award(self, plan: _Plan, stages: _Stages, rng: random.Random) -> None:
        """As `services.tender_award`: every active lot to its first candidate, with a contract
        carrying the tender's payment milestones; then the contract's life up to now."""
        awarded_at = stages.awarded_at
        assert awarded_at is not None
        for outcome in stages.outcomes:
            bid = outcome.first
            if outcome.lot.state != LotState.ACTIVE or bid is None:
                continue
            award = self.awards.add(
                plan.id, outcome.lot.id, bid.id, bid.vendor.id, bid.price_fen, plan.buyer.user_id, awarded_at
            )
            stages.awards.append(_AwardView(award, outcome.lot, bid, bid.vendor, bid.price_fen, awarded_at))
            contract = self._contract(plan, outcome.lot, bid, awarded_at, rng)
            stages.contracts.append(contract)
            self.contracts.add(
                contract.reference,
                award,
                plan.id,
                plan.buyer.id,
                bid.vendor.id,
                contract.title,
                contract.value_fen,
                contract.state,
                contract.sign_by,
                contract.reminder_sent_at,
                contract.buyer_signed_at,
                plan.buyer.user_id if contract.buyer_signed_at else None,
                contract.supplier_signed_at,
                bid.vendor.user_id if contract.supplier_signed_at else None,
                contract.signed_at,
                contract.completed_at,
                contract.terminated_at,
                contract.termination_reason,
                contract.created_at,
            )
            for milestone in contract.milestones:
                self.milestones.add(
                    contract.id,
                    milestone.position,
                    milestone.title,
                    milestone.share_bp,
                    milestone.amount_fen,
                    milestone.due_on,
                    milestone.state,
                    milestone.met_at,
                )
        events: list[tuple[datetime, list[str]]] = []
        for contract in stages.contracts:
            if contract.signed_at is not None:
                events.append((contract.signed_at, ["contractUpdate"]))
            for milestone in contract.milestones:
                if milestone.met_at is not None:
                    last = milestone.met_at == contract.completed_at
                    events.append(
                        (milestone.met_at, ["implementation", "contractUpdate"] if last else ["implementation"])
                    )
            if contract.terminated_at is not None:
                events.append((contract.terminated_at, ["contractTermination"]))
        if events:
            stages.latest = max(events, key=lambda event: event[0])

    def _contract(self, plan: _Plan, lot: _Lot, bid: _Bid, awarded_at: datetime, rng: random.Random) -> _ContractView:
        """A contract as it stands now: signed within the 30 days (or not yet), its milestones met
        one after another over its duration, completed with the last; a few terminated, before
        the supplier signs or part way through."""
        now = self.now
        contract_id = self.contracts.next
        sign_by = awarded_at + SIGNING_PERIOD
        contract = _ContractView(
            id=contract_id,
            reference=f"HT{timezone.localtime(awarded_at).year}{contract_id:08d}",
            lot=lot,
            supplier=bid.vendor,
            title=f"{plan.title} — {lot.title}",
            value_fen=bid.price_fen,
            created_at=awarded_at,
            sign_by=sign_by,
            milestones=[],
        )
        fate = rng.random()
        ends_unsigned = fate < TERMINATED_UNSIGNED
        ends_early = not ends_unsigned and fate < TERMINATED_UNSIGNED + TERMINATED_SIGNED
        buyer_signs = awarded_at + timedelta(days=rng.uniform(0.1, 12))
        supplier_signs = None if ends_unsigned else awarded_at + timedelta(days=rng.uniform(0.1, 25))
        signed = max(buyer_signs, supplier_signs) if supplier_signs else None
        reminder = sign_by - REMINDER_BEFORE + timedelta(minutes=rng.uniform(0, 30))
        if reminder <= now and (signed is None or signed > reminder):
            contract.reminder_sent_at = reminder
        contract.buyer_signed_at = buyer_signs if buyer_signs <= now else None
        if supplier_signs is not None and supplier_signs <= now:
            contract.supplier_signed_at = supplier_signs
        duration = timedelta(days=rng.uniform(60, 365))
        dated = rng.random() < DUE_DATES
        amounts = split_by_shares(bid.price_fen, [share for _title, share in plan.milestones])
        start = signed or sign_by
        share_so_far, previous = 0, start
        for position, ((title, share), amount) in enumerate(zip(plan.milestones, amounts, strict=True), start=1):
            share_so_far += share
            due = timezone.localdate(sign_by + duration * share_so_far / 10_000) if dated else None
            met = max(
                previous + timedelta(days=1),
                start + duration * share_so_far / 10_000 + timedelta(days=rng.uniform(-10, 15)),
            )
            previous = met
            contract.milestones.append(_MilestoneView(position, title, share, amount, due, met))
        ended = None
        if ends_unsigned:
            ended = sign_by + timedelta(days=rng.uniform(1, 10))
        elif ends_early and signed is not None:
            ended = signed + duration * rng.uniform(0.1, 0.9)
        if signed is not None and signed <= now:
            contract.state, contract.signed_at = ContractState.ACTIVE, signed
            for milestone in contract.milestones:
                assert milestone.met_at is not None
                if milestone.met_at > now or (ended is not None and milestone.met_at >= ended):
                    break
                milestone.state = MilestoneState.MET
            if all(milestone.state == MilestoneState.MET for milestone in contract.milestones):
                contract.state, contract.completed_at = ContractState.COMPLETED, contract.milestones[-1].met_at
            elif ended is not None and ended <= now:
                contract.state, contract.terminated_at = ContractState.TERMINATED, ended
        elif ends_unsigned and ended is not None and ended <= now:
            contract.state, contract.terminated_at = ContractState.TERMINATED, ended
        if contract.state == ContractState.TERMINATED:
            contract.termination_reason = rng.choice(TERMINATIONS)
        for milestone in contract.milestones:
            if milestone.state != MilestoneState.MET:
                milestone.met_at = None
        return contract


class _Releases:
    """The releases the services would have written for each tender, as `build.release_data`
    makes them (same keys in the same order, same values, empty values left out), from the
    generated rows instead of queries. The parts shared by a tender's releases and by the releases
    of an organisation are made once."""

    def __init__(self, world: _World) -> None:
        self.vendors = world.vendors  # in the order `_bids_of` samples from
        self.references: dict[int, str] = {}  # JSON texts, by organisation id
        self.tenderers: dict[int, str] = {}
        self.suppliers: dict[int, str] = {}
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
            for sequence, (text, tags, moment) in enumerate(self.releases(plan), start=1):
                ocid = build.ocid_of(plan.id)
                yield {
                    "id": release_id,
                    "tender_id": plan.id,
                    "ocid": ocid,
                    "release_id": f"{ocid}-{sequence:04d}",
                    "date": moment,
                    "tags": tags,
                    "data": text,
                }
                release_id += 1

    def releases(self, plan: _Plan) -> Iterator[tuple[str, list[str], datetime]]:
        """(release JSON, tags, date) of each state change the tender went through: publication;
        then cancellation, or the close of bidding and the opening (evaluation or failed); then
        the latest of the publicity, the award and the contracts' events (see the module's
        docstring).

        Each part is written by `encoding.dumps`, and the parts a tender's releases share (the
        tender's blocks, the bids, the parties) only once; a release is its parts joined in the
        builder's order, which is the very text `encoding.dumps` makes of the whole release."""
        if plan.published_at is None:
            return
        ocid = build.ocid_of(plan.id)
        tender = _TenderText(self._tender_block(plan))
        published = tender.text()
        history = [_Release(["planning", "tender"] if plan.entry else ["tender"], plan.published_at, published)]
        if plan.state == S.CANCELLED:
            assert plan.state_changed_at is not None
            cancelled = tender.text(status=S.CANCELLED, details=plan.cancellation_reason)
            history.append(_Release(["tenderCancellation"], plan.state_changed_at, cancelled))
        elif plan.state in OPENED_STATES:
            assert plan.opened_at is not None
            closed_at = plan.deadline + (plan.opened_at - plan.deadline) / 2
            bids = [bid for bid in _bids_of(plan, self.vendors) if bid.state != BidState.WITHDRAWN]
            tenderers = [self._reference(vendor) for vendor in {bid.vendor.id: bid.vendor for bid in bids}.values()]
            history.append(_Release(["tenderUpdate"], closed_at, published))
            opened = (
                tender.text(status=S.FAILED, lots=[lot.state for lot in plan.lots], tenderers=tenderers)
                if plan.state == S.FAILED
                else tender.text(tenderers=tenderers)  # the lots a committee leaves short were active then
            )
            bids_text = _dumps(self._bids(plan, bids))
            history.append(_Release(["tenderUpdate"], plan.opened_at, opened, bids, bids_text))
            if plan.stages is not None and plan.stages.publicity_started_at is not None:
                history.append(self._after_evaluation(plan, plan.stages, tender, tenderers, bids, bids_text))
        planning = None
        if plan.entry is not None:
            planning = _dumps(
                {
                    "rationale": plan.entry.annotation_needs,
                    "budget": {"description": plan.entry.dataset, "amount": build._value(plan.budget_fen)},
                }
            )
        buyer = self._party(plan.buyer, ["buyer", "procuringEntity"])
        for sequence, release in enumerate(history, start=1):
            vendors = {bid.vendor.id: bid.vendor for bid in release.bids}.values()
            parties = [buyer, *(self._tenderer(vendor, vendor.id in release.suppliers) for vendor in vendors)]
            parts = [
                ("ocid", _dumps(ocid)),
                ("id", _dumps(f"{ocid}-{sequence:04d}")),
                ("date", _dumps(encoding.date_time(release.date))),
                ("tag", _dumps(release.tags)),
                ("initiationType", '"tender"'),
                ("language", _dumps(self.language)),
                ("parties", _array(parties)),
                ("buyer", self._reference(plan.buyer)),
                *([("planning", planning)] if planning else []),
                ("tender", release.tender),
                *([("bids", release.bids_text)] if release.bids_text else []),
                *([("awards", release.awards)] if release.awards else []),
                *([("contracts", release.contracts)] if release.contracts else []),
            ]
            yield _object(parts), release.tags, release.date

    def _after_evaluation(
        self,
        plan: _Plan,
        stages: _Stages,
        tender: _TenderText,
        tenderers: list[str],
        bids: list[_Bid],
        bids_text: str,
    ) -> _Release:
        """The release of the latest state change after the opening (see the module docstring):
        the publicity's (the first candidates as pending awards), the award's (the awards made,
        the contracts pending) or the latest contract event's (the contracts as they stand now).
        The committee's verdicts show in the bids, and the lots it left short are unsuccessful."""
        assert stages.publicity_started_at is not None
        judged = _dumps(self._bids(plan, bids, stages.verdicts)) if stages.verdicts else bids_text
        short = any(lot.state != LotState.ACTIVE for lot in plan.lots)
        lots = [lot.state for lot in plan.lots] if short else None
        view = _TenderView(plan.procedure, plan.state, stages.publicity_started_at, stages.publicity_ends_at)
        lots_by_id = {lot.id: lot for lot in plan.lots}
        results: list[_ResultView] = []  # as many as the builder counts, with the first candidates
        firsts: dict[int, _Bid] = {}
        for outcome in stages.outcomes:
            first = outcome.first.id if outcome.first else 0
            results += [_ResultView(1, outcome.lot.id, True, rank, first) for rank in range(1, outcome.qualified + 1)]
            results += [_ResultView(1, outcome.lot.id, False, None, 0)] * outcome.disqualified
            if outcome.first is not None:
                firsts[outcome.first.id] = outcome.first
        awards = _json(build._awards(view, lots_by_id, results, firsts, stages.awards))  # type: ignore[arg-type]
        if stages.awarded_at is None:
            candidates = tender.text(lots=lots, tenderers=tenderers)
            return _Release(["award"], stages.publicity_started_at, candidates, bids, judged, awards)
        moment, tags = stages.latest or (stages.awarded_at, ["award", "contract"])
        return _Release(
            tags,
            moment,
            tender.text(status=S.AWARDED, lots=lots, tenderers=tenderers),
            bids,
            judged,
            awards,
            self._contracts(stages.contracts),
            {award.supplier.id for award in stages.awards},
        )

    @staticmethod
    def _contracts(contracts: list[_ContractView]) -> str | None:
        """`contracts` as `build._contracts` writes them (its per-contract parts are the builder's
        own functions)."""
        written = []
        for contract in contracts:
            signed = contract.signed_at is not None
            status, description = build._contract_status(contract)  # type: ignore[arg-type]
            milestones = (
                [build._contract_milestone(contract, m) for m in contract.milestones]  # type: ignore[arg-type]
                if signed
                else []
            )
            written.append(
                {
                    "id": contract.reference,
                    "awardID": build._award_id(contract.lot, 1),  # type: ignore[arg-type]
                    "title": contract.title,
                    "description": description,
                    "status": status,
                    "period": {
                        "startDate": encoding.date_time(contract.signed_at) if contract.signed_at else None,
                        "endDate": build._contract_end(contract) if signed else None,  # type: ignore[arg-type]
                    },
                    "value": build._value(contract.value_fen, contract.currency),
                    "items": [build._item(contract.lot)],  # type: ignore[arg-type]
                    "dateSigned": encoding.date_time(contract.signed_at) if contract.signed_at else None,
                    "milestones": milestones,
                    "implementation": {"milestones": [m for m in milestones if m.get("status") == "met"]},
                }
            )
        return _json(written)

    def _reference(self, org: _Org) -> str:
        reference = self.references.get(org.id)
        if reference is None:
            reference = self.references[org.id] = _dumps(
                {"id": f"{build.IDENTIFIER_SCHEME}-{org.code}", "name": org.name}
            )
        return reference

    @staticmethod
    def _party(org: _Org, roles: list[str]) -> str:
        return _dumps(
            {
                "id": f"{build.IDENTIFIER_SCHEME}-{org.code}",
                "name": org.name,
                "identifier": {"scheme": build.IDENTIFIER_SCHEME, "id": org.code, "legalName": org.name},
                "address": {"region": org.region_name, "countryName": "中国"},
                "roles": roles,
            }
        )

    def _tenderer(self, org: _Org, supplier: bool = False) -> str:
        cache = self.suppliers if supplier else self.tenderers
        party = cache.get(org.id)
        if party is None:
            party = cache[org.id] = self._party(org, ["tenderer", "supplier"] if supplier else ["tenderer"])
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
    def _bids(plan: _Plan, bids: list[_Bid], verdicts: dict[int, bool] | None = None) -> dict[str, Any]:
        """`bids`, at the opening or (`verdicts`) once the committee has disqualified some."""
        return {
            "statistics": build._bid_statistics(bids, plan.lots, verdicts),  # type: ignore[arg-type]
            "details": [
                {
                    "id": bid.uid,
                    "date": encoding.date_time(bid.received_at),
                    "status": build._bid_status(bid, verdicts),  # type: ignore[arg-type]
                    "tenderers": [{"id": f"{build.IDENTIFIER_SCHEME}-{bid.vendor.code}", "name": bid.vendor.name}],
                    "relatedLots": [build._lot_id(bid.lot)],  # type: ignore[arg-type]
                    "value": build._value(bid.price_fen),
                }
                for bid in bids
            ],
        }


@dataclass(slots=True)
class _Release:
    """One release of a tender, as the JSON texts of its parts."""

    tags: list[str]
    date: datetime
    tender: str
    bids: list[_Bid] = field(default_factory=list)  # their bidders are parties
    bids_text: str | None = None
    awards: str | None = None
    contracts: str | None = None
    suppliers: set[int] = field(default_factory=set)  # bidders that are parties as suppliers too


class _TenderText:
    """The JSON text of a tender block in its variants (status, lot statuses, tenderers), the value
    of each key written once: a variant is the parts joined, which is the very text
    `encoding.dumps` makes of the whole block."""

    def __init__(self, block: dict[str, Any]) -> None:
        self.lots = block["lots"]
        self.parts = [(key, _dumps(value)) for key, value in block.items()]

    def text(
        self,
        *,
        status: str | None = None,
        details: str = "",
        lots: list[str] | None = None,
        tenderers: list[str] | None = None,
    ) -> str:
        """The block with the tender's `status` and its `details`, the lots' states, and (once
        opened) the tenderers, as JSON texts."""
        parts = []
        for key, value in self.parts:
            if key == "status" and status is not None:
                value = _dumps(build.TENDER_STATUS[TenderState(status)])
            elif key == "lots" and lots is not None:
                value = _dumps(
                    [
                        {**lot, "status": build.LOT_STATUS[LotState(state)]}
                        for lot, state in zip(self.lots, lots, strict=True)
                    ]
                )
            parts.append((key, value))
            if key == "status" and details:
                parts.append(("statusDetails", _dumps(details)))
        if tenderers is not None:
            parts.append(("numberOfTenderers", _dumps(len(tenderers))))
            if tenderers:
                parts.append(("tenderers", _array(tenderers)))
        return _object(parts)


def _json(value: list[dict[str, Any]]) -> str | None:
    """The JSON text of a list of objects with its empty values left out (as the builder leaves
    them out of the whole release), or None when nothing is left."""
    compact = _compact(value)
    return _dumps(compact) if compact else None


def _compact(value: Any) -> Any:
    """`build._compact`, sooner: the value without None, blank strings and empty lists or
    objects, at any depth."""
    if type(value) is dict:
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                item = _compact(item)
                if item:
                    kept[key] = item
            elif item is not None and not (isinstance(item, str) and not item.strip()):
                kept[key] = item
        return kept
    if type(value) is list:
        items = []
        for item in value:
            if type(item) is dict or type(item) is list:
                item = _compact(item)
                if item:
                    items.append(item)
            elif item is not None and not (isinstance(item, str) and not item.strip()):
                items.append(item)
        return items
    return value


def _amount(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("open data amounts must be finite")
        return f"\x00{value:f}\x00"
    raise TypeError(f"{type(value).__name__} is not an open-data JSON value")


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_amount).encode


def _dumps(value: Any) -> str:
    """The very text `encoding.dumps` makes of `value`, four to ten times sooner: the standard
    library's C encoder writes it, each amount (a Decimal) as a string marked by NUL characters,
    which the text then loses along with the quotes, leaving the exact number. (No other string
    can hold a NUL: PostgreSQL text cannot.)"""
    if type(value) is str:
        return _string(value)
    text = _encode(value)
    return text.replace('"\\u0000', "").replace('\\u0000"', "") if "\\u0000" in text else text


_string = json.encoder.encode_basestring  # a string, as `encoding` writes it
_KEYS: dict[str, str] = {}  # object keys as JSON texts


def _array(texts: list[str]) -> str:
    """The JSON array of values that are JSON texts already."""
    return "[" + ",".join(texts) + "]"


def _object(parts: list[tuple[str, str]]) -> str:
    """The JSON object of (key, JSON text of the value) pairs, as `encoding.dumps` writes it."""
    keys = _KEYS
    pairs = [f"{keys.get(key) or keys.setdefault(key, _string(key))}:{value}" for key, value in parts]
    return "{" + ",".join(pairs) + "}"

"""Demo catalogue entries and tenders for `seed_demo`: one tender in every state the exchange reaches
before evaluation, so each page and the OCDS output have something to show.

Everything goes through the services, so every object has its permissions, audit rows and OCDS
releases. What exists is left alone: a catalogue entry is recognised by its agency and dataset name,
a tender by its buyer and title (the re-tender of the failed one by its link to it); `seed_demo` runs
in one transaction, so a run either completes or leaves nothing behind.

The demo cannot wait twenty days for a bid period to run out. The tenders that must reach the
opening are created with a proper future deadline and bid on; then their deadline is moved into
the past with a queryset update (as `tests.factories.marketplace.past_deadline` does), the deadline
sweep `services.tenders_close_due()` closes them and `services.tender_open(tender_id=…)` opens each
one here, as the queued task would. The releases written before the move still show the original
deadline; later ones show the moved one.

Tenders (buyer 成都市公共数据运营服务中心 unless said otherwise):
- draft: the city point-cloud tender, documents attached, not published;
- open: the crossroads video tender with two lots, answered and unanswered clarifications, sealed
  bids and an amendment after which one bidder confirmed and the other must still re-confirm; the
  hotline speech tender (competitive negotiation) with one sealed bid;
- evaluation: the finance text tender, opened with three valid bids and one over the lot budget;
- failed: the remote-sensing tender, two bids where three are needed, and its re-tender (open);
- cancelled: the chest-CT tender, cancelled with a published reason (its bid stays sealed);
- an enterprise request for quotation by 深圳南山智驾科技有限公司, open with one bid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace import services
from marketplace.models import BidState, CatalogueEntry, Openness, Tender, VolumeUnit
from marketplace.procedures import EvaluationMethod as Method
from marketplace.procedures import Procedure
from marketplace.states import TenderState
from portal.accounts.models import User
from registry import services as registry_services
from registry.demo import ORGANISATIONS, demo_credit_code
from registry.models import Organisation
from registry.roles import Role
from registry.taxonomy import Modality as M
from registry.taxonomy import Sector as S

AGENCY = "成都市公共数据运营服务中心"
ENTERPRISE = "深圳南山智驾科技有限公司"

# Vendor staff beyond the sign-in demo users, so that an opening has enough bidders. Nobody signs
# in as them: their passwords are unusable. username -> (name, organisation)
EXTRA_VENDOR_STAFF = {
    "vendor-demo-haikou": ("林椰标", "海口椰林数据服务有限公司"),
    "vendor-demo-baoding": ("王京标", "保定京南标注科技有限公司"),
}


@dataclass(frozen=True)
class DemoEntry:
    dataset: str
    description: str
    sector: str
    modality: str
    volume: int
    volume_unit: str
    openness: str
    annotation_needs: str


CATALOGUE = [
    DemoEntry(
        "成都市主城区路口监控视频（2024 年度）",
        "中心城区 1,200 个信号控制路口的监控视频，已做人脸与车牌脱敏处理。",
        S.TRANSPORT,
        M.VIDEO,
        12_000,
        VolumeUnit.HOUR,
        Openness.CONDITIONAL,
        "机动车、非机动车与行人目标框选及轨迹跟踪；违停、逆行、拥堵等交通事件的时段标注。",
    ),
    DemoEntry(
        "华西区域医学影像库（胸部 CT）",
        "区域医疗中心胸部 CT 影像，去标识化处理，数据不出院内安全环境。",
        S.HEALTHCARE,
        M.IMAGE,
        350_000,
        VolumeUnit.IMAGE,
        Openness.RESTRICTED,
        "肺结节检出框选与良恶性分级，须由具备医学背景的标注员在指定安全环境内完成。",
    ),
    DemoEntry(
        "成都 12345 政务服务便民热线通话录音",
        "2023—2024 年热线通话录音，含普通话与四川话，个人信息已脱敏。",
        S.GOVERNMENT_SERVICES,
        M.SPEECH,
        8_000,
        VolumeUnit.HOUR,
        Openness.CONDITIONAL,
        "语音转写、说话人分离、诉求类型与承办部门分类。",
    ),
    DemoEntry(
        "川西平原高分辨率遥感影像（2023—2024）",
        "0.5 米分辨率卫星遥感影像，覆盖成都平原主要粮食产区。",
        S.AGRICULTURE,
        M.IMAGE,
        60_000,
        VolumeUnit.IMAGE,
        Openness.OPEN,
        "水稻、油菜等作物类型语义分割，耕地“非农化”变化图斑标注。",
    ),
    DemoEntry(
        "金融监管公开文书与企业年报文本",
        "公开的行政处罚决定书、监管问询函与上市公司年报文本。",
        S.FINANCE,
        M.TEXT,
        300_000_000,
        VolumeUnit.CHARACTER,
        Openness.OPEN,
        "机构、人物、金额等实体识别，实体关系抽取与风险事件分类。",
    ),
    DemoEntry(
        "实景三维成都城市点云",
        "车载与机载激光雷达采集的中心城区点云，含同步全景影像。",
        S.URBAN_GOVERNANCE,
        M.POINT_CLOUD,
        500_000,
        VolumeUnit.FRAME,
        Openness.CONDITIONAL,
        "建筑、道路、植被、杆件等城市要素的语义分割与实例标注。",
    ),
    DemoEntry(
        "四川省科技成果与论文摘要",
        "省级科技计划项目成果登记与公开论文摘要文本。",
        S.SCIENCE,
        M.TEXT,
        40_000_000,
        VolumeUnit.CHARACTER,
        Openness.OPEN,
        "学科分类、技术术语实体识别与成果转化方向标注。",
    ),
]


@dataclass(frozen=True)
class DemoLot:
    title: str
    modality: str
    volume: int
    unit: str
    budget_yuan: int


@dataclass(frozen=True)
class DemoBid:
    username: str
    lot: int
    price_yuan: int


@dataclass(frozen=True)
class DemoClarification:
    username: str
    question: str
    answer: str = ""  # unanswered when empty


@dataclass(frozen=True)
class DemoTender:
    title: str
    description: str
    sector: str
    days: int  # deadline, in days from now (at 17:00 Beijing time)
    lots: tuple[DemoLot, ...]
    end: str  # the state the demo leaves it in: draft, open, evaluation/failed (opened), cancelled
    buyer: str = "agency"  # the demo user who buys
    catalogue: str = ""  # dataset of the catalogue entry it comes from
    procedure: str = Procedure.OPEN_TENDER
    method: str = Method.COMPREHENSIVE_SCORING
    weights: tuple[int, int, int] = (3_000, 6_000, 1_000)  # price, technical, business (bp)
    bids: tuple[DemoBid, ...] = ()
    clarifications: tuple[DemoClarification, ...] = ()
    amendment: str = ""  # rationale of an amendment made after the bids
    confirmed_by: tuple[str, ...] = ()  # bidders who confirm their bids after the amendment
    cancellation_reason: str = ""
    retender: bool = False


MILESTONES = (("标注方案与样例确认", 1_000), ("首批数据交付验收", 3_000), ("全部数据交付验收", 6_000))
OPENED = (TenderState.EVALUATION, TenderState.FAILED)

TENDERS = [
    DemoTender(
        title="实景三维成都城市点云语义分割标注服务",
        description="对中心城区车载与机载点云进行城市要素语义分割与实例标注，用于城市体检与部件管理。",
        sector=S.URBAN_GOVERNANCE,
        days=30,
        lots=(DemoLot("城市要素语义分割", M.POINT_CLOUD, 200_000, VolumeUnit.FRAME, 2_400_000),),
        end=TenderState.DRAFT,
        catalogue="实景三维成都城市点云",
    ),
    DemoTender(
        title="成都市主城区路口监控视频目标标注服务项目",
        description="对主城区路口监控视频开展交通参与者框选、轨迹跟踪与交通事件标注，支撑信号配时优化。",
        sector=S.TRANSPORT,
        days=28,
        lots=(
            DemoLot("机动车与行人框选及轨迹跟踪", M.VIDEO, 6_000, VolumeUnit.HOUR, 1_800_000),
            DemoLot("交通事件时段标注", M.VIDEO, 3_000, VolumeUnit.HOUR, 600_000),
        ),
        end=TenderState.OPEN,
        catalogue="成都市主城区路口监控视频（2024 年度）",
        bids=(DemoBid("vendor", 1, 1_650_000), DemoBid("vendor", 2, 540_000), DemoBid("vendor2", 1, 1_590_000)),
        clarifications=(
            DemoClarification("vendor", "本项目是否接受联合体投标？", "本项目不接受联合体投标。"),
            DemoClarification(
                "vendor2",
                "第二包的交通事件类别清单能否提供？",
                "类别清单见更新后的招标文件附件二，共 12 类事件。",
            ),
            DemoClarification("vendor", "标注平台是否必须部署在采购人机房内？"),
        ),
        amendment="根据答疑补充第二包交通事件类别清单（附件二），招标文件更新为第 2 版。",
        confirmed_by=("vendor",),
    ),
    DemoTender(
        title="成都 12345 热线通话录音转写与诉求分类标注",
        description="对热线通话录音进行转写、说话人分离和诉求分类，用于热线智能辅助与办理质效分析。",
        sector=S.GOVERNMENT_SERVICES,
        days=14,
        lots=(DemoLot("录音转写与诉求分类", M.SPEECH, 2_000, VolumeUnit.HOUR, 900_000),),
        end=TenderState.OPEN,
        catalogue="成都 12345 政务服务便民热线通话录音",
        procedure=Procedure.COMPETITIVE_NEGOTIATION,
        weights=(2_000, 7_000, 1_000),
        bids=(DemoBid("vendor2", 1, 860_000),),
    ),
    DemoTender(
        title="金融监管文书实体识别与关系抽取标注服务",
        description="对公开监管文书与年报文本进行实体识别、关系抽取与风险事件分类标注。",
        sector=S.FINANCE,
        days=25,
        lots=(DemoLot("实体与关系标注", M.TEXT, 100_000_000, VolumeUnit.CHARACTER, 1_200_000),),
        end=TenderState.EVALUATION,
        catalogue="金融监管公开文书与企业年报文本",
        method=Method.LOWEST_EVALUATED_PRICE,
        weights=(10_000, 0, 0),
        bids=(
            DemoBid("vendor", 1, 1_080_000),
            DemoBid("vendor2", 1, 1_050_000),
            DemoBid("vendor-demo-haikou", 1, 980_000),
            DemoBid("vendor-demo-baoding", 1, 1_350_000),  # above the lot budget: invalid at the opening
        ),
    ),
    DemoTender(
        title="川西平原农作物遥感影像语义分割标注",
        description="对高分辨率遥感影像进行作物类型语义分割与耕地变化图斑标注，服务粮食安全监测。",
        sector=S.AGRICULTURE,
        days=25,
        lots=(DemoLot("作物类型语义分割", M.IMAGE, 40_000, VolumeUnit.IMAGE, 800_000),),
        end=TenderState.FAILED,
        catalogue="川西平原高分辨率遥感影像（2023—2024）",
        bids=(DemoBid("vendor", 1, 760_000), DemoBid("vendor-demo-haikou", 1, 720_000)),
        retender=True,
    ),
    DemoTender(
        title="华西区域胸部 CT 影像肺结节标注服务",
        description="对胸部 CT 影像开展肺结节检出框选与良恶性分级标注。",
        sector=S.HEALTHCARE,
        days=25,
        lots=(DemoLot("肺结节框选与分级", M.IMAGE, 50_000, VolumeUnit.IMAGE, 1_500_000),),
        end=TenderState.CANCELLED,
        catalogue="华西区域医学影像库（胸部 CT）",
        bids=(DemoBid("vendor2", 1, 1_380_000),),
        cancellation_reason=(
            "经数据安全评估，该数据集属于不予开放的医疗健康数据，须在医院内部安全环境中完成标注，"
            "原采购方案不再适用，本项目取消，将另行组织。"
        ),
    ),
    DemoTender(
        title="车载激光雷达点云 3D 框标注询价",
        description="对城市道路采集的激光雷达点云进行车辆、行人、骑行者 3D 框标注，30 天内分两批交付。",
        sector=S.TRANSPORT,
        days=5,
        lots=(DemoLot("点云 3D 框标注", M.POINT_CLOUD, 100_000, VolumeUnit.FRAME, 400_000),),
        end=TenderState.OPEN,
        buyer="buyer",
        procedure=Procedure.REQUEST_FOR_QUOTATION,
        method=Method.LOWEST_PRICE,
        weights=(10_000, 0, 0),
        bids=(DemoBid("vendor", 1, 365_000),),
    ),
]


@dataclass
class _World:
    operator: User
    users: dict[str, User]
    organisations: dict[str, Organisation]
    vendors: dict[str, Organisation] = field(default_factory=dict)  # username -> organisation bid for
    created: int = 0


def seed_marketplace(*, operator: User, users: dict[str, User]) -> int:
    """Create what is missing; return how many catalogue entries, tenders and bids were created.
    Needs the registry's demo organisations (`registry.demo.seed_registry`); without them it does
    nothing."""
    codes = {demo_credit_code(item): item.name for item in ORGANISATIONS}
    organisations = {codes[o.credit_code]: o for o in Organisation.objects.filter(credit_code__in=codes)}
    if AGENCY not in organisations or ENTERPRISE not in organisations:
        return 0
    world = _World(operator=operator, users=dict(users), organisations=organisations)
    _seed_vendor_staff(world)
    entries = _seed_catalogue(world)
    to_open: list[Tender] = []
    for item in TENDERS:
        if _existing(world, item) is None:
            tender = _seed_tender(world, item, entries)
            if item.end in OPENED:
                to_open.append(tender)
    _open(to_open)
    for item in TENDERS:
        failed = _existing(world, item)
        if (
            item.retender
            and failed is not None
            and failed.state == TenderState.FAILED
            and not failed.retenders.exists()
        ):
            actor = world.users[item.buyer]
            services.tender_retender(actor=actor, tender=failed, deadline=services.default_retender_deadline(failed))
            world.created += 1
    return world.created


def _seed_vendor_staff(world: _World) -> None:
    for username, (name, organisation_name) in EXTRA_VENDOR_STAFF.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=name)
            user.set_unusable_password()  # demo records only: nobody signs in as them
            user.save()
        organisation = world.organisations[organisation_name]
        if not organisation.memberships.filter(user=user, role=Role.VENDOR_STAFF).exists():
            registry_services.membership_add(
                actor=world.operator, organisation=organisation, username=username, role=Role.VENDOR_STAFF
            )
        world.users[username] = user
        world.vendors[username] = organisation
    for username in ("vendor", "vendor2"):
        membership = world.users[username].memberships.get(role=Role.VENDOR_STAFF)
        world.vendors[username] = membership.organisation


def _seed_catalogue(world: _World) -> dict[str, CatalogueEntry]:
    agency = world.organisations[AGENCY]
    entries = {entry.dataset: entry for entry in CatalogueEntry.objects.filter(agency=agency)}
    for item in CATALOGUE:
        if item.dataset not in entries:
            entries[item.dataset] = services.catalogue_entry_create(
                actor=world.users["agency"],
                agency=agency,
                dataset=item.dataset,
                description=item.description,
                sector=item.sector,
                modality=item.modality,
                volume=item.volume,
                volume_unit=item.volume_unit,
                openness=item.openness,
                annotation_needs=item.annotation_needs,
            )
            world.created += 1
    return entries


def _buyer(world: _World, item: DemoTender) -> Organisation:
    return world.organisations[ENTERPRISE if item.buyer == "buyer" else AGENCY]


def _existing(world: _World, item: DemoTender) -> Tender | None:
    return Tender.objects.filter(buyer=_buyer(world, item), title=item.title, previous_tender=None).first()


def _document(title: str, lines: list[str]) -> SimpleUploadedFile:
    """A small generated text document (UTF-8) standing in for the real files."""
    text = "\n".join([title, "=" * 20, *lines, "", "（演示数据：本文件由演示数据生成程序自动生成。）", ""])
    return SimpleUploadedFile(f"{title}.txt", text.encode("utf-8"), content_type="text/plain; charset=utf-8")


def _seed_tender(world: _World, item: DemoTender, entries: dict[str, CatalogueEntry]) -> Tender:
    actor = world.users[item.buyer]
    deadline = (timezone.localtime() + timedelta(days=item.days)).replace(hour=17, minute=0, second=0, microsecond=0)
    price, technical, business = item.weights
    spec = services.TenderSpec(
        title=item.title,
        description=item.description,
        procedure=item.procedure,
        evaluation_method=item.method,
        sector=item.sector,
        deadline=deadline,
        lots=[
            services.LotSpec(
                title=lot.title,
                modality=lot.modality,
                volume=lot.volume,
                volume_unit=lot.unit,
                budget_fen=lot.budget_yuan * 100,
            )
            for lot in item.lots
        ],
        milestones=[services.MilestoneSpec(title=title, share_bp=share) for title, share in MILESTONES],
        price_weight_bp=price,
        technical_weight_bp=technical,
        business_weight_bp=business,
        catalogue_entry_id=entries[item.catalogue].pk if item.catalogue else None,
    )
    tender = services.tender_create(actor=actor, buyer=_buyer(world, item), spec=spec)
    lot_lines = [f"第 {n} 包：{lot.title}，{lot.volume:,} {lot.unit}" for n, lot in enumerate(item.lots, start=1)]
    services.tender_document_add(
        actor=actor,
        tender=tender,
        title="招标文件",
        upload=_document(f"{item.title} 招标文件", [item.description, *lot_lines]),
    )
    world.created += 1
    if item.end == TenderState.DRAFT:
        return tender
    tender = services.tender_publish(actor=actor, tender=tender)
    _clarify(world, tender, item)
    for bid in item.bids:
        services.bid_submit(
            actor=world.users[bid.username],
            tender=tender,
            lot=tender.lots.get(number=bid.lot),
            vendor=world.vendors[bid.username],
            price_fen=bid.price_yuan * 100,
            documents=[
                services.BidDocumentInput(
                    name="技术方案.txt",
                    content=f"{item.title} 第 {bid.lot} 包 技术方案（演示）".encode(),
                    media_type="text/plain",
                )
            ],
        )
        world.created += 1
    if item.amendment:
        _amend(world, tender, item)
    if item.end == TenderState.CANCELLED:
        tender = services.tender_cancel(actor=actor, tender=tender, reason=item.cancellation_reason)
    return tender


def _clarify(world: _World, tender: Tender, item: DemoTender) -> None:
    for question in item.clarifications:
        clarification = services.clarification_ask(
            actor=world.users[question.username],
            tender=tender,
            vendor=world.vendors[question.username],
            question=question.question,
        )
        if question.answer:
            services.clarification_answer(
                actor=world.users[item.buyer], clarification=clarification, answer=question.answer
            )


def _amend(world: _World, tender: Tender, item: DemoTender) -> None:
    """An amendment adds a document; every bid must then be confirmed again, which only some do."""
    services.tender_amend(
        actor=world.users[item.buyer],
        tender=tender,
        rationale=item.amendment,
        documents=[("附件二：交通事件类别清单", _document("附件二 交通事件类别清单", ["共 12 类交通事件（演示）"]))],
    )
    for username in item.confirmed_by:
        for bid in tender.bids.filter(vendor=world.vendors[username], state=BidState.SUBMITTED):
            services.bid_confirm(actor=world.users[username], bid=bid)


def _open(tenders: list[Tender]) -> None:
    """Bring the bid period of `tenders` to an end now, then sweep and open as the beat task would."""
    if not tenders:
        return
    moment = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk__in=[t.pk for t in tenders]).update(deadline=moment, next_check_at=moment)
    # A sweep takes at most 500 tenders (oldest deadline first): sweep until none is left.
    while due := services.tenders_close_due():
        for tender_id in due:
            services.tender_open(tender_id=tender_id)

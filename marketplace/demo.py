"""Demo catalogue entries and tenders for `seed_demo`: a tender in every state the exchange reaches
(except `opening`, which lasts seconds), so each page and the OCDS output have something to show.

Everything goes through the services, so every object has its permissions, audit rows, notifications
and OCDS releases, and every committee draw replays (marketplace.committee_replay). What exists is
left alone: a catalogue entry is recognised by its agency and dataset name, a tender by its buyer and
title (the re-tender of the failed one by its link to it); a tender's whole story (bids, opening,
committee, scores, publicity, challenge, award, contracts) is told only in the run that creates it.
`seed_demo` runs in one transaction, so a run either completes or leaves nothing behind.

The demo takes two shortcuts, both queryset updates of timestamps, because it cannot wait:
- the bid period: the tenders that must reach the opening are created with a proper future
  deadline and bid on; then their deadline is moved into the past (as
  `tests.factories.marketplace.past_deadline` does), the deadline sweep `services.tenders_close_due()`
  closes them and `services.tender_open(tender_id=…)` opens each one here, as the queued task would.
  The releases written before the move still show the original deadline; later ones the moved one;
- the publicity window (at least 3 days): the tenders to award have their window shifted into the
  past, whole (as `tests.factories.evaluation.publicity_over` does), just before `services.tender_award`.
  `end_publicity_now(tender_id=…)` does the same from a shell, on demo databases only.

Committees are drawn at random (the server draws the seed), so who sits where differs from one
database to the next; the scores each member gives follow from the bid's demo scores.

Tenders (buyer 成都市公共数据运营服务中心 unless said otherwise):
- draft: the city point-cloud tender, documents attached, not published;
- open: the crossroads video tender with two lots, answered and unanswered clarifications, sealed
  bids and an amendment after which one bidder confirmed and the other must still re-confirm; the
  hotline speech tender (competitive negotiation) with one sealed bid;
- evaluation, no committee yet: the finance text tender (lowest evaluated price), opened with three
  valid bids and one over the lot budget — the tender to take to a contract by hand, below;
- evaluation, scoring: the science-text tender, whose first expert drawn declined the seat
  declaring a conflict (a replacement was drawn), two sheets submitted and one saved as a draft;
- publicity: the service-guide tender, challenged by a losing bidder and paused until the agency
  answers; the traffic-camera tender, whose challenge was answered (rejected);
- awarded: the river-patrol tender, its contract awaiting the supplier's signature after the buyer
  rearranged the payment milestones and signed; the bus video and speech tender (two lots, two
  contracts, both signed, first milestones met); the property-archive tender, its contract completed
  (a fourth bid disqualified by the committee); the farmland tender, its contract terminated with a
  reason after the first milestone;
- failed: the remote-sensing tender (two bids where three are needed) and its re-tender (open); the
  medical-receipt tender, failed in evaluation (the committee disqualified every bid, with reasons);
- cancelled: the chest-CT tender, cancelled with a published reason (its bid stays sealed);
- an enterprise request for quotation by 深圳南山智驾科技有限公司, open with one bid.

By hand, from the opening to a signed contract (browser or API), with the demo password:
1. `agency` forms the committee of the finance tender (5 seats). Every expert eligible for it is a
   sign-in expert — `expert`, `expert2` … `expert7` (registry.talent.demo.SIGN_IN_EXPERTS), seven for
   five seats — so whoever is drawn can sign in;
2. each expert drawn signs in, accepts the invitation (declaring no conflict) and submits the score
   sheet (this method only asks whether each bid is qualified); the last submission computes the
   results, `agency` publishes the candidates;
3. the window lasts at least 3 days; to award at once, end it from a shell (N: the tender's id):
   `.venv/bin/python manage.py shell -c "from marketplace import demo; demo.end_publicity_now(tender_id=N)"`;
4. `agency` awards the tender; `agency` and `vendor2` (合肥慧眼, the lowest valid price) sign the
   contract, which becomes active.
The other committees may include demo records nobody signs in as (`expert-demo-N`): upholding the
pending challenge by hand sends its tender back to a committee that perhaps cannot score again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace import services
from marketplace.models import (
    FULL_MARKS,
    BidState,
    CatalogueEntry,
    Committee,
    CommitteeMember,
    Contract,
    ContractState,
    MemberState,
    Openness,
    Tender,
    VolumeUnit,
)
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
    # What the committee makes of it (out of 100.00, in hundredths; each member a little off these).
    technical: int = 7_500
    business: int = 8_000
    disqualified: str = ""  # every member disqualifies it, with this reason


@dataclass(frozen=True)
class DemoChallenge:
    username: str  # the losing bidder who challenges the candidates
    grounds: str
    answer: str = ""  # rejected with this answer; pending (the tender paused) when empty


class After(StrEnum):
    """How far an opened tender goes after the opening."""

    NOTHING = ""  # under evaluation, no committee yet
    SCORING = "scoring"  # committee formed (a seat declined and refilled when `declaration`), some sheets in
    SCORED = "scored"  # every sheet submitted and the results computed (a failure if no bid qualifies)
    PUBLICITY = "publicity"  # candidates published (and challenged when `challenge` is given)
    AWARDED = "awarded"  # publicity over (the shortcut), awarded; each contract taken to `contracts`


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
    end: str  # the state the demo leaves it in; the states of OPENED are reached through the opening
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
    after: After = After.NOTHING  # for an opened tender: how far it goes after the opening
    declaration: str = ""  # the conflict the first expert drawn declares, declining the seat
    challenge: DemoChallenge | None = None
    # What becomes of the contract of each lot, in lot order: a ContractState (see `_carry_out`).
    contracts: tuple[str, ...] = ()
    termination_reason: str = ""


MILESTONES = (("标注方案与样例确认", 1_000), ("首批数据交付验收", 3_000), ("全部数据交付验收", 6_000))
# The payment milestones the buyer rearranges the pending contract to: (title, share, due in days).
REARRANGED_MILESTONES = (
    ("标注方案与样例确认", 1_000, 14),
    ("首批 30% 数据交付验收", 2_000, 45),
    ("第二批 40% 数据交付验收", 3_000, 90),
    ("全部数据交付及质检报告验收", 4_000, 120),
)
OPENED = (TenderState.EVALUATION, TenderState.PUBLICITY, TenderState.AWARDED, TenderState.FAILED)
COMMITTEE_SIZE = 5
PUBLICITY_DAYS = 5
SHEETS_WHILE_SCORING = 2  # submitted on the tender left in scoring; the next member saves a draft
# How far each member's scores are from a bid's demo scores (hundredths), by the member's place.
MEMBER_OFFSETS = (0, 250, -300, 150, -100, 200, -200)

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
            DemoBid("vendor2", 1, 980_000),  # the lowest valid price: a sign-in vendor wins by hand
            DemoBid("vendor-demo-haikou", 1, 1_050_000),
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
    DemoTender(
        title="四川省科技成果文本学科分类与术语标注服务",
        description="对省级科技成果登记与论文摘要文本进行学科分类和技术术语实体标注，支撑成果转化方向分析。",
        sector=S.SCIENCE,
        days=25,
        lots=(DemoLot("学科分类与术语实体标注", M.TEXT, 20_000_000, VolumeUnit.CHARACTER, 600_000),),
        end=TenderState.EVALUATION,
        catalogue="四川省科技成果与论文摘要",
        bids=(
            DemoBid("vendor2", 1, 560_000, 8_200, 8_500),
            DemoBid("vendor-demo-haikou", 1, 545_000, 7_600, 8_000),
            DemoBid("vendor-demo-baoding", 1, 590_000, 8_800, 8_600),
        ),
        after=After.SCORING,
        declaration=(
            "本人 2025 年曾受投标人合肥慧眼数据标注有限公司邀请，为其标注质检团队讲授科技文献术语标注规范，"
            "并收取讲课费，与投标人存在利害关系，依规申请回避。"
        ),
    ),
    DemoTender(
        title="成都市政务服务事项办事指南文本结构化标注",
        description="对全市政务服务事项办事指南进行办理条件、申请材料、办理时限等要素抽取与结构化标注。",
        sector=S.GOVERNMENT_SERVICES,
        days=25,
        lots=(DemoLot("办事指南要素抽取与结构化标注", M.TEXT, 30_000_000, VolumeUnit.CHARACTER, 700_000),),
        end=TenderState.PUBLICITY,
        bids=(
            DemoBid("vendor", 1, 655_000, 8_600, 8_800),
            DemoBid("vendor2", 1, 640_000, 7_900, 8_200),
            DemoBid("vendor-demo-baoding", 1, 690_000, 7_400, 7_800),
        ),
        after=After.PUBLICITY,
        challenge=DemoChallenge(
            "vendor2",
            "第一中标候选人投标文件承诺投入 40 名具备政务服务业务背景的专职标注人员，与其在本平台登记的标注人员"
            "规模明显不符；其技术方案承诺全部数据双人交叉复核，所需人力成本与其报价不相称。请采购人组织原评标"
            "委员会复核第一中标候选人的技术得分。",
        ),
    ),
    DemoTender(
        title="成都市交通违法抓拍图像审核标注服务",
        description="对电子警察抓拍的交通违法图像进行有效性审核、号牌与违法要素框选，提升非现场执法审核效率。",
        sector=S.TRANSPORT,
        days=25,
        lots=(DemoLot("违法抓拍图像审核与要素框选", M.IMAGE, 80_000, VolumeUnit.IMAGE, 900_000),),
        end=TenderState.PUBLICITY,
        bids=(
            DemoBid("vendor2", 1, 850_000, 8_700, 8_500),
            DemoBid("vendor-demo-haikou", 1, 820_000, 7_700, 8_000),
            DemoBid("vendor", 1, 880_000, 8_000, 8_300),
        ),
        after=After.PUBLICITY,
        challenge=DemoChallenge(
            "vendor-demo-haikou",
            "评标委员会对我公司“审核规则一致性校验”技术方案的评分明显偏低，评审意见未说明扣分理由，"
            "请求复核我公司的技术得分。",
            "经组织原评标委员会复核，各评审专家对贵公司技术方案的评分均依据招标文件第三章评分办法第 2.3 项作出，"
            "扣分原因为方案未提供违法类型判定存在争议时的复核流程，评审过程与结果无误。质疑事项不成立，予以驳回。",
        ),
    ),
    DemoTender(
        title="成都市河湖巡查无人机影像标注服务",
        description="对河湖巡查无人机影像中的乱占、乱采、乱堆、乱建等问题目标进行框选与分类标注。",
        sector=S.URBAN_GOVERNANCE,
        days=25,
        lots=(DemoLot("河湖“四乱”问题目标框选与分类", M.IMAGE, 50_000, VolumeUnit.IMAGE, 750_000),),
        end=TenderState.AWARDED,
        bids=(
            DemoBid("vendor", 1, 690_000, 8_800, 8_600),
            DemoBid("vendor2", 1, 700_000, 8_100, 8_000),
            DemoBid("vendor-demo-haikou", 1, 720_000, 7_500, 7_600),
        ),
        after=After.AWARDED,
        contracts=(ContractState.PENDING,),
    ),
    DemoTender(
        title="成都市公交客流视频与报站语音数据标注服务",
        description="对公交车厢监控视频进行乘客计数与跟踪标注，对报站语音进行转写与站名实体标注，服务公交线网优化。",
        sector=S.TRANSPORT,
        days=25,
        lots=(
            DemoLot("车厢客流视频目标计数与跟踪", M.VIDEO, 4_000, VolumeUnit.HOUR, 1_200_000),
            DemoLot("报站语音转写与站名实体标注", M.SPEECH, 1_500, VolumeUnit.HOUR, 500_000),
        ),
        end=TenderState.AWARDED,
        bids=(
            DemoBid("vendor", 1, 1_120_000, 8_900, 8_700),
            DemoBid("vendor2", 1, 1_150_000, 8_200, 8_000),
            DemoBid("vendor-demo-haikou", 1, 1_080_000, 7_200, 7_500),
            DemoBid("vendor2", 2, 460_000, 8_800, 8_600),
            DemoBid("vendor", 2, 480_000, 8_000, 8_200),
            DemoBid("vendor-demo-baoding", 2, 450_000, 7_300, 7_800),
        ),
        after=After.AWARDED,
        contracts=(ContractState.ACTIVE, ContractState.ACTIVE),
    ),
    DemoTender(
        title="成都市不动产登记档案影像文字识别标注服务",
        description="对历史不动产登记档案扫描影像进行文字识别校对与权利人、坐落、面积等要素标注。",
        sector=S.GOVERNMENT_SERVICES,
        days=25,
        lots=(DemoLot("档案影像文字识别校对与要素标注", M.IMAGE, 120_000, VolumeUnit.IMAGE, 680_000),),
        end=TenderState.AWARDED,
        bids=(
            DemoBid("vendor2", 1, 620_000, 8_600, 8_800),
            DemoBid("vendor", 1, 640_000, 8_200, 8_000),
            DemoBid("vendor-demo-haikou", 1, 600_000, 7_400, 7_600),
            DemoBid(
                "vendor-demo-baoding",
                1,
                590_000,
                disqualified="投标文件未提供招标文件要求的档案数据安全管理承诺书及标注人员保密协议，符合性审查不通过。",
            ),
        ),
        after=After.AWARDED,
        contracts=(ContractState.COMPLETED,),
    ),
    DemoTender(
        title="天府新区耕地“非农化”遥感图斑标注服务",
        description="对天府新区高分辨率遥感影像进行耕地变化图斑勾绘与“非农化”类型标注，服务耕地保护督察。",
        sector=S.AGRICULTURE,
        days=25,
        lots=(DemoLot("耕地变化图斑勾绘与类型标注", M.IMAGE, 30_000, VolumeUnit.IMAGE, 560_000),),
        end=TenderState.AWARDED,
        catalogue="川西平原高分辨率遥感影像（2023—2024）",
        bids=(
            DemoBid("vendor-demo-haikou", 1, 498_000, 8_500, 8_200),
            DemoBid("vendor", 1, 520_000, 8_000, 8_100),
            DemoBid("vendor-demo-baoding", 1, 530_000, 7_600, 7_900),
        ),
        after=After.AWARDED,
        contracts=(ContractState.TERMINATED,),
        termination_reason=(
            "中标人未能在合同约定的期限内交付第二批标注数据，经采购人两次书面催告仍未改正，且首批数据抽检合格率"
            "仅为 82%，低于合同约定的 95%。采购人依据合同第十二条解除合同，剩余标注任务将另行采购。"
        ),
    ),
    DemoTender(
        title="华西区域医保结算单据影像结构化标注服务",
        description="对医保结算单据影像进行费用项目、金额、就诊信息等字段的框选与结构化标注。",
        sector=S.HEALTHCARE,
        days=25,
        lots=(DemoLot("结算单据要素框选与字段识别", M.IMAGE, 200_000, VolumeUnit.IMAGE, 800_000),),
        end=TenderState.FAILED,
        bids=(
            DemoBid(
                "vendor",
                1,
                760_000,
                disqualified="投标文件未提供招标文件要求的医疗健康数据安全管理制度及网络安全等级保护三级测评报告，"
                "资格性审查不通过。",
            ),
            DemoBid(
                "vendor2",
                1,
                745_000,
                disqualified="投标人承诺的标注人员中具备医学或医保业务背景的不足招标文件要求的 30%，未实质性响应。",
            ),
            DemoBid(
                "vendor-demo-haikou",
                1,
                720_000,
                disqualified="投标报价明细表中的单价与总价不一致，投标人未按评标委员会要求作出书面澄清，按无效投标处理。",
            ),
        ),
        after=After.SCORED,
    ),
    # An enterprise's request for quotation, awarded: its contract is paid by card (issue 7), the
    # others by treasury transfer. Last in the list, so the ids of the tenders above do not move.
    DemoTender(
        title="汽车零部件产线缺陷图像分类标注询价",
        description="对汽车零部件产线质检相机拍摄的图像按缺陷类型进行分类标注，分两批交付，逐批验收、逐批付款。",
        sector=S.MANUFACTURING,
        days=5,
        lots=(DemoLot("产线缺陷图像分类标注", M.IMAGE, 60_000, VolumeUnit.IMAGE, 300_000),),
        end=TenderState.AWARDED,
        buyer="buyer",
        procedure=Procedure.REQUEST_FOR_QUOTATION,
        method=Method.LOWEST_PRICE,
        weights=(10_000, 0, 0),
        bids=(DemoBid("vendor", 1, 268_000), DemoBid("vendor2", 1, 279_000)),
        after=After.AWARDED,
        contracts=(ContractState.ACTIVE,),
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
    """Create what is missing; return how many catalogue entries, tenders, bids, committees,
    challenges and contracts were created. Needs the registry's demo organisations
    (`registry.demo.seed_registry`), without which it does nothing, and the demo expert pool
    (`registry.talent.demo`), without which no committee can be drawn."""
    codes = {demo_credit_code(item): item.name for item in ORGANISATIONS}
    organisations = {codes[o.credit_code]: o for o in Organisation.objects.filter(credit_code__in=codes)}
    if AGENCY not in organisations or ENTERPRISE not in organisations:
        return 0
    world = _World(operator=operator, users=dict(users), organisations=organisations)
    _seed_vendor_staff(world)
    entries = _seed_catalogue(world)
    to_open: list[tuple[Tender, DemoTender]] = []
    for item in TENDERS:
        if _existing(world, item) is None:
            tender = _seed_tender(world, item, entries)
            if item.end in OPENED:
                to_open.append((tender, item))
    _open([tender for tender, _item in to_open])
    for tender, item in to_open:
        tender.refresh_from_db()
        if tender.state == TenderState.EVALUATION:
            _after_opening(world, tender, item)
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


# --- After the opening: committee, scores, publicity, challenge, award, contracts ---------------


def _after_opening(world: _World, tender: Tender, item: DemoTender) -> None:
    """Take an opened tender as far as `item.after` says, as its buyer, experts and bidders would."""
    if item.after == After.NOTHING:
        return
    buyer = world.users[item.buyer]
    committee = services.committee_form(actor=buyer, tender=tender, size=COMMITTEE_SIZE)
    world.created += 1
    if item.declaration:
        first = _seats(committee)[0]
        services.committee_member_decline(actor=_user_of(first), member=first, declaration=item.declaration)
    members = _seats(committee)  # the replacement last
    for member in members:
        services.committee_member_accept(actor=_user_of(member), member=member)
    scoring = item.after == After.SCORING
    for place, member in enumerate(members[:SHEETS_WHILE_SCORING] if scoring else members):
        services.score_sheet_save(
            actor=_user_of(member), tender=tender, scores=_scores(world, tender, item, place), submit=True
        )
    if scoring:
        place = SHEETS_WHILE_SCORING
        draft = _scores(world, tender, item, place)[:1]  # a sheet saved half-way
        services.score_sheet_save(actor=_user_of(members[place]), tender=tender, scores=draft, submit=False)
        return
    tender.refresh_from_db()
    if item.after == After.SCORED or tender.state != TenderState.EVALUATION:
        return
    tender = services.tender_publicise(actor=buyer, tender=tender, days=PUBLICITY_DAYS)
    if item.challenge is not None:
        _challenge(world, tender, item, item.challenge)
    if item.after == After.PUBLICITY:
        return
    _shift_publicity_into_the_past(tender)
    contracts = services.tender_award(actor=buyer, tender=tender)
    for contract, end in zip(contracts, item.contracts, strict=True):
        _carry_out(world, item, contract, end)
        world.created += 1


def _seats(committee: Committee) -> list[CommitteeMember]:
    """The members who have not declined, in the order they were drawn."""
    return list(
        committee.members.exclude(state=MemberState.DECLINED)
        .select_related("expert__person__user")
        .order_by("draw__round", "pk")
    )


def _user_of(member: CommitteeMember) -> User:
    user = member.expert.person.user
    if user is None:  # the draw takes only experts with an account
        raise ValueError(f"committee member {member.pk} has no account")
    return user


def _scores(world: _World, tender: Tender, item: DemoTender, place: int) -> list[services.ScoreInput]:
    """The sheet of the member at `place`: each bid's demo scores, a little off by member."""
    demo_bids = {(world.vendors[bid.username].pk, bid.lot): bid for bid in item.bids}
    offset = MEMBER_OFFSETS[place % len(MEMBER_OFFSETS)]
    sheet = []
    for bid in services.bids_under_evaluation(tender):
        demo = demo_bids[(bid.vendor_id, bid.lot.number)]
        sheet.append(
            services.ScoreInput(
                bid_id=bid.pk,
                qualified=not demo.disqualified,
                technical=_within_marks(demo.technical + offset),
                business=_within_marks(demo.business - offset // 2),
                reason=demo.disqualified,
            )
        )
    return sheet


def _within_marks(value: int) -> int:
    return max(0, min(FULL_MARKS, value))


def _challenge(world: _World, tender: Tender, item: DemoTender, challenge: DemoChallenge) -> None:
    made = services.challenge_submit(
        actor=world.users[challenge.username],
        tender=tender,
        vendor=world.vendors[challenge.username],
        grounds=challenge.grounds,
    )
    world.created += 1
    if challenge.answer:
        services.challenge_answer(actor=world.users[item.buyer], challenge=made, answer=challenge.answer, upheld=False)


def _shift_publicity_into_the_past(tender: Tender) -> None:
    """The demo's second shortcut: move the whole publicity window back so it ended a second ago."""
    tender.refresh_from_db()
    started, ends = tender.publicity_started_at, tender.publicity_ends_at
    if started is None or ends is None:
        raise ValueError(f"tender {tender.pk} is not in publicity")
    shift = ends - timezone.now() + timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(publicity_started_at=started - shift, publicity_ends_at=ends - shift)


def end_publicity_now(*, tender_id: int) -> None:
    """End a demo tender's publicity window now, so it can be awarded by hand without waiting the
    days of the window (from a shell; see the module's docstring). Demo databases only."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo shortcuts are off for this database (DEMO_DATA_ALLOWED).")
    tender = Tender.objects.get(pk=tender_id, state=TenderState.PUBLICITY)
    _shift_publicity_into_the_past(tender)


def _supplier_user(world: _World, contract: Contract) -> User:
    username = next(name for name, vendor in world.vendors.items() if vendor.pk == contract.supplier_id)
    return world.users[username]


def _carry_out(world: _World, item: DemoTender, contract: Contract, end: str) -> None:
    """Take a new contract to `end`:
    - pending: the buyer rearranges the milestones and signs; the supplier has yet to sign;
    - active: both sign, the buyer records the first milestone as met;
    - completed: both sign, every milestone met;
    - terminated: active with the first milestone met, then terminated with `termination_reason`."""
    buyer = world.users[item.buyer]
    if end == ContractState.PENDING:
        today = timezone.localdate()
        services.contract_milestones_set(
            actor=buyer,
            contract=contract,
            milestones=[
                services.ContractMilestoneSpec(title=title, share_bp=share, due_on=today + timedelta(days=days))
                for title, share, days in REARRANGED_MILESTONES
            ],
        )
        services.contract_sign(actor=buyer, contract=contract)
        return
    services.contract_sign(actor=buyer, contract=contract)
    services.contract_sign(actor=_supplier_user(world, contract), contract=contract)
    milestones = list(contract.milestones.order_by("position").values_list("pk", flat=True))
    for milestone_id in milestones if end == ContractState.COMPLETED else milestones[:1]:
        services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=milestone_id)
    if end == ContractState.TERMINATED:
        services.contract_terminate(actor=buyer, contract=contract, reason=item.termination_reason)

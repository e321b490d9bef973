"""Demo organisations, profiles and memberships for `seed_demo`: fictional names and people, real
regions, valid codes and identity numbers.

Two vendors (成都星标 and 沈阳北方智标) share a 30 % holder and 合肥慧眼 declares a relation with
海口椰林, so an operator's organisation page shows related-party detection at work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.accounts.models import User
from registry import services
from registry.credit_code import check_character
from registry.models import DeclaredRelation, HolderKind, Organisation, SizeClass
from registry.resident_id import check_character as id_check_character
from registry.roles import OrganisationKind as K
from registry.roles import Role
from registry.taxonomy import Modality as M
from registry.taxonomy import Sector as S


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    kind: K
    region: str
    serial: int
    verified: bool = True


ORGANISATIONS = [
    DemoOrganisation("国家数据标注产业监测中心", K.AGENCY, "110108", 1),
    DemoOrganisation("四川省数据局", K.AGENCY, "510000", 2),
    DemoOrganisation("成都市公共数据运营服务中心", K.AGENCY, "510100", 3),
    DemoOrganisation("廊坊市数据局", K.VOUCHER_AUTHORITY, "131000", 4),
    DemoOrganisation("成都星标智能科技有限公司", K.VENDOR, "510107", 5),
    DemoOrganisation("合肥慧眼数据标注有限公司", K.VENDOR, "340100", 6),
    DemoOrganisation("海口椰林数据服务有限公司", K.VENDOR, "460100", 7),
    DemoOrganisation("保定京南标注科技有限公司", K.VENDOR, "130600", 8),
    DemoOrganisation("沈阳北方智标信息技术有限公司", K.VENDOR, "210100", 9),
    DemoOrganisation("长沙麓谷新标数据有限公司", K.VENDOR, "430100", 10, verified=False),
    DemoOrganisation("深圳南山智驾科技有限公司", K.ENTERPRISE, "440305", 11),
    DemoOrganisation("杭州数源合规咨询有限公司", K.THIRD_PARTY, "330100", 12),
    DemoOrganisation("大同数据标注基地运营有限公司", K.BASE_OPERATOR, "140200", 13),
]

# username -> (organisation name, role, regulatory scope: "" nationwide, or a division code)
MEMBERSHIPS = {
    "agency": ("成都市公共数据运营服务中心", Role.AGENCY_STAFF, None),
    "vendor": ("成都星标智能科技有限公司", Role.VENDOR_STAFF, None),
    "vendor2": ("合肥慧眼数据标注有限公司", Role.VENDOR_STAFF, None),
    "buyer": ("深圳南山智驾科技有限公司", Role.ENTERPRISE_BUYER, None),
    "officer": ("廊坊市数据局", Role.VOUCHER_OFFICER, None),
    "regulator": ("四川省数据局", Role.REGULATOR, "510000"),
    "national": ("国家数据标注产业监测中心", Role.REGULATOR, ""),
    "expert": ("杭州数源合规咨询有限公司", Role.EXPERT, None),
}


@dataclass(frozen=True)
class DemoPerson:
    name: str
    region: str  # where the identity number was issued
    born: str  # YYYYMMDD
    serial: int

    @property
    def id_number(self) -> str:
        first17 = f"{self.region}{self.born}{self.serial:03d}"
        return first17 + id_check_character(first17)


@dataclass(frozen=True)
class DemoProfile:
    representative: DemoPerson
    capital_yuan: int
    founded_on: date
    address: str
    size_class: SizeClass
    annotators: int
    iso27001: bool
    mlps_level: int
    capabilities: dict[str, int | None]
    sectors: list[str]
    description: str
    holders: list[services.ShareholderInput] = field(default_factory=list)


def _company_code(region: str, serial: int) -> str:
    first17 = f"91{region}MA{serial:07d}"
    return first17 + check_character(first17)


# A holding company that is not registered on the portal: related-party checks still match its code.
RONGBEI_HOLDING = ("蓉北数智控股有限公司", _company_code("510100", 901))


def _holder_org(name_and_code: tuple[str, str], share_bp: int) -> services.ShareholderInput:
    return services.ShareholderInput(
        holder_kind=HolderKind.ORGANISATION, name=name_and_code[0], credit_code=name_and_code[1], share_bp=share_bp
    )


def _holder_person(person: DemoPerson, share_bp: int) -> services.ShareholderInput:
    return services.ShareholderInput(
        holder_kind=HolderKind.PERSON, name=person.name, id_number=person.id_number, share_bp=share_bp
    )


LI_XINGYU = DemoPerson("李星宇", "510107", "19830412", 31)
ZHAO_BEICHEN = DemoPerson("赵北辰", "210102", "19790923", 57)
SUN_HUIMIN = DemoPerson("孙慧敏", "340104", "19860105", 24)
LIN_YEHAI = DemoPerson("林业海", "460106", "19810718", 15)

PROFILES: dict[str, DemoProfile] = {
    "成都星标智能科技有限公司": DemoProfile(
        representative=LI_XINGYU,
        capital_yuan=10_000_000,
        founded_on=date(2017, 3, 15),
        address="四川省成都市青羊区光华北三路 98 号 12 层",
        size_class=SizeClass.MEDIUM,
        annotators=420,
        iso27001=True,
        mlps_level=3,
        capabilities={M.IMAGE: 300_000, M.VIDEO: 20_000, M.POINT_CLOUD: 8_000},
        sectors=[S.TRANSPORT, S.URBAN_GOVERNANCE],
        description="自动驾驶图像、视频与点云标注，服务成渝地区智能网联汽车企业。",
        holders=[_holder_org(RONGBEI_HOLDING, 3_000), _holder_person(LI_XINGYU, 5_500)],
    ),
    "沈阳北方智标信息技术有限公司": DemoProfile(
        representative=ZHAO_BEICHEN,
        capital_yuan=5_000_000,
        founded_on=date(2019, 8, 1),
        address="辽宁省沈阳市浑南区创新路 175 号",
        size_class=SizeClass.SMALL,
        annotators=160,
        iso27001=False,
        mlps_level=2,
        capabilities={M.IMAGE: 120_000, M.TEXT: 200_000},
        sectors=[S.MANUFACTURING, S.GOVERNMENT_SERVICES],
        description="工业质检图像标注与政务文本结构化。",
        holders=[_holder_org(RONGBEI_HOLDING, 3_000), _holder_person(ZHAO_BEICHEN, 7_000)],
    ),
    "合肥慧眼数据标注有限公司": DemoProfile(
        representative=SUN_HUIMIN,
        capital_yuan=8_000_000,
        founded_on=date(2018, 5, 20),
        address="安徽省合肥市蜀山区望江西路 800 号",
        size_class=SizeClass.MEDIUM,
        annotators=310,
        iso27001=True,
        mlps_level=3,
        capabilities={M.SPEECH: 50_000, M.TEXT: 400_000, M.MULTIMODAL: None},
        sectors=[S.HEALTHCARE, S.FINANCE],
        description="语音转写、医疗文本与金融文档标注。",
        holders=[_holder_person(SUN_HUIMIN, 6_000)],
    ),
    "海口椰林数据服务有限公司": DemoProfile(
        representative=LIN_YEHAI,
        capital_yuan=2_000_000,
        founded_on=date(2021, 11, 8),
        address="海南省海口市龙华区滨海大道 32 号",
        size_class=SizeClass.SMALL,
        annotators=90,
        iso27001=False,
        mlps_level=0,
        capabilities={M.IMAGE: 60_000, M.TEXT: 80_000},
        sectors=[S.AGRICULTURE, S.RURAL_REVITALISATION],
        description="热带农业遥感图像与农技问答文本标注。",
        holders=[_holder_person(LIN_YEHAI, 10_000)],
    ),
    "保定京南标注科技有限公司": DemoProfile(
        representative=DemoPerson("王京南", "130602", "19880214", 42),
        capital_yuan=3_000_000,
        founded_on=date(2020, 6, 30),
        address="河北省保定市竞秀区朝阳北大街 1 号",
        size_class=SizeClass.SMALL,
        annotators=130,
        iso27001=False,
        mlps_level=2,
        capabilities={M.IMAGE: 100_000, M.VIDEO: 10_000},
        sectors=[S.URBAN_GOVERNANCE],
        description="城市治理视频事件标注。",
    ),
    "长沙麓谷新标数据有限公司": DemoProfile(
        representative=DemoPerson("周新标", "430104", "19920601", 18),
        capital_yuan=1_000_000,
        founded_on=date(2024, 2, 1),
        address="湖南省长沙市岳麓区麓谷大道 627 号",
        size_class=SizeClass.MICRO,
        annotators=25,
        iso27001=False,
        mlps_level=0,
        capabilities={M.TEXT: 30_000},
        sectors=[S.SCIENCE],
        description="科研文献实体标注（新注册，待核验）。",
    ),
    "深圳南山智驾科技有限公司": DemoProfile(
        representative=DemoPerson("黄智驾", "440305", "19800310", 66),
        capital_yuan=50_000_000,
        founded_on=date(2016, 9, 9),
        address="广东省深圳市南山区科技园科苑路 15 号",
        size_class=SizeClass.LARGE,
        annotators=0,
        iso27001=True,
        mlps_level=3,
        capabilities={},
        sectors=[S.TRANSPORT],
        description="智能驾驶研发企业，采购点云与视频标注服务。",
    ),
    "杭州数源合规咨询有限公司": DemoProfile(
        representative=DemoPerson("钱数源", "330106", "19750822", 9),
        capital_yuan=2_000_000,
        founded_on=date(2015, 4, 1),
        address="浙江省杭州市西湖区文三路 90 号",
        size_class=SizeClass.SMALL,
        annotators=0,
        iso27001=True,
        mlps_level=0,
        capabilities={},
        sectors=[S.OTHER],
        description="数据合规评估与标注质量第三方审核。",
    ),
    "大同数据标注基地运营有限公司": DemoProfile(
        representative=DemoPerson("吴云冈", "140202", "19840506", 77),
        capital_yuan=20_000_000,
        founded_on=date(2023, 7, 1),
        address="山西省大同市平城区御河西路 100 号",
        size_class=SizeClass.MEDIUM,
        annotators=600,
        iso27001=True,
        mlps_level=3,
        capabilities={M.IMAGE: 500_000, M.TEXT: 500_000, M.SPEECH: 80_000},
        sectors=[S.GOVERNMENT_SERVICES, S.OTHER],
        description="国家数据标注基地运营主体，承接公共数据标注任务。",
    ),
}

# (declaring organisation, related organisation, nature)
DECLARED_RELATIONS = [("合肥慧眼数据标注有限公司", "海口椰林数据服务有限公司", "同一实际控制人")]


def demo_credit_code(item: DemoOrganisation) -> str:
    """Agencies are registered by the staffing office (category 11), companies by market regulation (91)."""
    category = "11" if item.kind in {K.AGENCY, K.VOUCHER_AUTHORITY} else "91"
    first17 = f"{category}{item.region}MA{item.serial:07d}"
    return first17 + check_character(first17)


def seed_registry(*, operator: User, users: dict[str, User]) -> int:
    """Create what is missing; return how many organisations were created.

    Profiles are filled before verification (a new legal representative would otherwise send a
    verified organisation back to the operators); an organisation that already has a legal
    representative, shareholders or a declared relation keeps them.
    """
    created = 0
    by_name: dict[str, Organisation] = {}
    for item in ORGANISATIONS:
        code = demo_credit_code(item)
        organisation = Organisation.objects.filter(credit_code=code).first()
        if organisation is None:
            organisation = services.organisation_create(
                actor=operator, name=item.name, kind=item.kind, credit_code_value=code, region_code=item.region
            )
            created += 1
        profile = PROFILES.get(item.name)
        if profile is not None:
            organisation = _seed_profile(operator=operator, organisation=organisation, profile=profile)
        if item.verified and not organisation.verified:
            organisation = services.organisation_verify(actor=operator, organisation=organisation)
        by_name[item.name] = organisation
    for username, (org_name, role, scope) in MEMBERSHIPS.items():
        organisation = by_name[org_name]
        user = users[username]
        if not organisation.memberships.filter(user=user, role=role).exists():
            services.membership_add(
                actor=operator,
                organisation=organisation,
                username=user.username,
                role=role,
                scope_region_code=scope or "",
            )
    for declaring, related, nature in DECLARED_RELATIONS:
        pair = [by_name[declaring], by_name[related]]
        if not DeclaredRelation.objects.filter(organisation__in=pair, related_organisation__in=pair).exists():
            services.relation_declare(actor=operator, organisation=pair[0], related_organisation=pair[1], nature=nature)
    return created


def _seed_profile(*, operator: User, organisation: Organisation, profile: DemoProfile) -> Organisation:
    if not organisation.legal_representative:
        organisation = services.organisation_update_profile(
            actor=operator,
            organisation=organisation,
            legal_representative=profile.representative.name,
            legal_representative_id_number=profile.representative.id_number,
            registered_capital_fen=profile.capital_yuan * 100,
            founded_on=profile.founded_on,
            address=profile.address,
            size_class=profile.size_class,
            annotator_headcount=profile.annotators,
            iso27001_certified=profile.iso27001,
            mlps_level=profile.mlps_level,
            description=profile.description,
            capabilities=profile.capabilities,
            sectors=profile.sectors,
        )
    if profile.holders and not organisation.shareholders.exists():
        services.organisation_set_shareholders(actor=operator, organisation=organisation, shareholders=profile.holders)
    return organisation

"""Demo organisations and memberships for `seed_demo`: fictional names, real regions, valid codes."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.models import User
from registry import services
from registry.credit_code import check_character
from registry.models import Organisation
from registry.roles import OrganisationKind as K
from registry.roles import Role


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


def demo_credit_code(item: DemoOrganisation) -> str:
    """Agencies are registered by the staffing office (category 11), companies by market regulation (91)."""
    category = "11" if item.kind in {K.AGENCY, K.VOUCHER_AUTHORITY} else "91"
    first17 = f"{category}{item.region}MA{item.serial:07d}"
    return first17 + check_character(first17)


def seed_registry(*, operator: User, users: dict[str, User]) -> int:
    """Create what is missing; return how many organisations were created."""
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
    return created

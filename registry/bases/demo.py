"""Demo annotation bases for `seed_demo`: the seven national data-annotation bases designated in 2024
(成都, 沈阳, 合肥, 长沙, 海口, 保定, 大同), with fictional operator companies, the demo vendors as
members, and a few quarters of made-up output. Idempotent: creates only what is missing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from portal.accounts.models import User
from registry import services as registry_services
from registry.bases import services
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput, Designation
from registry.credit_code import check_character
from registry.demo import ORGANISATIONS, demo_credit_code
from registry.models import Organisation
from registry.roles import OrganisationKind

DESIGNATED_ON = datetime.date(2024, 12, 1)
DESCRIPTION = "国家数据标注基地。演示数据：运营公司、成员关系与产出数字均为虚构。"
# Reported quarters (all in the past) and a per-base scale so that the figures differ.
QUARTERS = [(2025, 1), (2025, 2), (2025, 3)]


@dataclass(frozen=True)
class DemoBase:
    city: str
    city_code: str
    operator_name: str
    operator_serial: int  # for the operator's demo credit code; 0: the registry demo already has it
    member: str | None  # a demo vendor (verified) settled in the base
    scale: int


BASES = [
    DemoBase("成都", "510100", "成都数标基地运营管理有限公司", 201, "成都星标智能科技有限公司", 9),
    DemoBase("沈阳", "210100", "沈阳数标基地运营管理有限公司", 202, "沈阳北方智标信息技术有限公司", 6),
    DemoBase("合肥", "340100", "合肥数标基地运营管理有限公司", 203, "合肥慧眼数据标注有限公司", 8),
    DemoBase("长沙", "430100", "长沙数标基地运营管理有限公司", 204, None, 5),
    DemoBase("海口", "460100", "海口数标基地运营管理有限公司", 205, "海口椰林数据服务有限公司", 4),
    DemoBase("保定", "130600", "保定数标基地运营管理有限公司", 206, "保定京南标注科技有限公司", 7),
    DemoBase("大同", "140200", "大同数据标注基地运营有限公司", 0, None, 3),
]


def registry_demo_organisation(name: str) -> Organisation | None:
    """An organisation of the registry demo (registry/demo.py), found by its demo credit code."""
    item = next((item for item in ORGANISATIONS if item.name == name), None)
    return Organisation.objects.filter(credit_code=demo_credit_code(item)).first() if item else None


def _operator_organisation(item: DemoBase, *, operator: User) -> tuple[Organisation | None, int]:
    if item.operator_serial == 0:
        return registry_demo_organisation(item.operator_name), 0
    first17 = f"91{item.city_code}MA{item.operator_serial:07d}"
    code = first17 + check_character(first17)
    organisation = Organisation.objects.filter(credit_code=code).first()
    created = 0
    if organisation is None:
        organisation = registry_services.organisation_create(
            actor=operator,
            name=item.operator_name,
            kind=OrganisationKind.BASE_OPERATOR,
            credit_code_value=code,
            region_code=item.city_code,
        )
        created = 1
    if not organisation.verified:
        organisation = registry_services.organisation_verify(actor=operator, organisation=organisation)
    return organisation, created


def seed(*, operator: User) -> int:
    """Create the demo bases, their members and output; return how many rows were created."""
    created = 0
    for item in BASES:
        organisation, made = _operator_organisation(item, operator=operator)
        created += made
        if organisation is None:  # the registry demo has not run
            continue
        name = f"国家数据标注基地（{item.city}）"
        base = AnnotationBase.objects.filter(name=name).first()
        if base is None:
            base = services.base_create(
                actor=operator,
                name=name,
                city_code=item.city_code,
                designation=Designation.NATIONAL,
                operator=organisation,
                designated_on=DESIGNATED_ON,
                description=DESCRIPTION,
            )
            created += 1
        member = registry_demo_organisation(item.member) if item.member else None
        if (
            member is not None
            and member.verified
            and not BaseMembership.objects.filter(base=base, organisation=member).exists()
        ):
            services.base_member_add(
                actor=operator, base=base, organisation=member, joined_on=datetime.date(2025, 1, 6)
            )
            created += 1
        for number, (year, quarter) in enumerate(QUARTERS):
            if BaseOutput.objects.filter(base=base, year=year, quarter=quarter).exists():
                continue
            growth = 100 + 8 * number  # about 8 % a quarter
            services.base_output_report(
                actor=operator,
                base=base,
                year=year,
                quarter=quarter,
                annotated_items=item.scale * 1_200_000 * growth // 100,
                revenue_fen=item.scale * 3_500_000_00 * growth // 100,
                headcount=item.scale * 150 + 20 * number,
            )
            created += 1
    return created

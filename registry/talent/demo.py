"""Demo talent pool for `seed_demo`: certified people, and approved experts with employment
histories at the demo organisations. Fictional names; identity numbers that pass the check but are
made up (region + 1990s birth date + serial), and kept, like all numbers, only hashed and masked.

Two kinds of expert: the sign-in experts (`expert`, `expert2` … `expert7`, made by `seed_demo` with
the published demo password), and demo records nobody signs in as (`expert-demo-N`). Every expert
the committee draw may pick for the demo finance tender (text, finance: see marketplace/demo.py)
is a sign-in expert, so whoever is drawn when someone forms that committee by hand can sign in,
accept and score: the sign-in experts all evaluate text and finance, no demo record does, and the
one demo record who evaluates texts declares a relation with a bidder of that tender.

Everything goes through the services, as an operator acting for the demo issuer. Idempotent:
what exists (by identity hash, or certificate number at the issuer) is left alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from portal.accounts.models import User
from registry.demo import ORGANISATIONS, demo_credit_code
from registry.identity import identify
from registry.models import Organisation
from registry.resident_id import check_character
from registry.talent import services
from registry.talent.models import Certificate, Expert, ExpertStatus, Occupation, Person

ISSUER_NAME = "杭州数源合规咨询有限公司"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN_NAMES = ["子涵", "雨萱", "浩然", "思远", "欣怡", "俊杰", "梓萱", "宇航", "诗琪", "明轩"]
REGIONS = ["330100", "510100", "340100", "440300", "110108", "420100", "430100", "130600", "460100", "210100"]
SKILLS = [["图像标注", "质检"], ["语音转写"], ["文本分类", "实体标注"], ["点云标注"], ["视频标注", "多模态标注"]]
REVOKED_SERIAL = 7  # one certificate revoked, for the verification page's "revoked" state


def demo_resident_id(serial: int, *, region: str) -> str:
    first17 = f"{region}199{serial % 10}{(serial % 12) + 1:02d}{(serial % 28) + 1:02d}{serial % 1000:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class DemoExpert:
    username: str
    name: str
    serial: int
    region: str
    modalities: tuple[str, ...]
    sectors: tuple[str, ...]
    # (organisation name, role, from, to or None)
    history: tuple[tuple[str, str, datetime.date, datetime.date | None], ...]
    # (organisation name, nature): relations the expert declares
    relations: tuple[tuple[str, str], ...] = ()


# Made by `seed_demo` (with the published password) before this seeder runs.
SIGN_IN_EXPERTS = ("expert", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7")


D = datetime.date
EXPERTS = [
    DemoExpert(
        "expert",
        "郑专家",
        101,
        "330100",
        ("image", "multimodal"),
        ("finance", "government_services"),
        (
            ("成都星标智能科技有限公司", "employee", D(2014, 7, 1), D(2020, 12, 31)),
            (ISSUER_NAME, "advisor", D(2021, 3, 1), None),
        ),
    ),
    DemoExpert(
        "expert-demo-1",
        "钱学敏",
        102,
        "110108",
        ("text",),
        ("science",),
        (("国家数据标注产业监测中心", "advisor", D(2018, 1, 1), None),),
        (("成都星标智能科技有限公司", "配偶在该公司担任标注质检主管"),),
    ),
    DemoExpert(
        "expert-demo-2",
        "孙立群",
        103,
        "340100",
        ("image", "video"),
        ("transport",),
        (("合肥慧眼数据标注有限公司", "director", D(2016, 5, 1), D(2022, 4, 30)),),
    ),
    DemoExpert(
        "expert-demo-3",
        "李慧娟",
        104,
        "510100",
        ("speech",),
        ("healthcare",),
        (("成都市公共数据运营服务中心", "employee", D(2019, 9, 1), D(2021, 6, 30)),),
    ),
    DemoExpert(
        "expert-demo-4",
        "周建国",
        105,
        "440300",
        ("point_cloud", "video"),
        ("transport", "urban_governance"),
        (("深圳南山智驾科技有限公司", "employee", D(2017, 3, 1), None),),
    ),
    DemoExpert(
        "expert-demo-5",
        "吴晓燕",
        106,
        "130600",
        ("image",),
        ("agriculture", "rural_revitalisation"),
        (("保定京南标注科技有限公司", "advisor", D(2020, 1, 1), D(2023, 12, 31)),),
    ),
    DemoExpert(
        "expert-demo-6",
        "冯志强",
        107,
        "210100",
        ("image",),
        ("manufacturing",),
        (("沈阳北方智标信息技术有限公司", "legal_representative", D(2012, 1, 1), D(2019, 12, 31)),),
    ),
    DemoExpert(
        "expert-demo-7",
        "陈思琪",
        108,
        "460100",
        ("multimodal", "speech"),
        ("government_services",),
        (("海口椰林数据服务有限公司", "employee", D(2015, 8, 1), D(2018, 8, 1)),),
    ),
    DemoExpert(
        "expert2",
        "何文博",
        109,
        "510100",
        ("text", "speech", "video"),
        ("finance", "government_services", "transport"),
        (("四川省数据局", "employee", D(2013, 7, 1), D(2022, 6, 30)),),
    ),
    DemoExpert(
        "expert3",
        "罗雅琴",
        110,
        "420100",
        ("text", "image", "multimodal"),
        ("finance", "healthcare", "science"),
        (("国家数据标注产业监测中心", "advisor", D(2021, 9, 1), None),),
    ),
    DemoExpert(
        "expert4",
        "梁振宇",
        111,
        "440300",
        ("text", "video", "point_cloud"),
        ("finance", "transport", "urban_governance"),
        (("大同数据标注基地运营有限公司", "advisor", D(2022, 3, 1), None),),
    ),
    DemoExpert(
        "expert5",
        "宋婉清",
        112,
        "430100",
        ("text", "image", "point_cloud"),
        ("finance", "urban_governance", "agriculture"),
        (("四川省数据局", "advisor", D(2020, 5, 1), None),),
    ),
    DemoExpert(
        "expert6",
        "唐明远",
        113,
        "130600",
        ("text", "image", "speech"),
        ("finance", "agriculture", "rural_revitalisation"),
        (("廊坊市数据局", "employee", D(2011, 8, 1), D(2021, 12, 31)),),
    ),
    DemoExpert(
        "expert7",
        "许佳宁",
        114,
        "110108",
        ("text", "speech", "multimodal"),
        ("finance", "government_services", "science"),
        ((ISSUER_NAME, "advisor", D(2019, 4, 1), None),),
    ),
]


def seed(*, operator: User) -> int:
    """Create what is missing; return how many certificates and experts were created."""
    organisations = _demo_organisations()
    issuer = organisations.get(ISSUER_NAME)
    if issuer is None:
        return 0
    return _seed_certificates(operator=operator, issuer=issuer) + _seed_experts(
        operator=operator, organisations=organisations
    )


def _demo_organisations() -> dict[str, Organisation]:
    codes = {demo_credit_code(item): item.name for item in ORGANISATIONS}
    return {codes[org.credit_code]: org for org in Organisation.objects.filter(credit_code__in=codes)}


def _seed_certificates(*, operator: User, issuer: Organisation) -> int:
    created = 0
    occupations = [Occupation.AI_TRAINER, Occupation.DATA_ANNOTATOR]
    for serial in range(1, 31):
        number = f"ZJSY-{2018 + serial % 7}-{serial:05d}"
        if Certificate.objects.filter(issuer=issuer, number=number).exists():
            continue
        region = REGIONS[serial % len(REGIONS)]
        issued_on = D(2018 + serial % 7, 1 + serial % 12, 1 + serial % 28)
        # Every fifth certificate ran only three years, so the demo shows expired ones.
        expires_on = issued_on.replace(year=issued_on.year + (3 if serial % 5 == 0 else 8))
        certificate = services.certificate_record(
            actor=operator,
            issuer=issuer,
            holder_name=SURNAMES[serial % len(SURNAMES)] + GIVEN_NAMES[serial % len(GIVEN_NAMES)],
            id_number=demo_resident_id(serial, region=region),
            region_code=region,
            skills=SKILLS[serial % len(SKILLS)],
            occupation=occupations[serial % 2],
            level=5 - serial % 5,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
        )
        if serial == REVOKED_SERIAL:
            services.certificate_revoke(actor=operator, certificate=certificate, reason="考核材料不实，依规撤销。")
        created += 1
    return created


def _seed_experts(*, operator: User, organisations: dict[str, Organisation]) -> int:
    created = 0
    for item in EXPERTS:
        id_number = demo_resident_id(item.serial, region=item.region)
        person = Person.objects.filter(id_hash=identify(id_number, field="id_number").hash).first()
        if person is not None and Expert.objects.filter(person=person).exists():
            continue
        user = User.objects.filter(username=item.username).first()
        if user is None:
            if item.username in SIGN_IN_EXPERTS:
                continue  # the sign-in demo users are made by seed_demo
            user = User(username=item.username, name=item.name)
            user.set_unusable_password()  # demo records only: nobody signs in as them
            user.save()
        expert = services.expert_apply(
            user=user,
            name=item.name,
            id_number=id_number,
            region_code=item.region,
            modalities=item.modalities,
            sectors=item.sectors,
            employments=[
                services.EmploymentEntry(organisations[name].credit_code, role, start, end)
                for name, role, start, end in item.history
                if name in organisations
            ],
            relations=[
                services.RelationEntry(organisations[name].credit_code, nature)
                for name, nature in item.relations
                if name in organisations
            ],
        )
        if expert.status != ExpertStatus.APPROVED:
            services.expert_approve(actor=operator, expert=expert)
        created += 1
    return created

"""Demo excellent cases and one competition with winners for `seed_demo`. The organisations are the
registry demo's fictional companies; every figure is made up. Idempotent."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from portal.accounts.models import User
from registry.bases.demo import registry_demo_organisation
from registry.showcase import services
from registry.showcase.models import Award, Competition, CompetitionEntry, ExcellentCase
from registry.taxonomy import Modality, Sector


@dataclass(frozen=True)
class DemoCase:
    title: str
    organisation: str
    sector: Sector
    modality: Modality
    year: int
    summary: str
    figures: list[dict[str, str]]


CASES = [
    DemoCase(
        "城市道路激光点云三维标注",
        "成都星标智能科技有限公司",
        Sector.TRANSPORT,
        Modality.POINT_CLOUD,
        2025,
        "为智能网联汽车测试示范区标注城市道路点云与多相机图像，支撑感知算法的训练与评测。",
        [{"label": "标注帧数", "value": "86 万帧"}, {"label": "三维框准确率", "value": "98.7%"}],
    ),
    DemoCase(
        "基层医疗影像辅助诊断数据集",
        "合肥慧眼数据标注有限公司",
        Sector.HEALTHCARE,
        Modality.IMAGE,
        2024,
        "与医院影像科联合建设胸部 X 光标注规范，由执业医师复核，形成脱敏后的训练与测试集。",
        [{"label": "影像数量", "value": "42 万张"}, {"label": "双盲一致率", "value": "96.1%"}],
    ),
    DemoCase(
        "热带农业病虫害识别标注",
        "海口椰林数据服务有限公司",
        Sector.AGRICULTURE,
        Modality.IMAGE,
        2024,
        "采集并标注槟榔、椰子等热带作物的病虫害图像，服务于田间识别小程序。",
        [{"label": "病虫害类别", "value": "63 类"}, {"label": "带动就业", "value": "220 人"}],
    ),
    DemoCase(
        "政务热线语音转写与意图标注",
        "保定京南标注科技有限公司",
        Sector.GOVERNMENT_SERVICES,
        Modality.SPEECH,
        2025,
        "对 12345 热线录音进行转写、方言标注与诉求分类，提升工单自动分派的准确性。",
        [{"label": "语音时长", "value": "3.5 万小时"}, {"label": "分派准确率提升", "value": "11 个百分点"}],
    ),
    DemoCase(
        "工业质检多模态缺陷标注",
        "沈阳北方智标信息技术有限公司",
        Sector.MANUFACTURING,
        Modality.MULTIMODAL,
        2025,
        "面向装备制造产线的图像与传感器时序数据联合标注，用于表面缺陷检测模型。",
        [{"label": "缺陷样本", "value": "12 万例"}, {"label": "漏检率下降", "value": "37%"}],
    ),
]

COMPETITION = "数据标注创新应用大赛（演示）"
COMPETITION_YEAR = 2025
ORGANISER = "国家数据标注产业监测中心"
ENTRIES = [
    ("成都星标智能科技有限公司", "自动驾驶长尾场景主动学习标注", Award.WINNER),
    ("合肥慧眼数据标注有限公司", "医学影像半自动分割工具链", Award.SECOND),
    ("沈阳北方智标信息技术有限公司", "工业缺陷小样本标注方法", Award.THIRD),
    ("海口椰林数据服务有限公司", "热带作物图像众包质检", Award.HONOURABLE_MENTION),
    ("保定京南标注科技有限公司", "方言语音标注规范", Award.NONE),
]


def seed(*, operator: User) -> int:
    created = 0
    for item in CASES:
        organisation = registry_demo_organisation(item.organisation)
        if organisation is None or not organisation.verified:
            continue
        if ExcellentCase.objects.filter(title=item.title, organisation=organisation).exists():
            continue
        case = services.case_create(
            actor=operator,
            title=item.title,
            organisation=organisation,
            sector=item.sector,
            modality=item.modality,
            year=item.year,
            summary=item.summary,
            figures=item.figures,
        )
        services.case_publish(actor=operator, case=case, published=True)
        created += 1
    competition = Competition.objects.filter(name=COMPETITION, year=COMPETITION_YEAR).first()
    if competition is None:
        organiser = registry_demo_organisation(ORGANISER)
        competition = services.competition_create(
            actor=operator,
            name=COMPETITION,
            year=COMPETITION_YEAR,
            organiser=organiser if organiser is not None and organiser.verified else None,
            description="围绕数据标注技术创新与行业应用的演示赛事，参赛作品与奖项均为虚构。",
            starts_on=datetime.date(2025, 5, 20),
            ends_on=datetime.date(2025, 10, 31),
        )
        created += 1
    for name, title, award in ENTRIES:
        organisation = registry_demo_organisation(name)
        if organisation is None or not organisation.verified:
            continue
        if CompetitionEntry.objects.filter(competition=competition, organisation=organisation, title=title).exists():
            continue
        services.entry_add(actor=operator, competition=competition, organisation=organisation, title=title, award=award)
        created += 1
    return created

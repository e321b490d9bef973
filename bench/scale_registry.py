"""The registry part of the scale data set (DESIGN §10): 10,000 organisations, 1,000,000 people each
with a skill certificate. Deterministic (seeded), valid codes and identity numbers, loaded with COPY.

Run through `make bench-data`; it does nothing when the data set is already there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from bench.copy import copy_rows, next_id
from registry.credit_code import check_character as credit_check
from registry.models import (
    Organisation,
    OrganisationCapability,
    OrganisationGroupObjectPermission,
    OrganisationSector,
    Region,
    VerificationPeriod,
    VerificationStatus,
)
from registry.resident_id import check_character as id_check
from registry.resident_id import keyed_hash, mask
from registry.roles import OrganisationKind
from registry.talent.models import Certificate, Occupation, Person, SkillLevel
from registry.taxonomy import Modality, Sector

ORGANISATIONS = 10_000
PEOPLE = 1_000_000
ISSUERS = 50
SEED = 20_241_822

WORDS = [
    "智标",
    "数源",
    "慧眼",
    "星图",
    "云帆",
    "灵犀",
    "锐思",
    "天衡",
    "博观",
    "明镜",
    "致远",
    "启明",
    "华数",
    "精标",
    "海川",
]
TRADES = ["数据标注", "智能科技", "信息技术", "数据服务", "人工智能", "数字科技"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕"


def present(*, organisations: int = ORGANISATIONS, people: int = PEOPLE) -> bool:
    return Organisation.objects.count() >= organisations and Certificate.objects.count() >= people


def generate(*, organisations: int = ORGANISATIONS, people: int = PEOPLE, log: Any = print) -> None:
    rng = random.Random(SEED)
    regions = list(Region.objects.exclude(level="province").values_list("code", flat=True))
    started = time.perf_counter()
    with transaction.atomic():
        issuers = _organisations(rng, regions, organisations)
        log(f"organisations: {organisations:,} in {time.perf_counter() - started:.1f} s")
        _people_and_certificates(rng, regions, issuers, people)
        log(f"people and certificates: {people:,} each, {time.perf_counter() - started:.1f} s in all")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _credit_code(index: int, region: str, kind: str) -> str:
    category = "11" if kind in {OrganisationKind.AGENCY, OrganisationKind.VOUCHER_AUTHORITY} else "91"
    first17 = f"{category}{region}MB{index:07d}"  # MB: never used by the demo data
    return first17 + credit_check(first17)


def _organisations(rng: random.Random, regions: list[str], count: int) -> list[int]:
    """Organisations with their members groups, view permission, capabilities and sectors; returns
    the ids of the third-party institutions that issue certificates."""
    now = timezone.now()
    first_org, first_group = next_id(Organisation), next_id(Group)
    view = Permission.objects.get(codename="view_organisation", content_type__app_label="registry")
    kinds = [OrganisationKind.VENDOR] * 70 + [OrganisationKind.ENTERPRISE] * 18 + [OrganisationKind.AGENCY] * 6
    kinds += [OrganisationKind.BASE_OPERATOR] * 1 + [OrganisationKind.VOUCHER_AUTHORITY] * 1
    organisations, groups, perms, capabilities, sectors, issuers = [], [], [], [], [], []
    periods: list[dict[str, Any]] = []
    for n in range(count):
        org_id, group_id = first_org + n, first_group + n
        kind = OrganisationKind.THIRD_PARTY if n < ISSUERS else rng.choice(kinds)
        region = rng.choice(regions)
        code = _credit_code(org_id, region, kind)
        if kind == OrganisationKind.THIRD_PARTY:
            issuers.append(org_id)
        groups.append({"id": group_id, "name": f"organisation:{code}"})
        perms.append({"content_object_id": org_id, "group_id": group_id, "permission_id": view.pk})
        # Verified at the build, like its registration: the monitoring part moves both back to
        # the registration instant it gives the organisation.
        name = f"{rng.choice(WORDS)}{rng.choice(TRADES)}有限公司{n}"
        verified = rng.random() < 0.9
        if verified:
            periods.append({"organisation_id": org_id, "region_id": region, "verified_at": now, "ended_at": None})
        organisations.append(
            {
                "id": org_id,
                "name": name,
                "kind": kind,
                "credit_code": code,
                "region_id": region,
                "status": VerificationStatus.VERIFIED if verified else VerificationStatus.SUBMITTED,
                "status_changed_at": now,
                "verified_at": now if verified else None,
                "registered_capital_fen": rng.randrange(1_000_000, 10_000_000_000, 100),
                "founded_on": date(2005, 1, 1) + timedelta(days=rng.randrange(7000)),
                "annotator_headcount": rng.randrange(5, 3000),
                "members_group_id": group_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        if kind == OrganisationKind.VENDOR:
            for modality in rng.sample(Modality.values, rng.randint(1, 3)):
                capabilities.append(
                    {"organisation_id": org_id, "modality": modality, "daily_capacity": rng.randrange(1000, 200_000)}
                )
            for sector in rng.sample(Sector.values, rng.randint(1, 3)):
                sectors.append({"organisation_id": org_id, "sector": sector})
    _number(capabilities, OrganisationCapability)
    _number(sectors, OrganisationSector)
    _number(perms, OrganisationGroupObjectPermission)
    _number(periods, VerificationPeriod)
    copy_rows(Group, groups)
    copy_rows(Organisation, organisations)
    copy_rows(VerificationPeriod, periods)
    copy_rows(OrganisationGroupObjectPermission, perms)
    copy_rows(OrganisationCapability, capabilities)
    copy_rows(OrganisationSector, sectors)
    return issuers


def _number(rows: list[dict[str, Any]], model: Any) -> None:
    first = next_id(model)
    for offset, row in enumerate(rows):
        row["id"] = first + offset


def _people_and_certificates(rng: random.Random, regions: list[str], issuers: list[int], count: int) -> None:
    key = settings.PERSON_ID_HASH_KEY
    first_person, first_certificate = next_id(Person), next_id(Certificate)
    now = timezone.now()
    levels = [SkillLevel.LEVEL_5] * 40 + [SkillLevel.LEVEL_4] * 30 + [SkillLevel.LEVEL_3] * 20
    levels += [SkillLevel.LEVEL_2] * 7 + [SkillLevel.LEVEL_1] * 3

    def people() -> Iterator[dict[str, Any]]:
        for n in range(count):
            region = regions[n % len(regions)]
            born = date(1960, 1, 1) + timedelta(days=n // 1000)
            first17 = f"{region}{born:%Y%m%d}{n % 1000:03d}"
            number = first17 + id_check(first17)
            yield {
                "id": first_person + n,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if n % 3 else ""),
                "region_id": region,
                "skills": ["数据标注"],
                "id_hash": keyed_hash(number, key=key),
                "id_masked": mask(number),
                "created_at": now,
            }

    def certificates() -> Iterator[dict[str, Any]]:
        for n in range(count):
            issued = date(2020, 1, 1) + timedelta(days=n % 2000)
            yield {
                "id": first_certificate + n,
                "person_id": first_person + n,
                "occupation": Occupation.AI_TRAINER if n % 4 else Occupation.DATA_ANNOTATOR,
                "level": rng.choice(levels),
                "number": f"SC{issued:%Y}{n:09d}",
                "issuer_id": issuers[n % len(issuers)],
                "issued_on": issued,
                "expires_on": issued + timedelta(days=365 * 4),
                "revoked_at": now if n % 997 == 0 else None,
                "created_at": now,
            }

    copy_rows(Person, people())
    copy_rows(Certificate, certificates())


def certificate_numbers(count: int, *, people: int = PEOPLE, seed: int = 7) -> list[str]:
    """Numbers of existing certificates, spread over the whole table, for lookups."""
    rng = random.Random(seed)
    return [f"SC{date(2020, 1, 1) + timedelta(days=n % 2000):%Y}{n:09d}" for n in rng.sample(range(people), count)]

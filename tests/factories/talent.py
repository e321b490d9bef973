"""Talent-pool factories. People get a valid resident identity number, kept only hashed and masked.

Pass `id_number=` to PersonFactory to know the raw number a test later types (never stored)."""

from __future__ import annotations

import datetime

import factory

from registry.identity import identify
from registry.resident_id import check_character
from registry.talent.models import (
    Certificate,
    Employment,
    EmploymentRole,
    Expert,
    ExpertModality,
    ExpertRelation,
    ExpertSector,
    ExpertStatus,
    Occupation,
    Person,
    SkillLevel,
)
from tests.factories.registry import OrganisationFactory


def valid_resident_id(serial: int, *, region_code: str = "510107", born: str = "19900101") -> str:
    """A number that passes the GB 11643 check: region, birth date, a 3-digit serial, check character."""
    first17 = f"{region_code}{born}{serial % 1000:03d}"
    return first17 + check_character(first17)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    class Params:
        id_number = factory.Sequence(lambda n: valid_resident_id(n, born=f"19{70 + n // 1000 % 30}0101"))

    name = factory.Sequence(lambda n: f"测试人员{n}")
    region_id = "510100"
    skills = factory.LazyFunction(lambda: ["图像标注"])
    id_hash = factory.LazyAttribute(lambda p: identify(p.id_number, field="id_number").hash)
    id_masked = factory.LazyAttribute(lambda p: identify(p.id_number, field="id_number").masked)


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    person = factory.SubFactory(PersonFactory)
    occupation = Occupation.AI_TRAINER
    level = SkillLevel.LEVEL_4
    number = factory.Sequence(lambda n: f"Y{2026000000 + n}")
    issuer = factory.SubFactory(OrganisationFactory, kind="third_party", verified=True)
    issued_on = datetime.date(2025, 6, 1)
    expires_on = datetime.date(2029, 6, 1)


class ExpertFactory(factory.django.DjangoModelFactory):
    """An approved, available expert; `modalities=[...]` and `sectors=[...]` add specialties."""

    class Meta:
        model = Expert
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    status = ExpertStatus.APPROVED

    @factory.post_generation
    def modalities(self, create, extracted, **kwargs):
        if create and extracted:
            ExpertModality.objects.bulk_create(ExpertModality(expert=self, modality=m) for m in extracted)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            ExpertSector.objects.bulk_create(ExpertSector(expert=self, sector=s) for s in extracted)


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    expert = factory.SubFactory(ExpertFactory)
    organisation = factory.SubFactory(OrganisationFactory, verified=True)
    role = EmploymentRole.EMPLOYEE
    started_on = datetime.date(2015, 1, 1)
    ended_on = None


class ExpertRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertRelation

    expert = factory.SubFactory(ExpertFactory)
    organisation = factory.SubFactory(OrganisationFactory, verified=True)
    nature = "配偶在该单位任职"

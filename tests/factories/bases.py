"""Annotation-base factories, made through the bases services (so they carry their audit rows)."""

from __future__ import annotations

import datetime

import factory

from registry.bases import services
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput, Designation
from registry.roles import OrganisationKind
from tests.factories.registry import OrganisationFactory, UserFactory


def system_operator():
    return UserFactory(username="registry-operator", is_staff=True)


class AnnotationBaseFactory(factory.django.DjangoModelFactory):
    """Recorded by an operator through `base_create`; its operator organisation is a verified base operator."""

    class Meta:
        model = AnnotationBase

    name = factory.Sequence(lambda n: f"示例数据标注基地{n}")
    city_code = "510100"
    designation = Designation.NATIONAL
    operator = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.BASE_OPERATOR, verified=True)
    designated_on = datetime.date(2024, 12, 1)
    description = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.base_create(actor=system_operator(), **kwargs)


class BaseMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaseMembership

    base = factory.SubFactory(AnnotationBaseFactory)
    organisation = factory.SubFactory(OrganisationFactory, verified=True)
    joined_on = datetime.date(2025, 1, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.base_member_add(actor=system_operator(), **kwargs)


class BaseOutputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaseOutput

    base = factory.SubFactory(AnnotationBaseFactory)
    year = 2025
    quarter = 1
    annotated_items = 1_000_000
    revenue_fen = 500_000_00
    headcount = 120

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        output, _created = services.base_output_report(actor=system_operator(), **kwargs)
        return output

"""Excellent-case and competition factories, made through the showcase services."""

from __future__ import annotations

import datetime

import factory

from registry.showcase import services
from registry.showcase.models import Award, Competition, CompetitionEntry, ExcellentCase
from registry.taxonomy import Modality, Sector
from tests.factories.bases import system_operator
from tests.factories.registry import OrganisationFactory


class ExcellentCaseFactory(factory.django.DjangoModelFactory):
    """Recorded by an operator; published unless `published=False`."""

    class Meta:
        model = ExcellentCase

    title = factory.Sequence(lambda n: f"智能驾驶点云标注案例{n}")
    organisation = factory.SubFactory(OrganisationFactory, verified=True)
    sector = Sector.TRANSPORT
    modality = Modality.POINT_CLOUD
    year = 2024
    summary = "面向城市道路场景的三维点云标注。"
    figures = factory.LazyFunction(lambda: [{"label": "标注帧数", "value": "120 万帧"}])
    published = True

    @classmethod
    def _create(cls, model_class, *args, published, **kwargs):
        operator = system_operator()
        case = services.case_create(actor=operator, **kwargs)
        if published:
            case = services.case_publish(actor=operator, case=case, published=True)
        return case


class CompetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competition

    name = factory.Sequence(lambda n: f"数据标注创新大赛{n}")
    year = 2025
    organiser = None
    description = ""
    starts_on = datetime.date(2025, 5, 1)
    ends_on = datetime.date(2025, 9, 30)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.competition_create(actor=system_operator(), **kwargs)


class CompetitionEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitionEntry

    competition = factory.SubFactory(CompetitionFactory)
    organisation = factory.SubFactory(OrganisationFactory, verified=True)
    title = factory.Sequence(lambda n: f"参赛作品{n}")
    award = Award.NONE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.entry_add(actor=system_operator(), **kwargs)

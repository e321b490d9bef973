"""Institution and service-need factories, made through the institutions services (permissions and
audit rows included)."""

from __future__ import annotations

import factory

from registry.institutions import services
from registry.institutions.models import InstitutionService, ServiceCategory, ServiceNeed, ServiceResponse
from registry.roles import OrganisationKind
from tests.factories.bases import system_operator
from tests.factories.registry import OrganisationFactory


class InstitutionServiceFactory(factory.django.DjangoModelFactory):
    """A verified third-party institution offering a category."""

    class Meta:
        model = InstitutionService

    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.THIRD_PARTY, verified=True)
    category = ServiceCategory.COMPLIANCE
    description = "数据合规咨询"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.institution_service_offer(actor=system_operator(), **kwargs)


class ServiceNeedFactory(factory.django.DjangoModelFactory):
    """Posted (by an operator, on behalf of) a verified enterprise."""

    class Meta:
        model = ServiceNeed

    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.ENTERPRISE, verified=True)
    category = ServiceCategory.COMPLIANCE
    region_code = "510100"
    title = factory.Sequence(lambda n: f"数据出境合规评估需求{n}")
    description = "需要对训练数据出境进行合规评估。"
    budget_fen = 5_000_000

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs):
        return services.need_post(actor=actor or system_operator(), **kwargs)


class ServiceResponseFactory(factory.django.DjangoModelFactory):
    """An institution offering the need's category responds (through an operator)."""

    class Meta:
        model = ServiceResponse

    need = factory.SubFactory(ServiceNeedFactory)
    institution = factory.LazyAttribute(lambda o: InstitutionServiceFactory(category=o.need.category).organisation)
    message = "我们可以在两周内完成评估。"
    quote_fen = 3_000_000

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs):
        return services.response_submit(actor=actor or system_operator(), **kwargs)

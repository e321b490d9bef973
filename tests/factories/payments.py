"""Factories for payments: an enterprise order (request for quotation, paid by card) and the
cards localstripe knows. Everything goes through the services."""

from __future__ import annotations

from marketplace.models import Contract
from marketplace.procedures import EvaluationMethod, Procedure
from registry.roles import OrganisationKind, Role
from tests.factories.acceptance import signed_contract
from tests.factories.registry import MembershipFactory, OrganisationFactory

CARD = "pm_card_visa"
DECLINING_CARD = "pm_card_chargeCustomerFail"


def enterprise_contract() -> Contract:
    """A signed contract of an enterprise's request for quotation (lowest price wins)."""
    enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, region_code="440300", verified=True)
    buyer = MembershipFactory(organisation=enterprise, role=Role.ENTERPRISE_BUYER).user
    return signed_contract(
        actor=buyer,
        procedure=Procedure.REQUEST_FOR_QUOTATION,
        evaluation_method=EvaluationMethod.LOWEST_PRICE,
        price_weight_bp=10_000,
        technical_weight_bp=0,
        business_weight_bp=0,
    )

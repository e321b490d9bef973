"""Factories, one module per app; the registry core's are re-exported here for brevity."""

from tests.factories.registry import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    valid_credit_code,
)

__all__ = ["MembershipFactory", "OrganisationFactory", "UserFactory", "valid_credit_code"]

"""One factory per model. Organisations and memberships are made through the registry services so
that every test object carries what the service grants (members group, permissions, audit rows)."""

from __future__ import annotations

import factory

from portal.accounts.models import User
from registry import services
from registry.credit_code import check_character
from registry.models import Membership, Organisation
from registry.roles import OrganisationKind, Role


def valid_credit_code(serial: int, *, region_code: str = "510100", category: str = "91") -> str:
    first17 = f"{category}{region_code}MA{serial:07d}"
    return first17 + check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("correct horse battery staple")


def _system_operator() -> User:
    return UserFactory(username="registry-operator", is_staff=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Registered by an operator through `organisation_create`, then verified if asked."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"示例数据标注有限公司{n}")
    kind = OrganisationKind.VENDOR
    region_code = "510100"
    credit_code = factory.LazyAttributeSequence(lambda o, n: valid_credit_code(n, region_code=o.region_code))
    verified = False

    @classmethod
    def _create(cls, model_class, *args, region_code, verified, **kwargs):
        operator = _system_operator()
        organisation = services.organisation_create(
            actor=operator,
            name=kwargs["name"],
            kind=kwargs["kind"],
            credit_code_value=kwargs["credit_code"],
            region_code=region_code,
        )
        if verified:
            organisation = services.organisation_verify(actor=operator, organisation=organisation)
        return organisation


class MembershipFactory(factory.django.DjangoModelFactory):
    """Added by an operator through `membership_add`."""

    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory, verified=True)
    user = factory.SubFactory(UserFactory)
    role = Role.VENDOR_STAFF
    scope_region_code = ""

    @classmethod
    def _create(cls, model_class, *args, organisation, user, role, scope_region_code, **kwargs):
        return services.membership_add(
            actor=_system_operator(),
            organisation=organisation,
            username=user.username,
            role=role,
            scope_region_code=scope_region_code,
        )


# The roles of the permission matrices (STYLE.md), and the conftest fixture that signs each in.
# `owner` is the managing member of the `vendor_org` fixture.
ROLES = ("anonymous", "other_vendor", "owner", "agency", "regulator_other_region", "operator")
_ROLE_FIXTURES = {
    "other_vendor": "other_vendor_user",
    "owner": "vendor_user",
    "agency": "agency_user",
    "regulator_other_region": "regulator_other_region",
    "operator": "operator",
}


def user_for_role(request, role: str) -> User | None:
    """The user playing `role` in a test (None for anonymous), from the shared fixtures."""
    return None if role == "anonymous" else request.getfixturevalue(_ROLE_FIXTURES[role])


def with_wrong_check_character(code: str) -> str:
    """`code` (a credit code or an identity number) with its last character changed, so that only
    its check character is wrong."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")

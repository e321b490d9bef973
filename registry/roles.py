"""Organisation kinds, membership roles and which roles each kind of organisation can hold.

This table is the one place the rule lives; services validate memberships against it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    AGENCY = "agency", _("government agency")
    VENDOR = "vendor", _("annotation vendor")
    ENTERPRISE = "enterprise", _("enterprise")
    THIRD_PARTY = "third_party", _("third-party institution")
    VOUCHER_AUTHORITY = "voucher_authority", _("voucher authority")
    BASE_OPERATOR = "base_operator", _("annotation base operator")


class Role(models.TextChoices):
    AGENCY_STAFF = "agency_staff", _("agency staff")
    VENDOR_STAFF = "vendor_staff", _("vendor staff")
    ENTERPRISE_BUYER = "enterprise_buyer", _("enterprise buyer")
    VOUCHER_OFFICER = "voucher_officer", _("voucher officer")
    REGULATOR = "regulator", _("regulator")
    EXPERT = "expert", _("expert")


K = OrganisationKind

# Staff of supplying organisations (vendors, base operators, third-party institutions) act as
# "vendor staff"; regulators work in data administrations, which are agencies or run vouchers;
# an expert's membership records the employer, whatever its kind.
ROLE_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.AGENCY_STAFF: frozenset({K.AGENCY}),
    Role.VENDOR_STAFF: frozenset({K.VENDOR, K.BASE_OPERATOR, K.THIRD_PARTY}),
    Role.ENTERPRISE_BUYER: frozenset({K.ENTERPRISE}),
    Role.VOUCHER_OFFICER: frozenset({K.VOUCHER_AUTHORITY}),
    Role.REGULATOR: frozenset({K.AGENCY, K.VOUCHER_AUTHORITY}),
    Role.EXPERT: frozenset(K),
}

# Each kind's own staff role: the person who registers an organisation gets it, and its holders
# manage the organisation (edit it, add and remove members). Regulators and experts do not.
MANAGING_ROLE: dict[OrganisationKind, Role] = {
    K.AGENCY: Role.AGENCY_STAFF,
    K.VENDOR: Role.VENDOR_STAFF,
    K.ENTERPRISE: Role.ENTERPRISE_BUYER,
    K.THIRD_PARTY: Role.VENDOR_STAFF,
    K.VOUCHER_AUTHORITY: Role.VOUCHER_OFFICER,
    K.BASE_OPERATOR: Role.VENDOR_STAFF,
}


def role_allowed(role: Role | str, kind: OrganisationKind | str) -> bool:
    return OrganisationKind(kind) in ROLE_KINDS[Role(role)]


def managing_role(kind: OrganisationKind | str) -> Role:
    return MANAGING_ROLE[OrganisationKind(kind)]

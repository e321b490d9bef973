"""Reads on institutions and service needs, with their visibility rules.

- Institutions and what they offer are public once the institution is verified.
- A need is visible to its posting organisation's members, to the institutions that responded to it,
  and, while it is open, to the members of every verified institution that offers its category.
- A response is visible to the need's organisation and to the responding institution only.
Operators see everything.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from portal.accounts.models import User
from portal.permissions import AnyUser, is_operator, with_perm
from registry.institutions.models import InstitutionService, NeedStatus, ServiceNeed, ServiceResponse
from registry.models import Organisation, Region, RegionLevel, VerificationStatus
from registry.roles import OrganisationKind, managing_role
from registry.selectors import region_subtree_q

# Proximity ranks of a matching institution to a need.
SAME_CITY, SAME_PROVINCE, ELSEWHERE = 0, 1, 2
NEED_POSTER_KINDS = (OrganisationKind.ENTERPRISE, OrganisationKind.VENDOR)


def _verified_institutions() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.THIRD_PARTY, status=VerificationStatus.VERIFIED)


def institution_services_public(
    *, category: str = "", organisation: Organisation | None = None
) -> QuerySet[InstitutionService]:
    services = InstitutionService.objects.filter(
        organisation__kind=OrganisationKind.THIRD_PARTY, organisation__status=VerificationStatus.VERIFIED
    ).select_related("organisation", "organisation__region")
    if category:
        services = services.filter(category=category)
    if organisation is not None:
        services = services.filter(organisation=organisation)
    return services


def institution_services_visible_to(*, user: AnyUser, category: str = "") -> QuerySet[InstitutionService]:
    """Public offers, plus the offers of unverified institutions to their own members and operators."""
    services = InstitutionService.objects.select_related("organisation", "organisation__region")
    if not is_operator(user):
        public = Q(organisation__kind=OrganisationKind.THIRD_PARTY, organisation__status=VerificationStatus.VERIFIED)
        if user.is_authenticated:
            public |= Q(organisation__memberships__user=user)
        services = services.filter(public).distinct()
    if category:
        services = services.filter(category=category)
    return services


def institution_directory(*, category: str = "", region: Region | None = None) -> QuerySet[Organisation]:
    """Verified institutions offering at least one category (or the given one), with their offers."""
    offers = InstitutionService.objects.order_by("category")
    institutions = _verified_institutions().filter(
        pk__in=InstitutionService.objects.filter(**({"category": category} if category else {})).values(
            "organisation_id"
        )
    )
    if region is not None:
        institutions = institutions.filter(region_subtree_q(region))
    return institutions.select_related("region").prefetch_related(
        Prefetch("institution_services", queryset=offers, to_attr="offers")
    )


def institutions_matching(*, need: ServiceNeed) -> QuerySet[Organisation]:
    """Verified institutions offering the need's category, nearest first: same city, then same
    province, then elsewhere (GB/T 2260 codes nest by prefix: 2 digits province, 4 prefecture).
    Each carries `proximity` (SAME_CITY, SAME_PROVINCE or ELSEWHERE)."""
    region = need.region
    province_q = Q(region__code__startswith=region.code[:2])
    ranks = []
    if region.level != RegionLevel.PROVINCE:
        # The need's city: the region itself when a prefecture, its prefecture when a county.
        ranks.append(When(Q(region__code__startswith=region.code[:4]), then=Value(SAME_CITY)))
    ranks.append(When(province_q, then=Value(SAME_PROVINCE)))
    return (
        _verified_institutions()
        .filter(pk__in=InstitutionService.objects.filter(category=need.category).values("organisation_id"))
        .select_related("region")
        .annotate(proximity=Case(*ranks, default=Value(ELSEWHERE), output_field=IntegerField()))
        .order_by("proximity", "name", "pk")
    )


def _categories_served_by_member(user: User) -> Any:
    """The categories offered by the verified institutions the user is a member of."""
    return InstitutionService.objects.filter(
        organisation__kind=OrganisationKind.THIRD_PARTY,
        organisation__status=VerificationStatus.VERIFIED,
        organisation__memberships__user=user,
    ).values("category")


def needs_visible_to(*, user: AnyUser, status: str = "", category: str = "") -> QuerySet[ServiceNeed]:
    needs = ServiceNeed.objects.select_related("organisation", "region")
    if not is_operator(user):
        if not isinstance(user, User):
            return needs.none()
        granted = with_perm(user=user, perm="institutions.view_serviceneed", queryset=ServiceNeed.objects.all())
        offered = Q(status=NeedStatus.OPEN, category__in=_categories_served_by_member(user))
        needs = needs.filter(Q(pk__in=granted.values("pk")) | offered)
    if status:
        needs = needs.filter(status=status)
    if category:
        needs = needs.filter(category=category)
    return needs


def responses_visible_to(*, user: AnyUser, need: ServiceNeed | None = None) -> QuerySet[ServiceResponse]:
    responses = ServiceResponse.objects.select_related("institution", "institution__region", "need")
    if need is not None:
        responses = responses.filter(need=need)
    if is_operator(user):
        return responses
    if not user.is_authenticated:
        return responses.none()
    granted = with_perm(user=user, perm="institutions.view_serviceresponse", queryset=ServiceResponse.objects.all())
    return responses.filter(pk__in=granted.values("pk"))


def organisations_acting_for(*, user: AnyUser, kinds: tuple[str, ...]) -> QuerySet[Organisation]:
    """Organisations of these kinds in which the user holds the managing role (for a form's choices)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    managing = Q()
    for kind in kinds:
        managing |= Q(kind=kind, memberships__role=managing_role(kind))
    return Organisation.objects.filter(managing, memberships__user=user).distinct().order_by("name", "pk")


def institutions_for_response(*, user: AnyUser, need: ServiceNeed) -> QuerySet[Organisation]:
    """The user's verified institutions that offer the need's category and have not yet responded."""
    return (
        organisations_acting_for(user=user, kinds=(OrganisationKind.THIRD_PARTY,))
        .filter(status=VerificationStatus.VERIFIED, institution_services__category=need.category)
        .exclude(service_responses__need=need)
    )


def offers_managed_by(*, user: AnyUser) -> QuerySet[InstitutionService]:
    """The offers of the institutions in which the user holds the managing role."""
    institutions = organisations_acting_for(user=user, kinds=(OrganisationKind.THIRD_PARTY,))
    return InstitutionService.objects.filter(organisation__in=institutions.values("pk")).select_related("organisation")

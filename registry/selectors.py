"""Reads on the registry that carry rules: visibility, search, region scopes, roles, related parties."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from portal.errors import NotFound, PermissionDenied
from portal.permissions import AnyUser, is_operator, visible_or_404, with_perm
from registry import credit_code
from registry.models import (
    DeclaredRelation,
    Membership,
    Organisation,
    OrganisationCapability,
    OrganisationSector,
    Region,
    VerificationStatus,
)
from registry.related_parties import RelationReason, related_parties
from registry.roles import OrganisationKind, Role


def region_subtree_q(region: Region, *, field: str = "region") -> Q:
    """Rows whose region is `region` or lies below it (GB/T 2260 codes nest by prefix)."""
    return Q(**{f"{field}__code__startswith": region.subtree_prefix})


def regions_for_choice(
    *, prefixes: Sequence[str] = (), levels: Collection[str] = ()
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Regions grouped under their province, for a select box. `prefixes` (subtree prefixes, as
    `regulator_scope_prefixes` gives) keep the regions of those subtrees only, `levels` the regions
    of those levels only; empty keeps all. A group is named after its province even when the
    province itself is not offered (a prefecture's regulator chooses within the prefecture)."""
    regions = Region.objects.order_by("code")
    if prefixes:
        scope = Q()
        for prefix in prefixes:
            scope |= Q(code__startswith=prefix)
        regions = regions.filter(scope)
    if levels:
        regions = regions.filter(level__in=levels)
    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for region in regions:
        province = region.code[:2] + "0000"
        if region.code == province:
            names[province] = region.display_name
        label = region.display_name if region.code == province else f"— {region.display_name}"
        groups.setdefault(province, []).append((region.code, label))
    missing = [code for code in groups if code not in names]
    names.update((code, region.display_name) for code, region in Region.objects.in_bulk(missing).items())
    return [(names.get(code, code), options) for code, options in groups.items()]


def organisations_visible_to(
    *,
    user: AnyUser,
    kind: str = "",
    region: Region | None = None,
    text: str = "",
    modality: str = "",
    sector: str = "",
    verified_only: bool = False,
) -> QuerySet[Organisation]:
    """Verified organisations are public; an unverified one is visible to its members and operators.

    The search page and the API list pass `verified_only=True` unless the user ticks "include
    unverified" (members then also see their own, operators all). `text` matches a part of the name
    or a whole credit code. The modality and sector filters are EXISTS on their (value,
    organisation) indexes, so rows are never duplicated and the count stays one query.
    """
    organisations = Organisation.objects.select_related("region")
    if not is_operator(user):
        public = Q(status=VerificationStatus.VERIFIED)
        if user.is_authenticated and not verified_only:
            own = with_perm(user=user, perm="registry.view_organisation", queryset=Organisation.objects.all())
            public |= Q(pk__in=own.values("pk"))
        organisations = organisations.filter(public)
    elif verified_only:
        organisations = organisations.filter(status=VerificationStatus.VERIFIED)
    if kind:
        organisations = organisations.filter(kind=kind)
    if region is not None:
        organisations = organisations.filter(region_subtree_q(region))
    if text:
        organisations = organisations.filter(Q(name__icontains=text) | Q(credit_code=text.strip().upper()))
    if modality:
        organisations = organisations.filter(
            Exists(OrganisationCapability.objects.filter(organisation=OuterRef("pk"), modality=modality))
        )
    if sector:
        organisations = organisations.filter(
            Exists(OrganisationSector.objects.filter(organisation=OuterRef("pk"), sector=sector))
        )
    return organisations


def organisation_search(
    *,
    user: AnyUser,
    kind: str = "",
    region: Region | None = None,
    text: str = "",
    modality: str = "",
    sector: str = "",
    include_unverified: bool = False,
) -> QuerySet[Organisation]:
    """The search page and the API list: verified organisations unless asked otherwise, with their
    modalities and sectors in two prefetch queries whatever the page size."""
    return organisations_visible_to(
        user=user,
        kind=kind,
        region=region,
        text=text,
        modality=modality,
        sector=sector,
        verified_only=not include_unverified,
    ).prefetch_related(
        Prefetch("capabilities", queryset=OrganisationCapability.objects.order_by("modality")),
        Prefetch("sectors", queryset=OrganisationSector.objects.order_by("sector")),
    )


def organisation_profile(*, user: AnyUser, pk: int | str) -> Organisation:
    """One organisation as its profile page and the API show it, or NotFound when the user may not
    see it; capabilities, sectors and shareholders come prefetched."""
    return visible_or_404(
        organisations_visible_to(user=user).prefetch_related(
            Prefetch("capabilities", queryset=OrganisationCapability.objects.order_by("modality")),
            Prefetch("sectors", queryset=OrganisationSector.objects.order_by("sector")),
            "shareholders",
        ),
        pk=pk,
    )


def sees_member_details(*, user: AnyUser, organisation: Organisation) -> bool:
    """Operators and the organisation's members see what the public does not: the masked identity
    numbers, shareholders' full names and the declared relations."""
    return is_operator(user) or (user.is_authenticated and user.has_perm("registry.view_organisation", organisation))


def declared_relations_of(*, user: AnyUser, organisation: Organisation) -> QuerySet[DeclaredRelation]:
    """The relations declared by or against `organisation`, for its members and operators (through
    the members group's view permission, so joining and leaving grant and revoke it); anyone else
    gets NotFound, as for an object they may not see."""
    if not sees_member_details(user=user, organisation=organisation):
        raise NotFound()
    return (
        DeclaredRelation.objects.filter(Q(organisation=organisation) | Q(related_organisation=organisation))
        .select_related("organisation", "related_organisation", "declared_by")
        .order_by("-declared_at", "-pk")
    )


def organisation_for_relation(*, user: AnyUser, credit_code_value: str, field: str) -> Organisation:
    """The organisation a user names by credit code in a declaration: one they can see (verified,
    or their own). Errors are reported on `field`."""
    code = credit_code.normalise(credit_code_value or "")
    try:
        credit_code.validate_credit_code(code)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    found = organisations_visible_to(user=user).filter(credit_code=code).first()
    if found is None:
        raise ValidationError({field: [_("No registered organisation has this credit code.")]})
    return found


@dataclass(frozen=True)
class RelatedParty:
    organisation: Organisation
    reasons: list[RelationReason]


def related_parties_for_operator(*, user: AnyUser, organisation: Organisation) -> list[RelatedParty]:
    """Who `organisation` is related to and why (registry.related_parties), for operators only:
    it draws on other organisations' shareholders and legal representatives."""
    if not is_operator(user):
        raise PermissionDenied(_("Only platform operators see related parties."))
    found = related_parties(organisation)
    others = Organisation.objects.select_related("region").in_bulk(list(found))
    rows = [
        RelatedParty(organisation=others[pk], reasons=sorted(reasons, key=list(RelationReason).index))
        for pk, reasons in found.items()
        if pk in others
    ]
    return sorted(rows, key=lambda row: (row.organisation.name, row.organisation.pk))


def memberships_of(*, user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation", "organisation__region", "scope_region")


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user", "scope_region")


def memberships_visible_to(*, user: AnyUser) -> QuerySet[Membership]:
    """Operators see every membership; others see those of the organisations they belong to."""
    memberships = Membership.objects.select_related("user", "organisation", "scope_region")
    if is_operator(user):
        return memberships
    if not user.is_authenticated:
        return memberships.none()
    return memberships.filter(organisation__memberships__user=user).distinct()


def has_role(*, user: AnyUser, organisation: Organisation, role: Role) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, organisation=organisation, role=role).exists()


def regulator_scope_prefixes(*, user: AnyUser) -> list[str] | None:
    """The GB/T 2260 code prefixes of the regions a regulator oversees, each with the regions below
    it: [] for everywhere (a national regulator, with no scope region, or an operator), None when
    the user regulates nothing."""
    if is_operator(user):
        return []
    if not user.is_authenticated:
        return None
    scopes = list(Membership.objects.filter(user=user, role=Role.REGULATOR).select_related("scope_region"))
    if not scopes:
        return None
    if any(m.scope_region is None for m in scopes):
        return []
    return sorted({m.scope_region.subtree_prefix for m in scopes if m.scope_region is not None})


def regulator_scope_q(*, user: AnyUser, field: str = "region") -> Q | None:
    """What a regulator may oversee, as a filter on `field`; None when the user regulates nothing.

    A national regulator (no scope region) or an operator gets an always-true filter.
    """
    prefixes = regulator_scope_prefixes(user=user)
    if prefixes is None:
        return None
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{field}__code__startswith": prefix})
    return condition


@dataclass(frozen=True)
class RegistrySummary:
    organisations: int
    by_kind: dict[str, int]
    provinces: int


def registry_summary() -> RegistrySummary:
    """Public counts for the home page: verified organisations only."""
    verified = Organisation.objects.filter(status=VerificationStatus.VERIFIED)
    by_kind = dict(verified.values_list("kind").annotate(n=Count("pk")).order_by())
    provinces = verified.values_list("region_id", flat=True).order_by().distinct()
    return RegistrySummary(
        organisations=sum(by_kind.values()),
        by_kind={kind: by_kind.get(kind, 0) for kind in OrganisationKind.values},
        provinces=len({code[:2] for code in provinces}),
    )

"""Reads on annotation bases. Bases are public; so are their verified members and their output."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from portal.permissions import AnyUser, is_operator, with_perm
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput
from registry.bases.permissions import may_manage_base
from registry.models import Organisation, Region, RegionLevel, VerificationStatus
from registry.selectors import region_subtree_q


def bases_public(*, designation: str = "", province: Region | None = None) -> QuerySet[AnnotationBase]:
    """Every base, with its verified-member count; filter by designation and by the province (or any
    region) its city lies in."""
    bases = AnnotationBase.objects.select_related("city", "operator").annotate(
        member_count=Count("memberships", filter=Q(memberships__organisation__status=VerificationStatus.VERIFIED))
    )
    bases = bases.order_by("designation", "city_id", "name", "pk")  # an aggregate drops Meta.ordering
    if designation:
        bases = bases.filter(designation=designation)
    if province is not None:
        bases = bases.filter(region_subtree_q(province, field="city"))
    return bases


def provinces() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")


def base_members_visible_to(*, user: AnyUser, base: AnnotationBase | None = None) -> QuerySet[BaseMembership]:
    """Members whose organisation is verified are public; those managing a base (and operators) also
    see its members whose verification is pending again."""
    members = BaseMembership.objects.select_related("organisation", "organisation__region", "base")
    if base is not None:
        members = members.filter(base=base)
    if is_operator(user):
        return members
    visible = Q(organisation__status=VerificationStatus.VERIFIED)
    if user.is_authenticated:
        if base is not None:
            if may_manage_base(user, base):
                return members
        else:
            managed = with_perm(user=user, perm="registry.change_organisation", queryset=Organisation.objects.all())
            visible |= Q(base__operator__in=managed.values("pk"))
    return members.filter(visible)


def base_outputs(*, base: AnnotationBase | None = None, year: int | None = None) -> QuerySet[BaseOutput]:
    outputs = BaseOutput.objects.all()
    if base is not None:
        outputs = outputs.filter(base=base)
    if year is not None:
        outputs = outputs.filter(year=year)
    return outputs.order_by("base_id", "year", "quarter")


@dataclass
class YearTotal:
    year: int
    quarters: list[BaseOutput] = field(default_factory=list)
    annotated_items: int = 0
    revenue_fen: int = 0

    @property
    def headcount(self) -> int:
        """Headcount is a stock, not a flow: the year's last reported quarter, not a sum."""
        return self.quarters[-1].headcount if self.quarters else 0


@dataclass
class OutputTable:
    years: list[YearTotal]
    annotated_items: int
    revenue_fen: int

    @property
    def empty(self) -> bool:
        return not self.years


def base_output_table(*, base: AnnotationBase) -> OutputTable:
    """The base's reports by quarter, grouped by year with yearly totals and a grand total."""
    years: dict[int, YearTotal] = {}
    for output in base_outputs(base=base):
        total = years.setdefault(output.year, YearTotal(year=output.year))
        total.quarters.append(output)
        total.annotated_items += output.annotated_items
        total.revenue_fen += output.revenue_fen
    rows = list(years.values())
    return OutputTable(
        years=rows,
        annotated_items=sum(row.annotated_items for row in rows),
        revenue_fen=sum(row.revenue_fen for row in rows),
    )

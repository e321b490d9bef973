"""Writes on annotation bases: designation (operators), members and quarterly output (the operator
organisation's managing staff). Every write is audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import PermissionDenied
from portal.permissions import is_operator
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput, quarter_start
from registry.bases.permissions import may_manage_base
from registry.models import Organisation, Region
from registry.roles import OrganisationKind

BASE_AUDIT_FIELDS = ("name", "city", "designation", "operator", "description", "designated_on")
MEMBERSHIP_AUDIT_FIELDS = ("base", "organisation", "joined_on")
OUTPUT_AUDIT_FIELDS = ("base", "year", "quarter", "annotated_items", "revenue_fen", "headcount")


def _region(code: str, *, field: str) -> Region:
    region = Region.objects.filter(pk=(code or "").strip()).first()
    if region is None:
        raise ValidationError({field: [_("Unknown region code “%(code)s”.") % {"code": code}]})
    return region


def base_create(
    *,
    actor: User,
    name: str,
    city_code: str,
    designation: str,
    operator: Organisation,
    designated_on: datetime.date,
    description: str = "",
) -> AnnotationBase:
    """An operator records a designated base and names the organisation that runs it, which must be
    a verified organisation of kind base operator."""
    if not is_operator(actor):
        raise PermissionDenied(_("Only platform operators record annotation bases."))
    if operator.kind != OrganisationKind.BASE_OPERATOR:
        raise ValidationError(
            {"operator": [_("The operator must be an organisation of kind annotation base operator.")]}
        )
    if not operator.verified:
        raise ValidationError({"operator": [_("The operator organisation must be verified first.")]})
    if designated_on > timezone.localdate():
        raise ValidationError({"designated_on": [_("The designation date cannot be in the future.")]})
    base = AnnotationBase(
        name=(name or "").strip(),
        city=_region(city_code, field="city"),
        designation=designation,
        operator=operator,
        designated_on=designated_on,
        description=(description or "").strip(),
    )
    with transaction.atomic():
        base.full_clean()
        try:
            with transaction.atomic():
                base.save()
        except IntegrityError as exc:  # a concurrent record of the same name committed first
            raise ValidationError({"name": [_("An annotation base with this name already exists.")]}) from exc
        audit_record(actor=actor, action="base.create", obj=base, before={}, after=snapshot(base, BASE_AUDIT_FIELDS))
    return base


def _locked_base(base: AnnotationBase) -> AnnotationBase:
    """Writes on a base's members and output hold its row, so they apply one at a time per base."""
    return AnnotationBase.objects.select_for_update(of=("self",)).select_related("operator").get(pk=base.pk)


def base_member_add(
    *, actor: User, base: AnnotationBase, organisation: Organisation, joined_on: datetime.date | None = None
) -> BaseMembership:
    """Add a verified organisation to the base (joined today unless a past date is given)."""
    if not may_manage_base(actor, base):
        raise PermissionDenied(_("You may not manage the members of this base."))
    if not organisation.verified:
        raise ValidationError({"organisation": [_("Only verified organisations can join a base.")]})
    today = timezone.localdate()
    joined_on = joined_on or today
    if joined_on > today:
        raise ValidationError({"joined_on": [_("The joining date cannot be in the future.")]})
    with transaction.atomic():
        base = _locked_base(base)
        if BaseMembership.objects.filter(base=base, organisation=organisation).exists():
            raise ValidationError({"organisation": [_("This organisation is already a member of the base.")]})
        membership = BaseMembership(base=base, organisation=organisation, joined_on=joined_on)
        membership.full_clean(validate_constraints=False)
        membership.save()
        audit_record(
            actor=actor,
            action="base_membership.add",
            obj=membership,
            before={},
            after=snapshot(membership, MEMBERSHIP_AUDIT_FIELDS),
        )
    return membership


def base_member_remove(*, actor: User, membership: BaseMembership) -> None:
    if not may_manage_base(actor, membership.base):
        raise PermissionDenied(_("You may not manage the members of this base."))
    with transaction.atomic():
        _locked_base(membership.base)
        before = snapshot(membership, MEMBERSHIP_AUDIT_FIELDS)
        audit_record(actor=actor, action="base_membership.remove", obj=membership, before=before, after={})
        membership.delete()


def base_output_report(
    *,
    actor: User,
    base: AnnotationBase,
    year: int,
    quarter: int,
    annotated_items: int,
    revenue_fen: int,
    headcount: int,
) -> tuple[BaseOutput, bool]:
    """Report a quarter's output; reporting a quarter again corrects it (the audit row keeps the
    figures it replaced, the rollups add the difference). A quarter that has not begun
    (Asia/Shanghai) is refused.
    Returns the row and whether it was created."""
    if not may_manage_base(actor, base):
        raise PermissionDenied(_("You may not report the output of this base."))
    figures = {"annotated_items": annotated_items, "revenue_fen": revenue_fen, "headcount": headcount}
    # Check the figures and the period on their own first (field ranges), then against the clock.
    BaseOutput(base=base, year=year, quarter=quarter, reported_by=actor, **figures).full_clean(
        validate_unique=False, validate_constraints=False
    )
    if quarter_start(year, quarter) > timezone.localdate():
        raise ValidationError({"quarter": [_("This quarter has not begun yet: report it once it has.")]})
    with transaction.atomic():
        base = _locked_base(base)
        output = (
            BaseOutput.objects.select_for_update(of=("self",))
            .select_related("base")
            .filter(base=base, year=year, quarter=quarter)
            .first()
        )
        created = output is None
        if output is None:
            output = BaseOutput(base=base, year=year, quarter=quarter)
            before: dict[str, object] = {}
        else:
            before = snapshot(output, OUTPUT_AUDIT_FIELDS)
        for name, value in figures.items():
            setattr(output, name, value)
        output.reported_by = actor
        output.save()
        rollup_events.base_output_reported(output, previous=before or None)
        audit_record(
            actor=actor,
            action="base_output.report" if created else "base_output.correct",
            obj=output,
            before=before,
            after=snapshot(output, OUTPUT_AUDIT_FIELDS),
        )
    return output, created

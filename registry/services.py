"""Writes on organisations, their profiles, shareholders and declared relations, and memberships."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import remove_perm

from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from portal.money import hundredths_text
from portal.permissions import grant, is_operator
from registry import credit_code, verification
from registry.identity import Identity, identify
from registry.models import (
    DeclaredRelation,
    HolderKind,
    Membership,
    Organisation,
    OrganisationCapability,
    OrganisationSector,
    Region,
    Shareholder,
    VerificationPeriod,
    VerificationStatus,
)
from registry.permissions import may_manage_members
from registry.roles import Role, managing_role, role_allowed
from registry.taxonomy import Modality, Sector

ORGANISATION_AUDIT_FIELDS = ("name", "kind", "credit_code", "region", "status", "rejection_reason")
# The masked number and the keyed hash of the legal representative: never the number itself.
PROFILE_AUDIT_FIELDS = (
    *ORGANISATION_AUDIT_FIELDS,
    "legal_representative",
    "legal_representative_id_masked",
    "legal_representative_id_hash",
    "registered_capital_fen",
    "founded_on",
    "address",
    "size_class",
    "annotator_headcount",
    "iso27001_certified",
    "mlps_level",
    "description",
)
# What identifies the organisation legally: a change sends a verified organisation back to the
# operators (registry.verification: verified --resubmit--> submitted).
IDENTITY_FIELDS = ("name", "region", "legal_representative", "legal_representative_id_hash")
SHAREHOLDER_AUDIT_FIELDS = ("holder_kind", "name", "holder_credit_code", "holder_id_masked", "share_bp")
RELATION_AUDIT_FIELDS = ("organisation", "related_organisation", "nature", "declared_by")
MEMBERSHIP_AUDIT_FIELDS = ("user", "organisation", "role", "scope_region")
# Every member sees the organisation's record (through its members group); members holding its
# managing role (registry.roles.managing_role) also change it and manage its members.
MEMBER_PERMS = ("registry.view_organisation",)
MANAGER_PERMS = ("registry.change_organisation",)
FULL_SHARE_BP = 10_000


class Unchanged(enum.Enum):
    """The default of `organisation_update_profile`'s arguments: leave the field as it is."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


def _region(code: str, *, field: str = "region") -> Region:
    region = Region.objects.filter(pk=(code or "").strip()).first()
    if region is None:
        raise ValidationError({field: [_("Unknown region code “%(code)s”.") % {"code": code}]})
    return region


def organisation_create(*, actor: User, name: str, kind: str, credit_code_value: str, region_code: str) -> Organisation:
    """Register an organisation, unverified. A non-operator registrant becomes its first member,
    with the role its kind implies; operators register on others' behalf without joining."""
    organisation = Organisation(
        name=(name or "").strip(),
        kind=kind,
        credit_code=credit_code.normalise(credit_code_value or ""),
        region=_region(region_code),
    )
    with transaction.atomic():
        organisation.full_clean(exclude=["members_group"])
        try:
            with transaction.atomic():
                organisation.members_group = Group.objects.create(name=f"organisation:{organisation.credit_code}")
                organisation.save()
        except IntegrityError as exc:  # a concurrent registration of the same code committed first
            raise ValidationError(
                {"credit_code": [_("An organisation with this unified social credit code is already registered.")]}
            ) from exc
        grant(perms=MEMBER_PERMS, to=organisation.members_group, obj=organisation)
        audit_record(
            actor=actor,
            action="organisation.create",
            obj=organisation,
            before={},
            after=snapshot(organisation, ORGANISATION_AUDIT_FIELDS),
        )
        if not is_operator(actor):
            _membership_insert(actor=actor, organisation=organisation, user=actor, role=managing_role(kind))
    return organisation


def organisation_verify(*, actor: User, organisation: Organisation) -> Organisation:
    """An operator confirms the organisation: it becomes public."""
    if not is_operator(actor):
        raise PermissionDenied(_("Only platform operators verify organisations."))
    return _organisation_transition(actor=actor, organisation=organisation, action=verification.VERIFY)


def organisation_reject(*, actor: User, organisation: Organisation, reason: str) -> Organisation:
    """An operator sends the registration back; the reason is shown to the organisation's members."""
    if not is_operator(actor):
        raise PermissionDenied(_("Only platform operators verify organisations."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the registration is rejected.")]})
    return _organisation_transition(actor=actor, organisation=organisation, action=verification.REJECT, reason=reason)


def organisation_resubmit(*, actor: User, organisation: Organisation) -> Organisation:
    """The organisation's managing staff (or an operator) send a rejected registration back to the
    operators after correcting it. The reason for the rejection stays in the audit log.

    A verified organisation is not resubmitted by hand: changing its legal identity in
    `organisation_update_profile` does that."""
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    if organisation.status != VerificationStatus.REJECTED:
        raise Conflict(_("Only a rejected registration can be resubmitted."))
    return _organisation_transition(actor=actor, organisation=organisation, action=verification.RESUBMIT)


def _organisation_transition(*, actor: User, organisation: Organisation, action: str, reason: str = "") -> Organisation:
    """Move along registry.verification's table; callers have checked who may."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update(of=("self",)).get(pk=organisation.pk)
        before = snapshot(organisation, ORGANISATION_AUDIT_FIELDS)
        was_verified = organisation.verified
        organisation.status = verification.next_status(organisation.status, action)
        organisation.status_changed_at = now = timezone.now()
        organisation.rejection_reason = reason
        _verification_period_update(organisation, was_verified=was_verified, region_id=organisation.region_id, at=now)
        organisation.save(
            update_fields=["status", "status_changed_at", "verified_at", "rejection_reason", "updated_at"]
        )
        audit_record(
            actor=actor,
            action=f"organisation.{action}",
            obj=organisation,
            before=before,
            after=snapshot(organisation, ORGANISATION_AUDIT_FIELDS),
        )
    return organisation


def _verification_period_update(
    organisation: Organisation, *, was_verified: bool, region_id: str, at: datetime
) -> None:
    """Open a verification period when the (locked) organisation's new status is VERIFIED, close
    the open one when it leaves VERIFIED, at `at`, and count the change in the rollups;
    `region_id` is the region it had while verified. The caller saves the organisation.

    Leaving clears `verified_at` (the period keeps it). An organisation whose status was written
    straight to the table has no open period: its leaving counts for nothing, as its
    verification did."""
    if organisation.verified and not was_verified:
        organisation.verified_at = at
        opened = VerificationPeriod.objects.create(organisation=organisation, region_id=region_id, verified_at=at)
        rollup_events.organisation_verified(opened, kind=organisation.kind)
    elif was_verified and not organisation.verified:
        organisation.verified_at = None
        period = VerificationPeriod.objects.filter(organisation=organisation, ended_at__isnull=True).first()
        if period is not None:
            period.ended_at = at
            period.save(update_fields=["ended_at"])
            rollup_events.organisation_verification_ended(period, kind=organisation.kind)


def organisation_update_profile(
    *,
    actor: User,
    organisation: Organisation,
    name: str | Unchanged = UNCHANGED,
    region_code: str | Unchanged = UNCHANGED,
    legal_representative: str | Unchanged = UNCHANGED,
    legal_representative_id_number: str | Unchanged = UNCHANGED,
    registered_capital_fen: int | Unchanged | None = UNCHANGED,
    founded_on: date | Unchanged | None = UNCHANGED,
    address: str | Unchanged = UNCHANGED,
    size_class: str | Unchanged = UNCHANGED,
    annotator_headcount: int | Unchanged | None = UNCHANGED,
    iso27001_certified: bool | Unchanged = UNCHANGED,
    mlps_level: int | Unchanged = UNCHANGED,
    description: str | Unchanged = UNCHANGED,
    capabilities: Mapping[str, int | None] | Unchanged = UNCHANGED,
    sectors: Iterable[str] | Unchanged = UNCHANGED,
) -> Organisation:
    """Managing staff and operators edit the profile; an argument left out keeps its value.

    - The legal representative's resident identity number is reduced to a keyed hash and a mask
      (`registry.identity.identify`); an empty or omitted number keeps the stored one. Clearing the
      representative's name clears the number too; a number needs a name.
    - `capabilities` (modality -> daily capacity, None when unknown) and `sectors` replace the sets.
    - Changing the name, region or legal representative of a verified organisation sends it back to
      the operators (status "submitted"); other edits keep the status. Callers compare the status
      before and after to tell the user.
    - Every problem found is reported at once, each on its field; nothing is written then.
    """
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    errors: dict[str, list[str]] = {}
    region: Region | Unchanged = UNCHANGED
    if not isinstance(region_code, Unchanged):
        region = Region.objects.filter(pk=(region_code or "").strip()).first() or UNCHANGED
        if isinstance(region, Unchanged):
            errors["region"] = [_("Unknown region code “%(code)s”.") % {"code": region_code}]
    identity: Identity | None = None
    if isinstance(legal_representative_id_number, str) and legal_representative_id_number.strip():
        try:
            identity = identify(legal_representative_id_number, field="legal_representative_id_number")
        except ValidationError as error:
            errors.update(error.message_dict)
    capability_rows = _parse_capabilities(capabilities, errors) if not isinstance(capabilities, Unchanged) else None
    sector_values = _parse_sectors(sectors, errors) if not isinstance(sectors, Unchanged) else None
    if isinstance(founded_on, date) and founded_on > timezone.localdate():
        errors["founded_on"] = [_("The founding date cannot be in the future.")]
    if isinstance(registered_capital_fen, int) and registered_capital_fen < 0:
        errors["registered_capital_fen"] = [_("The registered capital cannot be negative.")]
    if isinstance(annotator_headcount, int) and annotator_headcount < 0:
        errors["annotator_headcount"] = [_("The number of annotators cannot be negative.")]

    with transaction.atomic():
        organisation = Organisation.objects.select_for_update(of=("self",)).get(pk=organisation.pk)
        before = _profile_snapshot(organisation)
        changes: dict[str, Any] = {
            "name": name.strip() if isinstance(name, str) else name,
            "region": region,
            "legal_representative": (
                legal_representative.strip() if isinstance(legal_representative, str) else legal_representative
            ),
            "registered_capital_fen": registered_capital_fen,
            "founded_on": founded_on,
            "address": address.strip() if isinstance(address, str) else address,
            "size_class": size_class,
            "annotator_headcount": annotator_headcount,
            "iso27001_certified": iso27001_certified,
            "mlps_level": mlps_level,
            "description": description.strip() if isinstance(description, str) else description,
        }
        for field, value in changes.items():
            if not isinstance(value, Unchanged) and field not in errors:
                setattr(organisation, field, value)
        if identity is not None:
            organisation.legal_representative_id_hash = identity.hash
            organisation.legal_representative_id_masked = identity.masked
        if not organisation.legal_representative:
            if identity is not None:
                errors.setdefault("legal_representative", []).append(
                    _("Give the legal representative's name with the identity number.")
                )
            organisation.legal_representative_id_hash = organisation.legal_representative_id_masked = ""
        try:
            organisation.full_clean(exclude=["members_group", *errors])
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        identity_now = snapshot(organisation, IDENTITY_FIELDS)
        if organisation.status == VerificationStatus.VERIFIED and any(
            identity_now[field] != before[field] for field in IDENTITY_FIELDS
        ):
            organisation.status = verification.next_status(organisation.status, verification.RESUBMIT)
            organisation.status_changed_at = now = timezone.now()
            _verification_period_update(organisation, was_verified=True, region_id=before["region"], at=now)
        organisation.save()
        if capability_rows is not None:
            organisation.capabilities.all().delete()
            OrganisationCapability.objects.bulk_create(
                [
                    OrganisationCapability(organisation=organisation, modality=modality, daily_capacity=capacity)
                    for modality, capacity in capability_rows.items()
                ]
            )
        if sector_values is not None:
            organisation.sectors.all().delete()
            OrganisationSector.objects.bulk_create(
                [OrganisationSector(organisation=organisation, sector=sector) for sector in sector_values]
            )
        audit_record(
            actor=actor,
            action="organisation.update_profile",
            obj=organisation,
            before=before,
            after=_profile_snapshot(organisation),
        )
    return organisation


def _profile_snapshot(organisation: Organisation) -> dict[str, Any]:
    values = snapshot(organisation, PROFILE_AUDIT_FIELDS)
    values["capabilities"] = dict(
        organisation.capabilities.order_by("modality").values_list("modality", "daily_capacity")
    )
    values["sectors"] = list(organisation.sectors.order_by("sector").values_list("sector", flat=True))
    return values


def _parse_capabilities(capabilities: Mapping[str, int | None], errors: dict[str, list[str]]) -> dict[str, int | None]:
    rows: dict[str, int | None] = {}
    problems: list[str] = []
    for modality, capacity in capabilities.items():
        if modality not in Modality.values:
            problems.append(_("Unknown modality “%(modality)s”.") % {"modality": modality})
        elif capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0):
            problems.append(
                _("The daily capacity for %(modality)s must be a whole number, 0 or more.")
                % {"modality": Modality(modality).label}
            )
        else:
            rows[modality] = capacity
    if problems:
        errors["capabilities"] = problems
    return rows


def _parse_sectors(sectors: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    values = sorted(set(sectors))
    unknown = [value for value in values if value not in Sector.values]
    if unknown:
        errors["sectors"] = [_("Unknown sector “%(sector)s”.") % {"sector": value} for value in unknown]
    return values


@dataclass(frozen=True)
class ShareholderInput:
    """One holder as typed. A person holder gives a resident identity number, or `existing`: the id
    of a person holder already on the list whose stored (hashed) number is kept — the portal
    cannot show the number again for a resubmission."""

    holder_kind: str
    name: str
    share_bp: int
    credit_code: str = ""
    id_number: str = ""
    existing: int | None = None


def organisation_set_shareholders(
    *, actor: User, organisation: Organisation, shareholders: Sequence[ShareholderInput]
) -> list[Shareholder]:
    """Replace the list of shareholders. Row errors are reported as `shareholders.<index>.<field>`
    (index from 0, in the order given); list errors (a holder twice, a total over 100 %) on
    `shareholders`. The shares may add up to less than 100 %: small holders need not be listed."""
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update(of=("self",)).get(pk=organisation.pk)
        current = {holder.pk: holder for holder in organisation.shareholders.all()}
        errors: dict[str, list[str]] = {}
        rows = [_shareholder_row(organisation, index, item, current, errors) for index, item in enumerate(shareholders)]
        if not errors:
            _check_shareholder_list(organisation, rows, errors)
        if errors:
            raise ValidationError(errors)
        before = [snapshot(holder, SHAREHOLDER_AUDIT_FIELDS) for holder in current.values()]
        organisation.shareholders.all().delete()
        created = Shareholder.objects.bulk_create(rows)
        audit_record(
            actor=actor,
            action="organisation.set_shareholders",
            obj=organisation,
            before={"shareholders": before},
            after={"shareholders": [snapshot(holder, SHAREHOLDER_AUDIT_FIELDS) for holder in created]},
        )
    return created


def _shareholder_row(
    organisation: Organisation,
    index: int,
    item: ShareholderInput,
    current: dict[int, Shareholder],
    errors: dict[str, list[str]],
) -> Shareholder:
    prefix = f"shareholders.{index}."
    row = Shareholder(
        organisation=organisation, holder_kind=item.holder_kind, name=(item.name or "").strip(), share_bp=item.share_bp
    )
    if item.holder_kind == HolderKind.ORGANISATION:
        if item.id_number.strip():
            errors[prefix + "id_number"] = [_("An organisation holder has a credit code, not an identity number.")]
        row.holder_credit_code = credit_code.normalise(item.credit_code or "")
        if not row.holder_credit_code:
            errors[prefix + "credit_code"] = [_("Give the holder's unified social credit code.")]
    elif item.holder_kind == HolderKind.PERSON:
        if item.credit_code.strip():
            errors[prefix + "credit_code"] = [_("A natural person has an identity number, not a credit code.")]
        kept = current.get(item.existing) if item.existing is not None else None
        if item.id_number.strip():
            try:
                identity = identify(item.id_number, field=prefix + "id_number")
            except ValidationError as error:
                errors.update(error.message_dict)
            else:
                row.holder_id_hash, row.holder_id_masked = identity.hash, identity.masked
        elif kept is not None and kept.holder_kind == HolderKind.PERSON:
            row.holder_id_hash, row.holder_id_masked = kept.holder_id_hash, kept.holder_id_masked
        elif item.existing is not None:
            errors[prefix + "existing"] = [_("This holder is not on the organisation's list.")]
        else:
            errors[prefix + "id_number"] = [_("Give the holder's resident identity number.")]
    try:
        # Uniqueness is checked over the new list (the old rows are about to go); the organisation is
        # the locked one.
        excluded = ["organisation", *(["holder_credit_code"] if prefix + "credit_code" in errors else [])]
        row.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            key = {"holder_credit_code": "credit_code"}.get(field, field)
            errors.setdefault(prefix + key, []).extend(messages)
    return row


def _check_shareholder_list(organisation: Organisation, rows: list[Shareholder], errors: dict[str, list[str]]) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        key = row.holder_credit_code or row.holder_id_hash
        if key in seen:
            problems.append(_("%(name)s is listed twice.") % {"name": row.name})
        seen.add(key)
        if row.holder_credit_code == organisation.credit_code:
            problems.append(_("An organisation cannot be its own shareholder."))
    total = sum(row.share_bp for row in rows)
    if total > FULL_SHARE_BP:
        problems.append(
            _("The shares add up to %(total)s %%; they cannot exceed 100 %%.") % {"total": hundredths_text(total)}
        )
    if problems:
        errors["shareholders"] = problems


def relation_declare(
    *, actor: User, organisation: Organisation, related_organisation: Organisation, nature: str
) -> DeclaredRelation:
    """Managing staff (or an operator) declare that their organisation is related to another one
    (same actual controller, group company…). Related-party checks read it both ways, so declaring
    the same pair again from either side is refused."""
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    if related_organisation.pk == organisation.pk:
        raise ValidationError({"related_organisation": [_("An organisation cannot declare a relation with itself.")]})
    with transaction.atomic():
        # Both ends locked in pk order: A declaring B and B declaring A at once cannot both pass.
        list(
            Organisation.objects.select_for_update(of=("self",))
            .filter(pk__in=[organisation.pk, related_organisation.pk])
            .order_by("pk")
        )
        pair = [organisation.pk, related_organisation.pk]
        if DeclaredRelation.objects.filter(organisation__in=pair, related_organisation__in=pair).exists():
            raise ValidationError(
                {
                    "related_organisation": [
                        _("A relation with %(name)s is already declared.") % {"name": related_organisation.name}
                    ]
                }
            )
        relation = DeclaredRelation(
            organisation=organisation,
            related_organisation=related_organisation,
            nature=(nature or "").strip(),
            declared_by=actor,
        )
        relation.full_clean()
        relation.save()
        audit_record(
            actor=actor,
            action="relation.declare",
            obj=relation,
            before={},
            after=snapshot(relation, RELATION_AUDIT_FIELDS),
        )
    return relation


def relation_withdraw(*, actor: User, relation: DeclaredRelation) -> None:
    """Only the declaring organisation's managing staff (or an operator) withdraw a declaration: the
    other side cannot erase a relation declared against it."""
    if not may_manage_members(actor, relation.organisation):
        raise PermissionDenied(_("Only the organisation that declared this relation can withdraw it."))
    with transaction.atomic():
        locked = DeclaredRelation.objects.select_for_update(of=("self",)).filter(pk=relation.pk).first()
        if locked is None:
            raise Conflict(_("This relation was already withdrawn."))
        audit_record(
            actor=actor,
            action="relation.withdraw",
            obj=locked,
            before=snapshot(locked, RELATION_AUDIT_FIELDS),
            after={},
        )
        locked.delete()


def membership_add(
    *, actor: User, organisation: Organisation, username: str, role: str, scope_region_code: str = ""
) -> Membership:
    """Operators, and members who may change the organisation, add people to it."""
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not manage the members of this organisation."))
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"username": [_("There is no active user “%(username)s”.") % {"username": username}]})
    with transaction.atomic():
        return _membership_insert(
            actor=actor, organisation=organisation, user=user, role=role, scope_region_code=scope_region_code
        )


def _membership_insert(
    *, actor: User, organisation: Organisation, user: User, role: str, scope_region_code: str = ""
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role “%(role)s”.") % {"role": role}]})
    if not role_allowed(role, organisation.kind):
        raise ValidationError(
            {
                "role": [
                    _("A %(kind)s cannot have members with the role %(role)s.")
                    % {"kind": organisation.get_kind_display(), "role": Role(role).label}
                ]
            }
        )
    scope_region = None
    if scope_region_code:
        if role != Role.REGULATOR:
            raise ValidationError({"scope_region": [_("Only regulators have a regulatory scope.")]})
        scope_region = _region(scope_region_code, field="scope_region")
    membership = Membership(user=user, organisation=organisation, role=role, scope_region=scope_region)
    if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise ValidationError({"user": [_("This person already has this role in the organisation.")]})
    membership.full_clean(validate_constraints=False)
    membership.save()
    user.groups.add(organisation.members_group)
    if role == managing_role(organisation.kind):
        grant(perms=MANAGER_PERMS, to=user, obj=organisation)
    audit_record(
        actor=actor,
        action="membership.add",
        obj=membership,
        before={},
        after=snapshot(membership, MEMBERSHIP_AUDIT_FIELDS),
    )
    return membership


def membership_remove(*, actor: User, membership: Membership) -> None:
    organisation = membership.organisation
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not manage the members of this organisation."))
    with transaction.atomic():
        before = snapshot(membership, MEMBERSHIP_AUDIT_FIELDS)
        audit_record(actor=actor, action="membership.remove", obj=membership, before=before, after={})
        membership.delete()
        remaining = set(
            Membership.objects.filter(user=membership.user, organisation=organisation).values_list("role", flat=True)
        )
        if managing_role(organisation.kind) not in remaining:
            for perm in MANAGER_PERMS:
                remove_perm(perm, membership.user, organisation)
        if not remaining:
            membership.user.groups.remove(organisation.members_group)

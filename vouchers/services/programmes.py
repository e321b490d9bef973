"""Programmes: officers of a voucher authority create them as drafts, open them (which funds the
budget in the ledger), pause, reopen and close them. Closing cancels the vouchers still active, so
their unused balances return to the budget."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.services._common import SUPPLIER_KINDS, lock
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from registry.models import Organisation, Region
from registry.roles import OrganisationKind
from vouchers import ledger, selectors
from vouchers.models import (
    PROGRAMME_TRANSITIONS,
    Account,
    ApplicationState,
    Programme,
    ProgrammeKind,
    ProgrammeState,
    ProviderRule,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.services._common import require_officer
from vouchers.services.vouchers import voucher_return_balance

# Who may hold vouchers: organisations that buy annotation or compute.
HOLDER_KINDS = frozenset({OrganisationKind.ENTERPRISE, OrganisationKind.VENDOR, OrganisationKind.BASE_OPERATOR})
PROGRAMME_AUDIT_FIELDS = (
    "name",
    "kind",
    "year",
    "budget_fen",
    "coverage_bp",
    "holder_cap_fen",
    "valid_from",
    "valid_until",
    "holder_region",
    "holder_kinds",
    "provider_rule",
    "provider_region",
    "rules",
    "state",
)


@dataclass(frozen=True)
class ProgrammeSpec:
    name: str
    kind: str
    year: int
    budget_fen: int
    coverage_bp: int
    holder_cap_fen: int
    valid_from: datetime.date
    valid_until: datetime.date
    holder_region_code: str
    holder_kinds: list[str]
    provider_rule: str
    provider_region_code: str = ""
    provider_credit_codes: list[str] = field(default_factory=list)
    rules: str = ""


def _region(code: str, name: str, errors: dict[str, list[str]]) -> Region | None:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        errors.setdefault(name, []).append(_("Choose a region from the list."))
    return region


def _check_spec(
    spec: ProgrammeSpec, authority: Organisation
) -> tuple[Region | None, Region | None, list[Organisation]]:
    """Every field checked at once, so that a form shows all its errors together."""
    errors: dict[str, list[str]] = {}
    if not (spec.name or "").strip():
        errors["name"] = [_("Give the programme a name.")]
    if spec.kind not in ProgrammeKind.values:
        errors["kind"] = [_("Choose a kind of voucher.")]
    if not 2000 <= spec.year <= 2100:
        errors["year"] = [_("Give a year between 2000 and 2100.")]
    if spec.budget_fen <= 0:
        errors["budget_fen"] = [_("The budget must be more than zero.")]
    if not 1 <= spec.coverage_bp <= 10_000:
        errors["coverage_bp"] = [_("Coverage is a share between 0.01 % and 100 %.")]
    if spec.holder_cap_fen <= 0:
        errors["holder_cap_fen"] = [_("The cap per holder must be more than zero.")]
    elif spec.holder_cap_fen > spec.budget_fen:
        errors["holder_cap_fen"] = [_("The cap per holder cannot exceed the budget.")]
    if spec.valid_until < spec.valid_from:
        errors["valid_until"] = [_("The programme must end on or after the day it starts.")]
    holder_region = _region(spec.holder_region_code, "holder_region", errors)
    if holder_region is not None and not holder_region.code.startswith(authority.region.subtree_prefix):
        errors.setdefault("holder_region", []).append(
            _("Holders must be in the authority's own region (%(region)s) or below it.")
            % {"region": authority.region.display_name}
        )
    kinds = list(dict.fromkeys(spec.holder_kinds))
    if not kinds or any(kind not in HOLDER_KINDS for kind in kinds):
        errors["holder_kinds"] = [_("Choose who may hold vouchers: enterprises, vendors or base operators.")]
    provider_region = None
    providers: list[Organisation] = []
    if spec.provider_rule == ProviderRule.REGION:
        provider_region = _region(spec.provider_region_code, "provider_region", errors)
    elif spec.provider_rule == ProviderRule.LIST:
        codes = list(dict.fromkeys(code.strip().upper() for code in spec.provider_credit_codes if code.strip()))
        providers = list(Organisation.objects.filter(credit_code__in=codes, kind__in=SUPPLIER_KINDS, status="verified"))
        missing = sorted(set(codes) - {provider.credit_code for provider in providers})
        if not codes:
            errors["providers"] = [_("List at least one provider by its credit code.")]
        elif missing:
            errors["providers"] = [
                _("These are not verified providers on the portal: %(codes)s.") % {"codes": ", ".join(missing)}
            ]
    else:
        errors["provider_rule"] = [_("Choose which providers may be paid.")]
    if errors:
        raise ValidationError(errors)
    return holder_region, provider_region, providers


def _apply(programme: Programme, spec: ProgrammeSpec, regions: tuple[Region | None, Region | None]) -> None:
    programme.name = spec.name.strip()
    programme.kind = spec.kind
    programme.year = spec.year
    programme.budget_fen = spec.budget_fen
    programme.coverage_bp = spec.coverage_bp
    programme.holder_cap_fen = spec.holder_cap_fen
    programme.valid_from = spec.valid_from
    programme.valid_until = spec.valid_until
    programme.holder_region = regions[0]  # type: ignore[assignment]
    programme.holder_kinds = sorted(set(spec.holder_kinds))
    programme.provider_rule = spec.provider_rule
    programme.provider_region = regions[1]
    programme.rules = (spec.rules or "").strip()


def programme_create(*, actor: User, authority: Organisation, spec: ProgrammeSpec) -> Programme:
    if (
        authority.kind != OrganisationKind.VOUCHER_AUTHORITY
        or not selectors.officer_authorities(actor).filter(pk=authority.pk).exists()
    ):
        raise PermissionDenied(_("Only officers of a voucher authority can create programmes."))
    if not authority.verified:
        raise PermissionDenied(_("Your authority must be verified by the platform first."))
    holder_region, provider_region, providers = _check_spec(spec, authority)
    with transaction.atomic():
        programme = Programme(authority=authority, created_by=actor)
        _apply(programme, spec, (holder_region, provider_region))
        programme.full_clean()
        programme.save()
        programme.providers.set(providers)
        audit_record(
            actor=actor,
            action="voucher_programme.create",
            obj=programme,
            before={},
            after=snapshot(programme, PROGRAMME_AUDIT_FIELDS),
        )
    return programme


def programme_update(*, actor: User, programme: Programme, spec: ProgrammeSpec) -> Programme:
    """Only a draft changes: once open, its rules are what holders applied under."""
    require_officer(actor=actor, programme=programme)
    with transaction.atomic():
        programme = lock(Programme, programme.pk)
        if programme.state != ProgrammeState.DRAFT:
            raise Conflict(_("Only a draft programme can be edited."))
        regions = _check_spec(spec, programme.authority)
        before = snapshot(programme, PROGRAMME_AUDIT_FIELDS)
        _apply(programme, spec, (regions[0], regions[1]))
        programme.full_clean()
        programme.save()
        programme.providers.set(regions[2])
        audit_record(
            actor=actor,
            action="voucher_programme.update",
            obj=programme,
            before=before,
            after=snapshot(programme, PROGRAMME_AUDIT_FIELDS),
        )
    return programme


def _transition(*, actor: User, programme: Programme, state: str, action: str) -> Programme:
    require_officer(actor=actor, programme=programme)
    with transaction.atomic():
        programme = lock(Programme, programme.pk)
        before = programme.state
        if state not in PROGRAMME_TRANSITIONS[before]:
            raise Conflict(
                _("A programme that is %(state)s cannot become %(new)s.")
                % {"state": ProgrammeState(before).label, "new": ProgrammeState(state).label}
            )
        if before == ProgrammeState.DRAFT and state == ProgrammeState.OPEN:
            ledger.move(
                programme_id=programme.pk,
                kind=TransactionKind.FUND,
                amount_fen=programme.budget_fen,
                source=(Account.FUNDING, None),
                target=(Account.BUDGET, None),
                actor=actor,
            )
            rollup_events.programme_funded(programme)
        if state == ProgrammeState.CLOSED:
            _close_out(actor=actor, programme=programme)
        programme.state = state
        programme.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=actor,
            action=f"voucher_programme.{action}",
            obj=programme,
            before={"state": before},
            after={"state": state},
        )
    return programme


def _close_out(*, actor: User, programme: Programme) -> None:
    """A closed programme takes no applications and pays no more redemptions: open applications
    are rejected and active vouchers cancelled, their balances back in the budget."""
    programme.applications.filter(state=ApplicationState.SUBMITTED).update(
        state=ApplicationState.REJECTED,
        review_note=_("The programme was closed."),
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    active = Voucher.objects.select_for_update(of=("self",)).filter(programme=programme, state=VoucherState.ACTIVE)
    for voucher in active.order_by("pk"):
        voucher_return_balance(
            actor=actor, voucher=voucher, state=VoucherState.CANCELLED, reason=_("The programme was closed.")
        )


def programme_open(*, actor: User, programme: Programme) -> Programme:
    """Open a draft (its budget is funded in the ledger) or reopen a paused programme."""
    return _transition(actor=actor, programme=programme, state=ProgrammeState.OPEN, action="open")


def programme_pause(*, actor: User, programme: Programme) -> Programme:
    """Paused, a programme takes no applications and no redemptions; vouchers keep their balance."""
    return _transition(actor=actor, programme=programme, state=ProgrammeState.PAUSED, action="pause")


def programme_close(*, actor: User, programme: Programme) -> Programme:
    return _transition(actor=actor, programme=programme, state=ProgrammeState.CLOSED, action="close")


__all__ = [
    "HOLDER_KINDS",
    "ProgrammeSpec",
    "programme_close",
    "programme_create",
    "programme_open",
    "programme_pause",
    "programme_update",
]

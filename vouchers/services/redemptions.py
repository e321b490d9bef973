"""Redemption: a voucher pays part of an exchange contract or of a recorded external order.

Every rule of DESIGN §6 is checked inside one transaction, after the rows it depends on are locked
in one fixed order: first the holder's vouchers of the programme (ascending pk: the voucher being
used is one of them, and the per-holder cap spans them all), then the contract or order. Two
redemptions of one voucher therefore queue on its row and the second sees the first's ledger
entries; two on one contract queue on the contract (coverage, the one-programme-per-region rule,
and the payments, which lock the contract too, cannot interleave).

The holder's staff redeem at once. A provider's staff may ask, with the code the holder gave them;
the request waits for the holder to confirm, and the rules run again then. Only a confirmed
redemption moves money (issued → redeemed in the ledger).

A request may carry an idempotency key: the same key again (same voucher, target and amount)
returns the first redemption; the same key with anything else is a conflict (409). The key lives
on the row, under a unique constraint, so it holds across processes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Contract, ContractState, MilestonePayment
from marketplace.services._common import SUPPLIER_KINDS, lock, required_text
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict, NotFound
from portal.money import format_fen, hundredths_text
from registry.models import Organisation
from registry.related_parties import are_related
from registry.roles import OrganisationKind
from vouchers import ledger, selectors
from vouchers.models import (
    REDEMPTION_TRANSITIONS,
    Account,
    ExternalOrder,
    Programme,
    ProgrammeState,
    ProviderRule,
    Redemption,
    RedemptionState,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.services._common import RedemptionRefused, require_acts_for

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Target:
    """What a voucher pays for: an exchange contract or an external order."""

    contract: Contract | None
    order: ExternalOrder | None

    @property
    def holder_id(self) -> int:
        return self.contract.buyer_id if self.contract is not None else self.order.holder_id  # type: ignore[union-attr]

    @property
    def provider(self) -> Organisation:
        return self.contract.supplier if self.contract is not None else self.order.provider  # type: ignore[union-attr]

    @property
    def value_fen(self) -> int:
        return self.contract.value_fen if self.contract is not None else self.order.value_fen  # type: ignore[union-attr]

    def redemptions(self) -> QuerySet[Redemption]:
        if self.contract is not None:
            return Redemption.objects.filter(contract=self.contract)
        return Redemption.objects.filter(order=self.order)


@dataclass(frozen=True)
class RedeemOutcome:
    redemption: Redemption
    replayed: bool


def _target(*, contract_id: object, order_id: object) -> Target:
    if (contract_id is None) == (order_id is None):
        raise ValidationError({"contract": [_("Give either a contract or an order, not both.")]})
    pk = contract_id if contract_id is not None else order_id
    if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
        raise ValidationError({"contract" if contract_id is not None else "order": [_("Give its number.")]})
    if contract_id is not None:
        contract = Contract.objects.select_related("supplier", "buyer").filter(pk=pk).first()
        if contract is None:
            raise NotFound(_("No voucher with this code can be used here."))
        return Target(contract=contract, order=None)
    order = ExternalOrder.objects.select_related("provider", "holder").filter(pk=pk).first()
    if order is None:
        raise NotFound(_("No voucher with this code can be used here."))
    return Target(contract=None, order=order)


def _check_amount(amount_fen: object) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise ValidationError({"amount_fen": [_("Give the amount in fen as a whole number.")]})
    if amount_fen <= 0:
        raise ValidationError({"amount_fen": [_("The amount must be more than zero.")]})
    return amount_fen


def _check_key(key: str) -> str:
    key = key or ""
    if key and (len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable()):
        raise ValidationError({"Idempotency-Key": [_("The key must be 1 to 255 printable ASCII characters.")]})
    return key


def _used(redemptions: QuerySet[Redemption]) -> int:
    return redemptions.filter(state__in=selectors.USED_STATES).aggregate(total=Sum("amount_fen"))["total"] or 0


def _provider_eligible(programme: Programme, provider: Organisation) -> bool:
    if not provider.verified or provider.kind not in SUPPLIER_KINDS:
        return False
    if programme.provider_rule == ProviderRule.LIST:
        return programme.providers.filter(pk=provider.pk).exists()
    region = programme.provider_region
    return (
        provider.kind == OrganisationKind.VENDOR
        and region is not None
        and provider.region_id.startswith(region.subtree_prefix)
    )


def check_rules(*, voucher: Voucher, target: Target, amount_fen: int, today: datetime.date) -> None:
    """Every rule a redemption must pass, in the order of DESIGN §6; the first broken one is
    refused with its own code and message. The caller holds the locks."""
    programme = voucher.programme
    if voucher.state != VoucherState.ACTIVE or not voucher.valid_from <= today <= voucher.valid_until:
        raise RedemptionRefused(
            "voucher_not_valid",
            _("This voucher is valid from %(start)s to %(end)s and is %(state)s.")
            % {
                "start": voucher.valid_from.isoformat(),
                "end": voucher.valid_until.isoformat(),
                "state": VoucherState(voucher.state).label,
            },
        )
    balance = selectors.voucher_balance_fen(voucher)
    if amount_fen > balance:
        raise RedemptionRefused(
            "over_balance", _("The voucher's balance is %(balance)s yuan.") % {"balance": format_fen(balance)}
        )
    if programme.state != ProgrammeState.OPEN or not programme.valid_from <= today <= programme.valid_until:
        raise RedemptionRefused(
            "programme_not_open",
            _("The programme is %(state)s: vouchers cannot be redeemed now.")
            % {
                "state": ProgrammeState(programme.state).label
                if programme.state != ProgrammeState.OPEN
                else _("outside its dates")
            },
        )
    if target.contract is not None:
        if target.contract.state != ContractState.ACTIVE:
            raise RedemptionRefused(
                "contract_not_active", _("Vouchers pay only for a signed contract still under way.")
            )
        if MilestonePayment.objects.filter(contract=target.contract).exists():
            raise RedemptionRefused(
                "payment_started",
                _("Payment of this contract has begun: vouchers must be redeemed before the first payment."),
            )
    coverage = target.value_fen * programme.coverage_bp // 10_000
    room = coverage - _used(target.redemptions().filter(programme=programme))
    room = min(room, target.value_fen - _used(target.redemptions()))
    if amount_fen > room:
        raise RedemptionRefused(
            "over_coverage",
            _("The programme pays at most %(share)s%% of this contract or order: %(room)s yuan more.")
            % {"share": hundredths_text(programme.coverage_bp), "room": format_fen(max(room, 0))},
        )
    year = today.year
    used_this_year = _used(Redemption.objects.filter(holder_id=voucher.holder_id, programme=programme, year=year))
    if used_this_year + amount_fen > programme.holder_cap_fen:
        raise RedemptionRefused(
            "over_cap",
            _("The holder may use at most %(cap)s yuan of this programme in %(year)d: %(room)s yuan more.")
            % {
                "cap": format_fen(programme.holder_cap_fen),
                "year": year,
                "room": format_fen(max(programme.holder_cap_fen - used_this_year, 0)),
            },
        )
    provider = target.provider
    if not _provider_eligible(programme, provider):
        raise RedemptionRefused(
            "provider_not_eligible", _("This programme does not pay %(provider)s.") % {"provider": provider.name}
        )
    if are_related(voucher.holder, provider):
        raise RedemptionRefused(
            "related_party", _("The holder and the provider are related parties: a voucher cannot pay between them.")
        )
    other = (
        target.redemptions()
        .filter(state__in=selectors.USED_STATES, programme__authority__region_id=programme.authority.region_id)
        .exclude(programme=programme)
        .exists()
    )
    if other:
        raise RedemptionRefused(
            "second_programme",
            _("Another programme of this region already subsidises this contract or order."),
        )


def _lock(voucher: Voucher, target: Target) -> tuple[Voucher, Target]:
    """The fixed lock order: the holder's vouchers of the programme by pk, then the target.

    The programme, the holder and the provider the rules read come with these rows, inside the
    transaction, never from the caller's objects, which may be older: a provider's request
    confirmed after the programme was paused (or the provider struck off) is refused."""
    locked = list(
        Voucher.objects.select_for_update(of=("self",))
        .select_related("programme__authority", "holder")
        .filter(holder_id=voucher.holder_id, programme_id=voucher.programme_id)
        .order_by("pk")
    )
    mine = next(v for v in locked if v.pk == voucher.pk)
    if target.contract is not None:
        contract = (
            Contract.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=target.contract.pk)
        )
        return mine, Target(contract=contract, order=None)
    order_pk = target.order.pk  # type: ignore[union-attr]
    order = ExternalOrder.objects.select_for_update(of=("self",)).select_related("provider").get(pk=order_pk)
    return mine, Target(contract=None, order=order)


def _book(*, actor: User, redemption: Redemption, voucher: Voucher) -> None:
    ledger.move(
        programme=voucher.programme,
        kind=TransactionKind.REDEEM,
        amount_fen=redemption.amount_fen,
        source=(Account.ISSUED, voucher),
        target=(Account.REDEEMED, voucher),
        actor=actor,
        voucher=voucher,
        redemption=redemption,
    )


def _same_request(existing: Redemption, voucher: Voucher, target: Target, amount_fen: int) -> bool:
    return (
        existing.voucher_id == voucher.pk
        and existing.contract_id == (target.contract.pk if target.contract else None)
        and existing.order_id == (target.order.pk if target.order else None)
        and existing.amount_fen == amount_fen
    )


def _key_reused() -> Conflict:
    return Conflict(
        _("This Idempotency-Key was already used for a different redemption."),
        fields={"Idempotency-Key": [_("Already used with another request.")]},
    )


def voucher_redeem(
    *,
    actor: User,
    code: str,
    amount_fen: int,
    contract_id: int | None = None,
    order_id: int | None = None,
    idempotency_key: str = "",
    today: datetime.date | None = None,
) -> RedeemOutcome:
    """Redeem `amount_fen` of the voucher with `code` against a contract or an external order.

    The holder's staff redeem at once; a provider's staff create a request the holder confirms. A
    code that does not exist, or that is not the target's holder's, or a target the actor has no
    part in, all answer the same 404, so nothing tells whether a code exists.
    """
    today = today or timezone.localdate()
    amount_fen = _check_amount(amount_fen)
    key = _check_key(idempotency_key)
    target = _target(contract_id=contract_id, order_id=order_id)
    mine = selectors.managed_organisations(actor)
    holder_side = mine.filter(pk=target.holder_id).exists()
    if not holder_side and not mine.filter(pk=target.provider.pk).exists():
        raise NotFound(_("No voucher with this code can be used here."))
    holder = Organisation.objects.get(pk=target.holder_id)
    voucher = selectors.voucher_by_code(holder=holder, code=code)
    voucher.holder = holder
    with transaction.atomic():
        voucher, target = _lock(voucher, target)
        if key:
            existing = Redemption.objects.filter(requested_by=actor, idempotency_key=key).first()
            if existing is not None:
                if not _same_request(existing, voucher, target, amount_fen):
                    raise _key_reused()
                return RedeemOutcome(redemption=existing, replayed=True)
        check_rules(voucher=voucher, target=target, amount_fen=amount_fen, today=today)
        now = timezone.now()
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    voucher=voucher,
                    programme_id=voucher.programme_id,
                    holder_id=voucher.holder_id,
                    provider=target.provider,
                    contract=target.contract,
                    order=target.order,
                    amount_fen=amount_fen,
                    state=RedemptionState.CONFIRMED if holder_side else RedemptionState.PENDING,
                    year=today.year,
                    requested_by=actor,
                    idempotency_key=key,
                    requested_at=now,
                    confirmed_by=actor if holder_side else None,
                    confirmed_at=now if holder_side else None,
                )
        except IntegrityError as error:
            # The same key, sent at the same moment for another voucher, committed first.
            raise _key_reused() from error
        if holder_side:
            _book(actor=actor, redemption=redemption, voucher=voucher)
        audit_record(
            actor=actor,
            action="voucher.redeem" if holder_side else "voucher.redeem_request",
            obj=voucher,
            before={},
            after={"redemption": redemption.pk, "amount_fen": amount_fen, "state": redemption.state},
        )
    return RedeemOutcome(redemption=redemption, replayed=False)


def _pending(actor: User, redemption: Redemption, state: str) -> tuple[Voucher, Target, Redemption]:
    require_acts_for(actor=actor, organisation=redemption.holder)
    target = Target(contract=redemption.contract, order=redemption.order)
    voucher, target = _lock(redemption.voucher, target)
    redemption = lock(Redemption, redemption.pk)
    if state not in REDEMPTION_TRANSITIONS[redemption.state]:
        raise Conflict(_("This redemption is already %(state)s.") % {"state": RedemptionState(redemption.state).label})
    return voucher, target, redemption


def redemption_confirm(*, actor: User, redemption: Redemption, today: datetime.date | None = None) -> Redemption:
    """The holder confirms a provider's request: the rules run again, now, and money moves."""
    today = today or timezone.localdate()
    with transaction.atomic():
        voucher, target, redemption = _pending(actor, redemption, RedemptionState.CONFIRMED)
        check_rules(voucher=voucher, target=target, amount_fen=redemption.amount_fen, today=today)
        redemption.state = RedemptionState.CONFIRMED
        redemption.year = today.year
        redemption.confirmed_by = actor
        redemption.confirmed_at = timezone.now()
        redemption.save(update_fields=["state", "year", "confirmed_by", "confirmed_at"])
        _book(actor=actor, redemption=redemption, voucher=voucher)
        audit_record(
            actor=actor,
            action="voucher.redeem",
            obj=voucher,
            before={"redemption": redemption.pk, "state": RedemptionState.PENDING},
            after={"redemption": redemption.pk, "amount_fen": redemption.amount_fen, "state": redemption.state},
        )
    return redemption


def redemption_decline(*, actor: User, redemption: Redemption) -> Redemption:
    with transaction.atomic():
        voucher, _target, redemption = _pending(actor, redemption, RedemptionState.DECLINED)
        redemption.state = RedemptionState.DECLINED
        redemption.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="voucher.redeem_decline",
            obj=voucher,
            before={"redemption": redemption.pk, "state": RedemptionState.PENDING},
            after={"redemption": redemption.pk, "state": redemption.state},
        )
    return redemption


def external_order_record(
    *,
    actor: User,
    holder: Organisation,
    provider_credit_code: str,
    description: str,
    value_fen: int,
    ordered_on: datetime.date,
    today: datetime.date | None = None,
) -> ExternalOrder:
    """The holder records an order placed outside the exchange, so a voucher can pay part of it."""
    today = today or timezone.localdate()
    require_acts_for(actor=actor, organisation=holder)
    errors: dict[str, list[str]] = {}
    provider = Organisation.objects.filter(credit_code=(provider_credit_code or "").strip().upper()).first()
    if provider is None:
        errors["provider"] = [_("No organisation with this credit code is registered on the portal.")]
    elif provider.pk == holder.pk:
        errors["provider"] = [_("An order is placed with another organisation.")]
    if isinstance(value_fen, bool) or not isinstance(value_fen, int) or value_fen <= 0:
        errors["value_fen"] = [_("The order's value must be more than zero.")]
    if ordered_on > today:
        errors["ordered_on"] = [_("The order date cannot be in the future.")]
    try:
        description = required_text(description, "description", _("Say what was ordered."))[:200]
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors or provider is None:
        raise ValidationError(errors)
    with transaction.atomic():
        order = ExternalOrder.objects.create(
            holder=holder,
            provider=provider,
            description=description,
            value_fen=value_fen,
            ordered_on=ordered_on,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="voucher_order.record",
            obj=order,
            before={},
            after={"provider": provider.pk, "value_fen": value_fen, "ordered_on": ordered_on},
        )
    return order

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

import contextlib
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import ContractState
from marketplace.services._common import SUPPLIER_KINDS, lock, required_text
from monitoring.rollups import events as rollup_events
from portal import prepared
from portal.accounts.models import User
from portal.audit.services import audit_entry_statements, audit_record, locked_head
from portal.errors import Conflict, NotFound
from portal.money import format_fen, hundredths_text
from registry.models import Organisation, VerificationStatus, subtree_prefix_of
from registry.related_parties import are_related
from registry.roles import OrganisationKind
from vouchers import ledger, totals
from vouchers.codes import normalise_code
from vouchers.models import (
    REDEMPTION_TRANSITIONS,
    Account,
    ExternalOrder,
    ProgrammeState,
    ProviderRule,
    Redemption,
    RedemptionState,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.services import redemption_facts
from vouchers.services._common import RedemptionRefused, require_acts_for
from vouchers.services.redemption_facts import Facts

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class RedeemOutcome:
    redemption: Redemption
    replayed: bool


def _target(*, contract_id: object, order_id: object) -> tuple[redemption_facts._TargetTable, int]:
    if (contract_id is None) == (order_id is None):
        raise ValidationError({"contract": [_("Give either a contract or an order, not both.")]})
    pk = contract_id if contract_id is not None else order_id
    if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
        raise ValidationError({"contract" if contract_id is not None else "order": [_("Give its number.")]})
    return (redemption_facts.CONTRACT if contract_id is not None else redemption_facts.ORDER), pk


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


def _provider_eligible(facts: Facts) -> bool:
    if facts.provider_status != VerificationStatus.VERIFIED or facts.provider_kind not in SUPPLIER_KINDS:
        return False
    if facts.provider_rule == ProviderRule.LIST:
        return facts.provider_listed
    if facts.provider_region_code is None or facts.provider_region_level is None:
        return False
    prefix = subtree_prefix_of(facts.provider_region_code, facts.provider_region_level)
    return facts.provider_kind == OrganisationKind.VENDOR and facts.provider_region_id.startswith(prefix)


def check_rules(*, facts: Facts, related: bool, amount_fen: int, today: datetime.date) -> None:
    """Every rule a redemption must pass, in the order of DESIGN §6; the first broken one is
    refused with its own code and message. `facts` were read under the locks; `related` is the
    registry's answer for the holder and the provider."""
    if facts.voucher_state != VoucherState.ACTIVE or not facts.voucher_valid_from <= today <= facts.voucher_valid_until:
        raise RedemptionRefused(
            "voucher_not_valid",
            _("This voucher is valid from %(start)s to %(end)s and is %(state)s.")
            % {
                "start": facts.voucher_valid_from.isoformat(),
                "end": facts.voucher_valid_until.isoformat(),
                "state": VoucherState(facts.voucher_state).label,
            },
        )
    if amount_fen > facts.balance_fen:
        raise RedemptionRefused(
            "over_balance",
            _("The voucher's balance is %(balance)s yuan.") % {"balance": format_fen(facts.balance_fen)},
        )
    open_now = facts.programme_valid_from <= today <= facts.programme_valid_until
    if facts.programme_state != ProgrammeState.OPEN or not open_now:
        raise RedemptionRefused(
            "programme_not_open",
            _("The programme is %(state)s: vouchers cannot be redeemed now.")
            % {
                "state": ProgrammeState(facts.programme_state).label
                if facts.programme_state != ProgrammeState.OPEN
                else _("outside its dates")
            },
        )
    if facts.target_state is not None:  # an exchange contract
        if facts.target_state != ContractState.ACTIVE:
            raise RedemptionRefused(
                "contract_not_active", _("Vouchers pay only for a signed contract still under way.")
            )
        if facts.payment_started:
            raise RedemptionRefused(
                "payment_started",
                _("Payment of this contract has begun: vouchers must be redeemed before the first payment."),
            )
    coverage = facts.value_fen * facts.coverage_bp // 10_000
    room = min(coverage - facts.used_by_programme_fen, facts.value_fen - facts.used_fen)
    if amount_fen > room:
        raise RedemptionRefused(
            "over_coverage",
            _("The programme pays at most %(share)s%% of this contract or order: %(room)s yuan more.")
            % {"share": hundredths_text(facts.coverage_bp), "room": format_fen(max(room, 0))},
        )
    if facts.used_this_year_fen + amount_fen > facts.holder_cap_fen:
        raise RedemptionRefused(
            "over_cap",
            _("The holder may use at most %(cap)s yuan of this programme in %(year)d: %(room)s yuan more.")
            % {
                "cap": format_fen(facts.holder_cap_fen),
                "year": today.year,
                "room": format_fen(max(facts.holder_cap_fen - facts.used_this_year_fen, 0)),
            },
        )
    if not _provider_eligible(facts):
        raise RedemptionRefused(
            "provider_not_eligible",
            _("This programme does not pay %(provider)s.") % {"provider": facts.provider_name},
        )
    if related:
        raise RedemptionRefused(
            "related_party", _("The holder and the provider are related parties: a voucher cannot pay between them.")
        )
    if facts.other_programme:
        raise RedemptionRefused(
            "second_programme",
            _("Another programme of this region already subsidises this contract or order."),
        )


def _checked_facts(
    *,
    actor: User,
    kind: redemption_facts._TargetTable,
    voucher_id: int,
    target_id: int,
    amount_fen: int,
    today: datetime.date,
    idempotency_key: str = "",
) -> Facts:
    """The facts under the locks (the caller took them), checked unless the request is a replay."""
    facts = redemption_facts.facts(
        kind=kind,
        voucher_id=voucher_id,
        target_id=target_id,
        year=today.year,
        actor=actor,
        idempotency_key=idempotency_key,
    )
    if facts.replay_id is None:
        related = are_related(facts.holder_id, facts.provider_id)
        check_rules(facts=facts, related=related, amount_fen=amount_fen, today=today)
    return facts


def _posting(actor: User, redemption: Redemption) -> dict[str, Any]:
    """A confirmed redemption's posting: its amount from the voucher's issued balance to redeemed."""
    return {
        "programme_id": redemption.programme_id,
        "kind": TransactionKind.REDEEM,
        "amount_fen": redemption.amount_fen,
        "source": (Account.ISSUED, redemption.voucher_id),
        "target": (Account.REDEEMED, redemption.voucher_id),
        "actor": actor,
        "voucher_id": redemption.voucher_id,
        "redemption_id": redemption.pk,
    }


def _book(*, actor: User, redemption: Redemption) -> None:
    """A confirmed redemption's writes besides its own row: the ledger posting, the running totals
    the rules read and the rollup delta."""
    ledger.move(**_posting(actor, redemption))
    totals.count_used(redemption)
    rollup_events.voucher_redeemed(redemption)


def _audited_voucher(redemption: Redemption) -> Voucher:
    """The audit row names the voucher (its chain is the voucher's): its type and id are all the
    log reads, so the row is not fetched for it."""
    return Voucher(pk=redemption.voucher_id)


_INSERTED = [field for field in Redemption._meta.concrete_fields if not field.primary_key]
_INSERT = (
    f"INSERT INTO {Redemption._meta.db_table} ({', '.join(field.column for field in _INSERTED)})"
    f" VALUES ({', '.join(['%s'] * len(_INSERTED))}) RETURNING id"
)


_INSERT_WITH_ID = (
    f"INSERT INTO {Redemption._meta.db_table} (id, {', '.join(field.column for field in _INSERTED)})"
    f" VALUES ({', '.join(['%s'] * (len(_INSERTED) + 1))})"
)


def _values(redemption: Redemption) -> list[object]:
    return [field.get_db_prep_save(getattr(redemption, field.attname), connection) for field in _INSERTED]


def _insert(redemption: Redemption) -> None:
    """INSERT the new row by hand (a prepared statement): the hot path, where the ORM's insert
    cost more processor time than the database's."""
    row = prepared.fetchone(_INSERT, _values(redemption))
    if row is None:
        raise RuntimeError("INSERT … RETURNING returned no row")
    redemption.pk = row[0]
    redemption._state.adding = False
    redemption._state.db = connection.alias


def _key_reused() -> Conflict:
    return Conflict(
        _("This Idempotency-Key was already used for a different redemption."),
        fields={"Idempotency-Key": [_("Already used with another request.")]},
    )


def _replay(
    replay_id: int, *, voucher_id: int, kind: redemption_facts._TargetTable, target_id: int, amount_fen: int
) -> RedeemOutcome:
    existing = Redemption.objects.get(pk=replay_id)
    same = (
        existing.voucher_id == voucher_id
        and getattr(existing, kind.redemption_column) == target_id
        and existing.amount_fen == amount_fen
    )
    if not same:
        raise _key_reused()
    return RedeemOutcome(redemption=existing, replayed=True)


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
    kind, target_id = _target(contract_id=contract_id, order_id=order_id)
    request = _Request(actor, normalise_code(code) or "", kind, target_id, amount_fen, key, today)
    if connection.vendor == "postgresql":
        return _redeem_in_two_calls(request)
    return _redeem(request)


@dataclass(frozen=True)
class _Request:
    actor: User
    code: str  # normalised
    kind: redemption_facts._TargetTable
    target_id: int
    amount_fen: int
    key: str
    today: datetime.date


def _not_found() -> NotFound:
    return NotFound(_("No voucher with this code can be used here."))


def _new_redemption(
    request: _Request, *, voucher_id: int, facts: Facts, provider_id: int, holder_side: bool
) -> Redemption:
    now = timezone.now()
    return Redemption(
        voucher_id=voucher_id,
        programme_id=facts.programme_id,
        holder_id=facts.holder_id,
        provider_id=provider_id,
        **{request.kind.redemption_column: request.target_id},
        amount_fen=request.amount_fen,
        state=RedemptionState.CONFIRMED if holder_side else RedemptionState.PENDING,
        year=request.today.year,
        requested_by=request.actor,
        idempotency_key=request.key,
        requested_at=now,
        confirmed_by=request.actor if holder_side else None,
        confirmed_at=now if holder_side else None,
    )


def _audit_after(redemption: Redemption) -> dict[str, object]:
    return {"redemption": redemption.pk, "amount_fen": redemption.amount_fen, "state": redemption.state}


def _audit_action(holder_side: bool) -> str:
    return "voucher.redeem" if holder_side else "voucher.redeem_request"


def _redeem(request: _Request) -> RedeemOutcome:
    """Statement by statement: SQLite's way (the embedded `make run`), and the rules' reference."""
    kind, target_id = request.kind, request.target_id
    parties = redemption_facts.parties(kind=kind, target_id=target_id, code=request.code, actor=request.actor)
    if (
        parties is None
        or parties.voucher_id is None
        or parties.programme_id is None
        or not (parties.acts_for_holder or parties.acts_for_provider)
    ):
        raise _not_found()
    holder_side = parties.acts_for_holder
    with transaction.atomic():
        redemption_facts.lock(
            kind=kind, holder_id=parties.holder_id, programme_id=parties.programme_id, target_id=target_id
        )
        facts = _checked_facts(
            actor=request.actor,
            kind=kind,
            voucher_id=parties.voucher_id,
            target_id=target_id,
            amount_fen=request.amount_fen,
            today=request.today,
            idempotency_key=request.key,
        )
        if facts.replay_id is not None:
            return _replay(
                facts.replay_id,
                voucher_id=parties.voucher_id,
                kind=kind,
                target_id=target_id,
                amount_fen=request.amount_fen,
            )
        redemption = _new_redemption(
            request,
            voucher_id=parties.voucher_id,
            facts=facts,
            provider_id=parties.provider_id,
            holder_side=holder_side,
        )
        try:
            _insert(redemption)
        except IntegrityError as error:
            # The same key, sent at the same moment for another voucher, committed first. The
            # transaction is spoilt, and the Conflict rolls it back.
            raise _key_reused() from error
        if holder_side:
            _book(actor=request.actor, redemption=redemption)
        audit_record(
            actor=request.actor,
            action=_audit_action(holder_side),
            obj=_audited_voucher(redemption),
            before={},
            after=_audit_after(redemption),
        )
    return RedeemOutcome(redemption=redemption, replayed=False)


def _redeem_in_two_calls(request: _Request) -> RedeemOutcome:
    """PostgreSQL's way, the same steps and rules in two round trips inside the transaction: one
    call reads (`redemption_facts.locked_facts`), `check_rules` decides in Python, and one
    statement writes the redemption, its ledger posting, its rollup delta and its audit entry."""
    redemption_facts.prepare_functions()
    # In psycopg's pipeline mode the BEGIN travels with the read, and the writes with the COMMIT:
    # two round trips in all. A write's error (the idempotency key taken at the same moment)
    # comes back with the COMMIT, which the transaction's exit sends. Only when the transaction is
    # this service's own: inside a caller's, the error would come back after the savepoint's
    # release, too late for the savepoint to undo the writes cleanly.
    pipeline = connection.connection.pipeline() if not connection.in_atomic_block else contextlib.nullcontext()
    try:
        with connection.wrap_database_errors, pipeline, transaction.atomic():
            locked = redemption_facts.locked_facts(
                kind=request.kind,
                target_id=request.target_id,
                code=request.code,
                actor=request.actor,
                year=request.today.year,
                idempotency_key=request.key,
            )
            if locked is None:
                raise _not_found()
            facts = locked.facts
            if facts.replay_id is not None:
                return _replay(
                    facts.replay_id,
                    voucher_id=locked.voucher_id,
                    kind=request.kind,
                    target_id=request.target_id,
                    amount_fen=request.amount_fen,
                )
            check_rules(facts=facts, related=locked.related, amount_fen=request.amount_fen, today=request.today)
            holder_side = locked.acts_for_holder
            redemption = _new_redemption(
                request,
                voucher_id=locked.voucher_id,
                facts=facts,
                provider_id=facts.provider_id,
                holder_side=holder_side,
            )
            redemption.pk = locked.redemption_id
            parts: list[tuple[str, str, Sequence[object]]] = [
                ("redemption", _INSERT_WITH_ID, [redemption.pk, *_values(redemption)])
            ]
            if holder_side:
                parts += ledger.move_statements(**_posting(request.actor, redemption))
                parts += totals.used_statements(redemption)
                parts.append(("rollup", *rollup_events.voucher_redeemed_statement(redemption)))
            entry, (entry_insert, head_update) = audit_entry_statements(
                actor=request.actor,
                action=_audit_action(holder_side),
                obj=_audited_voucher(redemption),
                before={},
                after=_audit_after(redemption),
                head=locked.head or locked_head(locked.chain),
            )
            if entry.chain != locked.chain:
                raise RuntimeError(f"audit chain {entry.chain} computed, {locked.chain} locked: chain_of_sql drifted")
            parts += [("audit_entry", *entry_insert), ("audit_head", *head_update)]
            prepared.send(
                "WITH " + ", ".join(f"{name} AS ({sql})" for name, sql, _params in parts) + " SELECT 1",
                [value for _name, _sql, params in parts for value in params],
            )
            redemption._state.adding = False
            redemption._state.db = connection.alias
    except IntegrityError as error:
        raise _key_reused() from error  # as in `_redeem`
    return RedeemOutcome(redemption=redemption, replayed=False)


def _pending(actor: User, redemption: Redemption, state: str) -> tuple[redemption_facts._TargetTable, int, Redemption]:
    require_acts_for(actor=actor, organisation=redemption.holder)
    if redemption.contract_id is not None:
        kind, target_id = redemption_facts.CONTRACT, redemption.contract_id
    else:
        kind, target_id = redemption_facts.ORDER, redemption.order_id  # type: ignore[assignment]
    redemption_facts.lock(
        kind=kind, holder_id=redemption.holder_id, programme_id=redemption.programme_id, target_id=target_id
    )
    redemption = lock(Redemption, redemption.pk)
    if state not in REDEMPTION_TRANSITIONS[redemption.state]:
        raise Conflict(_("This redemption is already %(state)s.") % {"state": RedemptionState(redemption.state).label})
    return kind, target_id, redemption


def redemption_confirm(*, actor: User, redemption: Redemption, today: datetime.date | None = None) -> Redemption:
    """The holder confirms a provider's request: the rules run again, now, and money moves."""
    today = today or timezone.localdate()
    with transaction.atomic():
        kind, target_id, redemption = _pending(actor, redemption, RedemptionState.CONFIRMED)
        _checked_facts(
            actor=actor,
            kind=kind,
            voucher_id=redemption.voucher_id,
            target_id=target_id,
            amount_fen=redemption.amount_fen,
            today=today,
        )
        redemption.state = RedemptionState.CONFIRMED
        redemption.year = today.year
        redemption.confirmed_by = actor
        redemption.confirmed_at = timezone.now()
        redemption.save(update_fields=["state", "year", "confirmed_by", "confirmed_at"])
        _book(actor=actor, redemption=redemption)
        audit_record(
            actor=actor,
            action="voucher.redeem",
            obj=_audited_voucher(redemption),
            before={"redemption": redemption.pk, "state": RedemptionState.PENDING},
            after={"redemption": redemption.pk, "amount_fen": redemption.amount_fen, "state": redemption.state},
        )
    return redemption


def redemption_decline(*, actor: User, redemption: Redemption) -> Redemption:
    with transaction.atomic():
        _kind, _target_id, redemption = _pending(actor, redemption, RedemptionState.DECLINED)
        redemption.state = RedemptionState.DECLINED
        redemption.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="voucher.redeem_decline",
            obj=_audited_voucher(redemption),
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

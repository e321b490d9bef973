"""A voucher's end: cancelled by an officer, expired by the daily beat, or cancelled when its
programme closes. Whatever balance is left goes back to the programme's budget."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.services._common import lock, required_text
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict
from vouchers import ledger, selectors
from vouchers.models import Account, Redemption, RedemptionState, TransactionKind, Voucher, VoucherState
from vouchers.services._common import require_officer

logger = logging.getLogger(__name__)


def voucher_return_balance(*, actor: User | None, voucher: Voucher, state: str, reason: str = "") -> int:
    """End a voucher the caller has locked: pending redemption requests are declined and the unused
    balance is booked back to the budget. Returns the amount returned."""
    if voucher.state != VoucherState.ACTIVE:
        raise Conflict(_("This voucher has already ended."))
    balance = selectors.voucher_balance_fen(voucher)
    if balance:
        ledger.move(
            programme_id=voucher.programme_id,
            kind=TransactionKind.CANCEL if state == VoucherState.CANCELLED else TransactionKind.EXPIRE,
            amount_fen=balance,
            source=(Account.ISSUED, voucher.pk),
            target=(Account.BUDGET, None),
            actor=actor,
            voucher_id=voucher.pk,
        )
    Redemption.objects.filter(voucher=voucher, state=RedemptionState.PENDING).update(state=RedemptionState.DECLINED)
    voucher.state = state
    voucher.ended_at = timezone.now()
    voucher.cancellation_reason = reason
    voucher.save(update_fields=["state", "ended_at", "cancellation_reason"])
    rollup_events.voucher_expired_or_cancelled(voucher, returned_fen=balance)
    audit_record(
        actor=actor,
        action=f"voucher.{'cancel' if state == VoucherState.CANCELLED else 'expire'}",
        obj=voucher,
        before={"state": VoucherState.ACTIVE},
        after={"state": state, "returned_fen": balance, "reason": reason},
    )
    return balance


def voucher_cancel(*, actor: User, voucher: Voucher, reason: str) -> Voucher:
    """An officer cancels a voucher (for instance one obtained with false evidence)."""
    require_officer(actor=actor, programme=voucher.programme)
    reason = required_text(reason, "reason", _("Say why the voucher is cancelled."))
    with transaction.atomic():
        voucher = lock(Voucher, voucher.pk)
        voucher_return_balance(actor=actor, voucher=voucher, state=VoucherState.CANCELLED, reason=reason)
    return voucher


def vouchers_expire(*, today: datetime.date) -> int:
    """Expire every active voucher whose last valid day is before `today` (the daily beat). Each
    voucher is its own transaction, re-checked under its lock, so a run that stops half way or runs
    twice leaves nothing half done."""
    expired = 0
    due = Voucher.objects.filter(state=VoucherState.ACTIVE, valid_until__lt=today).order_by("pk")
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            voucher = Voucher.objects.select_for_update(of=("self",)).select_related("programme").get(pk=pk)
            if voucher.state != VoucherState.ACTIVE or voucher.valid_until >= today:
                continue
            voucher_return_balance(actor=None, voucher=voucher, state=VoucherState.EXPIRED)
            expired += 1
    if expired:
        logger.info("expired %d vouchers", expired)
    return expired

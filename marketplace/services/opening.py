"""The deadline sweep and the opening (开标).

`tenders_close_due` is what the beat task runs: it closes bidding on every tender whose deadline
has passed and queues its opening. Each tender is taken with FOR UPDATE SKIP LOCKED and its state
re-checked under the lock, so two sweeps at once (or one run twice) close and open each tender once.
An opening lost with its worker is queued again by a later sweep.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import sealing, tasks
from marketplace.models import Bid, BidState, LotState, Tender
from marketplace.procedures import rules_of
from marketplace.services._common import lock
from marketplace.services.bids import BID_AUDIT_FIELDS, bid_unseal
from marketplace.services.tenders import _transition
from marketplace.states import TenderAction, TenderState
from monitoring.rollups import events as rollup_events
from portal.audit.services import audit_chains_lock, audit_record, snapshot

logger = logging.getLogger(__name__)


def tenders_close_due() -> list[int]:
    """Close every tender whose deadline has passed; return the ids whose opening was queued."""
    now = timezone.now()
    due = list(
        Tender.objects.filter(next_check_at__lte=now, state__in=(TenderState.OPEN, TenderState.OPENING))
        .order_by("next_check_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    queued = []
    for tender_id in due:
        with transaction.atomic():
            tender = (
                Tender.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=tender_id, next_check_at__lte=now)
                .first()
            )
            if tender is None:  # another sweep holds it, or it changed since the query
                continue
            tender.next_check_at = now + timedelta(seconds=settings.TENDER_OPENING_RETRY_SECONDS)
            if tender.state == TenderState.OPEN:
                if tender.deadline > now:
                    continue
                _transition(actor=None, tender=tender, action=TenderAction.CLOSE, tags=["tenderUpdate"])
            elif tender.state == TenderState.OPENING:
                tender.save(update_fields=["next_check_at"])
            else:
                continue
            transaction.on_commit(partial(tasks.tender_open_task.delay, tender_id))
            queued.append(tender_id)
    return queued


def _open_bid(bid: Bid, *, tender: Tender, now: datetime) -> None:
    before = snapshot(bid, BID_AUDIT_FIELDS)
    bid.opened_at = now
    try:
        content = bid_unseal(bid)
    except (sealing.SealBroken, ValueError, KeyError, TypeError) as exc:
        logger.warning("bid %s of tender %s failed to open: %s", bid.uid, tender.pk, exc)
        bid.state = BidState.INVALID
        bid.invalid_reason = _("The sealed bid does not match its receipt: it was altered after submission.")
    else:
        bid.price_fen = content.price_fen
        bid.documents = [
            {
                "name": d.name,
                "media_type": d.media_type,
                "size": len(d.content),
                "sha256": hashlib.sha256(d.content).hexdigest(),
            }
            for d in content.documents
        ]
        if bid.documents_version < tender.documents_version:
            bid.state = BidState.INVALID
            bid.invalid_reason = _("The bidder did not confirm the bid after the tender documents were amended.")
        elif bid.price_fen > bid.lot.budget_fen:
            bid.state = BidState.INVALID
            bid.invalid_reason = _("The price exceeds the lot's budget.")
        else:
            bid.state = BidState.VALID
    bid.save(update_fields=["state", "opened_at", "price_fen", "documents", "invalid_reason"])
    audit_record(
        actor=None,
        action="bid.open",
        obj=bid,
        before=before,
        after=snapshot(bid, (*BID_AUDIT_FIELDS, "price_fen", "invalid_reason")),
    )


def tender_open(*, tender_id: int) -> Tender | None:
    """Decrypt and check every sealed bid, record the opening list, then move the tender to
    evaluation, or to failed when no lot has the valid bids its procedure needs (a lot short of
    them is unsuccessful). Does nothing for a tender that is not waiting to be opened."""
    with transaction.atomic():
        tender = lock(Tender, tender_id)
        if tender.state != TenderState.OPENING:
            return None
        now = timezone.now()
        bids = list(
            Bid.objects.select_for_update(of=("self",))
            .select_related("lot")
            .filter(tender=tender, state=BidState.SUBMITTED)
            .order_by("pk")
        )
        audit_chains_lock([tender, *bids])  # many audit rows: take their chains in a fixed order
        for bid in bids:
            _open_bid(bid, tender=tender, now=now)
        needed = rules_of(tender.procedure).min_valid_bids
        lots = tender.lots.annotate(valid=Count("bids", filter=Q(bids__state=BidState.VALID)))
        short = [lot.pk for lot in lots if lot.valid < needed]
        tender.lots.filter(pk__in=short).update(state=LotState.UNSUCCESSFUL)
        tender.opened_at = now
        tender.next_check_at = None
        everything_short = len(short) == tender.lots.count()
        _transition(
            actor=None,
            tender=tender,
            action=TenderAction.FAIL if everything_short else TenderAction.OPEN,
            tags=["tenderUpdate"],
        )
        rollup_events.bids_opened(tender)
    return tender

"""Sealed bids: submit (sealing at once), withdraw, confirm after an amendment.

Every bid service takes the tender row FOR SHARE and reads the server clock after getting it, so
a bid either commits before the deadline sweep closes the tender or sees the tender closed: there
is no window in which a late bid slips in or an in-time one is lost.
"""

from __future__ import annotations

import base64
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import sealing
from marketplace.models import Bid, BidState, Lot, LotState, Tender
from marketplace.services._common import lock, lock_shared, require_vendor_staff
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.audit.services import audit_chains_lock, audit_record, snapshot
from portal.errors import Conflict
from portal.money import MAX_HUNDREDTHS
from portal.permissions import grant
from registry.models import Organisation

# What the audit log keeps of a sealed bid: never its price or documents.
BID_AUDIT_FIELDS = ("tender", "lot", "vendor", "state", "receipt_sha256", "received_at", "documents_version")
BIDDER_PERMS = ("marketplace.view_bid",)
MAX_DOCUMENT_NAME = 200


class DeadlinePassed(Conflict):
    code = "deadline_passed"


@dataclass(frozen=True)
class BidDocumentInput:
    name: str
    content: bytes
    media_type: str = "application/octet-stream"


def _check_content(*, price_fen: int, documents: Sequence[BidDocumentInput], lot: Lot) -> None:
    errors: dict[str, list[str]] = {}
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or not 0 < price_fen <= MAX_HUNDREDTHS:
        errors["price_fen"] = [_("Give the price as a whole number of fen above zero.")]
    if not documents:
        errors["documents"] = [_("Attach your technical proposal.")]
    total = sum(len(d.content) for d in documents)
    if total > settings.BID_DOCUMENTS_MAX_BYTES:
        errors["documents"] = [
            _("The documents of a bid may total at most %(mb)d MB.") % {"mb": settings.BID_DOCUMENTS_MAX_BYTES // 2**20}
        ]
    for document in documents:
        name = posixpath.basename(document.name.replace("\\", "/")).strip()
        if not name or len(name) > MAX_DOCUMENT_NAME:
            errors["documents"] = [_("Every document needs a file name of at most 200 characters.")]
        elif not document.content:
            errors["documents"] = [_("The file “%(name)s” is empty.") % {"name": name}]
    if lot.state != LotState.ACTIVE:
        errors["lot"] = [_("This lot no longer takes bids.")]
    if errors:
        raise ValidationError(errors)


def _payload(*, price_fen: int, currency: str, documents: Sequence[BidDocumentInput]) -> bytes:
    return json.dumps(
        {
            "price_fen": price_fen,
            "currency": currency,
            "documents": [
                {
                    "name": posixpath.basename(d.name.replace("\\", "/")).strip(),
                    "media_type": d.media_type or "application/octet-stream",
                    "content": base64.b64encode(d.content).decode("ascii"),
                }
                for d in documents
            ],
        },
        separators=(",", ":"),
    ).encode()


def _open_tender(tender_id: int) -> tuple[Tender, datetime]:
    """The tender locked FOR SHARE and the server time read after the lock; refuses a closed one."""
    tender = lock_shared(Tender, tender_id)
    now = timezone.now()
    if tender.state != TenderState.OPEN or now >= tender.deadline:
        raise DeadlinePassed(
            _("The bid deadline of this tender (%(deadline)s) has passed: bids are no longer accepted.")
            % {"deadline": timezone.localtime(tender.deadline).strftime("%Y-%m-%d %H:%M:%S")}
        )
    return tender, now


def bid_submit(
    *,
    actor: User,
    tender: Tender,
    lot: Lot,
    vendor: Organisation,
    price_fen: int,
    documents: Sequence[BidDocumentInput],
) -> Bid:
    """Seal and store a bid on one lot; a bid the vendor already has on the lot is withdrawn."""
    require_vendor_staff(actor=actor, vendor=vendor)
    if lot.tender_id != tender.pk:
        raise ValidationError({"lot": [_("This lot belongs to another tender.")]})
    if vendor.pk == tender.buyer_id:
        raise ValidationError({"vendor": [_("A buyer cannot bid on its own tender.")]})
    _check_content(price_fen=price_fen, documents=documents, lot=lot)
    with transaction.atomic():
        tender, now = _open_tender(tender.pk)
        previous = (
            Bid.objects.select_for_update(of=("self",)).filter(lot=lot, vendor=vendor, state=BidState.SUBMITTED).first()
        )
        bid = Bid(tender=tender, lot=lot, vendor=vendor, submitted_by=actor, received_at=now)
        bid.documents_version = tender.documents_version
        bid.sealed = sealing.seal(
            tender_id=tender.pk,
            bid_uid=str(bid.uid),
            plaintext=_payload(price_fen=price_fen, currency=tender.currency, documents=documents),
        )
        bid.receipt_sha256 = sealing.receipt_hash(bid.sealed)
        if previous is not None:  # one sealed bid per lot and vendor: the previous one goes first
            superseded = snapshot(previous, BID_AUDIT_FIELDS)
            _mark_withdrawn(previous, now=now)
        bid.save()
        grant(perms=BIDDER_PERMS, to=vendor.members_group, obj=bid)
        if previous is not None:
            audit_chains_lock([previous, bid])  # two audit rows: their chains in a fixed order
            audit_record(
                actor=actor,
                action="bid.supersede",
                obj=previous,
                before=superseded,
                after=snapshot(previous, BID_AUDIT_FIELDS),
            )
        audit_record(actor=actor, action="bid.submit", obj=bid, before={}, after=snapshot(bid, BID_AUDIT_FIELDS))
    return bid


def _mark_withdrawn(bid: Bid, *, now: datetime) -> None:
    bid.state = BidState.WITHDRAWN
    bid.withdrawn_at = now
    bid.save(update_fields=["state", "withdrawn_at"])


def _locked_own_bid(*, actor: User, bid: Bid) -> tuple[Bid, datetime]:
    _tender, now = _open_tender(bid.tender_id)
    bid = lock(Bid, bid.pk)
    require_vendor_staff(actor=actor, vendor=bid.vendor)
    if bid.state != BidState.SUBMITTED:
        raise Conflict(_("This bid has already been withdrawn."))
    return bid, now


def bid_withdraw(*, actor: User, bid: Bid) -> Bid:
    with transaction.atomic():
        bid, now = _locked_own_bid(actor=actor, bid=bid)
        before = snapshot(bid, BID_AUDIT_FIELDS)
        _mark_withdrawn(bid, now=now)
        audit_record(actor=actor, action="bid.withdraw", obj=bid, before=before, after=snapshot(bid, BID_AUDIT_FIELDS))
    return bid


def bid_confirm(*, actor: User, bid: Bid) -> Bid:
    """The bidder confirms the bid stands under the amended tender documents."""
    with transaction.atomic():
        bid, _now = _locked_own_bid(actor=actor, bid=bid)
        tender = Tender.objects.get(pk=bid.tender_id)
        if bid.documents_version == tender.documents_version:
            raise Conflict(_("This bid is already confirmed for the current tender documents."))
        before = snapshot(bid, BID_AUDIT_FIELDS)
        bid.documents_version = tender.documents_version
        bid.save(update_fields=["documents_version"])
        audit_record(actor=actor, action="bid.confirm", obj=bid, before=before, after=snapshot(bid, BID_AUDIT_FIELDS))
    return bid


@dataclass(frozen=True)
class SealedContent:
    price_fen: int
    currency: str
    documents: list[BidDocumentInput]


def bid_unseal(bid: Bid) -> SealedContent:
    """Decrypt a bid (raises sealing.SealBroken when it was altered). Only the opening and the
    bidder-only selector call this: a service or view that shows bids must not."""
    if sealing.receipt_hash(bytes(bid.sealed)) != bid.receipt_sha256:
        raise sealing.SealBroken("the sealed bid does not match its receipt")
    plain = json.loads(sealing.unseal(tender_id=bid.tender_id, bid_uid=str(bid.uid), sealed=bytes(bid.sealed)))
    return SealedContent(
        price_fen=int(plain["price_fen"]),
        currency=str(plain["currency"]),
        documents=[
            BidDocumentInput(name=d["name"], media_type=d["media_type"], content=base64.b64decode(d["content"]))
            for d in plain["documents"]
        ],
    )

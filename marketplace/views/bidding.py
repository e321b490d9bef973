"""Pages of the vendors' staff: opportunities, the bid form, their bids and receipts.

Double submission: each rendering of the bid form carries a fresh token, used as the
`Idempotency-Key` of `portal.idempotency.services.idempotent_call` (the API's mechanism), so a
second submission of the same rendering shows the bid the first one made instead of bidding
again. Only the tender, lot and vendor go into the request's fingerprint: nothing derived from
the sealed price or documents is stored outside the sealed bid.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace import sealing, selectors, services
from marketplace.forms import BidForm, chosen_organisation
from marketplace.models import Bid, BidState, LotState, Tender
from marketplace.paging import CappedPaginator
from marketplace.viewer import takes_bids, tender_actions, vendors_of_or_403
from marketplace.views._common import PAGE_SIZE, TENDER_LIST_FIELDS, query_without_page, submitted
from portal.errors import Conflict, PermissionDenied
from portal.forms import add_service_errors
from portal.idempotency.services import fingerprint_of, idempotent_call
from portal.permissions import signed_in, visible_or_404

BID_FORM_FIELDS: dict[str, str | None] = {"price_fen": "price", "vendor": None}


@login_required
def opportunities(request: HttpRequest) -> HttpResponse:
    """Open tenders matching one of the user's vendor organisations (`?vendor=` picks which)."""
    vendors = vendors_of_or_403(request.user)
    vendor = next((v for v in vendors if str(v.pk) == request.GET.get("vendor")), vendors[0])
    tenders = selectors.opportunities_for(vendor=vendor).only(*TENDER_LIST_FIELDS)
    page = CappedPaginator(tenders, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"vendors": vendors, "vendor": vendor, "page": page, "query": query_without_page(request)}
    return render(request, "marketplace/opportunities.html", context)


@login_required
def my_bids(request: HttpRequest) -> HttpResponse:
    """Receipts of the bids of the user's vendor organisations (never their sealed content)."""
    vendors_of_or_403(request.user)
    page = CappedPaginator(selectors.bids_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marketplace/my_bids.html", {"page": page, "query": query_without_page(request)})


def _submit_once(request: HttpRequest, *, form: BidForm, tender: Tender, vendors: list) -> tuple[int, bool]:
    """Submit the bid under the form's token: (bid id, whether an earlier submission made it)."""
    actor = signed_in(request.user)
    vendor = chosen_organisation(form, "vendor", vendors)
    lot = tender.lots.get(pk=form.cleaned_data["lot"])

    def submit() -> tuple[int, dict[str, int]]:
        bid = services.bid_submit(
            actor=actor,
            tender=tender,
            lot=lot,
            vendor=vendor,
            price_fen=form.cleaned_data["price"],
            documents=form.document_inputs(),
        )
        return 201, {"bid": bid.pk}

    outcome = idempotent_call(
        user=actor,
        key=f"bid-form:{form.cleaned_data['token']}",
        fingerprint=fingerprint_of(
            method="POST", path=request.path, payload={"tender": tender.pk, "lot": lot.pk, "vendor": vendor.pk}
        ),
        call=submit,
    )
    return outcome.body["bid"], outcome.replayed


@login_required
def bid_submit(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    vendors_of_or_403(request.user)
    vendors = list(tender_actions(user=request.user, tender=tender).bidders)
    if not vendors:
        raise PermissionDenied(_("Your organisation must be verified by the platform before it can bid or ask."))
    lots = [lot for lot in tender.lots.all() if lot.state == LotState.ACTIVE]
    form = BidForm(*submitted(request), vendors=vendors, lots=lots, initial={"token": uuid.uuid4().hex})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                bid_id, replayed = _submit_once(request, form=form, tender=tender, vendors=vendors)
            except ValidationError as error:
                add_service_errors(form, error, names=BID_FORM_FIELDS)
            except services.DeadlinePassed as error:
                form.add_error(None, error.message)
                status = 409
            except Conflict:
                form.add_error(None, _("This form was already sent for another lot. Open the bid form again."))
                status = 409
            else:
                if replayed:
                    messages.info(request, _("This form had already been sent: here is the bid it made."))
                else:
                    messages.success(request, _("Your bid is sealed and received. Keep the receipt."))
                return redirect("marketplace:bid-detail", bid_pk=bid_id)
    context = {"tender": tender, "form": form, "open_for_bids": takes_bids(tender)}
    return render(request, "marketplace/bid_form.html", context, status=status)


def _own_bid(request: HttpRequest, bid_pk: int) -> Bid:
    return visible_or_404(selectors.bids_of(user=request.user), pk=bid_pk)


@login_required
def bid_detail(request: HttpRequest, bid_pk: int) -> HttpResponse:
    """The receipt and, for the bidder alone, what it sealed."""
    bid = _own_bid(request, bid_pk)
    try:
        content = selectors.bid_sealed_content_for_bidder(user=request.user, bid=bid)
    except sealing.SealBroken:
        content = None
    live = bid.state == BidState.SUBMITTED and takes_bids(bid.tender)
    context = {
        "bid": bid,
        "tender": bid.tender,
        "content": content,
        "can_withdraw": live,
        "can_confirm": live and bid.documents_version < bid.tender.documents_version,
    }
    return render(request, "marketplace/bid_detail.html", context)


@login_required
@require_POST
def bid_withdraw(request: HttpRequest, bid_pk: int) -> HttpResponse:
    bid = _own_bid(request, bid_pk)
    try:
        services.bid_withdraw(actor=signed_in(request.user), bid=bid)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The bid is withdrawn. You may bid again until the deadline."))
    return redirect("marketplace:bid-detail", bid_pk=bid.pk)


@login_required
@require_POST
def bid_confirm(request: HttpRequest, bid_pk: int) -> HttpResponse:
    bid = _own_bid(request, bid_pk)
    try:
        services.bid_confirm(actor=signed_in(request.user), bid=bid)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The bid is confirmed for the current tender documents."))
    return redirect("marketplace:bid-detail", bid_pk=bid.pk)

"""Pages of holders: apply, my applications, my vouchers (QR, history), redeem, confirm a
provider's request, record an external order.

A holder is an organisation the user acts for (`selectors.managed_organisations`). Every list is
the selectors' (or, for contracts and orders, filtered by those organisations); an object of
another organisation answers 404 like a missing one. The services check everything again.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.paging import CappedPaginator
from marketplace.views._common import PAGE_SIZE, query_without_page, run_form_service, submitted
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.permissions import AnyUser, signed_in, visible_or_404
from registry.talent.qr import qr_svg
from vouchers import selectors, services
from vouchers.forms_holders import ApplicationForm, ExternalOrderForm, RedeemForm
from vouchers.models import (
    Application,
    Redemption,
    RedemptionState,
)
from vouchers.services._common import RedemptionRefused

# --- Who the user acts for ----------------------------------------------------------------------


def _applications(user: AnyUser) -> QuerySet[Application]:
    return selectors.applications_visible_to(user=user).filter(applicant__in=selectors.managed_organisations(user))


def _page(request: HttpRequest, rows: QuerySet) -> dict[str, object]:
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "query": query_without_page(request)}


# --- Applications -------------------------------------------------------------------------------


@login_required
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply (申领) to a programme for one of the user's organisations it is open to."""
    programme = selectors.programme_visible(user=request.user, pk=pk)
    applicants = selectors.applicants_for(request.user, programme)
    if not applicants:
        raise Conflict(_("None of your organisations may apply to this programme now."))
    form = ApplicationForm(*submitted(request), organisations=applicants)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            application, status = run_form_service(
                form,
                lambda: services.application_submit(
                    actor=signed_in(request.user),
                    programme=programme,
                    applicant=form.applicant(),
                    requested_fen=form.cleaned_data["amount"],
                    purpose=form.cleaned_data["purpose"],
                    evidence=form.cleaned_data["evidence"],
                ),
                names={"requested_fen": "amount"},
            )
            if application is not None:
                messages.success(request, _("Your application is submitted; the voucher authority reviews it."))
                return redirect("vouchers:applications")
    context = {"programme": programme, "form": form}
    return render(request, "vouchers/holder/application_form.html", context, status=status)


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    """The applications of the user's organisations, newest first."""
    return render(request, "vouchers/holder/applications.html", _page(request, _applications(request.user)))


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_or_404(_applications(request.user), pk=pk)
    try:
        services.application_withdraw(actor=signed_in(request.user), application=application)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("vouchers:applications")


# --- Vouchers -----------------------------------------------------------------------------------


@login_required
def vouchers_mine(request: HttpRequest) -> HttpResponse:
    """The vouchers the user's organisations hold, with their balance."""
    return render(
        request, "vouchers/holder/vouchers.html", _page(request, selectors.vouchers_held_by(user=request.user))
    )


def redeem_url(request: HttpRequest, code: str) -> str:
    """The absolute address of the redeem page with the code filled in (what the QR code holds)."""
    return request.build_absolute_uri(f"{reverse('vouchers:redeem')}?{urlencode({'code': code})}")


@login_required
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One voucher: code and QR code, balance, history, and the providers' requests awaiting the
    holder. The holder's staff and the programme's officers see it; anyone else gets 404."""
    voucher = visible_or_404(selectors.vouchers_visible_to(user=request.user), pk=pk)
    code = str(voucher)
    redemptions = list(
        voucher.redemptions.select_related("provider", "contract", "order").order_by("-requested_at", "-pk")
    )
    context = {
        "voucher": voucher,
        "code": code,
        "qr": qr_svg(redeem_url(request, code), label=_("QR code of the voucher's redeem page")),
        "history": selectors.voucher_history(voucher),
        "redemptions": redemptions,
        "pending": [r for r in redemptions if r.state == RedemptionState.PENDING],
        "holder_side": selectors.acts_for(request.user, voucher.holder),
    }
    return render(request, "vouchers/holder/voucher_detail.html", context)


# --- Redemption ---------------------------------------------------------------------------------


@login_required
def redeem(request: HttpRequest) -> HttpResponse:
    """Redeem a voucher against one of the organisation's active contracts or recorded orders.

    A refusal (a rule of DESIGN §6, an unknown code, a code of another holder) shows on the form
    and changes nothing; an unknown code and another holder's code read the same. The hidden key
    makes a second submission of the same form return the first redemption."""
    contracts = list(selectors.holder_contracts(request.user).order_by("-pk"))
    orders = list(selectors.holder_orders(request.user).order_by("-ordered_on", "-pk"))
    initial = {"code": request.GET.get("code", "")[:40], "key": uuid.uuid4().hex}
    form = RedeemForm(*submitted(request), contracts=contracts, orders=orders, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            contract_id, order_id = form.target_ids()
            try:
                outcome, status = run_form_service(
                    form,
                    lambda: services.voucher_redeem(
                        actor=signed_in(request.user),
                        code=form.cleaned_data["code"],
                        amount_fen=form.cleaned_data["amount"],
                        contract_id=contract_id,
                        order_id=order_id,
                        idempotency_key=form.cleaned_data["key"],
                    ),
                    names={"amount_fen": "amount", "contract": "target", "order": "target", "Idempotency-Key": None},
                )
            except NotFound as error:
                outcome, status = None, 400
                form.add_error("code", error.message)
            except RedemptionRefused as error:
                outcome, status = None, 400
                form.add_error(None, error.message)
            if outcome is not None:
                redemption = outcome.redemption
                context = {
                    "redemption": redemption,
                    "voucher": redemption.voucher,
                    "balance_fen": selectors.voucher_balance_fen(redemption.voucher),
                    "replayed": outcome.replayed,
                }
                return render(request, "vouchers/holder/redeemed.html", context)
    context = {"form": form, "has_targets": bool(contracts or orders)}
    return render(request, "vouchers/holder/redeem.html", context, status=status)


def _pending_request(request: HttpRequest, pk: int) -> Redemption:
    """A redemption the user may see (404 otherwise) whose holder they act for (403 otherwise)."""
    redemption = visible_or_404(selectors.redemptions_visible_to(user=request.user), pk=pk)
    if not selectors.acts_for(request.user, redemption.holder):
        raise PermissionDenied(_("Only the holder's own staff can confirm or decline a request."))
    return redemption


@login_required
@require_POST
def redemption_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder confirms a provider's request: the rules run again and the money moves."""
    redemption = _pending_request(request, pk)
    try:
        services.redemption_confirm(actor=signed_in(request.user), redemption=redemption)
    except (Conflict, RedemptionRefused) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The redemption is confirmed."))
    return redirect("vouchers:voucher-detail", pk=redemption.voucher_id)


@login_required
@require_POST
def redemption_decline(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = _pending_request(request, pk)
    try:
        services.redemption_decline(actor=signed_in(request.user), redemption=redemption)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request is declined; the voucher's balance is unchanged."))
    return redirect("vouchers:voucher-detail", pk=redemption.voucher_id)


# --- External orders ----------------------------------------------------------------------------


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    """The orders the user's organisations recorded outside the exchange."""
    context = {
        **_page(request, selectors.holder_orders(request.user)),
        "may_record": bool(selectors.holders_of(request.user)),
    }
    return render(request, "vouchers/holder/orders.html", context)


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    holders = selectors.holders_of(request.user)
    if not holders:
        raise PermissionDenied(_("Only the staff of an enterprise, a vendor or a base operator can record orders."))
    form = ExternalOrderForm(*submitted(request), organisations=holders)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            order, status = run_form_service(
                form,
                lambda: services.external_order_record(
                    actor=signed_in(request.user),
                    holder=form.holder(),
                    provider_credit_code=form.cleaned_data["provider_credit_code"],
                    description=form.cleaned_data["description"],
                    value_fen=form.cleaned_data["value"],
                    ordered_on=form.cleaned_data["ordered_on"],
                ),
                names={"provider": "provider_credit_code", "value_fen": "value"},
            )
            if order is not None:
                messages.success(request, _("The order is recorded: a voucher can now pay part of it."))
                return redirect("vouchers:orders")
    return render(request, "vouchers/holder/order_form.html", {"form": form}, status=status)


urlpatterns = [
    path("programmes/<int:pk>/apply/", application_create, name="application-create"),
    path("applications/", applications, name="applications"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="application-withdraw"),
    path("mine/", vouchers_mine, name="vouchers-mine"),
    path("mine/<int:pk>/", voucher_detail, name="voucher-detail"),
    path("redeem/", redeem, name="redeem"),
    path("redemptions/<int:pk>/confirm/", redemption_confirm, name="redemption-confirm"),
    path("redemptions/<int:pk>/decline/", redemption_decline, name="redemption-decline"),
    path("orders/", orders, name="orders"),
    path("orders/new/", order_create, name="order-create"),
]

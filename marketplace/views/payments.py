"""Pages of milestone payments (DESIGN §9): a contract's payments, the buyer's card entry for an
enterprise order, the agency's treasury transfers for a government contract, and refunds.

Who sees the payments follows delivery acceptance (`selectors.acceptance_side_of`): the parties,
operators and regulators in scope; anyone else gets 404, like a missing page. A party asking for
the other side's action gets 403; the services check everything again.

Stripe.js is loaded only on the card-entry page and only when a publishable key is configured;
that response alone widens its Content-Security-Policy to Stripe's hosts (the site-wide
middleware keeps a header a view has set). Without a publishable key but with a secret key (test
mode, localstripe in tests and the demo), the page offers Stripe's test payment methods instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace import selectors, services
from marketplace.models import (
    Contract,
    ContractMilestone,
    ContractState,
    MilestonePayment,
    MilestoneState,
    PaymentEntry,
    PaymentState,
)
from marketplace.payments import gateway
from marketplace.selectors import payments as payment_selectors
from marketplace.selectors.acceptance import BUYER
from marketplace.selectors.payments import MilestonePaymentRow, PaymentTotals
from marketplace.services.payments import MAX_VOUCHER_NUMBER, pays_by_card
from marketplace.views._common import run_form_service
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.forms import HundredthsField
from portal.permissions import signed_in

T = TypeVar("T")

# Stripe's test payment methods offered when no publishable key is configured (test mode).
TEST_CARDS = (
    ("pm_card_visa", gettext_lazy("Visa test card")),
    ("pm_card_chargeCustomerFail", gettext_lazy("a card that declines")),
)
STRIPE_JS = "https://js.stripe.com/v3/"
# What the card-entry page adds to the site's policy when it loads Stripe.js.
STRIPE_SOURCES = {
    "script-src": ("https://js.stripe.com",),
    "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com",),
}
UNANSWERED = gettext_lazy("The payment service is not answering; the portal retries automatically.")
NOT_REACHED = gettext_lazy(
    "The card payment service is not answering, so nothing was changed. Try again in a few minutes."
)
PAYABLE_STATES = (PaymentState.PENDING, PaymentState.FAILED)
REFUNDABLE_STATES = (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED)


# --- What the payments page shows -----------------------------------------------------------------


@dataclass
class MilestonePayments:
    """One milestone as its payments page shows it (`selectors.payments.contract_payments`'s
    row) and what the reader may do with it."""

    data: MilestonePaymentRow
    actions: list[str] = field(default_factory=list)

    @property
    def milestone(self) -> ContractMilestone:
        return self.data.milestone

    @property
    def payment(self) -> MilestonePayment | None:
        return self.data.payment

    @property
    def totals(self) -> PaymentTotals:
        return self.data.totals

    @property
    def entries(self) -> list[PaymentEntry]:
        return self.data.entries


def _actions(user: Any, contract: Contract, side: str, row: MilestonePayments) -> list[str]:
    """`pay` (the buyer of an enterprise order, on an unpaid milestone), `transfer` (the agency of
    a government contract, on an accepted milestone not yet paid in full), `refund` (operators, or
    the buyer on a terminated contract, on a captured card payment)."""
    payment, milestone = row.payment, row.milestone
    state = payment.state if payment else PaymentState.PENDING
    actions = []
    if pays_by_card(contract):
        if (
            side == BUYER
            and contract.state in (ContractState.ACTIVE, ContractState.COMPLETED)
            and milestone.state != MilestoneState.FAILED
            and state in PAYABLE_STATES
            and (payment is None or payment.amount_fen > 0)
        ):
            actions.append("pay")
        if state in REFUNDABLE_STATES and (
            user.is_staff or (side == BUYER and contract.state == ContractState.TERMINATED)
        ):
            actions.append("refund")
    elif side == BUYER and milestone.state == MilestoneState.MET and state == PaymentState.PENDING:
        actions.append("transfer")
    return actions


def _contract_payments(request: HttpRequest, pk: int) -> tuple[Contract, str, list[MilestonePayments]]:
    """The contract, the reader's side and every milestone's payment: NotFound for strangers."""
    contract = selectors.contract_detail(user=request.user, pk=pk)
    side, data = payment_selectors.contract_payments(user=request.user, contract=contract)
    rows = [MilestonePayments(data=row) for row in data]
    for row in rows:
        row.actions = _actions(request.user, contract, side, row)
    return contract, side, rows


def _row_for(request: HttpRequest, pk: int, milestone_pk: int, *, action: str) -> tuple[Contract, MilestonePayments]:
    """The milestone's payment row when the reader may take `action` on it now: 404 for strangers
    and a milestone of another contract, 403 for the other side, 409 when the state forbids it."""
    contract, side, rows = _contract_payments(request, pk)
    row = next((row for row in rows if row.milestone.pk == milestone_pk), None)
    if row is None:
        raise NotFound()
    if action not in row.actions:
        if action == "refund" and not (request.user.is_staff or side == BUYER):
            raise PermissionDenied(_("Only the platform's operators, or the buyer's staff, refund a payment."))
        if action != "refund" and side != BUYER:
            raise PermissionDenied(_("Only the buyer's own staff can do this."))
        raise Conflict(str(_CLOSED[action]))
    return contract, row


_CLOSED = {
    "pay": gettext_lazy(
        "This milestone cannot be paid by card now: it is paid already, held, failed acceptance, or the "
        "contract is not an active enterprise order."
    ),
    "transfer": gettext_lazy(
        "A treasury transfer is recorded on a government contract's accepted milestone that is not yet paid in full."
    ),
    "refund": gettext_lazy(
        "Only a captured card payment can be refunded, by the platform, or by the buyer once the contract is "
        "terminated."
    ),
}


def _run_service(form: forms.Form, call: Callable[[], T]) -> tuple[T | None, int]:
    """`run_form_service`, with what only payments meet: a declined card (400, the decline on the
    form) and Stripe not answering (503: nothing changed)."""
    try:
        return run_form_service(form, call, names={"amount_fen": "amount"})
    except gateway.CardDeclined as error:
        form.add_error(None, error.message)
        return None, 400
    except gateway.GatewayUnavailable:
        form.add_error(None, str(NOT_REACHED))
        return None, 503


@login_required
def contract_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """Every milestone's payment: method, state, what is held, released and refunded, and its
    history; the actions the reader may take."""
    contract, side, rows = _contract_payments(request, pk)
    context = {
        "contract": contract,
        "side": side,
        "rows": rows,
        "by_card": pays_by_card(contract),
        "unanswered": UNANSWERED,
    }
    return render(request, "marketplace/payments/contract.html", context)


# --- Card entry -----------------------------------------------------------------------------------


class CardForm(forms.Form):
    """The id of a Stripe PaymentMethod, created in the browser by Stripe.js (hidden field)."""

    payment_method = forms.CharField(max_length=255, widget=forms.HiddenInput)


class TestCardForm(forms.Form):
    """Test mode without Stripe.js: one of Stripe's test payment methods."""

    payment_method = forms.ChoiceField(
        label=gettext_lazy("Test card"), choices=TEST_CARDS, initial=TEST_CARDS[0][0], widget=forms.RadioSelect
    )


def widened_policy(policy: str, sources: dict[str, tuple[str, ...]]) -> str:
    """The Content-Security-Policy `policy` with `sources` added to their directives (a directive
    missing from the policy starts from 'self', as `default-src 'self'` had it)."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    for name, extra in sources.items():
        values = directives.setdefault(name, ["'self'"])
        values.extend(source for source in extra if source not in values)
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


@login_required
def milestone_pay(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """The buyer holds a milestone's amount on a card: with Stripe.js when a publishable key is
    configured, or with one of Stripe's test cards in test mode. A declined card shows the form
    again with the decline; Stripe not answering changes nothing."""
    contract, row = _row_for(request, pk, milestone_pk, action="pay")
    publishable_key = settings.STRIPE_PUBLISHABLE_KEY
    configured = gateway.configured()
    form_class = CardForm if publishable_key else TestCardForm
    form = form_class(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and configured:
        status = 400
        if form.is_valid():
            payment, status = _run_service(
                form,
                lambda: services.milestone_payment_authorise(
                    actor=signed_in(request.user),
                    contract=contract,
                    milestone_id=row.milestone.pk,
                    payment_method=form.cleaned_data["payment_method"],
                ),
            )
            if payment is not None:
                messages.success(
                    request, _("The amount is held on the card; it is paid once the milestone is accepted.")
                )
                return redirect("marketplace:contract-payments", pk=contract.pk)
    amount_fen = row.payment.amount_fen if row.payment else row.milestone.amount_fen
    context = {
        "contract": contract,
        "row": row,
        "form": form,
        "amount_fen": amount_fen,
        "configured": configured,
        "publishable_key": publishable_key if configured else "",
        "stripe_js": STRIPE_JS,
    }
    response = render(request, "marketplace/payments/card_form.html", context, status=status)
    if configured and publishable_key:
        response.headers["Content-Security-Policy"] = widened_policy(settings.CONTENT_SECURITY_POLICY, STRIPE_SOURCES)
    return response


# --- Treasury transfers and refunds ---------------------------------------------------------------


class TransferForm(forms.Form):
    amount = HundredthsField(label=gettext_lazy("Amount (yuan)"))
    transfer_date = forms.DateField(
        label=gettext_lazy("Transfer date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    voucher_number = forms.CharField(
        label=gettext_lazy("Transfer voucher number"),
        max_length=MAX_VOUCHER_NUMBER,
        help_text=gettext_lazy("The number on the treasury's payment voucher."),
    )


class RefundForm(forms.Form):
    amount = HundredthsField(label=gettext_lazy("Amount to refund (yuan)"))
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@login_required
def milestone_transfer(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """The agency records a treasury transfer for an accepted milestone of a government contract."""
    contract, row = _row_for(request, pk, milestone_pk, action="transfer")
    amount_fen = row.payment.amount_fen if row.payment else row.milestone.amount_fen
    left_fen = amount_fen - row.totals.captured_fen
    form = TransferForm(
        request.POST if request.method == "POST" else None,
        initial={"amount": left_fen, "transfer_date": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            entry, status = _run_service(
                form,
                lambda: services.treasury_transfer_record(
                    actor=signed_in(request.user),
                    contract=contract,
                    milestone_id=row.milestone.pk,
                    amount_fen=form.cleaned_data["amount"],
                    transfer_date=form.cleaned_data["transfer_date"],
                    voucher_number=form.cleaned_data["voucher_number"],
                ),
            )
            if entry is not None:
                messages.success(request, _("The treasury transfer is recorded."))
                return redirect("marketplace:contract-payments", pk=contract.pk)
    context = {"contract": contract, "row": row, "form": form, "left_fen": left_fen}
    return render(request, "marketplace/payments/transfer_form.html", context, status=status)


@login_required
def milestone_refund(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """Refund part or all of a captured card payment, with the reason."""
    contract, row = _row_for(request, pk, milestone_pk, action="refund")
    payment = row.payment
    if payment is None:  # "refund" is offered on a captured payment only
        raise NotFound()
    form = RefundForm(request.POST if request.method == "POST" else None, initial={"amount": row.totals.refundable_fen})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            entry, status = _run_service(
                form,
                lambda: services.milestone_payment_refund(
                    actor=signed_in(request.user),
                    payment=payment,
                    amount_fen=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                ),
            )
            if entry is not None:
                messages.success(request, _("The refund is made."))
                return redirect("marketplace:contract-payments", pk=contract.pk)
    context = {"contract": contract, "row": row, "form": form}
    return render(request, "marketplace/payments/refund_form.html", context, status=status)

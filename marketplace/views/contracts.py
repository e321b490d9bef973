"""Pages of contracts (合同): public in their summary; the parties sign, the buyer's staff arrange
the payment milestones before anyone signs, record milestones met and terminate with a reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace import selectors, services
from marketplace.forms import ContractMilestoneFormSet, ContractTerminateForm, RowsFormSet
from marketplace.models import Contract
from marketplace.paging import CappedPaginator
from marketplace.views._common import PAGE_SIZE, query_without_page, submitted
from portal.errors import Conflict, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in

ADD_ROW = "add_milestone"


@login_required
def my_contracts(request: HttpRequest) -> HttpResponse:
    """The contracts of the user's organisations; `?scope=public` every contract."""
    scope = "public" if request.GET.get("scope") == "public" else "mine"
    if scope == "public":
        contracts = selectors.contracts_visible_to(user=request.user)
    else:
        contracts = selectors.contracts_of(user=request.user)
    page = CappedPaginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"scope": scope, "page": page, "query": query_without_page(request)}
    return render(request, "marketplace/contracts.html", context)


def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract's public summary (parties, value, state, milestones) and the parties' actions."""
    contract = selectors.contract_detail(user=request.user, pk=pk)
    context = {
        "contract": contract,
        "side": selectors.contract_side_of(user=request.user, contract=contract),
        "actions": selectors.contract_actions_for(user=request.user, contract=contract),
        # A milestone with an acceptance plan is met by accepting a delivery, not by hand.
        "milestones": contract.milestones.select_related("acceptance_plan"),
    }
    return render(request, "marketplace/contract_detail.html", context)


def _party_contract(request: HttpRequest, pk: int, *, buyer: bool) -> Contract:
    """A contract (404 if missing) whose party the user acts for (403 otherwise); `buyer`: the
    buyer's side only."""
    contract = selectors.contract_detail(user=request.user, pk=pk)
    side = selectors.contract_side_of(user=request.user, contract=contract)
    if buyer and side != "buyer":
        raise PermissionDenied(_("Only the buyer's own staff can do this."))
    if not side:
        raise PermissionDenied(_("Only the buyer's or the supplier's staff can sign this contract."))
    return contract


@login_required
@require_POST
def contract_sign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _party_contract(request, pk, buyer=False)
    try:
        contract = services.contract_sign(actor=signed_in(request.user), contract=contract)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        if contract.signed_at is not None:
            messages.success(request, _("Both parties have signed: the contract is active."))
        else:
            messages.success(
                request, _("Your signature is recorded. The contract is active once the other party signs.")
            )
    return redirect("marketplace:contract-detail", pk=contract.pk)


def _milestones_page(
    request: HttpRequest, contract: Contract, formset: RowsFormSet, errors: list[str], status: int
) -> HttpResponse:
    context = {"contract": contract, "formset": formset, "errors": errors, "add": ADD_ROW}
    return render(request, "marketplace/contract_milestones.html", context, status=status)


@login_required
def contract_milestones(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the payment milestones before either party signs: shares typed like "33.33" that
    add up to exactly 100 %. Errors are shown with what was typed; nothing is saved then."""
    contract = _party_contract(request, pk, buyer=True)
    if "milestones" not in selectors.contract_actions_for(user=request.user, contract=contract):
        raise Conflict(_("Milestones can change only before either party signs."))
    if request.method != "POST":
        initial: list[dict[str, Any]] = [
            {"title": m.title, "share": m.share_bp, "due_on": m.due_on} for m in contract.milestones.all()
        ]
        return _milestones_page(
            request, contract, ContractMilestoneFormSet(initial=[*initial, {}], prefix="milestones"), [], 200
        )
    formset = ContractMilestoneFormSet(request.POST, prefix="milestones")
    if ADD_ROW in request.POST:
        rows = ContractMilestoneFormSet(initial=[*formset.typed_rows(), {}], prefix="milestones")
        return _milestones_page(request, contract, rows, [], 200)
    errors: list[str] = []
    if formset.is_valid():
        try:
            services.contract_milestones_set(
                actor=signed_in(request.user), contract=contract, milestones=formset.specs()
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The payment milestones are saved."))
            return redirect("marketplace:contract-detail", pk=contract.pk)
    return _milestones_page(request, contract, formset, errors, 400)


@login_required
@require_POST
def contract_milestone_meet(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    contract = _party_contract(request, pk, buyer=True)
    try:
        services.contract_milestone_meet(actor=signed_in(request.user), contract=contract, milestone_id=milestone_pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The milestone is recorded as met."))
    return redirect("marketplace:contract-detail", pk=contract.pk)


@login_required
def contract_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _party_contract(request, pk, buyer=True)
    if "terminate" not in selectors.contract_actions_for(user=request.user, contract=contract):
        raise Conflict(_("Only a pending or active contract can be terminated."))
    form = ContractTerminateForm(*submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_terminate(
                actor=signed_in(request.user), contract=contract, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contract is terminated; the reason is published."))
            return redirect("marketplace:contract-detail", pk=contract.pk)
    context = {"contract": contract, "form": form}
    return render(request, "marketplace/contract_terminate.html", context, status=400 if form.errors else 200)

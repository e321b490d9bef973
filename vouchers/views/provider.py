"""Pages of providers (redemptions received, asking a holder to redeem) and of settlement claims
(holder or provider).

A provider is a supplier organisation the user acts for (`selectors.managed_organisations`). It
sees the redemptions paid to it, never a voucher's full code: a code is a bearer credential, so
the lists show its last four characters only. A provider's request to redeem waits for the
holder's confirmation; only then does money move. Once a redemption is confirmed (and, for a
contract, the contract fully paid) the holder or the provider claims settlement with evidence.
The services check everything again; anything the user has no part in answers 404.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from marketplace.paging import CappedPaginator
from marketplace.views._common import PAGE_SIZE, query_without_page, run_form_service, submitted
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.money import format_fen
from portal.permissions import signed_in, visible_or_404
from vouchers import selectors, services
from vouchers.forms_provider import ClaimFilterForm, ClaimForm, ProviderRedeemForm, RedemptionFilterForm
from vouchers.models import ClaimState, RedemptionState
from vouchers.services._common import RedemptionRefused

REDEEM_FORM_FIELDS: dict[str, str | None] = {"amount_fen": "amount", "Idempotency-Key": None}


def _by_state(
    request: HttpRequest,
    rows: QuerySet,
    form: RedemptionFilterForm | ClaimFilterForm,
    choices: type[RedemptionState] | type[ClaimState],
) -> dict[str, object]:
    """A list's page filtered by the form's state, with a count per state for the tabs."""
    counts = dict(rows.order_by().values_list("state").annotate(n=Count("pk")))
    state = form.cleaned_data["state"] if form.is_valid() else ""
    if state:
        rows = rows.filter(state=state)
    return {
        "form": form,
        "state": state,
        "states": [(choice, counts.get(choice.value, 0)) for choice in choices],
        "total": sum(counts.values()),
        "page": CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query_without_page(request),
    }


# --- Redemptions received -----------------------------------------------------------------------


@login_required
def provider_redemptions(request: HttpRequest) -> HttpResponse:
    """The redemptions paid to the user's organisations, by state, with a link to claim settlement
    where a confirmed one has no live claim yet."""
    form = RedemptionFilterForm(request.GET or None)
    context = _by_state(
        request, selectors.with_live_claim(selectors.redemptions_received(user=request.user)), form, RedemptionState
    )
    context["confirmed"] = RedemptionState.CONFIRMED
    status = 400 if form.errors else 200
    return render(request, "vouchers/provider/redemptions.html", context, status=status)


@login_required
def provider_redeem(request: HttpRequest) -> HttpResponse:
    """A provider asks the holder to redeem a voucher (the code the holder gave) against one of
    its active contracts or an external order placed with it. The request waits for the holder's
    confirmation. A refusal shows on the form and changes nothing; an unknown code and another
    holder's code read the same. The hidden key makes a second sending of the form a replay."""
    providers = selectors.providers_of(request.user)
    if not providers.exists():
        raise PermissionDenied(_("Only a provider's own staff can ask a holder to redeem a voucher."))
    contracts = list(selectors.provider_contracts(request.user).order_by("-pk"))
    orders = selectors.provider_orders(request.user)
    initial = {"code": request.GET.get("code", "")[:40], "key": uuid.uuid4().hex}
    form = ProviderRedeemForm(*submitted(request), contracts=contracts, orders=orders, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            actor = signed_in(request.user)
            contract_id, order_id = form.target()

            def ask() -> services.RedeemOutcome:
                try:
                    return services.voucher_redeem(
                        actor=actor,
                        code=form.cleaned_data["code"],
                        amount_fen=form.cleaned_data["amount"],
                        idempotency_key=str(form.cleaned_data["key"]),
                        contract_id=contract_id,
                        order_id=order_id,
                    )
                except Conflict as error:  # the key is this form's: sent before with other details
                    raise Conflict(
                        _("This form was already sent with other details. Reload the page to make another request.")
                    ) from error

            try:
                outcome, status = run_form_service(form, ask, names=REDEEM_FORM_FIELDS)
            except NotFound as error:
                outcome, status = None, 400
                form.add_error("code", error.message)
            except RedemptionRefused as error:
                outcome, status = None, 400
                form.add_error(None, error.message)
            if outcome is not None:
                if outcome.replayed:
                    messages.info(request, _("This form had already been sent: its request is listed here."))
                else:
                    messages.success(
                        request,
                        _(
                            "The redemption of ¥%(amount)s is requested. It waits for the holder to confirm it: "
                            "no money moves until then."
                        )
                        % {"amount": format_fen(outcome.redemption.amount_fen)},
                    )
                return redirect(f"{reverse('vouchers:provider-redemptions')}?state={RedemptionState.PENDING}")
    context = {"form": form, "has_contracts": bool(contracts)}
    return render(request, "vouchers/provider/redeem.html", context, status=status)


# --- Settlement claims --------------------------------------------------------------------------


@login_required
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder's or the provider's staff claim settlement (兑付) of a confirmed redemption, with
    evidence. Officers and operators see the redemption but do not claim (403)."""
    redemption = visible_or_404(selectors.redemptions_visible_to(user=request.user), pk=pk)
    parties = [redemption.holder_id, redemption.provider_id]
    sides = set(selectors.managed_organisations(request.user).filter(pk__in=parties).values_list("pk", flat=True))
    if not sides:
        raise PermissionDenied(_("Only the holder or the provider can claim settlement."))
    form = ClaimForm(*submitted(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            claim, status = run_form_service(
                form,
                lambda: services.claim_submit(
                    actor=signed_in(request.user),
                    redemption=redemption,
                    evidence=form.cleaned_data["evidence"],
                    note=form.cleaned_data["note"],
                ),
            )
            if claim is not None:
                messages.success(request, _("The settlement claim is submitted; the programme's officers review it."))
                return redirect("vouchers:claims")
    context = {"redemption": redemption, "form": form, "is_provider": redemption.provider_id in sides}
    return render(request, "vouchers/claims/claim_form.html", context, status=status)


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    """The settlement claims on redemptions of the user's organisations, as holder or provider."""
    mine = selectors.managed_organisations(request.user)
    rows = (
        selectors.claims_visible_to(user=request.user)
        .filter(Q(redemption__holder__in=mine) | Q(redemption__provider__in=mine))
        .select_related("redemption__contract", "redemption__order", "redemption__holder", "redemption__provider")
    )
    form = ClaimFilterForm(request.GET or None)
    context = _by_state(request, rows, form, ClaimState)
    context["settled"] = ClaimState.SETTLED
    context["is_provider"] = selectors.providers_of(request.user).exists()
    return render(request, "vouchers/claims/claims.html", context, status=400 if form.errors else 200)


@login_required
def claim_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A claim's evidence, as an attachment under its file's name: for the holder's and the
    provider's staff and the programme's officers; anyone else gets 404."""
    claim = visible_or_404(selectors.claims_visible_to(user=request.user), pk=pk)
    try:
        file = claim.evidence.open("rb")
    except FileNotFoundError as error:
        raise NotFound(_("The evidence file is missing; tell the platform's operators.")) from error
    return FileResponse(file, as_attachment=True, filename=claim.evidence_name or PurePath(claim.evidence.name).name)


urlpatterns = [
    path("provider/redemptions/", provider_redemptions, name="provider-redemptions"),
    path("provider/redeem/", provider_redeem, name="provider-redeem"),
    path("redemptions/<int:pk>/claim/", claim_create, name="claim-create"),
    path("claims/", claims, name="claims"),
    path("claims/<int:pk>/evidence/", claim_evidence, name="claim-evidence"),
]

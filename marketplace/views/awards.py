"""Pages of the candidates' publicity (中标候选人公示), challenges (质疑) and the award (中标公告).

The notices are public. The buyer's staff publish the candidates, answer the challenges and award;
a bidder challenges while the window is open. An answer is published without the challenger's name:
only the buyer's staff and the challenging organisation see who challenged.
"""

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
from marketplace.forms import ChallengeAnswerForm, ChallengeForm, PubliciseForm, chosen_organisation
from marketplace.models import ChallengeState, Tender
from marketplace.paging import CappedPaginator
from marketplace.states import TenderState
from marketplace.viewer import buys_for, require_buyer_of, vendors_of_or_403
from marketplace.views._common import PAGE_SIZE, query_without_page
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in

NOTICE_KINDS = ("candidates", "awards")
NOTICE_FIELDS = (
    "reference",
    "title",
    "state",
    "state_changed_at",
    "publicity_started_at",
    "publicity_ends_at",
    "buyer__name",
    "region__name",
    "region__name_en",
)


def notices(request: HttpRequest) -> HttpResponse:
    """The public notices: candidates in publicity (with the end of their window), and awards."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in NOTICE_KINDS else "candidates"
    tenders = selectors.notices(kind=kind).only(*NOTICE_FIELDS)
    page = CappedPaginator(tenders, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"kind": kind, "page": page, "query": query_without_page(request)}
    return render(request, "marketplace/notices.html", context)


def _lots_of(rows: list[selectors.CandidateRow]) -> list[tuple[int, str, list[selectors.CandidateRow]]]:
    """The candidates grouped by lot, in the selector's order: (number, title, rows)."""
    lots: dict[int, tuple[int, str, list[selectors.CandidateRow]]] = {}
    for row in rows:
        lots.setdefault(row.lot_id, (row.lot_number, row.lot_title, []))[2].append(row)
    return list(lots.values())


def _candidates_page(
    request: HttpRequest, tender: Tender, *, publicise_form: PubliciseForm | None = None, status: int = 200
) -> HttpResponse:
    is_buyer = buys_for(request.user, tender.buyer_id)
    can_publicise = (
        is_buyer and tender.state == TenderState.EVALUATION and selectors.evaluation_concluded(tender=tender)
    )
    in_publicity = tender.state == TenderState.PUBLICITY
    context: dict[str, Any] = {
        "tender": tender,
        "is_buyer": is_buyer,
        "lots": _lots_of(selectors.candidates_of(tender=tender)),
        "publicise_form": (publicise_form or PubliciseForm()) if can_publicise else None,
        "paused": in_publicity and selectors.tender_paused(tender=tender),
        "window_open": in_publicity and selectors.publicity_window_open(tender=tender),
        "award_blocker": selectors.award_blocker(tender=tender) if is_buyer and in_publicity else None,
        "challengers": selectors.challengers_for(user=request.user, tender=tender),
        "answered": selectors.challenges_visible_to(user=request.user, tender=tender).exclude(
            state=ChallengeState.PENDING
        ),
    }
    return render(request, "marketplace/tender_candidates.html", context, status=status)


def tender_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate notice: per lot the ranked candidates with price and total points, the
    window, whether a challenge pauses the tender, the answered challenges. The buyer's staff
    publish the candidates here and award once the window is over."""
    tender = selectors.tender_detail(user=request.user, pk=pk)
    return _candidates_page(request, tender)


def _buyer_tender(request: HttpRequest, pk: int) -> Tender:
    """A tender the user can see (404 otherwise) and buys for (403 otherwise)."""
    tender = selectors.tender_detail(user=request.user, pk=pk)
    require_buyer_of(request.user, tender)
    return tender


@login_required
@require_POST
def tender_publicise(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _buyer_tender(request, pk)
    form = PubliciseForm(request.POST)
    if form.is_valid():
        try:
            services.tender_publicise(actor=signed_in(request.user), tender=tender, days=form.cleaned_data["days"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The candidates are published. Bidders may challenge them until the end."))
            return redirect("marketplace:tender-candidates", pk=tender.pk)
    return _candidates_page(request, tender, publicise_form=form, status=400)


@login_required
@require_POST
def tender_award_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Award every active lot to its first candidate; the reason when it cannot be done yet."""
    tender = _buyer_tender(request, pk)
    try:
        services.tender_award(actor=signed_in(request.user), tender=tender)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("marketplace:tender-candidates", pk=tender.pk)
    messages.success(request, _("The tender is awarded. The contracts await both parties' signatures."))
    return redirect("marketplace:tender-award", pk=tender.pk)


def tender_award_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The award notice (中标公告): per lot the supplier, value and date, and the lots left
    without an award. Before the award there is no notice (404)."""
    tender = selectors.tender_detail(user=request.user, pk=pk)
    if tender.state != TenderState.AWARDED:
        raise NotFound()
    awards = list(selectors.awards_of(tender=tender))
    awarded_lots = {award.lot_id for award in awards}
    context = {
        "tender": tender,
        "awards": awards,
        "unsuccessful": [lot for lot in tender.lots.all() if lot.pk not in awarded_lots],
    }
    return render(request, "marketplace/tender_award.html", context)


def tender_challenges(request: HttpRequest, pk: int) -> HttpResponse:
    """The challenges of a tender: answered ones for everyone (without the challenger), the
    buyer's staff see and answer all of them, a bidder challenges during the window."""
    tender = selectors.tender_detail(user=request.user, pk=pk)
    is_buyer = buys_for(request.user, tender.buyer_id)
    vendors = selectors.challengers_for(user=request.user, tender=tender)
    form = ChallengeForm(vendors=vendors) if vendors else None
    if request.method == "POST":
        if not vendors:
            raise PermissionDenied(_("Only a bidder can challenge the candidates, while they are in publicity."))
        form = ChallengeForm(request.POST, vendors=vendors)
        if form.is_valid():
            try:
                services.challenge_submit(
                    actor=signed_in(request.user),
                    tender=tender,
                    vendor=chosen_organisation(form, "vendor", vendors),
                    grounds=form.cleaned_data["grounds"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your challenge is lodged. The tender is paused until it is answered."))
                return redirect("marketplace:tender-challenges", pk=tender.pk)
    challenges = list(selectors.challenges_visible_to(user=request.user, tender=tender))
    context = {
        "tender": tender,
        "is_buyer": is_buyer,
        "form": form,
        "challenges": [
            (c, ChallengeAnswerForm.for_challenge(c) if is_buyer and c.state == ChallengeState.PENDING else None)
            for c in challenges
        ],
    }
    failed = form is not None and bool(form.errors)
    return render(request, "marketplace/tender_challenges.html", context, status=400 if failed else 200)


@login_required
def challenge_answer(request: HttpRequest, challenge_pk: int) -> HttpResponse:
    """Publish the answer to one challenge: rejected (the candidates stand) or upheld (the
    committee evaluates again)."""
    challenge = selectors.challenge_for(user=request.user, pk=challenge_pk)
    require_buyer_of(request.user, challenge.tender)
    if challenge.state != ChallengeState.PENDING:
        raise Conflict(_("This challenge has already been answered."))
    form = ChallengeAnswerForm.for_challenge(challenge, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.challenge_answer(
                actor=signed_in(request.user),
                challenge=challenge,
                answer=form.cleaned_data["answer"],
                upheld=form.upheld,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.upheld:
                messages.success(request, _("The answer is published. The committee evaluates the bids again."))
            else:
                messages.success(request, _("The answer is published."))
            return redirect("marketplace:tender-challenges", pk=challenge.tender_id)
    context = {"challenge": challenge, "tender": challenge.tender, "form": form}
    return render(request, "marketplace/challenge_answer.html", context, status=400 if form.errors else 200)


@login_required
def my_challenges(request: HttpRequest) -> HttpResponse:
    """The challenges of the user's vendor organisations, with their state and answer."""
    vendors_of_or_403(request.user)
    page = CappedPaginator(selectors.challenges_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marketplace/my_challenges.html", {"page": page, "query": query_without_page(request)})

"""Pages of the evaluation committee: the buyer's staff form it and follow its draws; experts
answer their invitations.

The committee page answers the buyer's staff (404 for a tender the user cannot see, 403 for one
they can but do not buy for). The invitations page answers people in the expert pool (403 with an
explanation for anyone else); a seat that is not the user's own is 404, like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from marketplace import selectors, services
from marketplace.forms import CommitteeSizeForm, MemberDeclineForm
from marketplace.models import Committee, CommitteeMember, MemberState, Tender
from marketplace.paging import CappedPaginator
from marketplace.states import TenderState
from marketplace.viewer import require_buyer_of
from marketplace.views._common import PAGE_SIZE, submitted
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in
from registry.talent.selectors import expert_of


def _buyer_tender(request: HttpRequest, pk: int) -> Tender:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    require_buyer_of(request.user, tender)
    return tender


@login_required
def tender_committee(request: HttpRequest, pk: int) -> HttpResponse:
    """Before the committee exists: the size to draw. After: its members and every draw."""
    tender = _buyer_tender(request, pk)
    committee = Committee.objects.filter(tender=tender).first()
    form = None
    eligible = 0
    status = 200
    if committee is None and tender.state == TenderState.EVALUATION:
        form = CommitteeSizeForm(*submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                committee = services.committee_form(
                    actor=signed_in(request.user), tender=tender, size=form.cleaned_data["size"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(
                    request, _("The committee is drawn. The experts drawn are invited and asked to declare conflicts.")
                )
                return redirect("marketplace:tender-committee", pk=tender.pk)
        if form.errors and status == 200:
            status = 400
        eligible = len(services.committee_candidates(tender))
    elif request.method == "POST":
        raise Conflict(_("A committee is formed once, while the tender is under evaluation."))
    context = {
        "tender": tender,
        "committee": committee,
        "form": form,
        "eligible": eligible,
        "members": list(selectors.committee_members_of(committee=committee)) if committee else [],
        "draws": list(selectors.committee_draws_of(committee=committee)) if committee else [],
        "open_seats": selectors.committee_open_seats(committee=committee) if committee else 0,
        "refillable": committee is not None and tender.state == TenderState.EVALUATION,
    }
    return render(request, "marketplace/committee.html", context, status=status)


@login_required
@require_POST
def committee_refill(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw replacements for declined seats (after a refill found no eligible expert left)."""
    tender = _buyer_tender(request, pk)
    committee = Committee.objects.filter(tender=tender).first()
    if committee is None:
        raise NotFound()
    draw = services.committee_refill(actor=signed_in(request.user), committee=committee)
    if draw is not None:
        messages.success(
            request,
            ngettext(
                "%(count)d replacement was drawn and invited.",
                "%(count)d replacements were drawn and invited.",
                draw.seats,
            )
            % {"count": draw.seats},
        )
    elif selectors.committee_open_seats(committee=committee):
        messages.warning(
            request, _("No eligible expert free of conflict is left to draw. Try again when the expert pool grows.")
        )
    else:
        messages.info(request, _("Every seat is taken or offered: there is nothing to refill."))
    return redirect("marketplace:tender-committee", pk=tender.pk)


def _expert_or_403(request: HttpRequest) -> None:
    if expert_of(user=request.user) is None:
        raise PermissionDenied(
            _(
                "This page is for experts of the expert pool: it lists the evaluation committees they are "
                "invited to. Your account is not linked to an expert's record."
            )
        )


@login_required
def expert_invitations(request: HttpRequest) -> HttpResponse:
    """The expert's seats, with the buyer and the bidders so they can judge their own conflicts."""
    _expert_or_403(request)
    page = CappedPaginator(selectors.seats_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    seats: list[CommitteeMember] = list(page.object_list)
    bidders = selectors.bidders_of(tender_ids=[seat.committee.tender_id for seat in seats])
    rows = [
        {
            "seat": seat,
            "tender": seat.committee.tender,
            "bidders": bidders.get(seat.committee.tender_id, []),
            "answerable": seat.committee.tender.state == TenderState.EVALUATION,
        }
        for seat in seats
    ]
    return render(request, "marketplace/expert_invitations.html", {"page": page, "rows": rows, "query": ""})


@login_required
@require_POST
def member_accept(request: HttpRequest, member_pk: int) -> HttpResponse:
    seat = selectors.seat_of(user=request.user, pk=member_pk)
    services.committee_member_accept(actor=signed_in(request.user), member=seat)
    messages.success(
        request,
        _("You accepted the seat on the committee of %(reference)s. You may score once every seat is accepted.")
        % {"reference": seat.committee.tender.reference},
    )
    return redirect("marketplace:expert-invitations")


@login_required
def member_decline(request: HttpRequest, member_pk: int) -> HttpResponse:
    """Decline a seat by declaring the conflict of interest; a replacement is drawn at random."""
    seat = selectors.seat_of(user=request.user, pk=member_pk)
    if seat.state == MemberState.DECLINED:
        raise Conflict(_("You have already declined this seat."))
    tender = seat.committee.tender
    if tender.state != TenderState.EVALUATION:
        raise Conflict(_("The evaluation of this tender is over."))
    form = MemberDeclineForm(*submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_decline(
                actor=signed_in(request.user), member=seat, declaration=form.cleaned_data["declaration"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("You declined the seat on the committee of %(reference)s; your declaration is recorded.")
                % {"reference": tender.reference},
            )
            return redirect("marketplace:expert-invitations")
    context = {
        "seat": seat,
        "tender": tender,
        "form": form,
        "bidders": selectors.bidders_of(tender_ids=[tender.pk]).get(tender.pk, []),
    }
    return render(request, "marketplace/member_decline.html", context, status=400 if form.errors else 200)

"""Pages of the scoring: the expert's score sheet and the committee report.

The score sheet answers only the committee's accepted members (404 for anyone else, 409 while the
invitation is unanswered). The committee report answers the members, the buyer's staff, operators
and regulators whose scope covers the tender (404 for anyone else); while the round is under way
it shows them how many members have submitted instead, since the scores stay hidden until then.
"""

from __future__ import annotations

import io
from contextlib import suppress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace import selectors, services
from marketplace.forms import ScoreSheetForm
from marketplace.views._common import submitted
from portal.errors import Conflict, NotFound
from portal.forms import add_service_errors
from portal.permissions import signed_in


@login_required
def score_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    sheet = selectors.score_sheet_for(user=request.user, tender=tender)
    form = ScoreSheetForm(
        *submitted(request),
        bids=sheet.bids,
        scores=sheet.scores,
        weighs_technical=tender.technical_weight_bp > 0,
        weighs_business=tender.business_weight_bp > 0,
    )
    status = 200
    if request.method == "POST":
        if not sheet.editable:
            raise Conflict(sheet.closed_reason)
        status = 400
        if form.is_valid():
            final = form.cleaned_data["final"]
            try:
                services.score_sheet_save(
                    actor=signed_in(request.user), tender=tender, scores=form.score_inputs(), submit=final
                )
            except ValidationError as error:
                add_service_errors(form, error, names={"scores": None})
            else:
                if final:
                    messages.success(request, _("Your scores are submitted. They are final."))
                else:
                    messages.success(request, _("Your draft is saved. Nobody else sees it."))
                return redirect("marketplace:score-sheet", pk=tender.pk)
    context = {"tender": tender, "sheet": sheet, "form": form}
    return render(request, "marketplace/score_sheet.html", context, status=status)


@login_required
def committee_report(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    raw_round = request.GET.get("round", "")
    if raw_round and not raw_round.isdigit():
        raise NotFound()
    context: dict[str, object] = {"tender": tender}
    try:
        context["report"] = selectors.committee_report(
            user=request.user, tender=tender, round=int(raw_round) if raw_round else None
        )
    except Conflict as error:  # an allowed viewer, before the round is concluded
        context["pending"] = error.message
        with suppress(NotFound):  # regulators see the report, not the progress
            context["progress"] = selectors.evaluation_progress(user=request.user, tender=tender)
    return render(request, "marketplace/committee_report.html", context)


@login_required
def bid_document(request: HttpRequest, bid_pk: int, index: int) -> FileResponse:
    """A document of an opened bid, for the committee, the buyer and the bidder."""
    document = selectors.opened_bid_document_for(user=request.user, bid_id=bid_pk, index=index)
    return FileResponse(io.BytesIO(document.content), as_attachment=True, filename=document.name)

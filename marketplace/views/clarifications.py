"""Clarifications (澄清/答疑) of one tender: vendors ask, the buyer's staff answer.

Nobody but the asking organisation is shown who asked, the buyer included: the buyer needs the
question, not the name, and a name would tell it who intends to bid before the opening. Answers
are public (the tender page lists them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace import selectors, services
from marketplace.forms import ClarificationAnswerForm, ClarificationAskForm, chosen_organisation
from marketplace.models import Clarification
from marketplace.states import TenderState
from marketplace.viewer import tender_actions
from portal.errors import NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in


@login_required
def tender_clarifications(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    actions = tender_actions(user=request.user, tender=tender)
    vendors = list(actions.bidders)
    clarifications = list(selectors.clarifications_visible_to(user=request.user, tender=tender))
    answering = actions.is_buyer and tender.state == TenderState.OPEN
    answer_forms = {
        c.pk: ClarificationAnswerForm.for_question(c) for c in clarifications if answering and not c.answered
    }
    ask_form = ClarificationAskForm(vendors=vendors) if actions.ask else None
    if request.method == "POST" and "answer_to" in request.POST:
        response = _answer(request, clarifications, answer_forms)
        if response is not None:
            return response
    elif request.method == "POST":
        if not vendors:
            raise PermissionDenied(_("Only the staff of verified annotation vendors can ask questions."))
        ask_form = ClarificationAskForm(request.POST, vendors=vendors)
        if ask_form.is_valid():
            try:
                services.clarification_ask(
                    actor=signed_in(request.user),
                    tender=tender,
                    vendor=chosen_organisation(ask_form, "vendor", vendors),
                    question=ask_form.cleaned_data["question"],
                )
            except ValidationError as error:
                add_service_errors(ask_form, error)
            else:
                messages.success(request, _("Your question was sent. Its answer will be published to everyone."))
                return redirect("marketplace:tender-clarifications", pk=tender.pk)
    own = {o.pk for o in selectors.vendor_organisations_of(user=request.user)}
    context = {
        "tender": tender,
        "actions": actions,
        "ask_form": ask_form,
        "questions": [(c, answer_forms.get(c.pk), c.asking_organisation_id in own) for c in clarifications],
    }
    failed = (ask_form is not None and bool(ask_form.errors)) or any(f.errors for f in answer_forms.values())
    return render(request, "marketplace/tender_clarifications.html", context, status=400 if failed else 200)


def _answer(
    request: HttpRequest, clarifications: list[Clarification], answer_forms: dict[int, ClarificationAnswerForm]
) -> HttpResponse | None:
    """Publish the answer, or put the bound form with its errors into `answer_forms` (None)."""
    question_id = request.POST["answer_to"]
    if not question_id.isdigit():
        raise NotFound()
    clarification = next((c for c in clarifications if c.pk == int(question_id)), None)
    if clarification is None:
        raise NotFound()
    form = ClarificationAnswerForm.for_question(clarification, request.POST)
    answer_forms[clarification.pk] = form
    if form.is_valid():
        try:
            services.clarification_answer(
                actor=signed_in(request.user), clarification=clarification, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The answer is published."))
            return redirect("marketplace:tender-clarifications", pk=clarification.tender_id)
    return None

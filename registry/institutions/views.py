"""Pages of third-party institutions and the supply-demand matching of service needs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import DomainError, NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in, visible_or_404
from registry.institutions import selectors, services, workflow
from registry.institutions.forms import (
    ChooseForm,
    DirectoryFilterForm,
    NeedFilterForm,
    NeedPostForm,
    OfferForm,
    ResponseForm,
)
from registry.institutions.models import NeedStatus, ServiceNeed
from registry.institutions.permissions import may_act_for, may_see_suggestions
from registry.models import Region
from registry.roles import OrganisationKind
from registry.selectors import regions_for_choice

PAGE_SIZE = 20
SUGGESTIONS_ON_DETAIL = 5


def _page_context(request: HttpRequest, items: QuerySet[Any]) -> dict[str, object]:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def institution_list(request: HttpRequest) -> HttpResponse:
    """The public directory of verified institutions and what they offer."""
    form = DirectoryFilterForm(request.GET or None, region_choices=regions_for_choice())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    region_code = filters.get("region")
    institutions = selectors.institution_directory(
        category=filters.get("category", ""), region=Region.objects.get(pk=region_code) if region_code else None
    )
    context = {"form": form, **_page_context(request, institutions)}
    return render(request, "registry/institutions/institution_list.html", context)


@login_required
def offer_manage(request: HttpRequest) -> HttpResponse:
    """An institution's managing staff list and add the categories it offers. (Operators act for
    any institution through the API, where they name it by id.)"""
    institutions = selectors.organisations_acting_for(user=request.user, kinds=(OrganisationKind.THIRD_PARTY,))
    if request.method == "POST" and not institutions.exists():
        raise PermissionDenied(_("Only the managing staff of a third-party institution offer its services."))
    form = OfferForm(request.POST or None, organisations=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.institution_service_offer(
                actor=signed_in(request.user),
                organisation=form.cleaned_data["organisation"],
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(organisation)s now offers %(category)s.")
                % {"organisation": offer.organisation, "category": offer.get_category_display()},
            )
            return redirect("institutions:offer-manage")
    context = {
        "form": form,
        "offers": selectors.offers_managed_by(user=request.user),
        "has_institutions": institutions.exists(),
    }
    return render(request, "registry/institutions/offer_manage.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    offer = visible_or_404(selectors.institution_services_visible_to(user=request.user), pk=pk)
    services.institution_service_withdraw(actor=signed_in(request.user), service=offer)
    messages.success(request, _("The offer was withdrawn."))
    return redirect("institutions:offer-manage")


@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    """Needs the user may see: their organisations' own, and open needs their institutions can serve."""
    form = NeedFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    needs = selectors.needs_visible_to(
        user=request.user, status=filters.get("status", ""), category=filters.get("category", "")
    )
    can_post = selectors.organisations_acting_for(user=request.user, kinds=selectors.NEED_POSTER_KINDS).exists()
    context = {"form": form, "can_post": can_post, **_page_context(request, needs)}
    return render(request, "registry/institutions/need_list.html", context)


@login_required
def need_post(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_acting_for(user=request.user, kinds=selectors.NEED_POSTER_KINDS)
    form = NeedPostForm(request.POST or None, organisations=organisations, region_choices=regions_for_choice())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            need = services.need_post(
                actor=signed_in(request.user),
                organisation=data["organisation"],
                category=data["category"],
                region_code=data["region"],
                title=data["title"],
                description=data["description"],
                budget_fen=data["budget_fen"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your need is posted. Matching institutions can now respond."))
            return redirect("institutions:need-detail", pk=need.pk)
    context = {"form": form, "has_organisations": organisations.exists()}
    return render(request, "registry/institutions/need_form.html", context, status=400 if form.errors else 200)


def _visible_need(request: HttpRequest, pk: int) -> ServiceNeed:
    return visible_or_404(selectors.needs_visible_to(user=request.user), pk=pk)


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible_need(request, pk))


def _detail_page(request: HttpRequest, need: ServiceNeed, *, response_form: ResponseForm | None = None) -> HttpResponse:
    responses = selectors.responses_visible_to(user=request.user, need=need)
    can_act = may_act_for(request.user, need.organisation)
    context: dict[str, object] = {
        "need": need,
        "responses": responses,
        "can_choose": can_act and workflow.allowed(need.status, workflow.CHOOSE),
        "can_close": can_act and workflow.allowed(need.status, workflow.CLOSE),
        "suggestions": None,
    }
    if may_see_suggestions(request.user, need):
        context["suggestions"] = selectors.institutions_matching(need=need)[:SUGGESTIONS_ON_DETAIL]
    if need.status == NeedStatus.OPEN:
        institutions = selectors.institutions_for_response(user=request.user, need=need)
        if response_form is not None or institutions.exists():
            context["response_form"] = response_form or ResponseForm(institutions=institutions)
    status = 400 if response_form is not None and response_form.errors else 200
    return render(request, "registry/institutions/need_detail.html", context, status=status)


@login_required
def need_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    need = _visible_need(request, pk)
    if not may_see_suggestions(request.user, need):
        raise NotFound()
    context = {"need": need, **_page_context(request, selectors.institutions_matching(need=need))}
    return render(request, "registry/institutions/need_suggestions.html", context)


@login_required
@require_POST
def need_respond(request: HttpRequest, pk: int) -> HttpResponse:
    need = _visible_need(request, pk)
    institutions = selectors.organisations_acting_for(user=request.user, kinds=(OrganisationKind.THIRD_PARTY,))
    if not institutions.exists():
        raise PermissionDenied(_("Only the staff of a third-party institution respond to needs."))
    form = ResponseForm(request.POST, institutions=institutions)
    if form.is_valid():
        try:
            services.response_submit(
                actor=signed_in(request.user),
                need=need,
                institution=form.cleaned_data["institution"],
                message=form.cleaned_data["message"],
                quote_fen=form.cleaned_data["quote_fen"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your response was sent to the posting organisation."))
            return redirect("institutions:need-detail", pk=need.pk)
    return _detail_page(request, need, response_form=form)


@login_required
@require_POST
def need_choose(request: HttpRequest, pk: int) -> HttpResponse:
    need = _visible_need(request, pk)
    form = ChooseForm(request.POST, responses=selectors.responses_visible_to(user=request.user, need=need))
    if not form.is_valid():
        message = _("Choose one of the responses to this need.")
        raise DomainError(message, fields={"response": [message]})
    services.need_choose(actor=signed_in(request.user), need=need, response=form.cleaned_data["response"])
    messages.success(
        request, _("You chose %(institution)s.") % {"institution": form.cleaned_data["response"].institution}
    )
    return redirect("institutions:need-detail", pk=need.pk)


@login_required
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = _visible_need(request, pk)
    services.need_close(actor=signed_in(request.user), need=need)
    messages.success(request, _("The need is closed."))
    return redirect("institutions:need-detail", pk=need.pk)

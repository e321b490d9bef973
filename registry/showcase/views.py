"""Public pages of excellent cases and competitions, and the operators' curation forms."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import DomainError, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import is_operator, signed_in, visible_or_404
from registry.showcase import selectors, services
from registry.showcase.forms import AwardForm, CaseFilterForm, CaseForm, CompetitionForm, EntryForm
from registry.showcase.models import Competition

PAGE_SIZE = 20


def operator_required(view: Any) -> Any:
    """Curation pages: sign in first, then operators only (403 for anyone else)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request.user):
            raise PermissionDenied(_("Only platform operators curate excellent cases and competitions."))
        return view(request, *args, **kwargs)

    return wrapper


def _paged(request: HttpRequest, items: Any) -> dict[str, Any]:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, years=selectors.case_years(user=request.user))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    cases = selectors.cases_visible_to(
        user=request.user,
        sector=filters.get("sector", ""),
        modality=filters.get("modality", ""),
        year=filters.get("year"),
    )
    context = {"form": form, "can_curate": is_operator(request.user), **_paged(request, cases)}
    return render(request, "registry/showcase/case_list.html", context)


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_or_404(selectors.cases_visible_to(user=request.user), pk=pk)
    return render(
        request, "registry/showcase/case_detail.html", {"case": case, "can_curate": is_operator(request.user)}
    )


def _case_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in ("title", "organisation", "sector", "modality", "year", "summary", "figures")}


@operator_required
def case_create(request: HttpRequest) -> HttpResponse:
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(actor=signed_in(request.user), **_case_arguments(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was saved. Publish it to show it to the public."))
            return redirect("showcase:case-detail", pk=case.pk)
    context = {"form": form, "title": _("New excellent case"), "cancel_url": reverse("showcase:case-list")}
    return render(request, "registry/showcase/form.html", context, status=400 if form.errors else 200)


@operator_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_or_404(selectors.cases_visible_to(user=request.user), pk=pk)
    initial = {
        name: getattr(case, name)
        for name in ("title", "organisation", "sector", "modality", "year", "summary", "figures")
    }
    form = CaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(actor=signed_in(request.user), case=case, **_case_arguments(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was saved."))
            return redirect("showcase:case-detail", pk=case.pk)
    context = {
        "form": form,
        "title": _("Edit excellent case"),
        "cancel_url": reverse("showcase:case-detail", args=[case.pk]),
    }
    return render(request, "registry/showcase/form.html", context, status=400 if form.errors else 200)


@operator_required
@require_POST
def case_publish(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_or_404(selectors.cases_visible_to(user=request.user), pk=pk)
    published = request.POST.get("published", "1") == "1"
    try:
        services.case_publish(actor=signed_in(request.user), case=case, published=published)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), fields=error.message_dict) from error
    messages.success(request, _("The case is now public.") if published else _("The case is no longer public."))
    return redirect("showcase:case-detail", pk=case.pk)


def competition_list(request: HttpRequest) -> HttpResponse:
    context = {"can_curate": is_operator(request.user), **_paged(request, selectors.competitions_public())}
    return render(request, "registry/showcase/competition_list.html", context)


def competition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    competition = visible_or_404(selectors.competitions_public(), pk=pk)
    return _competition_page(request, competition)


def _competition_page(
    request: HttpRequest, competition: Competition, *, entry_form: EntryForm | None = None
) -> HttpResponse:
    can_curate = is_operator(request.user)
    context: dict[str, Any] = {
        "competition": competition,
        "entries": selectors.competition_entries(competition=competition),
        "can_curate": can_curate,
    }
    if can_curate:
        context["entry_form"] = entry_form or EntryForm()
        context["award_form"] = AwardForm()
    status = 400 if entry_form is not None and entry_form.errors else 200
    return render(request, "registry/showcase/competition_detail.html", context, status=status)


def _competition_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in ("name", "year", "organiser", "starts_on", "ends_on", "description")}


@operator_required
def competition_create(request: HttpRequest) -> HttpResponse:
    form = CompetitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competition = services.competition_create(
                actor=signed_in(request.user), **_competition_arguments(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The competition was saved."))
            return redirect("showcase:competition-detail", pk=competition.pk)
    context = {"form": form, "title": _("New competition"), "cancel_url": reverse("showcase:competition-list")}
    return render(request, "registry/showcase/form.html", context, status=400 if form.errors else 200)


@operator_required
def competition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    competition = visible_or_404(selectors.competitions_public(), pk=pk)
    initial = {
        name: getattr(competition, name)
        for name in ("name", "year", "organiser", "starts_on", "ends_on", "description")
    }
    form = CompetitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.competition_update(
                actor=signed_in(request.user), competition=competition, **_competition_arguments(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The competition was saved."))
            return redirect("showcase:competition-detail", pk=competition.pk)
    context = {
        "form": form,
        "title": _("Edit competition"),
        "cancel_url": reverse("showcase:competition-detail", args=[competition.pk]),
    }
    return render(request, "registry/showcase/form.html", context, status=400 if form.errors else 200)


@operator_required
@require_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    competition = visible_or_404(selectors.competitions_public(), pk=pk)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            services.entry_add(actor=signed_in(request.user), competition=competition, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The entry was added."))
            return redirect("showcase:competition-detail", pk=competition.pk)
    return _competition_page(request, competition, entry_form=form)


@operator_required
@require_POST
def entry_award(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    competition = visible_or_404(selectors.competitions_public(), pk=pk)
    entry = visible_or_404(selectors.competition_entries(competition=competition), pk=entry_pk)
    form = AwardForm(request.POST)
    if not form.is_valid():
        message = _("Choose an award.")
        raise DomainError(message, fields={"award": [message]})
    services.entry_award(actor=signed_in(request.user), entry=entry, award=form.cleaned_data["award"])
    messages.success(request, _("The award was recorded."))
    return redirect("showcase:competition-detail", pk=competition.pk)


@operator_required
@require_POST
def entry_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    competition = visible_or_404(selectors.competitions_public(), pk=pk)
    entry = visible_or_404(selectors.competition_entries(competition=competition), pk=entry_pk)
    services.entry_remove(actor=signed_in(request.user), entry=entry)
    messages.success(request, _("The entry was removed."))
    return redirect("showcase:competition-detail", pk=competition.pk)

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import add_service_errors
from portal.permissions import is_operator, signed_in, visible_or_404
from registry import selectors, services
from registry.forms import OrganisationFilterForm, OrganisationRegisterForm
from registry.models import Region
from registry.permissions import may_manage_members

PAGE_SIZE = 20


def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None, region_choices=selectors.regions_for_choice())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    region_code = filters.get("region")
    organisations = selectors.organisations_visible_to(
        user=request.user,
        kind=filters.get("kind", ""),
        region=Region.objects.get(pk=region_code) if region_code else None,
        text=filters.get("q", ""),
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "registry/_organisation_results.html"
        if request.headers.get("HX-Request")
        else "registry/organisation_list.html"
    )
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = visible_or_404(selectors.organisations_visible_to(user=request.user), pk=pk)
    members = (
        selectors.members_of(organisation=organisation) if may_manage_members(request.user, organisation) else None
    )
    return render(
        request,
        "registry/organisation_detail.html",
        {"organisation": organisation, "members": members, "can_verify": is_operator(request.user)},
    )


@login_required
def organisation_register(request: HttpRequest) -> HttpResponse:
    form = OrganisationRegisterForm(request.POST or None, region_choices=selectors.regions_for_choice())
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=signed_in(request.user),
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                credit_code_value=form.cleaned_data["credit_code"],
                region_code=form.cleaned_data["region"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Registered. An operator will verify the organisation."))
            return redirect("registry:organisation-detail", pk=organisation.pk)
    status = 400 if form.errors else 200
    return render(request, "registry/organisation_form.html", {"form": form}, status=status)


@login_required
@require_POST
def organisation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = visible_or_404(selectors.organisations_visible_to(user=request.user), pk=pk)
    services.organisation_verify(actor=signed_in(request.user), organisation=organisation)
    messages.success(request, _("The organisation is now verified."))
    return redirect("registry:organisation-detail", pk=organisation.pk)

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
from registry.forms import MembershipAddForm, OrganisationFilterForm, OrganisationRegisterForm
from registry.models import Organisation, Region
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
    return _detail_page(request, organisation)


def _detail_page(
    request: HttpRequest, organisation: Organisation, *, member_form: MembershipAddForm | None = None
) -> HttpResponse:
    """The organisation's page; its members and the form to add one only for those who manage them."""
    context: dict[str, object] = {"organisation": organisation, "can_verify": is_operator(request.user)}
    if may_manage_members(request.user, organisation):
        context["members"] = selectors.members_of(organisation=organisation)
        context["member_form"] = member_form or MembershipAddForm(
            kind=organisation.kind, region_choices=selectors.regions_for_choice()
        )
    status = 400 if member_form is not None and member_form.errors else 200
    return render(request, "registry/organisation_detail.html", context, status=status)


@login_required
@require_POST
def organisation_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = visible_or_404(selectors.organisations_visible_to(user=request.user), pk=pk)
    form = MembershipAddForm(request.POST, kind=organisation.kind, region_choices=selectors.regions_for_choice())
    if form.is_valid():
        try:
            membership = services.membership_add(
                actor=signed_in(request.user),
                organisation=organisation,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                scope_region_code=form.cleaned_data["scope_region"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(member)s was added.") % {"member": membership.user})
            return redirect("registry:organisation-detail", pk=organisation.pk)
    return _detail_page(request, organisation, member_form=form)


@login_required
@require_POST
def organisation_member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = visible_or_404(selectors.organisations_visible_to(user=request.user), pk=pk)
    membership = visible_or_404(selectors.members_of(organisation=organisation), pk=membership_pk)
    services.membership_remove(actor=signed_in(request.user), membership=membership)
    messages.success(request, _("%(member)s was removed.") % {"member": membership.user})
    return redirect("registry:organisation-detail", pk=organisation.pk)


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


@login_required
@require_POST
def organisation_reject(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = visible_or_404(selectors.organisations_visible_to(user=request.user), pk=pk)
    try:
        services.organisation_reject(
            actor=signed_in(request.user), organisation=organisation, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("registry:organisation-detail", pk=organisation.pk)
    messages.success(request, _("The registration was rejected; its members see the reason."))
    return redirect("registry:organisation-detail", pk=organisation.pk)

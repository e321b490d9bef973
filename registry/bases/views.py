"""Pages of annotation bases: the public list and detail, and the forms of those who manage them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import is_operator, signed_in, visible_or_404
from registry.bases import selectors, services
from registry.bases.forms import BaseCreateForm, BaseFilterForm, BaseMemberAddForm, BaseOutputForm
from registry.bases.models import AnnotationBase
from registry.bases.permissions import may_manage_base
from registry.selectors import regions_for_choice

PAGE_SIZE = 20


def base_list(request: HttpRequest) -> HttpResponse:
    form = BaseFilterForm(
        request.GET or None, province_choices=[(r.code, r.display_name) for r in selectors.provinces()]
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    province_code = filters.get("province")
    bases = selectors.bases_public(
        designation=filters.get("designation", ""),
        province=selectors.provinces().get(pk=province_code) if province_code else None,
    )
    page = Paginator(bases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "registry/bases/_base_results.html" if request.headers.get("HX-Request") else "registry/bases/base_list.html"
    )
    context = {"form": form, "page": page, "query": query.urlencode(), "can_create": is_operator(request.user)}
    return render(request, template, context)


def base_detail(request: HttpRequest, pk: int) -> HttpResponse:
    base = visible_or_404(selectors.bases_public(), pk=pk)
    return _detail_page(request, base)


def _detail_page(
    request: HttpRequest,
    base: AnnotationBase,
    *,
    member_form: BaseMemberAddForm | None = None,
    output_form: BaseOutputForm | None = None,
) -> HttpResponse:
    context: dict[str, object] = {
        "base": base,
        "members": selectors.base_members_visible_to(user=request.user, base=base),
        "output": selectors.base_output_table(base=base),
        "can_manage": may_manage_base(request.user, base),
    }
    if context["can_manage"]:
        context["member_form"] = member_form or BaseMemberAddForm()
        context["output_form"] = output_form or BaseOutputForm()
    failed = any(form is not None and form.errors for form in (member_form, output_form))
    return render(request, "registry/bases/base_detail.html", context, status=400 if failed else 200)


@login_required
def base_create(request: HttpRequest) -> HttpResponse:
    if not is_operator(request.user):
        raise PermissionDenied(_("Only platform operators record annotation bases."))
    form = BaseCreateForm(request.POST or None, region_choices=regions_for_choice())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            base = services.base_create(
                actor=signed_in(request.user),
                name=data["name"],
                city_code=data["city"],
                designation=data["designation"],
                operator=data["operator"],
                designated_on=data["designated_on"],
                description=data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The annotation base was recorded."))
            return redirect("bases:base-detail", pk=base.pk)
    return render(request, "registry/bases/base_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def base_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    base = visible_or_404(selectors.bases_public(), pk=pk)
    if not may_manage_base(request.user, base):
        raise PermissionDenied(_("You may not manage the members of this base."))
    form = BaseMemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = services.base_member_add(
                actor=signed_in(request.user),
                base=base,
                organisation=form.cleaned_data["organisation"],
                joined_on=form.cleaned_data["joined_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(organisation)s joined the base.") % {"organisation": membership.organisation}
            )
            return redirect("bases:base-detail", pk=base.pk)
    return _detail_page(request, base, member_form=form)


@login_required
@require_POST
def base_member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    base = visible_or_404(selectors.bases_public(), pk=pk)
    membership = visible_or_404(selectors.base_members_visible_to(user=request.user, base=base), pk=membership_pk)
    services.base_member_remove(actor=signed_in(request.user), membership=membership)
    messages.success(request, _("%(organisation)s left the base.") % {"organisation": membership.organisation})
    return redirect("bases:base-detail", pk=base.pk)


@login_required
@require_POST
def base_output_report(request: HttpRequest, pk: int) -> HttpResponse:
    base = visible_or_404(selectors.bases_public(), pk=pk)
    if not may_manage_base(request.user, base):
        raise PermissionDenied(_("You may not report the output of this base."))
    form = BaseOutputForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            output, created = services.base_output_report(
                actor=signed_in(request.user),
                base=base,
                year=data["year"],
                quarter=data["quarter"],
                annotated_items=data["annotated_items"],
                revenue_fen=data["revenue_fen"],
                headcount=data["headcount"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = (
                _("Output for %(year)s Q%(quarter)s reported.")
                if created
                else _("Output for %(year)s Q%(quarter)s corrected.")
            )
            messages.success(request, message % {"year": output.year, "quarter": output.quarter})
            return redirect("bases:base-detail", pk=base.pk)
    return _detail_page(request, base, output_form=form)

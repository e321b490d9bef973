from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import is_operator, signed_in, visible_or_404
from registry import selectors, services
from registry.forms import (
    BaseShareholderFormSet,
    MembershipAddForm,
    OrganisationFilterForm,
    OrganisationProfileForm,
    OrganisationRegisterForm,
    RelationDeclareForm,
    ShareholderFormSet,
    capacity_field,
)
from registry.models import HolderKind, Organisation, Region, VerificationStatus
from registry.permissions import may_manage_members

PAGE_SIZE = 20
# Service error keys that the profile form names differently.
PROFILE_FORM_FIELDS: dict[str, str | None] = {
    "registered_capital_fen": "registered_capital",
    "capabilities": "modalities",
}
SHAREHOLDER_FORM_FIELDS: dict[str, str | None] = {"share_bp": "share_percent", "existing": None}


def organisation_list(request: HttpRequest) -> HttpResponse:
    """The search page: verified organisations unless "include unverified" is ticked; htmx asks for
    the results only. A filter that does not parse answers 400 with the form's errors."""
    form = OrganisationFilterForm(
        request.GET or None, region_choices=selectors.regions_for_choice(), signed_in=request.user.is_authenticated
    )
    organisations: QuerySet[Organisation] = Organisation.objects.none()
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        region_code = filters.get("region")
        organisations = selectors.organisation_search(
            user=request.user,
            kind=filters.get("kind", ""),
            region=Region.objects.filter(pk=region_code).first() if region_code else None,
            text=filters.get("q", ""),
            modality=filters.get("modality", ""),
            sector=filters.get("sector", ""),
            include_unverified=filters.get("include_unverified", False),
        )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "registry/_organisation_results.html"
        if request.headers.get("HX-Request")
        else "registry/organisation_list.html"
    )
    status = 400 if form.errors else 200
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()}, status=status)


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_profile(user=request.user, pk=pk)
    return _detail_page(request, organisation)


def _detail_page(
    request: HttpRequest, organisation: Organisation, *, member_form: MembershipAddForm | None = None
) -> HttpResponse:
    """The public profile. Members and operators also see masked identity numbers and the rejection
    reason; managing staff the editing links and members; operators the related parties and the
    verification controls."""
    can_manage = may_manage_members(request.user, organisation)
    context: dict[str, Any] = {
        "organisation": organisation,
        "can_verify": is_operator(request.user),
        "can_manage": can_manage,
        "member_view": selectors.sees_member_details(user=request.user, organisation=organisation),
    }
    if is_operator(request.user):
        context["related_parties"] = selectors.related_parties_for_operator(
            user=request.user, organisation=organisation
        )
    if can_manage:
        context["members"] = selectors.members_of(organisation=organisation)
        context["member_form"] = member_form or MembershipAddForm(
            kind=organisation.kind, region_choices=selectors.regions_for_choice()
        )
    status = 400 if member_form is not None and member_form.errors else 200
    return render(request, "registry/organisation_detail.html", context, status=status)


def _managed(request: HttpRequest, pk: int) -> Organisation:
    """An organisation the signed-in user may edit: 404 when they cannot see it, 403 when they can
    but do not manage it."""
    organisation = selectors.organisation_profile(user=request.user, pk=pk)
    if not may_manage_members(request.user, organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    return organisation


def _renamed(error: ValidationError, names: Mapping[str, str | None]) -> ValidationError:
    """A service's errors under the form's field names (None: not a field of the form)."""
    if not hasattr(error, "error_dict"):
        return error
    renamed: dict[str, list[str]] = {}
    for field, field_messages in error.message_dict.items():
        name = names.get(field, field) or "__all__"
        renamed.setdefault(name, []).extend(field_messages)
    return ValidationError(renamed)


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed(request, pk)
    capabilities = {c.modality: c.daily_capacity for c in organisation.capabilities.all()}
    initial: dict[str, Any] = {
        "name": organisation.name,
        "region": organisation.region_id,
        "legal_representative": organisation.legal_representative,
        "registered_capital": organisation.registered_capital_yuan or "",
        "founded_on": organisation.founded_on,
        "address": organisation.address,
        "size_class": organisation.size_class,
        "annotator_headcount": organisation.annotator_headcount,
        "iso27001_certified": organisation.iso27001_certified,
        "mlps_level": organisation.mlps_level,
        "modalities": list(capabilities),
        "sectors": [s.sector for s in organisation.sectors.all()],
        "description": organisation.description,
        **{capacity_field(modality): capacity for modality, capacity in capabilities.items()},
    }
    form = OrganisationProfileForm(
        request.POST or None,
        initial=initial,
        region_choices=selectors.regions_for_choice(),
        id_masked=organisation.legal_representative_id_masked,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            updated = services.organisation_update_profile(
                actor=signed_in(request.user),
                organisation=organisation,
                name=data["name"],
                region_code=data["region"],
                legal_representative=data["legal_representative"],
                legal_representative_id_number=data["legal_representative_id_number"] or services.UNCHANGED,
                registered_capital_fen=data["registered_capital"],
                founded_on=data["founded_on"],
                address=data["address"],
                size_class=data["size_class"],
                annotator_headcount=data["annotator_headcount"],
                iso27001_certified=data["iso27001_certified"],
                mlps_level=data["mlps_level"],
                description=data["description"],
                capabilities=form.capabilities(),
                sectors=data["sectors"],
            )
        except ValidationError as error:
            add_service_errors(form, _renamed(error, PROFILE_FORM_FIELDS))
        else:
            if organisation.status == VerificationStatus.VERIFIED and not updated.verified:
                messages.warning(
                    request,
                    _(
                        "The name, region or legal representative changed, so an operator must verify the "
                        "organisation again. Until then only its members and operators see it."
                    ),
                )
            else:
                messages.success(request, _("The profile was saved."))
            return redirect("registry:organisation-detail", pk=organisation.pk)
    status = 400 if form.errors else 200
    return render(
        request, "registry/organisation_profile_form.html", {"organisation": organisation, "form": form}, status=status
    )


@login_required
def organisation_shareholders(request: HttpRequest, pk: int) -> HttpResponse:
    """The list of shareholders, replaced as a whole. Person holders already listed keep their stored
    (hashed) number when the number box is left empty."""
    organisation = _managed(request, pk)
    initial = [
        {
            "existing": holder.pk if holder.holder_kind == HolderKind.PERSON else None,
            "holder_kind": holder.holder_kind,
            "name": holder.name,
            "credit_code": holder.holder_credit_code,
            "share_percent": holder.share_percent,
            "id_masked": holder.holder_id_masked,
        }
        for holder in organisation.shareholders.all()
    ]
    formset = cast(BaseShareholderFormSet, ShareholderFormSet(request.POST or None, initial=initial, prefix="holders"))
    list_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        filled = formset.filled_forms()
        try:
            services.organisation_set_shareholders(
                actor=signed_in(request.user),
                organisation=organisation,
                shareholders=[
                    services.ShareholderInput(
                        holder_kind=form.cleaned_data["holder_kind"],
                        name=form.cleaned_data["name"],
                        share_bp=form.cleaned_data["share_percent"],
                        credit_code=form.cleaned_data["credit_code"],
                        id_number=form.cleaned_data["id_number"],
                        existing=form.cleaned_data["existing"],
                    )
                    for form in filled
                ],
            )
        except ValidationError as error:
            list_errors = _shareholder_errors(error, filled)
        else:
            messages.success(request, _("The shareholders were saved."))
            return redirect("registry:organisation-detail", pk=organisation.pk)
    failed = bool(list_errors) or (formset.is_bound and not formset.is_valid())
    context = {
        "organisation": organisation,
        "formset": formset,
        "list_errors": list_errors + list(formset.non_form_errors()) if formset.is_bound else list_errors,
    }
    return render(request, "registry/organisation_shareholders.html", context, status=400 if failed else 200)


def _shareholder_errors(error: ValidationError, filled: list[Any]) -> list[str]:
    """Put `shareholders.<index>.<field>` errors on their row's field; return the list's own errors
    (always at least one, so the page answers 400)."""
    list_errors: list[str] = []
    for key, key_messages in error.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "shareholders" and parts[1].isdigit() and int(parts[1]) < len(filled):
            field = SHAREHOLDER_FORM_FIELDS.get(parts[2], parts[2])
            form = filled[int(parts[1])]
            form.add_error(field if field in form.fields else None, key_messages)
        else:
            list_errors.extend(key_messages)
    return list_errors or [_("Some rows are not valid.")]


@login_required
def organisation_relations(request: HttpRequest, pk: int) -> HttpResponse:
    """Declared relations of the organisation (both directions), for its members and operators;
    managing staff declare new ones here."""
    organisation = selectors.organisation_profile(user=request.user, pk=pk)
    relations = selectors.declared_relations_of(user=request.user, organisation=organisation)
    can_manage = may_manage_members(request.user, organisation)
    form = RelationDeclareForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("You may not change this organisation."))
        if form.is_valid():
            try:
                related = selectors.organisation_for_relation(
                    user=request.user,
                    credit_code_value=form.cleaned_data["related_credit_code"],
                    field="related_credit_code",
                )
                services.relation_declare(
                    actor=signed_in(request.user),
                    organisation=organisation,
                    related_organisation=related,
                    nature=form.cleaned_data["nature"],
                )
            except ValidationError as error:
                add_service_errors(form, _renamed(error, {"related_organisation": "related_credit_code"}))
            else:
                messages.success(request, _("The relation was declared."))
                return redirect("registry:organisation-relations", pk=organisation.pk)
    context = {"organisation": organisation, "relations": relations, "can_manage": can_manage, "form": form}
    return render(request, "registry/organisation_relations.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def organisation_relation_withdraw(request: HttpRequest, pk: int, relation_pk: int) -> HttpResponse:
    organisation = selectors.organisation_profile(user=request.user, pk=pk)
    relations = selectors.declared_relations_of(user=request.user, organisation=organisation)
    relation = visible_or_404(relations, pk=relation_pk)
    services.relation_withdraw(actor=signed_in(request.user), relation=relation)
    messages.success(request, _("The relation was withdrawn."))
    return redirect("registry:organisation-relations", pk=organisation.pk)


@login_required
@require_POST
def organisation_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_profile(user=request.user, pk=pk)
    services.organisation_resubmit(actor=signed_in(request.user), organisation=organisation)
    messages.success(request, _("The registration was sent to the operators again."))
    return redirect("registry:organisation-detail", pk=organisation.pk)


@login_required
@require_POST
def organisation_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_profile(user=request.user, pk=pk)
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

"""Talent-pool pages: the pool, "my talent record", certificates with their QR code, the public
verification page, and experts. Each view parses, authorises, calls one service or selector, renders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import is_operator, signed_in, visible_or_404
from registry.models import Region
from registry.permissions import may_manage_members
from registry.selectors import regions_for_choice
from registry.talent import selectors, services
from registry.talent.forms import (
    AvailabilityForm,
    CertificateFilterForm,
    CertificateIssueForm,
    EmploymentEndForm,
    EmploymentForm,
    ExpertApplyForm,
    ExpertFilterForm,
    LinkAccountForm,
    PersonFilterForm,
    RelationForm,
    RevokeForm,
    SuspendForm,
    VerifyForm,
)
from registry.talent.models import Certificate, Expert, ExpertStatus
from registry.talent.permissions import may_edit_expert
from registry.talent.qr import qr_svg, verification_path

PAGE_SIZE = 20


def _page(request: HttpRequest, items: Any) -> tuple[Any, str]:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _status(*bound: forms.Form | None) -> int:
    return 400 if any(form is not None and form.errors for form in bound) else 200


# --- people -------------------------------------------------------------------------------------


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None, region_choices=regions_for_choice())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    region_code = filters.get("region")
    people = selectors.people_visible_to(
        user=request.user,
        region=Region.objects.get(pk=region_code) if region_code else None,
        text=filters.get("q", ""),
    )
    page, query = _page(request, people)
    return render(request, "registry/talent/person_list.html", {"form": form, "page": page, "query": query})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = visible_or_404(selectors.people_visible_to(user=request.user), pk=pk)
    certificates = selectors.certificates_visible_to(user=request.user, person=person)
    return render(
        request,
        "registry/talent/person_detail.html",
        {"person": person, "certificates": certificates, "today": timezone.localdate()},
    )


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own record; without one, a form to link it by name and identity number."""
    form = None
    if request.method == "POST":
        form = LinkAccountForm(request.POST)
        if form.is_valid():
            try:
                services.person_link_account(
                    user=signed_in(request.user),
                    name=form.cleaned_data["name"],
                    id_number=form.cleaned_data["id_number"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your talent record is now linked to your account."))
                return redirect("talent:my-record")
    person = selectors.person_of(user=request.user)
    context: dict[str, Any] = {
        "person": person,
        "expert": selectors.expert_of(user=request.user),
        "today": timezone.localdate(),
    }
    if person is None:
        context["form"] = form or LinkAccountForm()
    else:
        context["certificates"] = selectors.certificates_visible_to(user=request.user, person=person)
    return render(request, "registry/talent/my_record.html", context, status=_status(form))


# --- certificates -------------------------------------------------------------------------------


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    form = CertificateFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    certificates = selectors.certificates_visible_to(
        user=request.user, status=filters.get("status", ""), number=filters.get("number", "")
    )
    page, query = _page(request, certificates)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "today": timezone.localdate(),
        "can_issue": selectors.issuers_managed_by(user=request.user).exists(),
    }
    return render(request, "registry/talent/certificate_list.html", context)


@login_required
def certificate_issue(request: HttpRequest) -> HttpResponse:
    issuers = [(org.pk, org.name) for org in selectors.issuers_managed_by(user=request.user)]
    if not issuers:
        raise PermissionDenied(_("Only the staff of a verified certificate issuer record certificates."))
    form = CertificateIssueForm(request.POST or None, issuers=issuers, region_choices=regions_for_choice())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.certificate_record(
                actor=signed_in(request.user),
                issuer=selectors.issuers_managed_by(user=request.user).get(pk=data["issuer"]),
                holder_name=data["holder_name"],
                id_number=data["id_number"],
                region_code=data["region"],
                skills=data["skills"],
                occupation=data["occupation"],
                level=data["level"],
                number=data["number"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Certificate %(number)s recorded.") % {"number": certificate.number})
            return redirect("talent:certificate-detail", pk=certificate.pk)
    return render(request, "registry/talent/certificate_form.html", {"form": form}, status=_status(form))


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = visible_or_404(selectors.certificates_visible_to(user=request.user), pk=pk)
    return _certificate_page(request, certificate)


def _certificate_page(request: HttpRequest, certificate: Certificate, *, revoke_form: RevokeForm | None = None):
    url = request.build_absolute_uri(verification_path(certificate))
    context: dict[str, Any] = {
        "certificate": certificate,
        "holder_name": selectors.holder_name(certificate),
        "status": certificate.status_on(timezone.localdate()),
        "verification_url": url,
        "qr": qr_svg(url, label=_("QR code of the verification page")),
    }
    if certificate.revoked_at is None and (
        is_operator(request.user) or may_manage_members(request.user, certificate.issuer)
    ):
        context["revoke_form"] = revoke_form or RevokeForm()
    return render(request, "registry/talent/certificate_detail.html", context, status=_status(revoke_form))


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = visible_or_404(selectors.certificates_visible_to(user=request.user), pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_revoke(
                actor=signed_in(request.user), certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The certificate is revoked; verification now says so."))
            return redirect("talent:certificate-detail", pk=certificate.pk)
    return _certificate_page(request, certificate, revoke_form=form)


def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone checks a certificate number and sees the masked holder name, occupation,
    level, issuer and validity — nothing else."""
    form = VerifyForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = selectors.certificates_verify(
            number=form.cleaned_data["number"], issuer_code=form.cleaned_data["issuer"]
        )
    return render(request, "registry/talent/verify.html", {"form": form, "results": results}, status=_status(form))


# --- experts ------------------------------------------------------------------------------------


@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    experts = selectors.experts_visible_to(user=request.user, status=filters.get("status", ""))
    page, query = _page(request, experts)
    context = {"form": form, "page": page, "query": query, "own": selectors.expert_of(user=request.user)}
    return render(request, "registry/talent/expert_list.html", context)


@login_required
def expert_apply(request: HttpRequest) -> HttpResponse:
    own = selectors.expert_of(user=request.user)
    if own is not None:
        return redirect("talent:expert-detail", pk=own.pk)
    person = selectors.person_of(user=request.user)
    initial = {"name": person.name, "region": person.region_id} if person is not None else {}
    form = ExpertApplyForm(request.POST or None, initial=initial, region_choices=regions_for_choice())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expert = services.expert_apply(
                user=signed_in(request.user),
                name=data["name"],
                id_number=data["id_number"],
                region_code=data["region"],
                modalities=data["modalities"],
                sectors=data["sectors"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Application received. Add your employment history; an operator will review it.")
            )
            return redirect("talent:expert-detail", pk=expert.pk)
    return render(request, "registry/talent/expert_apply.html", {"form": form}, status=_status(form))


def _visible_expert(request: HttpRequest, pk: int) -> Expert:
    return visible_or_404(selectors.experts_visible_to(user=request.user, detailed=True), pk=pk)


@login_required
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _expert_page(request, _visible_expert(request, pk))


def _expert_page(request: HttpRequest, expert: Expert, **bound: forms.Form) -> HttpResponse:
    """The expert's page; the forms of whoever may use them (bound ones carry their errors)."""
    context: dict[str, Any] = {"expert": expert, "today": timezone.localdate()}
    if may_edit_expert(request.user, expert):
        context.update(
            editable=True,
            availability_form=bound.get("availability_form")
            or AvailabilityForm(initial={"available": expert.available, "unavailable_until": expert.unavailable_until}),
            employment_form=bound.get("employment_form") or EmploymentForm(),
            relation_form=bound.get("relation_form") or RelationForm(),
            end_form=bound.get("end_form"),
            may_remove=is_operator(request.user) or expert.status == ExpertStatus.PENDING,
        )
    if is_operator(request.user):
        context["suspend_form"] = bound.get("suspend_form") or SuspendForm()
    return render(request, "registry/talent/expert_detail.html", context, status=_status(*bound.values()))


def _expert_action(request: HttpRequest, expert: Expert, form: forms.Form, form_name: str, call: Any, done: str):
    """Run one service with a valid form; back to the page with the errors otherwise."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("talent:expert-detail", pk=expert.pk)
    return _expert_page(request, expert, **{form_name: form})


@login_required
@require_POST
def expert_approve(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    services.expert_approve(actor=signed_in(request.user), expert=expert)
    messages.success(request, _("The expert is approved and can be drawn for committees."))
    return redirect("talent:expert-detail", pk=expert.pk)


@login_required
@require_POST
def expert_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    return _expert_action(
        request,
        expert,
        SuspendForm(request.POST),
        "suspend_form",
        lambda data: services.expert_suspend(actor=signed_in(request.user), expert=expert, reason=data["reason"]),
        _("The expert is suspended."),
    )


@login_required
@require_POST
def expert_availability(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    return _expert_action(
        request,
        expert,
        AvailabilityForm(request.POST),
        "availability_form",
        lambda data: services.expert_set_availability(
            actor=signed_in(request.user),
            expert=expert,
            available=data["available"],
            unavailable_until=data["unavailable_until"],
        ),
        _("Availability saved."),
    )


@login_required
@require_POST
def expert_employment_add(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    return _expert_action(
        request,
        expert,
        EmploymentForm(request.POST),
        "employment_form",
        lambda data: services.expert_employment_add(
            actor=signed_in(request.user),
            expert=expert,
            organisation_code=data["organisation"],
            role=data["role"],
            started_on=data["started_on"],
            ended_on=data["ended_on"],
        ),
        _("Employment added."),
    )


@login_required
@require_POST
def expert_employment_end(request: HttpRequest, pk: int, employment_pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    employment = visible_or_404(expert.employments.all(), pk=employment_pk)
    return _expert_action(
        request,
        expert,
        EmploymentEndForm(request.POST),
        "end_form",
        lambda data: services.expert_employment_update(
            actor=signed_in(request.user),
            employment=employment,
            role=employment.role,
            started_on=employment.started_on,
            ended_on=data["ended_on"],
        ),
        _("Employment updated."),
    )


@login_required
@require_POST
def expert_employment_remove(request: HttpRequest, pk: int, employment_pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    employment = visible_or_404(expert.employments.all(), pk=employment_pk)
    services.expert_employment_remove(actor=signed_in(request.user), employment=employment)
    messages.success(request, _("Employment removed."))
    return redirect("talent:expert-detail", pk=expert.pk)


@login_required
@require_POST
def expert_relation_declare(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    return _expert_action(
        request,
        expert,
        RelationForm(request.POST),
        "relation_form",
        lambda data: services.expert_relation_declare(
            actor=signed_in(request.user),
            expert=expert,
            organisation_code=data["organisation"],
            nature=data["nature"],
        ),
        _("Relation declared."),
    )


@login_required
@require_POST
def expert_relation_withdraw(request: HttpRequest, pk: int, relation_pk: int) -> HttpResponse:
    expert = _visible_expert(request, pk)
    relation = visible_or_404(expert.declared_relations.all(), pk=relation_pk)
    services.expert_relation_withdraw(actor=signed_in(request.user), relation=relation)
    messages.success(request, _("Relation withdrawn."))
    return redirect("talent:expert-detail", pk=expert.pk)

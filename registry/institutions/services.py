"""Writes on institution offers, service needs and responses. Every write is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from portal.permissions import grant
from registry.institutions import workflow
from registry.institutions.models import InstitutionService, ServiceCategory, ServiceNeed, ServiceResponse
from registry.institutions.permissions import may_act_for
from registry.institutions.selectors import NEED_POSTER_KINDS
from registry.models import Membership, Organisation, Region
from registry.roles import OrganisationKind

SERVICE_AUDIT_FIELDS = ("organisation", "category", "description")
NEED_AUDIT_FIELDS = ("organisation", "category", "region", "title", "budget_fen", "status", "chosen_response")
RESPONSE_AUDIT_FIELDS = ("need", "institution", "message", "quote_fen")
NEED_VIEW = "institutions.view_serviceneed"
RESPONSE_VIEW = "institutions.view_serviceresponse"


def _category(category: str) -> str:
    if category not in ServiceCategory.values:
        raise ValidationError({"category": [_("Unknown service category “%(category)s”.") % {"category": category}]})
    return category


def institution_service_offer(
    *, actor: User, organisation: Organisation, category: str, description: str = ""
) -> InstitutionService:
    """An institution's managing staff (or an operator) add a category the institution offers."""
    if not may_act_for(actor, organisation):
        raise PermissionDenied(_("You may not act for this organisation."))
    if organisation.kind != OrganisationKind.THIRD_PARTY:
        raise ValidationError({"organisation": [_("Only third-party institutions offer services here.")]})
    service = InstitutionService(
        organisation=organisation, category=_category(category), description=(description or "").strip()
    )
    with transaction.atomic():
        if InstitutionService.objects.filter(organisation=organisation, category=category).exists():
            raise ValidationError({"category": [_("The institution already offers this category.")]})
        service.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                service.save()
        except IntegrityError as exc:  # the same offer, made concurrently, committed first
            raise ValidationError({"category": [_("The institution already offers this category.")]}) from exc
        audit_record(
            actor=actor,
            action="institution_service.offer",
            obj=service,
            before={},
            after=snapshot(service, SERVICE_AUDIT_FIELDS),
        )
    return service


def institution_service_withdraw(*, actor: User, service: InstitutionService) -> None:
    """Needs already answered keep their responses; the institution is no longer suggested."""
    if not may_act_for(actor, service.organisation):
        raise PermissionDenied(_("You may not act for this organisation."))
    with transaction.atomic():
        before = snapshot(service, SERVICE_AUDIT_FIELDS)
        audit_record(actor=actor, action="institution_service.withdraw", obj=service, before=before, after={})
        service.delete()


def need_post(
    *,
    actor: User,
    organisation: Organisation,
    category: str,
    region_code: str,
    title: str,
    description: str,
    budget_fen: int | None = None,
) -> ServiceNeed:
    """The managing staff of a verified enterprise or vendor post a need. Its members see it (and its
    responses); matching institutions see it while it is open."""
    if not may_act_for(actor, organisation):
        raise PermissionDenied(_("You may not act for this organisation."))
    if organisation.kind not in NEED_POSTER_KINDS:
        raise ValidationError({"organisation": [_("Only enterprises and annotation vendors post service needs.")]})
    if not organisation.verified:
        raise ValidationError({"organisation": [_("The organisation must be verified before it posts needs.")]})
    region = Region.objects.filter(pk=(region_code or "").strip()).first()
    if region is None:
        raise ValidationError({"region": [_("Unknown region code “%(code)s”.") % {"code": region_code}]})
    need = ServiceNeed(
        organisation=organisation,
        category=_category(category),
        region=region,
        title=(title or "").strip(),
        description=(description or "").strip(),
        budget_fen=budget_fen,
        posted_by=actor,
    )
    with transaction.atomic():
        need.full_clean()
        need.save()
        grant(perms=[NEED_VIEW], to=organisation.members_group, obj=need)
        audit_record(
            actor=actor, action="service_need.post", obj=need, before={}, after=snapshot(need, NEED_AUDIT_FIELDS)
        )
    return need


def _locked_need(need: ServiceNeed) -> ServiceNeed:
    return ServiceNeed.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=need.pk)


def response_submit(
    *, actor: User, need: ServiceNeed, institution: Organisation, message: str, quote_fen: int | None = None
) -> ServiceResponse:
    """An institution's managing staff answer an open need in a category the institution offers,
    once per institution, and never a need of an organisation they belong to themselves."""
    if not may_act_for(actor, institution):
        raise PermissionDenied(_("You may not act for this institution."))
    if Membership.objects.filter(user=actor, organisation_id=need.organisation_id).exists():
        raise PermissionDenied(_("You cannot respond to a need of your own organisation."))
    if institution.kind != OrganisationKind.THIRD_PARTY:
        raise ValidationError({"institution": [_("Only third-party institutions respond to service needs.")]})
    if not institution.verified:
        raise ValidationError({"institution": [_("The institution must be verified before it responds.")]})
    if not InstitutionService.objects.filter(organisation=institution, category=need.category).exists():
        raise ValidationError(
            {
                "institution": [
                    _("The institution does not offer %(category)s.") % {"category": need.get_category_display()}
                ]
            }
        )
    response = ServiceResponse(
        need=need, institution=institution, message=(message or "").strip(), quote_fen=quote_fen, submitted_by=actor
    )
    response.full_clean(validate_constraints=False)
    with transaction.atomic():
        need = _locked_need(need)
        workflow.require_open(need.status)
        if ServiceResponse.objects.filter(need=need, institution=institution).exists():
            raise _already_responded()
        response.need = need
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError as exc:
            raise _already_responded() from exc
        grant(perms=[RESPONSE_VIEW], to=institution.members_group, obj=response)
        grant(perms=[RESPONSE_VIEW], to=need.organisation.members_group, obj=response)
        # The institution keeps seeing the need it answered after the need closes.
        grant(perms=[NEED_VIEW], to=institution.members_group, obj=need)
        audit_record(
            actor=actor,
            action="service_response.submit",
            obj=response,
            before={},
            after=snapshot(response, RESPONSE_AUDIT_FIELDS),
        )
    return response


def _already_responded() -> Conflict:
    message = _("This institution has already responded to the need.")
    return Conflict(message, fields={"institution": [message]})


def need_choose(*, actor: User, need: ServiceNeed, response: ServiceResponse) -> ServiceNeed:
    """The posting organisation's managing staff pick one response: the need is matched."""
    if not may_act_for(actor, need.organisation):
        raise PermissionDenied(_("Only the posting organisation chooses a response."))
    if response.need_id != need.pk:
        raise ValidationError({"response": [_("This response does not answer this need.")]})
    return _need_transition(actor=actor, need=need, action=workflow.CHOOSE, response=response)


def need_close(*, actor: User, need: ServiceNeed) -> ServiceNeed:
    if not may_act_for(actor, need.organisation):
        raise PermissionDenied(_("Only the posting organisation closes its need."))
    return _need_transition(actor=actor, need=need, action=workflow.CLOSE)


def _need_transition(
    *, actor: User, need: ServiceNeed, action: str, response: ServiceResponse | None = None
) -> ServiceNeed:
    with transaction.atomic():
        need = _locked_need(need)
        before = snapshot(need, NEED_AUDIT_FIELDS)
        need.status = workflow.next_status(need.status, action)
        if response is not None:
            need.chosen_response = response
        need.status_changed_at = timezone.now()
        need.save(update_fields=["status", "chosen_response", "status_changed_at", "updated_at"])
        audit_record(
            actor=actor,
            action=f"service_need.{action}",
            obj=need,
            before=before,
            after=snapshot(need, NEED_AUDIT_FIELDS),
        )
    return need

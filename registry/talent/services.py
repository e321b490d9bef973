"""Writes on the talent pool: people, skill certificates and experts.

Who may write:
- people: operators; the managing staff of a verified issuer (third-party institution or agency)
  when recording certificates; a signed-in user applying to the expert pool registers themself;
- certificates: the issuer's managing staff, or operators on an issuer's behalf;
- experts: a signed-in user applies; operators approve and suspend; the expert (or an operator)
  keeps availability, employment history and declared relations up to date.

A resident identity number is reduced to a keyed hash and a mask by `registry.identity.identify`
as soon as it arrives; no error message, audit row or log line ever quotes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from portal.permissions import is_operator
from registry import credit_code
from registry.identity import Identity, identify
from registry.models import Organisation, Region
from registry.permissions import may_manage_members
from registry.talent import workflow
from registry.talent.models import (
    Certificate,
    Employment,
    EmploymentRole,
    Expert,
    ExpertModality,
    ExpertRelation,
    ExpertSector,
    ExpertStatus,
    Occupation,
    Person,
    SkillLevel,
)
from registry.talent.permissions import ISSUER_KINDS, may_edit_expert, may_issue_for
from registry.talent.selectors import issuers_managed_by
from registry.taxonomy import Modality, Sector

PERSON_AUDIT_FIELDS = ("name", "region", "skills", "id_masked", "user", "registered_by")
CERTIFICATE_AUDIT_FIELDS = (
    "person",
    "occupation",
    "level",
    "number",
    "issuer",
    "issued_on",
    "expires_on",
    "revoked_at",
    "revocation_reason",
)
EXPERT_AUDIT_FIELDS = ("person", "status", "status_reason", "available", "unavailable_until")
EMPLOYMENT_AUDIT_FIELDS = ("expert", "organisation", "role", "started_on", "ended_on")
RELATION_AUDIT_FIELDS = ("expert", "organisation", "nature")

T = TypeVar("T")
NUMBER_MAX_LENGTH = 64
MAX_SKILLS = 20
MAX_SKILL_LENGTH = 50


# --- people -------------------------------------------------------------------------------------


def person_register(
    *,
    actor: User,
    name: str,
    id_number: str,
    region_code: str,
    skills: Iterable[str] = (),
    issuer: Organisation | None = None,
) -> Person:
    """Add a person to the talent pool. Operators may; so may the managing staff of a verified
    issuer, whose organisation is recorded as `registered_by` (its staff then see the record).

    A second person with the same identity number is refused on `id_number`, without the number.
    """
    if not is_operator(actor) or issuer is not None:
        issuer = _issuer_for(actor=actor, issuer=issuer)
    errors: dict[str, list[str]] = {}
    identity = _collect(errors, lambda: identify(id_number, field="id_number"))
    region = _collect(errors, lambda: _region(region_code))
    clean_skills = _collect(errors, lambda: _skills(skills))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _person_insert(
            actor=actor,
            name=name,
            identity=_given(identity),
            region=_given(region),
            skills=_given(clean_skills),
            registered_by=issuer,
        )


def person_link_account(*, user: User, name: str, id_number: str) -> Person:
    """A signed-in user claims their talent record ("my talent record") by typing their name and
    identity number; both must match the record. Linking again to the same record changes nothing."""
    identity = identify(id_number, field="id_number")
    with transaction.atomic():
        own = Person.objects.select_for_update(of=("self",)).filter(user=user).first()
        if own is not None:
            if own.id_hash != identity.hash:
                raise ValidationError({"id_number": [_("Your account is already linked to another talent record.")]})
            return own
        person = Person.objects.select_for_update(of=("self",)).filter(id_hash=identity.hash).first()
        if person is None or not _same_name(person.name, name):
            raise ValidationError(
                {"id_number": [_("No one in the talent pool matches this name and identity number.")]}
            )
        if person.user_id is not None:
            raise ValidationError({"id_number": [_("This talent record is already linked to another account.")]})
        return _person_link(actor=user, person=person, user=user)


def _person_insert(
    *,
    actor: User,
    name: str,
    identity: Identity,
    region: Region,
    skills: list[str],
    registered_by: Organisation | None = None,
    user: User | None = None,
) -> Person:
    if Person.objects.filter(id_hash=identity.hash).exists():
        raise ValidationError({"id_number": [_("This person is already in the talent pool.")]})
    person = Person(
        name=(name or "").strip(),
        region=region,
        skills=skills,
        id_hash=identity.hash,
        id_masked=identity.masked,
        registered_by=registered_by,
        user=user,
    )
    person.full_clean(exclude=["id_hash", "user"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration of the same number committed first
        raise ValidationError({"id_number": [_("This person is already in the talent pool.")]}) from exc
    audit_record(
        actor=actor, action="person.register", obj=person, before={}, after=snapshot(person, PERSON_AUDIT_FIELDS)
    )
    return person


def _person_link(*, actor: User, person: Person, user: User) -> Person:
    before = snapshot(person, PERSON_AUDIT_FIELDS)
    person.user = user
    try:
        with transaction.atomic():
            person.save(update_fields=["user"])
    except IntegrityError as exc:  # the account was linked to another record concurrently
        raise ValidationError({"id_number": [_("Your account is already linked to another talent record.")]}) from exc
    audit_record(
        actor=actor, action="person.link", obj=person, before=before, after=snapshot(person, PERSON_AUDIT_FIELDS)
    )
    return person


# --- certificates -------------------------------------------------------------------------------


def certificate_issue(
    *,
    actor: User,
    person: Person,
    occupation: str,
    level: int,
    number: str,
    issued_on: date,
    expires_on: date | None,
    issuer: Organisation | None = None,
) -> Certificate:
    """Record a certificate the issuer awarded to `person`. `issuer` may be left out by staff who
    manage exactly one verified issuer; operators name it."""
    issuer = _issuer_for(actor=actor, issuer=issuer)
    errors = _certificate_field_errors(
        occupation=occupation, level=level, number=number, issued_on=issued_on, expires_on=expires_on
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_issuer(issuer)
        return _certificate_insert(
            actor=actor,
            person=person,
            issuer=issuer,
            occupation=occupation,
            level=level,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
        )


def certificate_record(
    *,
    actor: User,
    issuer: Organisation | None,
    holder_name: str,
    id_number: str,
    region_code: str,
    occupation: str,
    level: int,
    number: str,
    issued_on: date,
    expires_on: date | None,
    skills: Iterable[str] = (),
) -> Certificate:
    """What the issue page and API call: find the holder in the talent pool by identity number, or
    register them (`registered_by` the issuer), then issue. A holder already in the pool must be
    named as the pool knows them, so a typo in the number does not land on someone else."""
    issuer = _issuer_for(actor=actor, issuer=issuer)
    errors = _certificate_field_errors(
        occupation=occupation, level=level, number=number, issued_on=issued_on, expires_on=expires_on
    )
    identity = _collect(errors, lambda: identify(id_number, field="id_number"))
    if not (holder_name or "").strip():
        errors.setdefault("holder_name", []).append(_("Give the holder's name."))
    if errors:
        raise ValidationError(errors)
    identity = _given(identity)
    with transaction.atomic():
        _lock_issuer(issuer)
        person = Person.objects.filter(id_hash=identity.hash).first()
        if person is None:
            region = _region(region_code)
            person = _person_insert(
                actor=actor,
                name=holder_name,
                identity=identity,
                region=region,
                skills=_skills(skills),
                registered_by=issuer,
            )
        elif not _same_name(person.name, holder_name):
            raise ValidationError(
                {"holder_name": [_("The talent pool holds this identity number under another name.")]}
            )
        return _certificate_insert(
            actor=actor,
            person=person,
            issuer=issuer,
            occupation=occupation,
            level=level,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
        )


def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """The issuer's managing staff, or an operator, revoke a certificate; verification then shows it
    as revoked (the reason is kept for the record, never shown publicly)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    if not (is_operator(actor) or may_manage_members(actor, certificate.issuer)):
        raise PermissionDenied(_("Only the issuer's staff and operators revoke certificates."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise Conflict(_("This certificate is already revoked."))
        before = snapshot(certificate, CERTIFICATE_AUDIT_FIELDS)
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
        audit_record(
            actor=actor,
            action="certificate.revoke",
            obj=certificate,
            before=before,
            after=snapshot(certificate, CERTIFICATE_AUDIT_FIELDS),
        )
    return certificate


def _certificate_field_errors(
    *, occupation: str, level: int, number: str, issued_on: date, expires_on: date | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if occupation not in Occupation.values:
        errors["occupation"] = [_("Choose an occupation from the list.")]
    if level not in SkillLevel.values:
        errors["level"] = [_("The level is a number from 5 (junior worker) to 1 (senior technician).")]
    number = (number or "").strip()
    if not number:
        errors["number"] = [_("Give the certificate number.")]
    elif len(number) > NUMBER_MAX_LENGTH:
        errors["number"] = [_("A certificate number has at most 64 characters.")]
    if issued_on > timezone.localdate():
        errors["issued_on"] = [_("The issue date cannot be in the future.")]
    if expires_on is not None and expires_on <= issued_on:
        errors["expires_on"] = [_("The expiry date must be later than the issue date.")]
    return errors


def _lock_issuer(issuer: Organisation) -> None:
    """One issuer records one certificate at a time, the lock taken before anything is written.
    Otherwise two recordings of the same number wait on each other's unique-index entry while
    each holds an audit chain the other needs (a new holder's and a certificate's rows may share a
    chain), and deadlock."""
    Organisation.objects.select_for_update().filter(pk=issuer.pk).first()


def _certificate_insert(
    *,
    actor: User,
    person: Person,
    issuer: Organisation,
    occupation: str,
    level: int,
    number: str,
    issued_on: date,
    expires_on: date | None,
) -> Certificate:
    number = number.strip()
    duplicate = {
        "number": [
            _("%(issuer)s has already issued a certificate numbered “%(number)s”.")
            % {"issuer": issuer.name, "number": number}
        ]
    }
    if Certificate.objects.filter(issuer=issuer, number=number).exists():
        raise ValidationError(duplicate)
    certificate = Certificate(
        person=person,
        issuer=issuer,
        occupation=occupation,
        level=level,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    certificate.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError as exc:  # the same number was recorded concurrently
        raise ValidationError(duplicate) from exc
    rollup_events.certificate_issued(certificate)
    audit_record(
        actor=actor,
        action="certificate.issue",
        obj=certificate,
        before={},
        after=snapshot(certificate, CERTIFICATE_AUDIT_FIELDS),
    )
    return certificate


def _issuer_for(*, actor: User, issuer: Organisation | None) -> Organisation:
    """The organisation `actor` records certificates for; refuses what may not issue."""
    if issuer is None:
        if is_operator(actor):
            raise ValidationError({"issuer": [_("Choose the issuing organisation.")]})
        managed = list(issuers_managed_by(user=actor)[:2])
        if not managed:
            raise PermissionDenied(_("Only the staff of a verified certificate issuer record certificates."))
        if len(managed) > 1:
            raise ValidationError({"issuer": [_("Choose the issuing organisation.")]})
        return managed[0]
    if not may_issue_for(actor, issuer):
        if issuer.kind not in ISSUER_KINDS and may_manage_members(actor, issuer):
            raise ValidationError(
                {"issuer": [_("A %(kind)s does not issue skill certificates.") % {"kind": issuer.get_kind_display()}]}
            )
        raise PermissionDenied(_("Only the issuer's staff and operators record its certificates."))
    if issuer.kind not in ISSUER_KINDS:
        raise ValidationError(
            {"issuer": [_("A %(kind)s does not issue skill certificates.") % {"kind": issuer.get_kind_display()}]}
        )
    if not issuer.verified:
        raise ValidationError({"issuer": [_("The issuer must be verified before it records certificates.")]})
    return issuer


# --- experts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmploymentEntry:
    """A line of employment history as typed: the organisation by its unified social credit code."""

    organisation_code: str
    role: str
    started_on: date
    ended_on: date | None = None


@dataclass(frozen=True)
class RelationEntry:
    organisation_code: str
    nature: str


def expert_apply(
    *,
    user: User,
    name: str,
    id_number: str,
    region_code: str,
    modalities: Iterable[str],
    sectors: Iterable[str],
    employments: Sequence[EmploymentEntry] = (),
    relations: Sequence[RelationEntry] = (),
) -> Expert:
    """A signed-in user applies to the expert pool. Their talent record is reused when the identity
    number matches (it must then carry the same name and belong to no other account), and linked
    to their account; otherwise one is registered. The application waits for an operator."""
    errors: dict[str, list[str]] = {}
    identity = _collect(errors, lambda: identify(id_number, field="id_number"))
    region = _collect(errors, lambda: _region(region_code))
    modality_list = sorted(set(modalities))
    sector_list = sorted(set(sectors))
    if set(modality_list) - set(Modality.values):
        errors["modalities"] = [_("Choose modalities from the list.")]
    if set(sector_list) - set(Sector.values):
        errors["sectors"] = [_("Choose sectors from the list.")]
    if not modality_list and not sector_list:
        errors["modalities"] = [_("Choose at least one modality or sector you can evaluate.")]
    if not (name or "").strip():
        errors["name"] = [_("Give your name.")]
    employment_rows = _collect(errors, lambda: _employment_rows(employments))
    relation_rows = _collect(errors, lambda: _relation_rows(relations))
    if errors:
        raise ValidationError(errors)
    employment_rows, relation_rows = _given(employment_rows), _given(relation_rows)
    with transaction.atomic():
        person = _person_for_applicant(user=user, name=name, identity=_given(identity), region=_given(region))
        if Expert.objects.filter(person=person).exists():
            raise Conflict(_("You have already applied to the expert pool."))
        expert = Expert(person=person, status=ExpertStatus.PENDING)
        expert.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                expert.save()
        except IntegrityError as exc:  # a concurrent application for the same person
            raise Conflict(_("You have already applied to the expert pool.")) from exc
        ExpertModality.objects.bulk_create(ExpertModality(expert=expert, modality=m) for m in modality_list)
        ExpertSector.objects.bulk_create(ExpertSector(expert=expert, sector=s) for s in sector_list)
        Employment.objects.bulk_create(
            Employment(expert=expert, organisation=org, role=role, started_on=start, ended_on=end)
            for org, role, start, end in employment_rows
        )
        ExpertRelation.objects.bulk_create(
            ExpertRelation(expert=expert, organisation=org, nature=nature) for org, nature in relation_rows
        )
        after = snapshot(expert, EXPERT_AUDIT_FIELDS) | {
            "modalities": modality_list,
            "sectors": sector_list,
            "employments": [[org.pk, role, start, end] for org, role, start, end in employment_rows],
            "relations": [[org.pk, nature] for org, nature in relation_rows],
        }
        audit_record(actor=user, action="expert.apply", obj=expert, before={}, after=after)
    return expert


def expert_approve(*, actor: User, expert: Expert) -> Expert:
    return _expert_transition(actor=actor, expert=expert, action=workflow.APPROVE)


def expert_suspend(*, actor: User, expert: Expert, reason: str) -> Expert:
    """Decline an application or take an expert out of the pool; the reason is shown to the expert."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the expert is suspended.")]})
    return _expert_transition(actor=actor, expert=expert, action=workflow.SUSPEND, reason=reason)


def expert_set_availability(
    *, actor: User, expert: Expert, available: bool, unavailable_until: date | None = None
) -> Expert:
    """`available` off: out of draws until switched back on. `unavailable_until`: out of draws up
    to and including that day, back automatically the day after."""
    _require_expert_editor(actor, expert)
    if unavailable_until is not None and unavailable_until < timezone.localdate():
        raise ValidationError({"unavailable_until": [_("Give today or a later date.")]})
    with transaction.atomic():
        expert = _locked_expert(expert)
        before = snapshot(expert, EXPERT_AUDIT_FIELDS)
        expert.available = available
        expert.unavailable_until = unavailable_until
        expert.save(update_fields=["available", "unavailable_until"])
        audit_record(
            actor=actor,
            action="expert.set_availability",
            obj=expert,
            before=before,
            after=snapshot(expert, EXPERT_AUDIT_FIELDS),
        )
    return expert


def expert_employment_add(
    *,
    actor: User,
    expert: Expert,
    organisation_code: str,
    role: str,
    started_on: date,
    ended_on: date | None,
) -> Employment:
    _require_expert_editor(actor, expert)
    organisation = _organisation_by_code(organisation_code, field="organisation")
    _check_employment(role=role, started_on=started_on, ended_on=ended_on)
    with transaction.atomic():
        expert = _locked_expert(expert)
        employment = Employment(
            expert=expert, organisation=organisation, role=role, started_on=started_on, ended_on=ended_on
        )
        employment.full_clean(validate_constraints=False)
        employment.save()
        audit_record(
            actor=actor,
            action="employment.add",
            obj=employment,
            before={},
            after=snapshot(employment, EMPLOYMENT_AUDIT_FIELDS),
        )
    return employment


def expert_employment_update(
    *, actor: User, employment: Employment, role: str, started_on: date, ended_on: date | None
) -> Employment:
    """Correct a line of history, typically to give the end date of a job the expert left."""
    _require_expert_editor(actor, employment.expert)
    _check_employment(role=role, started_on=started_on, ended_on=ended_on)
    with transaction.atomic():
        _locked_expert(employment.expert)
        employment = Employment.objects.select_for_update(of=("self",)).get(pk=employment.pk)
        before = snapshot(employment, EMPLOYMENT_AUDIT_FIELDS)
        employment.role = role
        employment.started_on = started_on
        employment.ended_on = ended_on
        employment.full_clean(validate_constraints=False)
        employment.save(update_fields=["role", "started_on", "ended_on"])
        audit_record(
            actor=actor,
            action="employment.update",
            obj=employment,
            before=before,
            after=snapshot(employment, EMPLOYMENT_AUDIT_FIELDS),
        )
    return employment


def expert_employment_remove(*, actor: User, employment: Employment) -> None:
    """Experts remove lines of their history only while the application is pending; once approved,
    only operators do (an expert gives an end date instead), so no one erases a conflict."""
    _require_history_remover(actor, employment.expert)
    with transaction.atomic():
        _locked_expert(employment.expert)
        audit_record(
            actor=actor,
            action="employment.remove",
            obj=employment,
            before=snapshot(employment, EMPLOYMENT_AUDIT_FIELDS),
            after={},
        )
        employment.delete()


def expert_relation_declare(*, actor: User, expert: Expert, organisation_code: str, nature: str) -> ExpertRelation:
    """The expert declares a relation with an organisation (a relative works there, a past contract…);
    the conflict selector keeps the expert away from its tenders."""
    _require_expert_editor(actor, expert)
    organisation = _organisation_by_code(organisation_code, field="organisation")
    nature = (nature or "").strip()
    if not nature:
        raise ValidationError({"nature": [_("Say what the relation is.")]})
    with transaction.atomic():
        expert = _locked_expert(expert)
        if ExpertRelation.objects.filter(expert=expert, organisation=organisation).exists():
            raise ValidationError({"organisation": [_("A relation with this organisation is already declared.")]})
        relation = ExpertRelation(expert=expert, organisation=organisation, nature=nature)
        relation.full_clean(validate_unique=False, validate_constraints=False)
        relation.save()
        audit_record(
            actor=actor,
            action="expert_relation.declare",
            obj=relation,
            before={},
            after=snapshot(relation, RELATION_AUDIT_FIELDS),
        )
    return relation


def expert_relation_withdraw(*, actor: User, relation: ExpertRelation) -> None:
    """Same rule as removing employment history: the expert while pending, operators always."""
    _require_history_remover(actor, relation.expert)
    with transaction.atomic():
        _locked_expert(relation.expert)
        audit_record(
            actor=actor,
            action="expert_relation.withdraw",
            obj=relation,
            before=snapshot(relation, RELATION_AUDIT_FIELDS),
            after={},
        )
        relation.delete()


def _expert_transition(*, actor: User, expert: Expert, action: str, reason: str = "") -> Expert:
    if not is_operator(actor):
        raise PermissionDenied(_("Only platform operators approve and suspend experts."))
    with transaction.atomic():
        expert = _locked_expert(expert)
        before = snapshot(expert, EXPERT_AUDIT_FIELDS)
        expert.status = workflow.next_status(expert.status, action)
        now = timezone.now()
        expert.status_changed_at = now
        expert.status_reason = reason
        if expert.status == ExpertStatus.APPROVED:
            expert.approved_at, expert.approved_by = now, actor
        expert.save(update_fields=["status", "status_changed_at", "status_reason", "approved_at", "approved_by"])
        audit_record(
            actor=actor,
            action=f"expert.{action}",
            obj=expert,
            before=before,
            after=snapshot(expert, EXPERT_AUDIT_FIELDS),
        )
    return expert


def _person_for_applicant(*, user: User, name: str, identity: Identity, region: Region) -> Person:
    own = Person.objects.select_for_update(of=("self",)).filter(user=user).first()
    if own is not None:
        if own.id_hash != identity.hash:
            raise ValidationError({"id_number": [_("This is not the identity number of your talent record.")]})
        return own
    person = Person.objects.select_for_update(of=("self",)).filter(id_hash=identity.hash).first()
    if person is None:
        return _person_insert(actor=user, name=name, identity=identity, region=region, skills=[], user=user)
    if person.user_id is not None:
        raise ValidationError({"id_number": [_("This talent record is already linked to another account.")]})
    if not _same_name(person.name, name):
        raise ValidationError({"name": [_("The talent pool holds this identity number under another name.")]})
    return _person_link(actor=user, person=person, user=user)


def _locked_expert(expert: Expert) -> Expert:
    return Expert.objects.select_for_update(of=("self",)).select_related("person").get(pk=expert.pk)


def _require_expert_editor(actor: User, expert: Expert) -> None:
    if not may_edit_expert(actor, expert):
        raise PermissionDenied(_("Only the expert and operators change the expert's record."))


def _require_history_remover(actor: User, expert: Expert) -> None:
    _require_expert_editor(actor, expert)
    if not is_operator(actor) and expert.status != ExpertStatus.PENDING:
        raise PermissionDenied(
            _("Once an application is approved, only operators remove history; give an end date instead.")
        )


def _check_employment(*, role: str, started_on: date, ended_on: date | None) -> None:
    errors: dict[str, list[str]] = {}
    if role not in EmploymentRole.values:
        errors["role"] = [_("Choose a role from the list.")]
    if ended_on is not None and ended_on < started_on:
        errors["ended_on"] = [_("The end date cannot be earlier than the start date.")]
    if errors:
        raise ValidationError(errors)


def _employment_rows(entries: Sequence[EmploymentEntry]) -> list[tuple[Organisation, str, date, date | None]]:
    """Every line checked, every problem reported with its line number (1-based)."""
    rows, problems = [], []
    organisations = _organisations_by_codes(entry.organisation_code for entry in entries)
    for line, entry in enumerate(entries, start=1):
        organisation = organisations.get(credit_code.normalise(entry.organisation_code or ""))
        messages = [] if organisation is not None else [_unknown_organisation(entry.organisation_code)]
        try:
            _check_employment(role=entry.role, started_on=entry.started_on, ended_on=entry.ended_on)
        except ValidationError as error:
            messages += error.messages
        if messages or organisation is None:
            problems += [_("Line %(line)d: %(problem)s") % {"line": line, "problem": m} for m in messages]
            continue
        rows.append((organisation, entry.role, entry.started_on, entry.ended_on))
    if problems:
        raise ValidationError({"employments": problems})
    return rows


def _relation_rows(entries: Sequence[RelationEntry]) -> list[tuple[Organisation, str]]:
    rows, problems, seen = [], [], set()
    organisations = _organisations_by_codes(entry.organisation_code for entry in entries)
    for line, entry in enumerate(entries, start=1):
        organisation = organisations.get(credit_code.normalise(entry.organisation_code or ""))
        nature = (entry.nature or "").strip()
        if organisation is None:
            problems.append(
                _("Line %(line)d: %(problem)s")
                % {"line": line, "problem": _unknown_organisation(entry.organisation_code)}
            )
        elif not nature:
            problems.append(_("Line %(line)d: %(problem)s") % {"line": line, "problem": _("Say what the relation is.")})
        elif organisation.pk in seen:
            problems.append(
                _("Line %(line)d: %(problem)s")
                % {"line": line, "problem": _("A relation with this organisation is already declared.")}
            )
        else:
            seen.add(organisation.pk)
            rows.append((organisation, nature))
    if problems:
        raise ValidationError({"relations": problems})
    return rows


def _organisations_by_codes(codes: Iterable[str]) -> dict[str, Organisation]:
    wanted = {credit_code.normalise(code or "") for code in codes}
    if not wanted:
        return {}
    return {org.credit_code: org for org in Organisation.objects.filter(credit_code__in=wanted)}


def _organisation_by_code(code: str, *, field: str) -> Organisation:
    organisation = _organisations_by_codes([code]).get(credit_code.normalise(code or ""))
    if organisation is None:
        raise ValidationError({field: [_unknown_organisation(code)]})
    return organisation


def _unknown_organisation(code: str) -> str:
    return _("No registered organisation has the unified social credit code “%(code)s”.") % {
        "code": (code or "").strip()[:18]
    }


def _region(code: str) -> Region:
    region = Region.objects.filter(pk=(code or "").strip()).first()
    if region is None:
        raise ValidationError({"region": [_("Unknown region code “%(code)s”.") % {"code": (code or "")[:6]}]})
    return region


def _skills(skills: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(s.strip() for s in skills if s and s.strip()))
    if len(cleaned) > MAX_SKILLS:
        raise ValidationError({"skills": [_("List at most %(count)d skills.") % {"count": MAX_SKILLS}]})
    if any(len(s) > MAX_SKILL_LENGTH for s in cleaned):
        raise ValidationError(
            {"skills": [_("A skill is at most %(count)d characters long.") % {"count": MAX_SKILL_LENGTH}]}
        )
    return cleaned


def _same_name(a: str, b: str) -> bool:
    return "".join((a or "").split()) == "".join((b or "").split())


def _given(value: T | None) -> T:
    """A value `_collect` produced, once the caller raised if any check failed."""
    if value is None:
        raise ValueError("a check failed without reporting why")
    return value


def _collect(errors: dict[str, list[str]], step: Callable[[], T]) -> T | None:
    """Run one check; on ValidationError add its messages to `errors` and return None."""
    try:
        return step()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None

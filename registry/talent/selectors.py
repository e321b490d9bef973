"""Reads on the talent pool that carry rules: who sees which person, certificate and expert, the
public verification of a certificate number, and the experts free of conflict with a tender.

Visibility (an object outside it answers 404, like a missing one):
- people: operators; regulators, for people whose region lies in their scope; the managing staff
  of an issuer, for people it registered or certified; the person themself (linked account);
- certificates: operators; the issuer's managing staff; the holder; regulators, for holders whose
  region lies in their scope;
- experts: operators, and the expert themself.

Names: operators, the person themself and the staff of an issuer that registered or certified the
person see the full name; regulators see it masked (`mask_name`, "张**"). They oversee the pool in
aggregate and need no one's identity to do so (PIPL data minimisation). Everyone who sees a person
sees only the masked identity number: the full number is never stored.

Issuing staff are recognised by `registry.change_organisation` on the issuer (granted to its
managing role by `registry.services.membership_add`), so visibility follows staff as they come and
go, without a grant per record; an expert's record is tied to the person's portal account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from portal.permissions import AnyUser, is_operator, with_perm
from registry import credit_code
from registry.models import Membership, Organisation, Region, Shareholder, VerificationStatus
from registry.related_parties import RELATED_SHARE_BP, related_parties
from registry.resident_id import mask_name
from registry.selectors import region_subtree_q, regulator_scope_q
from registry.talent.models import (
    Certificate,
    CertificateStatus,
    Employment,
    Expert,
    ExpertModality,
    ExpertRelation,
    ExpertSector,
    ExpertStatus,
    Person,
)
from registry.talent.permissions import ISSUER_KINDS

CONFLICT_YEARS = 3
MAX_VERIFY_MATCHES = 20


# --- issuers ------------------------------------------------------------------------------------


def issuers_managed_by(*, user: AnyUser) -> QuerySet[Organisation]:
    """The verified issuers `user` records certificates for (operators: every verified issuer)."""
    issuers = Organisation.objects.filter(kind__in=ISSUER_KINDS, status=VerificationStatus.VERIFIED)
    if is_operator(user):
        return issuers
    if not user.is_authenticated:
        return issuers.none()
    return with_perm(user=user, perm="registry.change_organisation", queryset=issuers)


def _managed_issuer_ids(user: AnyUser) -> list[int]:
    """Issuers (verified or not) whose staff `user` is: they keep seeing what they issued."""
    issuers = Organisation.objects.filter(kind__in=ISSUER_KINDS)
    return list(
        with_perm(user=user, perm="registry.change_organisation", queryset=issuers).values_list("pk", flat=True)
    )


def _own_or_in_scope(own: Q, scope: Q | None) -> Q:
    """`own`, widened by a regulator's scope; an empty scope (nationwide) admits every row. (Q() is
    dropped when OR-ed with another Q, so it must be tested for, not combined.)"""
    if scope is None:
        return own
    if not scope:
        return Q()
    return own | scope


# --- people -------------------------------------------------------------------------------------


def people_visible_to(*, user: AnyUser, region: Region | None = None, text: str = "") -> QuerySet[Person]:
    """People `user` may see, each annotated with `name_visible` (see the module docstring); `text`
    searches only the names the user sees in full."""
    people = Person.objects.select_related("region")
    if is_operator(user):
        people = people.annotate(name_visible=Value(True, output_field=BooleanField()))
    elif not user.is_authenticated:
        return people.none()
    else:
        issuer_ids = _managed_issuer_ids(user)
        own = Q(user=user)
        if issuer_ids:
            own |= Q(registered_by_id__in=issuer_ids) | Q(
                Exists(Certificate.objects.filter(person=OuterRef("pk"), issuer_id__in=issuer_ids))
            )
        scope = regulator_scope_q(user=user, field="region")
        people = people.filter(_own_or_in_scope(own, scope)).annotate(
            name_visible=ExpressionWrapper(own, output_field=BooleanField())
        )
    if region is not None:
        people = people.filter(region_subtree_q(region, field="region"))
    if text:
        people = people.filter(name_visible=True, name__icontains=text.strip())
    return people


def shown_name(person: Person) -> str:
    """The person's name as the reader of the queryset it came from may see it (masked unless the
    selector marked it visible)."""
    return person.name if getattr(person, "name_visible", False) else mask_name(person.name)


def person_of(*, user: AnyUser) -> Person | None:
    """The talent record linked to `user`'s account, if any."""
    if not user.is_authenticated:
        return None
    return Person.objects.select_related("region").filter(user=user).first()


# --- certificates -------------------------------------------------------------------------------


def certificate_status_q(status: str, *, on: date) -> Q:
    """The rows whose derived status (`Certificate.status_on`) is `status` on day `on`."""
    live = Q(revoked_at__isnull=True)
    if status == CertificateStatus.REVOKED:
        return Q(revoked_at__isnull=False)
    if status == CertificateStatus.EXPIRED:
        return live & Q(expires_on__lt=on)
    if status == CertificateStatus.VALID:
        return live & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))
    return Q()


def certificates_visible_to(
    *, user: AnyUser, status: str = "", person: Person | None = None, number: str = ""
) -> QuerySet[Certificate]:
    """Certificates `user` may see, annotated with `holder_name_visible`."""
    certificates = Certificate.objects.select_related("issuer", "person", "person__region")
    if is_operator(user):
        certificates = certificates.annotate(holder_name_visible=Value(True, output_field=BooleanField()))
    elif not user.is_authenticated:
        return certificates.none()
    else:
        issuer_ids = _managed_issuer_ids(user)
        own = Q(person__user=user)
        named = Q(person__user=user)
        if issuer_ids:
            own |= Q(issuer_id__in=issuer_ids)
            named |= Q(issuer_id__in=issuer_ids) | Q(person__registered_by_id__in=issuer_ids)
        scope = regulator_scope_q(user=user, field="person__region")
        certificates = certificates.filter(_own_or_in_scope(own, scope)).annotate(
            holder_name_visible=ExpressionWrapper(named, output_field=BooleanField())
        )
    if status:
        certificates = certificates.filter(certificate_status_q(status, on=timezone.localdate()))
    if person is not None:
        certificates = certificates.filter(person=person)
    if number:
        certificates = certificates.filter(number=number.strip())
    return certificates


def holder_name(certificate: Certificate) -> str:
    if getattr(certificate, "holder_name_visible", False):
        return certificate.person.name
    return mask_name(certificate.person.name)


@dataclass(frozen=True)
class CertificateCheck:
    """What public verification reveals of a certificate: nothing else about the holder."""

    number: str
    holder: str
    occupation: str
    occupation_label: str
    level: int
    level_label: str
    issuer_name: str
    issuer_credit_code: str
    issued_on: date
    expires_on: date | None
    status: str
    status_label: str


def certificates_verify(*, number: str, issuer_code: str = "", on: date | None = None) -> list[CertificateCheck]:
    """Public verification by number, in one indexed query. Numbers are unique per issuer only, so
    several issuers' certificates may answer; `issuer_code` (the QR code carries it) narrows to one."""
    number = (number or "").strip()
    if not number:
        return []
    on = on or timezone.localdate()
    matches = Certificate.objects.filter(number=number)
    if issuer_code:
        matches = matches.filter(issuer__credit_code=credit_code.normalise(issuer_code))
    matches = (
        matches.select_related("issuer", "person")
        .only(
            "number",
            "occupation",
            "level",
            "issued_on",
            "expires_on",
            "revoked_at",
            "issuer__name",
            "issuer__credit_code",
            "person__name",
        )
        .order_by("issuer__name", "pk")
    )
    checks = []
    for certificate in matches[:MAX_VERIFY_MATCHES]:
        status = certificate.status_on(on)
        checks.append(
            CertificateCheck(
                number=certificate.number,
                holder=mask_name(certificate.person.name),
                occupation=certificate.occupation,
                occupation_label=str(certificate.get_occupation_display()),
                level=certificate.level,
                level_label=str(certificate.get_level_display()),
                issuer_name=certificate.issuer.name,
                issuer_credit_code=certificate.issuer.credit_code,
                issued_on=certificate.issued_on,
                expires_on=certificate.expires_on,
                status=str(status),
                status_label=str(status.label),
            )
        )
    return checks


# --- experts ------------------------------------------------------------------------------------


def experts_visible_to(*, user: AnyUser, status: str = "", detailed: bool = False) -> QuerySet[Expert]:
    """Operators see every expert, an expert sees themself, nobody else sees any. `detailed` also
    fetches employment history and declared relations (detail pages)."""
    experts = Expert.objects.select_related("person", "person__region").prefetch_related("modalities", "sectors")
    if detailed:
        experts = experts.prefetch_related("employments__organisation", "declared_relations__organisation")
    if not is_operator(user):
        if not user.is_authenticated:
            return experts.none()
        experts = experts.filter(person__user=user)
    if status:
        experts = experts.filter(status=status)
    return experts


def expert_of(*, user: AnyUser) -> Expert | None:
    if not user.is_authenticated:
        return None
    return Expert.objects.select_related("person").filter(person__user=user).first()


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th (as
    dateutil's relativedelta does)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def conflict_set(organisations: Iterable[Organisation]) -> set[int]:
    """The organisations given and all their related parties (registry.related_parties), by pk."""
    found: set[int] = set()
    for organisation in organisations:
        found.add(organisation.pk)
        found.update(related_parties(organisation))
    return found


def experts_free_of_conflict(
    *,
    organisations: Iterable[Organisation],
    on: date | None = None,
    modalities: Iterable[str] = (),
    sectors: Iterable[str] = (),
) -> QuerySet[Expert]:
    """Approved experts available on `on` (default: today in Asia/Shanghai) who may evaluate a
    tender involving `organisations` (bidders and the buyer), matching ANY of `modalities` or
    `sectors` when either is given.

    Excluded, for every organisation of the conflict set (`conflict_set`: the organisations and
    all their related parties):
    - employment history in any role (employee, director, legal representative, shareholder,
      advisor) ongoing or ended within the 3 years before `on` — calendar years, and a job that
      ended exactly 3 years before still counts; a job starting later counts too;
    - the expert's person is its legal representative, or a holder of 5 % or more of it (matched
      by the keyed hash of the identity number, as the registry records them today);
    - a relation the expert declared with it;
    - a current membership of the expert's portal account in it (the registry's own record of
      who works where).

    One query for the experts whatever their number; computing the conflict set costs a few
    queries per organisation given.
    """
    on = on or timezone.localdate()
    since = years_before(on, CONFLICT_YEARS)
    experts = Expert.objects.filter(status=ExpertStatus.APPROVED, available=True).filter(
        Q(unavailable_until__isnull=True) | Q(unavailable_until__lt=on)
    )
    modalities, sectors = list(modalities), list(sectors)
    if modalities or sectors:
        experts = experts.filter(
            Q(Exists(ExpertModality.objects.filter(expert=OuterRef("pk"), modality__in=modalities)))
            | Q(Exists(ExpertSector.objects.filter(expert=OuterRef("pk"), sector__in=sectors)))
        )
    conflicted = sorted(conflict_set(organisations))
    if conflicted:
        recent_jobs = Employment.objects.filter(expert=OuterRef("pk"), organisation_id__in=conflicted).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=since)
        )
        declared = ExpertRelation.objects.filter(expert=OuterRef("pk"), organisation_id__in=conflicted)
        members = Membership.objects.filter(user=OuterRef("person__user"), organisation_id__in=conflicted)
        representatives = (
            Organisation.objects.filter(pk__in=conflicted)
            .exclude(legal_representative_id_hash="")
            .values("legal_representative_id_hash")
        )
        holders = (
            Shareholder.objects.filter(organisation_id__in=conflicted, share_bp__gte=RELATED_SHARE_BP)
            .exclude(holder_id_hash="")
            .values("holder_id_hash")
        )
        experts = (
            experts.exclude(Exists(recent_jobs))
            .exclude(Exists(declared))
            .exclude(Exists(members))
            .exclude(person__id_hash__in=representatives)
            .exclude(person__id_hash__in=holders)
        )
    return experts.select_related("person").order_by("pk")

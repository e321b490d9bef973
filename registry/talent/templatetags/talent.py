"""Template filters for talent pages: derived certificate status and names as the reader may see them."""

from __future__ import annotations

from datetime import date

from django import template

from registry.talent import selectors
from registry.talent.models import Certificate, CertificateStatus, Person

register = template.Library()


@register.filter
def status_on(certificate: Certificate, day: date) -> CertificateStatus:
    return certificate.status_on(day)


@register.filter
def holder_name(certificate: Certificate) -> str:
    return selectors.holder_name(certificate)


@register.filter
def shown_name(person: Person) -> str:
    return selectors.shown_name(person)

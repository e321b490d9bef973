"""Reads for imports: which jobs a user sees, and the existing keys an import file is checked against.

The key lookups take the keys found in the file and query them in chunks, so a file of any length
costs a bounded number of queries per chunk, never one per row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from portal.permissions import AnyUser, is_operator
from registry.imports.models import ImportJob
from registry.models import Organisation, Region
from registry.talent.models import Certificate, Person

# Well under SQLite's limit on query parameters.
CHUNK = 500
T = TypeVar("T")


def import_jobs_visible_to(*, user: AnyUser) -> QuerySet[ImportJob]:
    """Imports are an operators' tool: everyone else sees none (and gets 404 for any job)."""
    if not is_operator(user):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by")


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def region_codes() -> set[str]:
    return set(Region.objects.values_list("code", flat=True))


def credit_codes_taken(codes: Collection[str]) -> set[str]:
    """Codes of registered organisations, and codes whose members group exists without one (the
    group name is unique, so such a code cannot be registered either)."""
    taken: set[str] = set()
    for chunk in _chunks(codes):
        taken.update(Organisation.objects.filter(credit_code__in=chunk).values_list("credit_code", flat=True))
        names = Group.objects.filter(name__in=[f"organisation:{code}" for code in chunk]).values_list("name", flat=True)
        taken.update(name.removeprefix("organisation:") for name in names)
    return taken


def organisation_ids_by_credit_code(codes: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(Organisation.objects.filter(credit_code__in=chunk).values_list("credit_code", "pk"))
    return found


def person_hashes_taken(hashes: Collection[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in _chunks(hashes):
        taken.update(Person.objects.filter(id_hash__in=chunk).values_list("id_hash", flat=True))
    return taken


def people_by_id_hash(hashes: Collection[str]) -> dict[str, tuple[int, str]]:
    """id hash -> (person id, name)."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(hashes):
        for pk, id_hash, name in Person.objects.filter(id_hash__in=chunk).values_list("pk", "id_hash", "name"):
            found[id_hash] = (pk, name)
    return found


def people_by_pk(pks: Collection[int]) -> dict[int, tuple[str, str]]:
    """person id -> (id hash, name)."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(pks):
        for pk, id_hash, name in Person.objects.filter(pk__in=chunk).values_list("pk", "id_hash", "name"):
            found[pk] = (id_hash, name)
    return found


def certificate_numbers_taken(keys: Collection[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (issuer id, certificate number) pairs exist already."""
    taken: set[tuple[int, str]] = set()
    numbers = {number for _issuer, number in keys}
    for chunk in _chunks(numbers):
        pairs = Certificate.objects.filter(number__in=chunk).values_list("issuer_id", "number")
        taken.update(pair for pair in pairs if pair in keys)
    return taken

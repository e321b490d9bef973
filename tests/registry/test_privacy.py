"""No page, API response, audit row or log line of the registry shows a full resident ID number.

Known numbers are entered through every service that takes one (legal representative, person
shareholder, talent pool, expert application); then every GET route of the registry's pages and of
the API is requested, as several roles, with the ids of the objects that exist, and each answer is
searched for the numbers (and their first 17 characters, which identify a person as well).
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern, RoutePattern

from portal.audit.models import AuditEntry
from registry import services as registry_services
from registry.models import HolderKind
from registry.roles import OrganisationKind, Role
from registry.talent import services as talent_services
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.talent import valid_resident_id

pytestmark = pytest.mark.django_db

NUMBERS = {
    "legal_representative": valid_resident_id(901, region_code="510107", born="19800101"),
    "shareholder": valid_resident_id(902, region_code="440305", born="19751231"),
    "talent": valid_resident_id(903, region_code="330106", born="19950615"),
    "expert": valid_resident_id(904, region_code="110108", born="19680229"),
}
REGISTRY_PREFIXES = ("registry/", "api/v1/")
KINDS = ("organisations", "people", "certificates")


@pytest.fixture
def registry_with_identities(operator):
    vendor = OrganisationFactory(kind=OrganisationKind.VENDOR, verified=True)
    issuer = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=True)
    member = MembershipFactory(organisation=vendor, role=Role.VENDOR_STAFF).user
    registry_services.organisation_update_profile(
        actor=operator,
        organisation=vendor,
        legal_representative="李法人",
        legal_representative_id_number=NUMBERS["legal_representative"],
    )
    registry_services.organisation_set_shareholders(
        actor=operator,
        organisation=vendor,
        shareholders=[
            registry_services.ShareholderInput(
                holder_kind=HolderKind.PERSON, name="王股东", share_bp=3000, id_number=NUMBERS["shareholder"]
            )
        ],
    )
    person = talent_services.person_register(
        actor=operator, name="赵人才", id_number=NUMBERS["talent"], region_code="330100", skills=["文本标注"]
    )
    talent_services.certificate_issue(
        actor=operator,
        person=person,
        occupation="ai_trainer",
        level=3,
        number="PRIV-0001",
        issued_on=datetime.date(2025, 1, 1),
        expires_on=datetime.date(2029, 1, 1),
        issuer=issuer,
    )
    expert_user = UserFactory()
    talent_services.expert_apply(
        user=expert_user,
        name="孙专家",
        id_number=NUMBERS["expert"],
        region_code="110108",
        modalities=["text"],
        sectors=["finance"],
    )
    return {"member": member, "expert": expert_user}


def _routes():
    """(route template, {parameter: converter kind}) for every GET-able registry route."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                part, params = (
                    str(pattern),
                    {
                        name: "int" if isinstance(conv, IntConverter) else "slug"
                        for name, conv in pattern.converters.items()
                    },
                )
            else:
                assert isinstance(pattern, RegexPattern)
                part = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
                params = dict.fromkeys(re.compile(str(pattern)).groupindex, "int")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, [*prefix, (part, params)])
            elif isinstance(entry, URLPattern):
                found.append([*prefix, (part, params)])

    walk(get_resolver().url_patterns, [])
    routes = []
    for parts in found:
        template = "".join(part for part, _params in parts)
        params = {name: kind for _part, p in parts for name, kind in p.items()}
        if template.startswith(REGISTRY_PREFIXES) and "format" not in params:
            routes.append((template, params))
    return routes


def _fill(template, params, value):
    path = template
    for name, kind in params.items():
        replacement = str(value) if kind == "int" else KINDS[value % len(KINDS)]
        path = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", replacement, path)
    return "/" + path.replace("\\.", ".").replace("\\", "")


def _leaks(text):
    return [
        label for label, number in NUMBERS.items() if number in text or number[:17] in text or number.lower() in text
    ]


def test_no_registry_answer_shows_a_full_resident_id(client, operator, registry_with_identities, caplog):
    routes = _routes()
    assert len(routes) > 40  # the walk really found the registry's pages and API
    fetched = 0
    for user in (None, registry_with_identities["member"], registry_with_identities["expert"], operator):
        client.logout()
        if user is not None:
            client.force_login(user)
        for template, params in routes:
            for value in (1, 2, 3) if params else (0,):
                response = client.get(_fill(template, params, value))
                if response.status_code == 200 and not response.streaming:
                    fetched += 1
                    leaks = _leaks(response.content.decode("utf-8", "replace"))
                    assert leaks == [], f"{_fill(template, params, value)} shows {leaks}"
    assert fetched > 100
    assert _leaks(" ".join(str(row.before) + str(row.after) for row in AuditEntry.objects.all())) == []
    assert _leaks(caplog.text) == []

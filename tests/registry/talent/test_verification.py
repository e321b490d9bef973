"""Public certificate verification by number: page and API, for anyone, revealing only the masked
name, occupation, level, issuer and validity."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory
from tests.factories.talent import CertificateFactory, PersonFactory, valid_resident_id
from tests.registry.talent.conftest import ROLES

pytestmark = pytest.mark.django_db

VERIFY_API = "/api/v1/certificates/verify/"
VERIFY_PAGE = "/registry/talent/verify/"
HOLDER_NUMBER = valid_resident_id(31, region_code="420100", born="19851212")


@pytest.fixture
def holder(db):
    return PersonFactory(name="欧阳明月", region_id="430100", id_number=HOLDER_NUMBER, skills=["点云标注"])


@pytest.fixture
def issuer(db):
    return OrganisationFactory(
        name="武汉人才评价中心", kind=OrganisationKind.THIRD_PARTY, region_code="420100", verified=True
    )


@pytest.fixture
def valid_certificate(holder, issuer):
    return CertificateFactory(
        person=holder,
        issuer=issuer,
        number="VAL-001",
        level=2,
        occupation="ai_trainer",
        issued_on=datetime.date(2024, 1, 1),
        expires_on=datetime.date(2099, 1, 1),
    )


@pytest.fixture
def expired_certificate(holder, issuer):
    return CertificateFactory(
        person=holder,
        issuer=issuer,
        number="EXP-001",
        level=5,
        occupation="data_annotator",
        issued_on=datetime.date(2018, 1, 1),
        expires_on=datetime.date(2021, 1, 1),
    )


@pytest.fixture
def revoked_certificate(holder, issuer):
    return CertificateFactory(
        person=holder,
        issuer=issuer,
        number="REV-001",
        revoked_at=timezone.now(),
        revocation_reason="持证人隐私：不应公开",
        issued_on=datetime.date(2023, 1, 1),
        expires_on=None,
    )


def _private_facts(holder, *others):
    """What verification must never reveal about the holder."""
    return ["欧阳明月", HOLDER_NUMBER, holder.id_masked, "点云标注", "430100", "长沙市", *others]


@pytest.mark.parametrize("role", ROLES)
def test_anyone_verifies_a_valid_certificate_through_the_api(as_role, role, valid_certificate, expired_certificate):
    response = as_role(role).get(VERIFY_API, {"number": "VAL-001"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "number": "VAL-001",
            "holder": "欧***",
            "occupation": "ai_trainer",
            "occupation_label": response.json()[0]["occupation_label"],
            "level": 2,
            "level_label": response.json()[0]["level_label"],
            "issuer_name": "武汉人才评价中心",
            "issuer_credit_code": valid_certificate.issuer.credit_code,
            "issued_on": "2024-01-01",
            "expires_on": "2099-01-01",
            "status": "valid",
            "status_label": response.json()[0]["status_label"],
        }
    ]
    body = response.content.decode()
    for fact in _private_facts(valid_certificate.person, "EXP-001"):
        assert fact not in body


def test_an_expired_certificate_says_expired(api_client, expired_certificate):
    (check,) = api_client.get(VERIFY_API, {"number": "EXP-001"}).json()
    assert (check["status"], check["expires_on"], check["level"]) == ("expired", "2021-01-01", 5)


def test_a_revoked_certificate_says_revoked_without_the_reason(api_client, revoked_certificate):
    response = api_client.get(VERIFY_API, {"number": "REV-001"})
    (check,) = response.json()
    assert check["status"] == "revoked"
    assert "持证人隐私" not in response.content.decode()


def test_an_unknown_number_answers_404_in_the_error_shape(api_client, valid_certificate):
    response = api_client.get(VERIFY_API, {"number": "NOPE-404"})
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"), [({}, "number"), ({"number": ""}, "number"), ({"number": "9" * 65}, "number")]
)
def test_a_missing_or_oversized_number_answers_400_naming_it(api_client, query, field):
    response = api_client.get(VERIFY_API, query)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_same_number_at_two_issuers_shows_both_and_the_qr_issuer_narrows(api_client, valid_certificate):
    other = OrganisationFactory(
        name="安徽技能鉴定所", kind=OrganisationKind.AGENCY, region_code="340100", verified=True
    )
    CertificateFactory(number="VAL-001", issuer=other, person=PersonFactory(name="张三"), level=1)

    both = api_client.get(VERIFY_API, {"number": " VAL-001 "}).json()
    narrowed = api_client.get(VERIFY_API, {"number": "VAL-001", "issuer": other.credit_code.lower()}).json()

    assert [(c["issuer_name"], c["holder"]) for c in both] == [("安徽技能鉴定所", "张*"), ("武汉人才评价中心", "欧***")]
    assert [(c["issuer_name"], c["level"]) for c in narrowed] == [("安徽技能鉴定所", 1)]


def test_verification_takes_one_query_however_many_certificates_match(
    api_client, valid_certificate, django_assert_num_queries
):
    for _n in range(5):
        issuer = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=True)
        CertificateFactory(number="VAL-001", issuer=issuer)
    with django_assert_num_queries(1):
        response = api_client.get(VERIFY_API, {"number": "VAL-001"})
    assert len(response.json()) == 6


# --- the page -----------------------------------------------------------------------------------


def test_the_page_shows_a_valid_certificate_to_the_public(client, valid_certificate):
    response = client.get(VERIFY_PAGE, {"number": "VAL-001"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="verify-result"' in html
    assert "欧***" in html
    assert "武汉人才评价中心" in html
    assert 'data-status="valid"' in html
    for fact in _private_facts(valid_certificate.person):
        assert fact not in html


@pytest.mark.parametrize(
    ("fixture", "number", "status"),
    [("expired_certificate", "EXP-001", "expired"), ("revoked_certificate", "REV-001", "revoked")],
)
def test_the_page_shows_expired_and_revoked_certificates_as_such(client, request, fixture, number, status):
    request.getfixturevalue(fixture)
    html = client.get(VERIFY_PAGE, {"number": number}).content.decode()
    assert f'data-status="{status}"' in html
    assert 'data-status="valid"' not in html
    assert "持证人隐私" not in html


def test_the_page_says_clearly_when_a_number_is_unknown(client, valid_certificate):
    response = client.get(VERIFY_PAGE, {"number": "NOPE-404"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="verify-unknown"' in html
    assert "NOPE-404" in html
    assert 'data-testid="verify-result"' not in html


def test_the_page_without_a_number_shows_only_the_form(client):
    response = client.get(VERIFY_PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="verify-form"' in html
    assert 'data-testid="verify-unknown"' not in html


def test_an_oversized_number_on_the_page_answers_400_naming_it(client):
    response = client.get(VERIFY_PAGE, {"number": "9" * 65})
    assert response.status_code == 400
    assert 'data-field="number"' in response.content.decode()


def test_the_page_uses_a_constant_number_of_queries(client, valid_certificate, django_assert_max_num_queries):
    for _n in range(5):
        CertificateFactory(
            number="VAL-001", issuer=OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=True)
        )
    with django_assert_max_num_queries(2):
        response = client.get(VERIFY_PAGE, {"number": "VAL-001"})
    assert response.content.decode().count('data-testid="verify-result"') == 6


def test_the_qr_link_of_a_certificate_opens_its_verification(client, valid_certificate):
    from registry.talent.qr import verification_path

    html = client.get(verification_path(valid_certificate)).content.decode()
    assert html.count('data-testid="verify-result"') == 1
    assert "欧***" in html

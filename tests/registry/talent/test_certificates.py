"""Recording and revoking skill certificates: services, API and pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry.roles import OrganisationKind, Role
from registry.talent import services
from registry.talent.models import Certificate, CertificateStatus, Person
from registry.talent.qr import qr_svg
from registry.talent.selectors import certificate_status_q
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.registry import with_wrong_check_character
from tests.factories.talent import CertificateFactory, PersonFactory, valid_resident_id
from tests.registry.talent.conftest import HOLDER_ID, OTHER_ID, ROLES

pytestmark = pytest.mark.django_db

NEW_ID = valid_resident_id(21, region_code="330106", born="19950505")


def _record(actor, issuer, **changes):
    values = {
        "actor": actor,
        "issuer": issuer,
        "holder_name": "李四",
        "id_number": NEW_ID,
        "region_code": "330100",
        "skills": ["语音转写"],
        "occupation": "data_annotator",
        "level": 5,
        "number": "HZ-0001",
        "issued_on": datetime.date(2024, 1, 10),
        "expires_on": datetime.date(2028, 1, 10),
    } | changes
    return services.certificate_record(**values)


def _counts():
    return Person.objects.count(), Certificate.objects.count(), AuditEntry.objects.count()


# --- services -----------------------------------------------------------------------------------


def test_issuer_staff_record_a_certificate_for_a_new_holder(issuer_staff, issuer_org):
    certificate = _record(issuer_staff, issuer_org)

    person = certificate.person
    assert (certificate.issuer, certificate.number, certificate.level) == (issuer_org, "HZ-0001", 5)
    assert (person.name, person.region_id, person.skills, person.registered_by) == (
        "李四",
        "330100",
        ["语音转写"],
        issuer_org,
    )
    assert person.id_masked == NEW_ID[:3] + "*" * 11 + NEW_ID[-4:]
    assert NEW_ID not in person.id_hash
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["person.register", "certificate.issue"]
    issue = AuditEntry.objects.get(action="certificate.issue")
    assert issue.actor_id == issuer_staff.pk
    assert issue.after["number"] == "HZ-0001"
    assert NEW_ID not in str(AuditEntry.objects.filter(action="person.register").values_list("after", flat=True)[0])


def test_a_holder_already_in_the_pool_is_reused(issuer_staff, issuer_org, certificate):
    second = _record(
        issuer_staff, issuer_org, holder_name=" 王小明 ", id_number=HOLDER_ID.lower(), number="HZ-0002", level=2
    )
    assert second.person == certificate.person
    assert Person.objects.count() == 1


def test_a_holder_in_the_pool_under_another_name_is_refused(issuer_staff, issuer_org, certificate):
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        _record(issuer_staff, issuer_org, holder_name="王大明", id_number=HOLDER_ID, number="HZ-0003")
    assert "holder_name" in caught.value.message_dict
    assert _counts() == before


def test_a_number_is_unique_per_issuer_with_a_clear_message(issuer_staff, issuer_org):
    _record(issuer_staff, issuer_org)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        _record(issuer_staff, issuer_org, id_number=OTHER_ID, holder_name="赵六", number=" HZ-0001 ")
    (message,) = caught.value.message_dict["number"]
    assert issuer_org.name in message
    assert "HZ-0001" in message
    assert _counts() == before


def test_two_issuers_may_use_the_same_number(issuer_staff, issuer_org, operator):
    other_issuer = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="510000", verified=True)
    _record(issuer_staff, issuer_org)
    second = _record(operator, other_issuer, id_number=OTHER_ID, holder_name="赵六")
    assert Certificate.objects.filter(number="HZ-0001").count() == 2
    assert second.issuer == other_issuer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": datetime.date(2023, 1, 10)}, "expires_on"),  # expiry before issue
        ({"expires_on": datetime.date(2024, 1, 10)}, "expires_on"),  # expiry on the issue day
        ({"issued_on": datetime.date(2999, 1, 1), "expires_on": None}, "issued_on"),
        ({"id_number": with_wrong_check_character(NEW_ID)}, "id_number"),  # wrong check character
        ({"id_number": "12345"}, "id_number"),
        ({"region_code": "999999"}, "region"),
        ({"occupation": "welder"}, "occupation"),
        ({"level": 6}, "level"),
        ({"number": "  "}, "number"),
        ({"number": "N" * 65}, "number"),
        ({"holder_name": ""}, "holder_name"),
        ({"skills": ["x" * 51]}, "skills"),
    ],
)
def test_bad_certificate_input_names_the_field_and_writes_nothing(issuer_staff, issuer_org, changes, field):
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        _record(issuer_staff, issuer_org, **changes)
    assert field in caught.value.message_dict
    assert _counts() == before
    raw = changes.get("id_number", NEW_ID)
    assert raw not in str(caught.value.message_dict)


def test_an_unverified_issuer_cannot_record_certificates(operator):
    unverified = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=False)
    with pytest.raises(ValidationError) as caught:
        _record(operator, unverified)
    assert "issuer" in caught.value.message_dict
    assert not Certificate.objects.exists()


def test_a_vendor_is_no_issuer_and_other_issuers_staff_may_not_record(vendor_user, vendor_org, issuer_org):
    with pytest.raises(ValidationError) as caught:
        _record(vendor_user, vendor_org)
    assert "issuer" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        _record(vendor_user, issuer_org)
    assert not Certificate.objects.exists()


def test_staff_of_one_issuer_need_not_name_it_and_operators_must(issuer_staff, issuer_org, operator):
    person = PersonFactory()
    certificate = services.certificate_issue(
        actor=issuer_staff,
        person=person,
        occupation="ai_trainer",
        level=1,
        number="T-1",
        issued_on=datetime.date(2020, 1, 1),
        expires_on=None,
    )
    assert certificate.issuer == issuer_org
    with pytest.raises(ValidationError) as caught:
        services.certificate_issue(
            actor=operator,
            person=person,
            occupation="ai_trainer",
            level=1,
            number="T-2",
            issued_on=datetime.date(2020, 1, 1),
            expires_on=None,
        )
    assert "issuer" in caught.value.message_dict


def test_a_member_of_the_issuer_without_its_managing_role_may_not_record(issuer_org):
    expert_member = MembershipFactory(organisation=issuer_org, role=Role.EXPERT).user
    with pytest.raises(PermissionDenied):
        _record(expert_member, issuer_org)


def test_revoking_records_the_reason_and_an_audit_row(issuer_staff, certificate):
    revoked = services.certificate_revoke(actor=issuer_staff, certificate=certificate, reason="考核舞弊")

    assert revoked.revoked_at is not None
    assert revoked.status_on(timezone.localdate()) == CertificateStatus.REVOKED
    entry = AuditEntry.objects.get(action="certificate.revoke", object_id=str(certificate.pk))
    assert entry.before["revoked_at"] is None
    assert entry.after["revocation_reason"] == "考核舞弊"
    with pytest.raises(Conflict):
        services.certificate_revoke(actor=issuer_staff, certificate=certificate, reason="again")
    assert AuditEntry.objects.filter(action="certificate.revoke").count() == 1


def test_revoking_needs_a_reason_and_the_issuer_or_an_operator(holder_user, issuer_staff, certificate):
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=issuer_staff, certificate=certificate, reason=" ")
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(actor=holder_user, certificate=certificate, reason="不想要了")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


@pytest.mark.parametrize(
    ("expires_on", "revoked", "expected"),
    [
        (None, False, CertificateStatus.VALID),
        (datetime.date(2026, 6, 1), False, CertificateStatus.VALID),  # the last day still counts
        (datetime.date(2026, 5, 31), False, CertificateStatus.EXPIRED),
        (datetime.date(2030, 1, 1), True, CertificateStatus.REVOKED),
        (datetime.date(2020, 1, 1), True, CertificateStatus.REVOKED),
    ],
)
def test_status_is_derived_and_the_list_filter_agrees(expires_on, revoked, expected):
    day = datetime.date(2026, 6, 1)
    certificate = CertificateFactory(
        issued_on=datetime.date(2019, 1, 1),
        expires_on=expires_on,
        revoked_at=timezone.now() if revoked else None,
    )
    assert certificate.status_on(day) == expected
    for status in CertificateStatus.values:
        matches = Certificate.objects.filter(certificate_status_q(status, on=day)).exists()
        assert matches is (status == expected)


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_certificate_visibility_matrix(as_role, role, certificate):
    client = as_role(role)
    listed = client.get("/api/v1/certificates/")
    detail = client.get(f"/api/v1/certificates/{certificate.pk}/")

    visible = {"owner", "holder", "regulator_in_region", "operator"}
    if role == "anonymous":
        assert (listed.status_code, detail.status_code) == (401, 401)
        return
    assert listed.status_code == 200
    assert ({row["id"] for row in listed.json()["results"]} == {certificate.pk}) is (role in visible)
    assert detail.status_code == (200 if role in visible else 404)
    if role in visible:
        name = detail.json()["holder_name"]
        assert name == ("王**" if role == "regulator_in_region" else "王小明")
        assert detail.json()["verification_url"].endswith(
            f"/registry/talent/verify/?number=CERT-2025-0001&issuer={certificate.issuer.credit_code}"
        )


def _body(issuer, **changes):
    return {
        "issuer": issuer.pk,
        "holder_name": "李四",
        "id_number": NEW_ID,
        "region": "330100",
        "occupation": "ai_trainer",
        "level": 4,
        "number": "API-1",
        "issued_on": "2024-05-01",
        "expires_on": "2027-05-01",
    } | changes


@pytest.mark.parametrize("role", ROLES)
def test_recording_through_the_api_matrix(as_role, role, issuer_org, holder_user):
    response = as_role(role).post("/api/v1/certificates/", _body(issuer_org), format="json")

    expected = {"anonymous": 401, "owner": 201, "operator": 201}.get(role, 403)
    assert response.status_code == expected, response.json()
    assert Certificate.objects.filter(number="API-1").exists() is (expected == 201)
    assert AuditEntry.objects.filter(action="certificate.issue").count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.json()["holder_name"] == "李四"
        assert response.json()["status"] == "valid"


def test_an_issuer_one_cannot_see_is_an_unknown_organisation(as_role, issuer_org):
    hidden = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=False)
    response = as_role("owner").post("/api/v1/certificates/", _body(hidden), format="json")
    assert response.status_code == 400
    assert "issuer" in response.json()["fields"]
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2024-04-30"}, "expires_on"),
        ({"issued_on": "2024-13-01"}, "issued_on"),
        ({"level": 0}, "level"),
        ({"occupation": "pilot"}, "occupation"),
        ({"id_number": with_wrong_check_character(NEW_ID)}, "id_number"),
        ({"region": "000000"}, "region"),
        ({"number": ""}, "number"),
        ({"holder_name": ""}, "holder_name"),
    ],
)
def test_bad_input_through_the_api_answers_400_naming_the_field(as_role, issuer_org, changes, field):
    before = _counts()
    response = as_role("owner").post("/api/v1/certificates/", _body(issuer_org, **changes), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}
    assert field in response.json()["fields"]
    assert _counts() == before
    assert NEW_ID[:-1] not in response.content.decode()


def test_a_duplicate_number_through_the_api_answers_400_on_number(as_role, issuer_org):
    client = as_role("owner")
    assert client.post("/api/v1/certificates/", _body(issuer_org), format="json").status_code == 201
    response = client.post("/api/v1/certificates/", _body(issuer_org, id_number=OTHER_ID), format="json")
    assert response.status_code == 400
    assert "number" in response.json()["fields"]
    assert Certificate.objects.count() == 1


def test_recording_is_idempotent_with_a_key(as_role, issuer_org):
    client = as_role("owner")
    first = client.post("/api/v1/certificates/", _body(issuer_org), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/certificates/", _body(issuer_org), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_revoking_through_the_api_matrix(as_role, role, certificate):
    response = as_role(role).post(
        f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "证书遗失补办"}, format="json"
    )

    expected = {
        "anonymous": 401,
        "owner": 200,
        "operator": 200,
        "holder": 403,
        "regulator_in_region": 403,
    }.get(role, 404)
    assert response.status_code == expected
    certificate.refresh_from_db()
    assert (certificate.revoked_at is not None) is (expected == 200)
    assert AuditEntry.objects.filter(action="certificate.revoke").count() == (1 if expected == 200 else 0)
    if expected == 200:
        assert response.json()["status"] == "revoked"


def test_revoking_twice_answers_409(as_role, certificate):
    client = as_role("owner")
    client.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "舞弊"}, format="json")
    response = client.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "舞弊"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_the_certificate_list_filters_by_status(as_role, issuer_org, certificate):
    CertificateFactory(
        issuer=issuer_org, number="OLD-1", issued_on=datetime.date(2018, 1, 1), expires_on=datetime.date(2021, 1, 1)
    )
    client = as_role("owner")
    expired = client.get("/api/v1/certificates/?status=expired").json()["results"]
    valid = client.get("/api/v1/certificates/?status=valid").json()["results"]
    assert [row["number"] for row in expired] == ["OLD-1"]
    assert [row["number"] for row in valid] == ["CERT-2025-0001"]


def test_the_certificate_list_uses_a_bounded_number_of_queries(as_role, issuer_org, django_assert_max_num_queries):
    for n in range(25):
        CertificateFactory(issuer=issuer_org, number=f"BULK-{n}")
    client = as_role("owner")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/certificates/?page_size=50")
    assert response.json()["count"] == 25


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_certificate_page_matrix(page_as, role, certificate):
    response = page_as(role).get(f"/registry/talent/certificates/{certificate.pk}/")
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        return
    visible = {"owner", "holder", "regulator_in_region", "operator"}
    assert response.status_code == (200 if role in visible else 404)
    html = response.content.decode()
    if role in visible:
        assert "CERT-2025-0001" in html
        assert ("/revoke/" in html) is (role in {"owner", "operator"})


def test_the_certificate_page_carries_an_inline_qr_code_of_its_verification_url(page_as, certificate):
    response = page_as("holder").get(f"/registry/talent/certificates/{certificate.pk}/")
    html = response.content.decode()

    url = f"http://testserver/registry/talent/verify/?number=CERT-2025-0001&issuer={certificate.issuer.credit_code}"
    assert url.replace("&", "&amp;") in html
    figure = re.search(r'<figure class="qr-figure".*?</figure>', html, re.S).group(0)
    assert figure.count("<svg") == 1
    assert "<script" not in figure
    assert "<img" not in figure
    assert "default-src 'self'" in response["Content-Security-Policy"]
    # The inline picture is exactly the QR code of that absolute URL.
    unlabelled = re.compile(r' aria-label="[^"]*"')
    inline = re.search(r"<svg.*?</svg>", figure, re.S).group(0)
    assert unlabelled.sub("", inline) == unlabelled.sub("", qr_svg(url, label="QR"))


def test_different_data_gives_a_different_qr_code():
    first, second = qr_svg("https://a.example/v?number=1", label="x"), qr_svg("https://a.example/v?number=2", label="x")
    assert first.startswith("<svg")
    assert second.startswith("<svg")
    assert first != second  # the data, not a fixed picture


@pytest.mark.parametrize("role", ["other_vendor", "holder", "regulator_in_region"])
def test_only_issuer_staff_and_operators_get_the_issue_page(page_as, role, certificate):
    assert page_as(role).get("/registry/talent/certificates/issue/").status_code == 403


def test_recording_on_the_page(page_as, issuer_org):
    client = page_as("owner")
    form = {
        "issuer": issuer_org.pk,
        "holder_name": "李四",
        "id_number": NEW_ID,
        "region": "330100",
        "skills": "语音转写，文本分类",
        "occupation": "ai_trainer",
        "level": "4",
        "number": "PAGE-1",
        "issued_on": "2024-05-01",
        "expires_on": "2027-05-01",
    }
    response = client.post("/registry/talent/certificates/issue/", form)

    certificate = Certificate.objects.get(number="PAGE-1")
    assert response.status_code == 302
    assert response["Location"] == f"/registry/talent/certificates/{certificate.pk}/"
    assert certificate.person.skills == ["语音转写", "文本分类"]
    assert certificate.level == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2024-04-01"}, "expires_on"),
        ({"id_number": with_wrong_check_character(NEW_ID)}, "id_number"),
        ({"number": ""}, "number"),
    ],
)
def test_bad_input_on_the_issue_page_answers_400_and_never_echoes_the_number(page_as, issuer_org, changes, field):
    form = {
        "issuer": issuer_org.pk,
        "holder_name": "李四",
        "id_number": NEW_ID,
        "region": "330100",
        "occupation": "ai_trainer",
        "level": "4",
        "number": "PAGE-2",
        "issued_on": "2024-05-01",
        "expires_on": "2027-05-01",
    } | changes
    response = page_as("owner").post("/registry/talent/certificates/issue/", form)

    html = response.content.decode()
    assert response.status_code == 400
    assert f'data-field="{field}"' in html
    assert form["id_number"] not in html
    assert not Certificate.objects.exists()
    assert not Person.objects.exists()


def test_revoking_on_the_page(page_as, certificate):
    client = page_as("owner")
    empty = client.post(f"/registry/talent/certificates/{certificate.pk}/revoke/", {"reason": ""})
    assert empty.status_code == 400
    assert 'data-field="reason"' in empty.content.decode()

    done = client.post(f"/registry/talent/certificates/{certificate.pk}/revoke/", {"reason": "证书作废"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "证书作废"
    assert 'data-status="revoked"' in client.get(done["Location"]).content.decode()


def test_the_certificate_list_page_has_an_empty_state_and_bounded_queries(
    page_as, issuer_org, django_assert_max_num_queries
):
    client = page_as("owner")
    assert 'data-testid="empty-certificates"' in client.get("/registry/talent/certificates/").content.decode()
    for n in range(25):
        CertificateFactory(issuer=issuer_org, number=f"BULK-{n}")
    with django_assert_max_num_queries(12):
        response = client.get("/registry/talent/certificates/")
    html = response.content.decode()
    assert html.count("BULK-") == 20
    assert "page=2" in html

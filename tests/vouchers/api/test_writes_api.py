"""Applications, settlement claims and external orders over the API: each is created by one
service, audited, replayed by its Idempotency-Key, refused with field errors on bad input and
with 403 for an organisation the user does not act for."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.idempotency.models import IdempotencyRecord
from tests.factories.vouchers import YUAN, evidence_file, holder_staff, open_programme
from vouchers import services
from vouchers.models import Application, ApplicationState, ClaimState, ExternalOrder, SettlementClaim

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/voucher-applications/"
CLAIMS = "/api/v1/voucher-claims/"
ORDERS = "/api/v1/voucher-orders/"


def _organisation(user):
    return user.memberships.get().organisation


def _application_form(programme, applicant, /, **overrides):
    form = {
        "programme": programme.pk,
        "applicant": applicant.pk,
        "requested_fen": 30_000 * YUAN,
        "purpose": "采购图像标注服务",
        "evidence": evidence_file(),
    }
    return {**form, **overrides}


# --- applications ----------------------------------------------------------------------------


def test_an_enterprise_applies_with_evidence_and_a_retry_replays_the_answer(api_client):
    programme = open_programme()
    user = holder_staff()
    applicant = _organisation(user)
    api_client.force_authenticate(user)

    first = api_client.post(
        APPLICATIONS, _application_form(programme, applicant), format="multipart", HTTP_IDEMPOTENCY_KEY="apply-1"
    )
    again = api_client.post(
        APPLICATIONS, _application_form(programme, applicant), format="multipart", HTTP_IDEMPOTENCY_KEY="apply-1"
    )

    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["state"], body["requested_fen"], body["voucher"]) == (ApplicationState.SUBMITTED, 30_000 * YUAN, None)
    application = Application.objects.get()
    assert (application.pk, application.applicant, application.submitted_by) == (body["id"], applicant, user)
    assert application.evidence_sha256 == body["evidence_sha256"]
    assert application.evidence_name == body["evidence_name"] == "证明材料.pdf"
    assert AuditEntry.objects.filter(action="voucher_application.submit", object_id=str(application.pk)).count() == 1
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == body
    assert Application.objects.count() == 1
    assert IdempotencyRecord.objects.filter(user=user, key="apply-1").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"evidence": None}, "evidence"),
        ({"evidence": evidence_file("notes.txt", b"plain text")}, "evidence"),
        ({"requested_fen": "0"}, "requested_fen"),
        ({"requested_fen": "12.5"}, "requested_fen"),
        ({"requested_fen": str(200_000 * YUAN)}, "requested_fen"),
        ({"purpose": ""}, "purpose"),
        ({"programme": "999999999"}, "programme"),
        ({"applicant": "999999999"}, "applicant"),
    ],
    ids=["no-evidence", "text-evidence", "zero", "fraction", "over-cap", "no-purpose", "no-programme", "no-applicant"],
)
def test_a_bad_application_answers_400_naming_the_field_and_stores_nothing(api_client, overrides, field):
    programme = open_programme()
    user = holder_staff()
    form = _application_form(programme, _organisation(user), **overrides)
    form = {name: value for name, value in form.items() if value is not None}
    api_client.force_authenticate(user)

    response = api_client.post(APPLICATIONS, form, format="multipart")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Application.objects.exists()


def test_an_oversized_evidence_file_answers_400_and_stores_nothing(api_client, settings):
    settings.VOUCHER_EVIDENCE_MAX_BYTES = 1_000
    programme = open_programme()
    user = holder_staff()
    form = _application_form(programme, _organisation(user), evidence=evidence_file(content=b"%PDF" + b"0" * 2_000))
    api_client.force_authenticate(user)

    response = api_client.post(APPLICATIONS, form, format="multipart")

    assert response.status_code == 400
    assert "evidence" in response.json()["fields"]
    assert not Application.objects.exists()


def test_applying_for_an_organisation_one_does_not_act_for_is_forbidden(api_client):
    programme = open_programme()
    other = _organisation(holder_staff())
    api_client.force_authenticate(holder_staff())

    response = api_client.post(APPLICATIONS, _application_form(programme, other), format="multipart")

    assert response.status_code == 403
    assert not Application.objects.exists()


def test_a_second_open_application_to_the_programme_is_a_conflict(api_client):
    programme = open_programme()
    user = holder_staff()
    api_client.force_authenticate(user)
    form = _application_form(programme, _organisation(user))
    assert api_client.post(APPLICATIONS, form, format="multipart").status_code == 201

    response = api_client.post(APPLICATIONS, _application_form(programme, _organisation(user)), format="multipart")

    assert response.status_code == 409
    assert Application.objects.count() == 1


def test_applications_list_filters_by_state_and_programme(api_client):
    programme = open_programme()
    user = holder_staff()
    applicant = _organisation(user)
    application = services.application_submit(
        actor=user,
        programme=programme,
        applicant=applicant,
        requested_fen=1_000 * YUAN,
        purpose="标注",
        evidence=evidence_file(),
    )
    api_client.force_authenticate(user)

    def ids(**params):
        return {row["id"] for row in api_client.get(APPLICATIONS, params).json()["results"]}

    assert ids() == {application.pk}
    assert ids(state="submitted", programme=str(programme.pk)) == {application.pk}
    assert ids(state="approved") == set()
    assert ids(programme=str(programme.pk + 1000)) == set()


# --- settlement claims -----------------------------------------------------------------------


def test_the_holder_claims_settlement_of_a_redemption_and_a_retry_replays_it(api_client, world):
    redemption = services.voucher_redeem(
        actor=world.setup.holder_user, code=world.setup.voucher.code, order_id=world.order.pk, amount_fen=1_000 * YUAN
    ).redemption
    api_client.force_authenticate(world.setup.holder_user)
    form = {"redemption": redemption.pk, "note": "已付清"}

    first, again = (
        api_client.post(CLAIMS, {**form, "evidence": evidence_file()}, format="multipart", HTTP_IDEMPOTENCY_KEY="c1")
        for _ in range(2)
    )

    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["state"], body["amount_fen"], body["redemption"]) == (
        ClaimState.SUBMITTED,
        1_000 * YUAN,
        redemption.pk,
    )
    claim = SettlementClaim.objects.get(redemption=redemption)
    assert (claim.pk, claim.note, claim.submitted_by) == (body["id"], "已付清", world.setup.holder_user)
    assert AuditEntry.objects.filter(action="voucher_claim.submit", object_id=str(claim.pk)).count() == 1
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == body
    assert SettlementClaim.objects.filter(redemption=redemption).count() == 1


def test_a_second_claim_of_a_redemption_is_a_conflict(api_client, world):
    api_client.force_authenticate(world.setup.provider_user)

    response = api_client.post(
        CLAIMS, {"redemption": world.redemption.pk, "evidence": evidence_file()}, format="multipart"
    )

    assert response.status_code == 409
    assert SettlementClaim.objects.filter(redemption=world.redemption).count() == 1


@pytest.mark.parametrize(("role", "status", "field"), [("officer", 403, None), ("other_officer", 400, "redemption")])
def test_only_the_holder_or_the_provider_claims(api_client, world, role, status, field):
    """The programme's officer sees the redemption but may not claim it; a stranger does not even
    learn that it exists (400 on the field, like an unknown id)."""
    world.claim.delete()
    api_client.force_authenticate(world.users[role])

    response = api_client.post(
        CLAIMS, {"redemption": world.redemption.pk, "evidence": evidence_file()}, format="multipart"
    )

    assert response.status_code == status
    if field:
        assert field in response.json()["fields"]
    assert not SettlementClaim.objects.exists()


# --- external orders -------------------------------------------------------------------------


def _order_body(setup, **overrides):
    body = {
        "holder": setup.contract.buyer_id,
        "provider": setup.contract.supplier.credit_code,
        "description": "GPU 算力租用 500 卡时",
        "value_fen": 80_000 * YUAN,
        "ordered_on": timezone.localdate().isoformat(),
    }
    return {**body, **overrides}


def test_the_holder_records_an_external_order_once_per_key(api_client, setup):
    api_client.force_authenticate(setup.holder_user)

    first = api_client.post(ORDERS, _order_body(setup), format="json", HTTP_IDEMPOTENCY_KEY="o1")
    again = api_client.post(ORDERS, _order_body(setup), format="json", HTTP_IDEMPOTENCY_KEY="o1")
    other = api_client.post(ORDERS, _order_body(setup, value_fen=1), format="json", HTTP_IDEMPOTENCY_KEY="o1")

    assert first.status_code == 201, first.json()
    order = ExternalOrder.objects.get()
    assert (first.json()["id"], order.value_fen, order.provider) == (order.pk, 80_000 * YUAN, setup.contract.supplier)
    assert AuditEntry.objects.filter(action="voucher_order.record", object_id=str(order.pk)).count() == 1
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert ExternalOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value_fen": "8000000"}, "value_fen"),
        ({"value_fen": 80.5}, "value_fen"),
        ({"value_fen": 0}, "value_fen"),
        ({"provider": "91110000000000000X"}, "provider"),
        ({"description": ""}, "description"),
        ({"ordered_on": "2999-01-01"}, "ordered_on"),
        ({"ordered_on": "yesterday"}, "ordered_on"),
        ({"holder": "1"}, "holder"),
    ],
    ids=[
        "value-as-text",
        "value-fraction",
        "value-zero",
        "unknown-provider",
        "no-description",
        "future",
        "bad-date",
        "holder-text",
    ],
)
def test_a_bad_order_answers_400_naming_the_field_and_stores_nothing(api_client, setup, overrides, field):
    api_client.force_authenticate(setup.holder_user)

    response = api_client.post(ORDERS, _order_body(setup, **overrides), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not ExternalOrder.objects.exists()


def test_recording_an_order_for_an_organisation_one_does_not_act_for_is_forbidden(api_client, setup):
    api_client.force_authenticate(setup.provider_user)

    response = api_client.post(ORDERS, _order_body(setup), format="json")

    assert response.status_code == 403
    assert not ExternalOrder.objects.exists()


def test_anonymous_writes_are_refused(api_client, setup):
    for url in (APPLICATIONS, CLAIMS, ORDERS):
        assert api_client.post(url, {}, format="json").status_code == 401

"""`POST /api/v1/vouchers/<code>/redemptions/`: redeeming moves the amount in the ledger and is
audited; a retry with the same Idempotency-Key replays the first redemption; the same key with
another amount is a conflict; bad input and refused rules change nothing; nothing tells whether a
code exists. Then a provider's request, confirmed or declined by the holder."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from portal.audit.models import AuditEntry
from tests.factories.vouchers import YUAN, holder_staff, issued_voucher, redeemable
from vouchers import selectors, services
from vouchers.codes import display_code
from vouchers.models import LedgerEntry, Redemption, RedemptionState
from vouchers.verification import ledger_violations

pytestmark = pytest.mark.django_db

AMOUNT = 20_000 * YUAN


def _url(code: str) -> str:
    return f"/api/v1/vouchers/{code}/redemptions/"


def _redeem(client, setup, *, body: dict[str, Any] | None = None, key: str | None = "key-1", code: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    body = body if body is not None else {"contract": setup.contract.pk, "amount_fen": AMOUNT}
    return client.post(_url(code or display_code(setup.voucher.code)), body, format="json", **headers)


def _state(setup) -> tuple[int, int, int]:
    """What a refused request must leave alone: the balance, the ledger and the redemptions."""
    return selectors.voucher_balance_fen(setup.voucher), LedgerEntry.objects.count(), Redemption.objects.count()


@pytest.mark.parametrize(
    "code_form",
    [display_code, lambda code: display_code(code).lower(), str.lower, str],
    ids=["printed", "printed-lower-case", "lower-case", "stored"],
)
def test_the_holder_redeems_a_voucher_against_its_contract(api_client, setup, code_form):
    entries_before = LedgerEntry.objects.count()
    api_client.force_authenticate(setup.holder_user)

    response = _redeem(api_client, setup, code=code_form(setup.voucher.code))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == RedemptionState.CONFIRMED
    assert body["amount_fen"] == AMOUNT
    assert body["contract"] == setup.contract.pk
    assert body["order"] is None
    assert "code" not in body
    assert setup.voucher.code not in str(body)
    assert "Idempotent-Replayed" not in response.headers
    redemption = Redemption.objects.get()
    assert (redemption.pk, redemption.voucher_id, redemption.idempotency_key) == (body["id"], setup.voucher.pk, "key-1")
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN - AMOUNT
    assert LedgerEntry.objects.count() == entries_before + 2
    audit = AuditEntry.objects.filter(action="voucher.redeem", object_id=str(setup.voucher.pk)).get()
    assert audit.actor == setup.holder_user
    assert audit.after["redemption"] == redemption.pk
    assert list(ledger_violations()) == []


def test_a_retry_with_the_same_key_replays_the_first_redemption(api_client, setup):
    api_client.force_authenticate(setup.holder_user)
    first = _redeem(api_client, setup)
    after_first = _state(setup)

    again = _redeem(api_client, setup, code=setup.voucher.code.lower())

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _state(setup) == after_first
    assert Redemption.objects.count() == 1


def test_the_same_key_with_another_amount_is_a_conflict_and_changes_nothing(api_client, setup):
    api_client.force_authenticate(setup.holder_user)
    _redeem(api_client, setup)
    after_first = _state(setup)

    response = _redeem(api_client, setup, body={"contract": setup.contract.pk, "amount_fen": AMOUNT + 1})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "Idempotency-Key" in response.json()["fields"]
    assert _state(setup) == after_first


def test_without_a_key_each_request_redeems_again(api_client, setup):
    api_client.force_authenticate(setup.holder_user)
    assert _redeem(api_client, setup, key=None).status_code == 201
    assert _redeem(api_client, setup, key=None).status_code == 201
    assert Redemption.objects.count() == 2
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN - 2 * AMOUNT


CONTRACT, CONTRACT_TEXT = "<the contract's id>", "<the contract's id as text>"


def _filled(body: dict[str, Any], setup) -> dict[str, Any]:
    ids = {CONTRACT: setup.contract.pk, CONTRACT_TEXT: str(setup.contract.pk)}
    return {name: ids.get(value, value) if isinstance(value, str) else value for name, value in body.items()}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contract": CONTRACT, "amount_fen": "2000000"}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": 1.5}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": 2000000.0}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": True}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": None}, "amount_fen"),
        ({"contract": CONTRACT}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": -100}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": 0}, "amount_fen"),
        ({"contract": CONTRACT, "amount_fen": 2**63}, "amount_fen"),
        ({"contract": CONTRACT_TEXT, "amount_fen": 100}, "contract"),
        ({"contract": 1.0, "amount_fen": 100}, "contract"),
        ({"contract": 0, "amount_fen": 100}, "contract"),
        ({"contract": CONTRACT, "order": 1, "amount_fen": 100}, "order"),
        ({"amount_fen": 100}, "contract"),
        ({"contract": None, "order": None, "amount_fen": 100}, "order"),
    ],
    ids=[
        "amount-as-text",
        "amount-fraction",
        "amount-float",
        "amount-boolean",
        "amount-null",
        "amount-missing",
        "amount-negative",
        "amount-zero",
        "amount-beyond-bigint",
        "contract-as-text",
        "contract-float",
        "contract-zero",
        "both-targets",
        "no-target",
        "null-targets",
    ],
)
def test_bad_input_answers_400_naming_the_field_and_changes_nothing(api_client, setup, body, field):
    api_client.force_authenticate(setup.holder_user)
    before = _state(setup)

    response = _redeem(api_client, setup, body=_filled(body, setup))

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert _state(setup) == before


def test_a_body_that_is_not_a_json_object_answers_400(api_client, setup):
    api_client.force_authenticate(setup.holder_user)
    before = _state(setup)
    for raw in (b"[1, 2]", b"{not json", b'"text"'):
        response = api_client.post(
            _url(setup.voucher.code), raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert response.status_code == 400
        assert set(response.json()) == {"code", "message", "fields"}
    assert _state(setup) == before


def test_an_unusable_idempotency_key_answers_400(api_client, setup):
    api_client.force_authenticate(setup.holder_user)
    before = _state(setup)
    response = _redeem(api_client, setup, key="k" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]
    assert _state(setup) == before


def test_nothing_tells_whether_a_code_exists(api_client, setup):
    """Unknown codes, another holder's code, and a contract the user has no part in (or that does
    not exist) all answer the same 404."""
    other_holder = holder_staff()
    other_voucher = issued_voucher(setup.programme, other_holder, 10_000 * YUAN)
    stranger = holder_staff()
    before = _state(setup)
    api_client.force_authenticate(setup.holder_user)
    contract_body = {"contract": setup.contract.pk, "amount_fen": AMOUNT}

    answers = [
        _redeem(api_client, setup, code="0000-0000-0000-0000-0000"),
        _redeem(api_client, setup, code="not-a-code"),
        _redeem(api_client, setup, code=display_code(other_voucher.code)),
        _redeem(api_client, setup, body={"contract": 999_999_999, "amount_fen": AMOUNT}),
        _redeem(api_client, setup, body={"order": 999_999_999, "amount_fen": AMOUNT}),
    ]
    api_client.force_authenticate(stranger)
    answers.append(_redeem(api_client, setup, body=contract_body))

    assert {response.status_code for response in answers} == {404}
    bodies = [response.json() for response in answers]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["code"] == "not_found"
    assert bodies[0]["fields"] == {}
    assert _state(setup) == before
    assert selectors.voucher_balance_fen(other_voucher) == 10_000 * YUAN


@pytest.mark.parametrize(
    ("programme", "amount_fen", "code"),
    [
        ({}, 60_000 * YUAN, "over_balance"),
        ({"coverage_bp": 1_000}, 45_000 * YUAN, "over_coverage"),
        ({"paused": True}, AMOUNT, "programme_not_open"),
    ],
    ids=["over-balance", "over-coverage", "programme-paused"],
)
def test_a_refused_rule_answers_400_with_its_code_and_changes_nothing(api_client, programme, amount_fen, code):
    paused = programme.pop("paused", False)
    setup = redeemable(**programme)
    if paused:
        services.programme_pause(actor=setup.officer, programme=setup.programme)
    before = _state(setup)
    api_client.force_authenticate(setup.holder_user)

    response = _redeem(api_client, setup, body={"contract": setup.contract.pk, "amount_fen": amount_fen})

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert _state(setup) == before


def test_token_authentication_works(api_client, setup):
    token = Token.objects.create(user=setup.holder_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = _redeem(api_client, setup)

    assert response.status_code == 201
    assert Redemption.objects.get().requested_by == setup.holder_user


def test_anonymous_requests_are_refused_and_change_nothing(api_client, setup):
    before = _state(setup)
    response = _redeem(api_client, setup)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}
    assert _state(setup) == before


def test_a_providers_request_waits_for_the_holder_who_confirms_it(api_client, setup):
    api_client.force_authenticate(setup.provider_user)
    requested = _redeem(api_client, setup)
    assert requested.status_code == 201
    assert requested.json()["state"] == RedemptionState.PENDING
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN
    confirm_url = f"/api/v1/voucher-redemptions/{requested.json()['id']}/confirm/"

    refused = api_client.post(confirm_url)
    assert refused.status_code == 403
    api_client.force_authenticate(setup.holder_user)
    confirmed = api_client.post(confirm_url)

    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == RedemptionState.CONFIRMED
    assert Redemption.objects.get().confirmed_by == setup.holder_user
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN - AMOUNT
    assert AuditEntry.objects.filter(action="voucher.redeem", object_id=str(setup.voucher.pk)).exists()
    assert api_client.post(confirm_url).status_code == 409


def test_the_holder_declines_a_providers_request_and_no_money_moves(api_client, setup):
    api_client.force_authenticate(setup.provider_user)
    requested = _redeem(api_client, setup)
    entries = LedgerEntry.objects.count()
    api_client.force_authenticate(setup.holder_user)

    declined = api_client.post(f"/api/v1/voucher-redemptions/{requested.json()['id']}/decline/")

    assert declined.status_code == 200
    assert declined.json()["state"] == RedemptionState.DECLINED
    assert Redemption.objects.get().state == RedemptionState.DECLINED
    assert LedgerEntry.objects.count() == entries
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN


def test_a_stranger_cannot_confirm_a_redemption_it_cannot_see(api_client, setup):
    api_client.force_authenticate(setup.provider_user)
    requested = _redeem(api_client, setup)
    api_client.force_authenticate(holder_staff())

    response = api_client.post(f"/api/v1/voucher-redemptions/{requested.json()['id']}/confirm/")

    assert response.status_code == 404
    assert Redemption.objects.get().state == RedemptionState.PENDING

"""The providers' voucher pages: asking a holder to redeem (a pending request, no money moved until
the holder confirms; one request however often the form is sent; refusals on the form with
nothing created; unknown and foreign codes alike) and the redemptions received (the code masked,
the claim link, state filter, paging, empty state, query counts)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind, Role
from tests.factories.registry import MembershipFactory, OrganisationFactory
from tests.factories.vouchers import (
    YUAN,
    evidence_file,
    external_order,
    holder_staff,
    issued_voucher,
    redeemable,
)
from vouchers import selectors, services
from vouchers.codes import display_code
from vouchers.models import LedgerTransaction, ProviderRule, Redemption, RedemptionState, TransactionKind

pytestmark = pytest.mark.django_db

REDEEM = reverse("vouchers:provider-redeem")
RECEIVED = reverse("vouchers:provider-redemptions")
NO_VOUCHER = "No voucher with this code can be used here."


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sign_in(client):
    """`sign_in(user)`: the test client signed in as `user` (None: anonymous), English pages."""

    def as_user(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return as_user


def _form(setup, *, key: str | None = None, **overrides) -> dict[str, str]:
    data = {
        "code": str(setup.voucher),
        "contract": str(setup.contract.pk),
        "order": "",
        "amount": "20000",
        "key": key or uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def _request(setup, amount_fen: int = 20_000 * YUAN) -> Redemption:
    """A provider's pending request, made through the service."""
    return services.voucher_redeem(
        actor=setup.provider_user, code=setup.voucher.code, contract_id=setup.contract.pk, amount_fen=amount_fen
    ).redemption


def _other_vendor_user():
    organisation = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user


# --- Asking a holder to redeem --------------------------------------------------------------------


def test_the_form_offers_the_providers_active_contracts_and_a_fresh_key(sign_in):
    setup = redeemable()
    client = sign_in(setup.provider_user)
    first, second = (client.get(REDEEM, {"code": str(setup.voucher)}).content.decode() for _ in range(2))
    assert setup.contract.reference in first
    assert f'value="{setup.voucher}"' in first  # the code from a QR link fills the form
    key = first.split('name="key" value="')[1][:32]
    assert key not in second


def test_a_provider_request_is_pending_and_moves_no_money(sign_in):
    setup = redeemable()
    balance = selectors.voucher_balance_fen(setup.voucher)
    client = sign_in(setup.provider_user)
    response = client.post(REDEEM, _form(setup))
    assert response.status_code == 302
    assert response["Location"] == f"{RECEIVED}?state=pending"
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.PENDING
    assert redemption.amount_fen == 20_000 * YUAN
    assert redemption.contract == setup.contract
    assert redemption.provider == setup.contract.supplier
    assert redemption.requested_by == setup.provider_user
    # Nothing moves until the holder confirms.
    assert selectors.voucher_balance_fen(setup.voucher) == balance
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REDEEM).exists()
    assert AuditEntry.objects.filter(action="voucher.redeem_request").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "waits for the holder to confirm it" in page
    assert "awaiting the holder&#x27;s confirmation" in page or "awaiting the holder's confirmation" in page


def test_sending_the_same_form_twice_makes_one_request(sign_in):
    setup = redeemable()
    client = sign_in(setup.provider_user)
    data = _form(setup)
    first = client.post(REDEEM, data)
    second = client.post(REDEEM, data)
    assert first.status_code == second.status_code == 302
    assert Redemption.objects.count() == 1
    assert AuditEntry.objects.filter(action="voucher.redeem_request").count() == 1
    assert "had already been sent" in client.get(second["Location"]).content.decode()


def test_the_same_form_sent_again_with_another_amount_is_refused(sign_in):
    setup = redeemable()
    client = sign_in(setup.provider_user)
    key = uuid.uuid4().hex
    client.post(REDEEM, _form(setup, key=key))
    response = client.post(REDEEM, _form(setup, key=key, amount="30000"))
    assert response.status_code == 409
    assert "already sent with other details" in response.content.decode()
    assert list(Redemption.objects.values_list("amount_fen", flat=True)) == [20_000 * YUAN]


def test_a_provider_the_programme_does_not_pay_is_refused_and_nothing_is_created(sign_in):
    listed = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)
    setup = redeemable(provider_rule=ProviderRule.LIST, provider_credit_codes=[listed.credit_code])
    response = sign_in(setup.provider_user).post(REDEEM, _form(setup))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This programme does not pay" in html
    assert f'value="{setup.voucher}"' in html  # the form comes back filled in
    assert not Redemption.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="voucher.redeem").exists()


def test_an_unknown_code_and_another_holders_code_read_the_same(sign_in):
    setup = redeemable()
    stranger = issued_voucher(setup.programme, holder_staff())
    client = sign_in(setup.provider_user)
    unknown = client.post(REDEEM, _form(setup, code="ABCD-EFGH-JKMN-PQRS-TVWX"))
    foreign = client.post(REDEEM, _form(setup, code=str(stranger)))
    assert unknown.status_code == foreign.status_code == 400
    for response in (unknown, foreign):
        assert NO_VOUCHER in response.content.decode()
        assert 'data-field="code"' in response.content.decode()
    assert not Redemption.objects.exists()


def test_a_provider_asks_against_an_external_order_by_its_number(sign_in):
    setup = redeemable()
    order = external_order(setup.holder_user, setup.contract.supplier)
    response = sign_in(setup.provider_user).post(REDEEM, _form(setup, contract="", order=str(order.pk)))
    assert response.status_code == 302
    redemption = Redemption.objects.get()
    assert (redemption.order, redemption.contract, redemption.state) == (order, None, RedemptionState.PENDING)


def test_an_order_of_another_provider_is_refused_like_a_missing_one(sign_in):
    setup = redeemable()
    theirs = external_order(setup.holder_user, OrganisationFactory(kind=OrganisationKind.VENDOR, verified=True))
    client = sign_in(setup.provider_user)
    for number in (theirs.pk, theirs.pk + 1000):
        response = client.post(REDEEM, _form(setup, contract="", order=str(number)))
        assert response.status_code == 400
        assert "No order with this number was placed with your organisation." in response.content.decode()
    assert not Redemption.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"contract": "", "order": ""}, "contract"),
        ({"code": ""}, "code"),
    ],
)
def test_bad_input_lands_on_its_field_and_changes_nothing(sign_in, overrides, field):
    setup = redeemable()
    response = sign_in(setup.provider_user).post(REDEEM, _form(setup, **overrides))
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Redemption.objects.exists()


def test_a_tampered_key_asks_to_reload_and_changes_nothing(sign_in):
    setup = redeemable()
    response = sign_in(setup.provider_user).post(REDEEM, _form(setup, key="not a key"))
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert not Redemption.objects.exists()


def test_only_a_providers_staff_may_ask_and_anonymous_users_sign_in(sign_in):
    setup = redeemable()
    assert sign_in(setup.holder_user).get(REDEEM).status_code == 403
    assert sign_in(setup.officer).get(REDEEM).status_code == 403
    anonymous = sign_in(None).get(REDEEM)
    assert anonymous.status_code == 302
    assert reverse("accounts:login") in anonymous["Location"]


# --- Redemptions received -------------------------------------------------------------------------


def test_the_received_list_masks_the_voucher_code(sign_in):
    setup = redeemable()
    _request(setup)
    response = sign_in(setup.provider_user).get(RECEIVED)
    html = response.content.decode()
    assert response.status_code == 200
    code = setup.voucher.code
    assert code not in html
    assert display_code(code) not in html
    assert display_code(code)[:-5] not in html  # no more than the last group
    assert f"••••-••••-••••-••••-{code[-4:]}" in html
    assert setup.contract.reference in html
    assert setup.voucher.holder.name in html
    assert "20,000.00" in html


def test_a_confirmed_redemption_offers_a_claim_until_it_is_claimed(sign_in):
    setup = redeemable()
    pending = _request(setup)
    client = sign_in(setup.provider_user)
    claim_url = reverse("vouchers:claim-create", kwargs={"pk": pending.pk})
    assert claim_url not in client.get(RECEIVED).content.decode()  # pending: nothing to claim
    services.redemption_confirm(actor=setup.holder_user, redemption=pending)
    assert claim_url in client.get(RECEIVED).content.decode()
    order = external_order(setup.holder_user, setup.contract.supplier)
    claimed = services.voucher_redeem(
        actor=setup.holder_user, code=setup.voucher.code, order_id=order.pk, amount_fen=1_000 * YUAN
    ).redemption
    services.claim_submit(actor=setup.provider_user, redemption=claimed, evidence=evidence_file())
    html = client.get(RECEIVED).content.decode()
    assert reverse("vouchers:claim-create", kwargs={"pk": claimed.pk}) not in html
    assert "Claimed" in html


def test_the_received_list_filters_by_state_and_refuses_an_unknown_state(sign_in):
    setup = redeemable()
    pending = _request(setup, 1_000 * YUAN)
    declined = _request(setup, 2_000 * YUAN)
    services.redemption_decline(actor=setup.holder_user, redemption=declined)
    client = sign_in(setup.provider_user)
    html = client.get(RECEIVED, {"state": "pending"}).content.decode()
    assert html.count('data-testid="redemption-row"') == 1
    assert "1,000.00" in html
    assert "2,000.00" not in html
    assert pending.state == RedemptionState.PENDING
    html = client.get(RECEIVED, {"state": "confirmed"}).content.decode()
    assert 'data-testid="empty-redemptions"' in html
    assert client.get(RECEIVED, {"state": "lost"}).status_code == 400


def test_the_received_list_pages(sign_in, monkeypatch):
    monkeypatch.setattr("vouchers.views.provider.PAGE_SIZE", 2)
    setup = redeemable()
    for amount in (1_000, 2_000, 3_000):
        _request(setup, amount * YUAN)
    client = sign_in(setup.provider_user)
    first = client.get(RECEIVED).content.decode()
    second = client.get(RECEIVED, {"page": 2}).content.decode()
    assert first.count('data-testid="redemption-row"') == 2
    assert second.count('data-testid="redemption-row"') == 1
    assert "Page 2 of 2" in second


def test_another_vendor_sees_none_of_the_redemptions(sign_in):
    setup = redeemable()
    _request(setup)
    html = sign_in(_other_vendor_user()).get(RECEIVED).content.decode()
    assert 'data-testid="empty-redemptions"' in html
    assert 'data-testid="redemption-row"' not in html


def test_the_received_list_has_a_bounded_number_of_queries(sign_in, django_assert_max_num_queries):
    setup = redeemable(amount_fen=100_000 * YUAN)
    for amount in range(1, 13):
        _request(setup, amount * 100 * YUAN)
    client = sign_in(setup.provider_user)
    with django_assert_max_num_queries(6):
        response = client.get(RECEIVED)
    assert response.content.decode().count('data-testid="redemption-row"') == 12

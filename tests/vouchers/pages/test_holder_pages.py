"""The holders' voucher pages: apply, my applications (withdraw), my vouchers and a voucher (QR,
history, providers' requests to confirm or decline), redeem (idempotent, refusals change nothing,
no hint whether a code exists), external orders. Each asserts the database and the ledger."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
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
    open_programme,
    redeemable,
)
from vouchers import selectors, services
from vouchers.models import (
    Application,
    ApplicationState,
    ExternalOrder,
    LedgerTransaction,
    Redemption,
    RedemptionState,
    TransactionKind,
)

pytestmark = pytest.mark.django_db

REDEEM = reverse("vouchers:redeem")
NO_VOUCHER = "No voucher with this code can be used here."


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def _organisation(user):
    return user.memberships.get(role=Role.ENTERPRISE_BUYER).organisation


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _redeem_post(client, *, code, amount, contract=None, order=None, key=None):
    target = f"contract-{contract.pk}" if contract is not None else f"order-{order.pk}"
    data = {"code": code, "target": target, "amount": amount, "key": key or uuid.uuid4().hex}
    return client.post(REDEEM, data)


def _ledger_counts():
    return Redemption.objects.count(), LedgerTransaction.objects.filter(kind=TransactionKind.REDEEM).count()


# --- Sign-in -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["applications", "vouchers-mine", "redeem", "orders", "order-create"])
def test_holder_pages_need_signing_in(client, name):
    response = client.get(reverse(f"vouchers:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_applying_needs_signing_in(client):
    programme = open_programme()
    response = client.get(reverse("vouchers:application-create", args=[programme.pk]))
    assert response.status_code == 302
    assert Application.objects.count() == 0


# --- Apply -------------------------------------------------------------------------------------


def test_an_enterprise_applies_through_the_page(en):
    programme = open_programme()
    user = holder_staff()
    organisation = _organisation(user)
    en.force_login(user)
    url = reverse("vouchers:application-create", args=[programme.pk])
    assert en.get(url).status_code == 200
    content = b"%PDF-1.4 contract and invoice"

    response = en.post(
        url,
        {
            "organisation": organisation.pk,
            "amount": "12,345.67",
            "purpose": "采购医疗影像标注服务",
            "evidence": evidence_file("合同.pdf", content),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:applications")
    application = Application.objects.get()
    assert application.applicant == organisation
    assert application.programme == programme
    assert application.requested_fen == 1_234_567
    assert application.state == ApplicationState.SUBMITTED
    assert application.evidence_sha256 == hashlib.sha256(content).hexdigest()
    with application.evidence.open("rb") as stored:
        assert stored.read() == content
    entry = AuditEntry.objects.get(action="voucher_application.submit")
    assert entry.actor == user
    assert entry.object_id == str(application.pk)
    listing = _text(en.get(reverse("vouchers:applications")))
    assert programme.name in listing
    assert "12,345.67" in listing
    assert "awaiting review" in listing


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "This cannot be negative."),
        ("abc", "Enter a number, such as 1234.56."),
        ("0", "Ask for an amount of more than zero."),
        ("100000.01", "A holder may receive at most 100,000.00 yuan a year from this programme."),
    ],
)
def test_a_bad_amount_shows_the_error_and_creates_nothing(en, amount, message):
    programme = open_programme()
    user = holder_staff()
    en.force_login(user)
    audit_before = AuditEntry.objects.count()

    response = en.post(
        reverse("vouchers:application-create", args=[programme.pk]),
        {"organisation": _organisation(user).pk, "amount": amount, "purpose": "标注", "evidence": evidence_file()},
    )

    assert response.status_code == 400
    assert message in _text(response)
    assert Application.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_applying_to_a_programme_not_open_to_the_user_is_refused(en):
    programme = open_programme()  # Shenzhen enterprises
    en.force_login(holder_staff(region_code="510100"))
    response = en.get(reverse("vouchers:application-create", args=[programme.pk]))
    assert response.status_code == 409
    assert Application.objects.count() == 0


def test_an_application_is_withdrawn_from_the_list(en):
    programme = open_programme()
    user = holder_staff()
    application = services.application_submit(
        actor=user,
        programme=programme,
        applicant=_organisation(user),
        requested_fen=1_000 * YUAN,
        purpose="标注",
        evidence=evidence_file(),
    )
    en.force_login(holder_staff())  # another enterprise: 404
    assert en.post(reverse("vouchers:application-withdraw", args=[application.pk])).status_code == 404
    en.force_login(user)
    assert en.get(reverse("vouchers:application-withdraw", args=[application.pk])).status_code == 405

    response = en.post(reverse("vouchers:application-withdraw", args=[application.pk]))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.WITHDRAWN
    assert AuditEntry.objects.filter(action="voucher_application.withdraw").count() == 1


def test_the_applications_list_shows_only_the_users_organisations(en, django_assert_max_num_queries):
    programme = open_programme()
    mine, other = holder_staff(), holder_staff()
    for user in (mine, other):
        services.application_submit(
            actor=user,
            programme=programme,
            applicant=_organisation(user),
            requested_fen=1_000 * YUAN,
            purpose="标注",
            evidence=evidence_file(),
        )
    en.force_login(mine)
    with django_assert_max_num_queries(6):
        response = en.get(reverse("vouchers:applications"))
    html = _text(response)
    assert html.count('data-testid="application-row"') == 1
    assert _organisation(mine).name in html
    assert _organisation(other).name not in html


def test_empty_lists_show_their_empty_state(en):
    en.force_login(holder_staff())
    for name, testid in [
        ("applications", "empty-applications"),
        ("vouchers-mine", "empty-vouchers-mine"),
        ("orders", "empty-orders"),
        ("redeem", "empty-targets"),
    ]:
        response = en.get(reverse(f"vouchers:{name}"))
        assert response.status_code == 200
        assert f'data-testid="{testid}"' in response.content.decode(), name


# --- My vouchers -------------------------------------------------------------------------------


def test_my_vouchers_lists_the_holders_vouchers_with_their_balance(en, django_assert_max_num_queries):
    programme = open_programme()
    user = holder_staff()
    mine = issued_voucher(programme, user, amount_fen=1_000 * YUAN)
    others = issued_voucher(programme, holder_staff())  # another enterprise's
    en.force_login(user)
    with django_assert_max_num_queries(6):
        response = en.get(reverse("vouchers:vouchers-mine"))
    html = _text(response)
    assert html.count('data-testid="voucher-row"') == 1
    assert str(mine) in html
    assert str(others) not in html
    assert re.search(r'data-testid="voucher-balance">1,000.00<', html)


def test_my_vouchers_costs_the_same_queries_for_many_vouchers(en, django_assert_max_num_queries):
    user = holder_staff()
    for _ in range(6):
        issued_voucher(open_programme(), user, amount_fen=1_000 * YUAN)
    en.force_login(user)
    with django_assert_max_num_queries(6):
        response = en.get(reverse("vouchers:vouchers-mine"))
    assert response.content.decode().count('data-testid="voucher-row"') == 6


def test_a_voucher_shows_its_code_qr_and_history(en):
    setup = redeemable()
    services.voucher_redeem(
        actor=setup.holder_user, code=str(setup.voucher), contract_id=setup.contract.pk, amount_fen=5_000 * YUAN
    )
    en.force_login(setup.holder_user)

    response = en.get(reverse("vouchers:voucher-detail", args=[setup.voucher.pk]))

    assert response.status_code == 200
    html = _text(response)
    code = str(setup.voucher)
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", code)
    assert f'data-testid="voucher-code">{code}<' in html
    assert '<svg class="qr"' in html
    assert "<path" in html
    assert "45,000.00" in html  # the balance
    history = re.search(r'data-testid="history-table">(.*?)</table>', html, re.S).group(1)
    assert "Voucher issued" in history or "voucher issued" in history
    assert "voucher redeemed" in history.lower()
    assert "-5,000.00" in history
    redemptions = re.search(r'data-testid="redemption-table">(.*?)</table>', html, re.S).group(1)
    assert setup.contract.reference in redemptions
    assert setup.contract.supplier.name in redemptions


def test_the_qr_code_encodes_the_redeem_page_with_the_code(en):
    setup = redeemable()
    en.force_login(setup.holder_user)
    captured = {}
    from vouchers.views import holders

    original = holders.qr_svg

    def spy(data, *, label):
        captured["data"] = data
        return original(data, label=label)

    holders.qr_svg = spy
    try:
        en.get(reverse("vouchers:voucher-detail", args=[setup.voucher.pk]))
    finally:
        holders.qr_svg = original
    code = str(setup.voucher)
    assert captured["data"] == f"http://testserver{REDEEM}?code={code}"
    prefilled = en.get(f"{REDEEM}?code={code}").content.decode()
    assert f'value="{code}"' in prefilled


@pytest.mark.parametrize("who", ["other_enterprise", "provider", "other_officer"])
def test_a_voucher_is_404_for_anyone_but_its_holder_and_officers(en, who):
    setup = redeemable()
    users = {
        "other_enterprise": holder_staff(),
        "provider": setup.provider_user,
        "other_officer": open_programme().authority.memberships.get().user,
    }
    url = reverse("vouchers:voucher-detail", args=[setup.voucher.pk])
    en.force_login(users[who])
    assert en.get(url).status_code == 404
    en.force_login(setup.officer)
    response = en.get(url)
    assert response.status_code == 200
    assert 'data-testid="confirm"' not in response.content.decode()


# --- Redeem ------------------------------------------------------------------------------------


def test_a_holder_redeems_through_the_page(en):
    setup = redeemable()
    en.force_login(setup.holder_user)
    page = en.get(REDEEM).content.decode()
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)

    response = _redeem_post(en, code=str(setup.voucher).lower(), amount="12,000.50", contract=setup.contract, key=key)

    assert response.status_code == 200
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.CONFIRMED
    assert redemption.amount_fen == 1_200_050
    assert redemption.contract == setup.contract
    assert redemption.idempotency_key == key
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN - 1_200_050
    html = _text(response)
    assert re.search(r'data-testid="new-balance">¥37,999.50<', html)
    assert re.search(r'data-testid="redemption-amount">¥12,000.50<', html)
    assert AuditEntry.objects.filter(action="voucher.redeem").count() == 1


def test_the_same_form_posted_twice_redeems_once(en):
    setup = redeemable()
    en.force_login(setup.holder_user)
    key = uuid.uuid4().hex
    first = _redeem_post(en, code=str(setup.voucher), amount="10000", contract=setup.contract, key=key)
    second = _redeem_post(en, code=str(setup.voucher), amount="10000", contract=setup.contract, key=key)

    assert first.status_code == second.status_code == 200
    assert _ledger_counts() == (1, 1)
    assert selectors.voucher_balance_fen(setup.voucher) == 40_000 * YUAN
    assert 'data-testid="replayed"' not in first.content.decode()
    assert 'data-testid="replayed"' in second.content.decode()
    assert "40,000.00" in _text(second)


def test_the_key_is_carried_through_a_redisplayed_form(en):
    setup = redeemable()
    en.force_login(setup.holder_user)
    key = uuid.uuid4().hex
    response = _redeem_post(en, code=str(setup.voucher), amount="-1", contract=setup.contract, key=key)
    assert response.status_code == 400
    assert f'name="key" value="{key}"' in response.content.decode()
    assert _ledger_counts() == (0, 0)


def test_a_post_without_its_key_is_refused(en):
    setup = redeemable()
    en.force_login(setup.holder_user)
    response = en.post(REDEEM, {"code": str(setup.voucher), "target": f"contract-{setup.contract.pk}", "amount": "100"})
    assert response.status_code == 400
    assert "This form has expired" in _text(response)
    assert _ledger_counts() == (0, 0)


def test_an_over_balance_amount_shows_the_refusal_and_changes_nothing(en):
    setup = redeemable()
    en.force_login(setup.holder_user)
    audit_before = AuditEntry.objects.count()

    response = _redeem_post(en, code=str(setup.voucher), amount="50,000.01", contract=setup.contract)

    assert response.status_code == 400
    assert "The voucher's balance is 50,000.00 yuan." in _text(response)
    assert 'role="alert"' in response.content.decode()
    assert _ledger_counts() == (0, 0)
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN
    assert AuditEntry.objects.count() == audit_before


def test_an_unknown_code_reads_the_same_as_another_holders_code(en):
    setup = redeemable()
    others = issued_voucher(setup.programme, holder_staff())
    en.force_login(setup.holder_user)

    unknown = _redeem_post(en, code="0000-0000-0000-0000-0000", amount="100", contract=setup.contract)
    another = _redeem_post(en, code=str(others), amount="100", contract=setup.contract)

    assert unknown.status_code == another.status_code == 400

    def error(response):
        return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', _text(response))

    assert error(unknown) == error(another) == [NO_VOUCHER]
    assert _ledger_counts() == (0, 0)
    assert selectors.voucher_balance_fen(others) == 50_000 * YUAN


def test_a_voucher_redeems_against_a_recorded_external_order(en):
    setup = redeemable()
    order = external_order(setup.holder_user, setup.contract.supplier, value_fen=20_000 * YUAN)
    en.force_login(setup.holder_user)
    page = en.get(REDEEM).content.decode()
    assert f'value="order-{order.pk}"' in page
    assert f'value="contract-{setup.contract.pk}"' in page

    response = _redeem_post(en, code=str(setup.voucher), amount="10000", order=order)

    assert response.status_code == 200
    assert Redemption.objects.get().order == order
    assert selectors.voucher_balance_fen(setup.voucher) == 40_000 * YUAN


def test_another_enterprises_contract_is_not_offered(en):
    setup = redeemable()
    user = holder_staff()
    en.force_login(user)
    page = en.get(REDEEM).content.decode()
    assert f"contract-{setup.contract.pk}" not in page
    response = _redeem_post(en, code=str(setup.voucher), amount="100", contract=setup.contract)
    assert response.status_code == 400
    assert _ledger_counts() == (0, 0)


# --- A provider's request ----------------------------------------------------------------------


def _provider_request(setup, amount_fen=8_000 * YUAN):
    outcome = services.voucher_redeem(
        actor=setup.provider_user, code=str(setup.voucher), contract_id=setup.contract.pk, amount_fen=amount_fen
    )
    assert outcome.redemption.state == RedemptionState.PENDING
    return outcome.redemption


def test_the_holder_confirms_a_providers_request(en):
    setup = redeemable()
    request = _provider_request(setup)
    en.force_login(setup.holder_user)
    detail = reverse("vouchers:voucher-detail", args=[setup.voucher.pk])
    html = en.get(detail).content.decode()
    assert 'data-testid="pending-row"' in html
    assert 'data-testid="confirm"' in html
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN

    response = en.post(reverse("vouchers:redemption-confirm", args=[request.pk]))

    assert response.status_code == 302
    assert response["Location"] == detail
    request.refresh_from_db()
    assert request.state == RedemptionState.CONFIRMED
    assert request.confirmed_by == setup.holder_user
    assert selectors.voucher_balance_fen(setup.voucher) == 42_000 * YUAN
    assert 'data-testid="pending-row"' not in en.get(detail).content.decode()


def test_the_holder_declines_a_providers_request(en):
    setup = redeemable()
    request = _provider_request(setup)
    en.force_login(setup.holder_user)
    response = en.post(reverse("vouchers:redemption-decline", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RedemptionState.DECLINED
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN


def test_only_the_holders_staff_confirm_and_only_by_post(en):
    setup = redeemable()
    request = _provider_request(setup)
    url = reverse("vouchers:redemption-confirm", args=[request.pk])
    en.force_login(setup.provider_user)  # sees the request, may not confirm it
    assert en.post(url).status_code == 403
    en.force_login(holder_staff())  # a stranger
    assert en.post(url).status_code == 404
    en.force_login(setup.holder_user)
    assert en.get(url).status_code == 405
    request.refresh_from_db()
    assert request.state == RedemptionState.PENDING
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN


# --- External orders ---------------------------------------------------------------------------


def test_a_holder_records_an_external_order(en):
    user = holder_staff()
    provider = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)
    en.force_login(user)
    assert en.get(reverse("vouchers:order-create")).status_code == 200

    response = en.post(
        reverse("vouchers:order-create"),
        {
            "holder": _organisation(user).pk,
            "provider_credit_code": provider.credit_code.lower(),
            "description": "GPU 算力租用 500 卡时",
            "value": "88,000",
            "ordered_on": "2024-05-01",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:orders")
    order = ExternalOrder.objects.get()
    assert order.holder == _organisation(user)
    assert order.provider == provider
    assert order.value_fen == 8_800_000
    assert str(order.ordered_on) == "2024-05-01"
    assert AuditEntry.objects.filter(action="voucher_order.record", object_id=str(order.pk)).exists()
    listing = _text(en.get(reverse("vouchers:orders")))
    assert "GPU 算力租用 500 卡时" in listing
    assert "88,000.00" in listing


def test_an_order_with_an_unknown_provider_shows_the_error_and_records_nothing(en):
    user = holder_staff()
    en.force_login(user)
    response = en.post(
        reverse("vouchers:order-create"),
        {
            "holder": _organisation(user).pk,
            "provider_credit_code": "91110000000000000X",
            "description": "算力",
            "value": "100",
            "ordered_on": "2024-05-01",
        },
    )
    assert response.status_code == 400
    assert "No organisation with this credit code is registered on the portal." in _text(response)
    assert ExternalOrder.objects.count() == 0


def test_the_orders_list_shows_only_the_users_organisations(en, django_assert_max_num_queries):
    provider = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)
    mine, other = holder_staff(), holder_staff()
    for _ in range(5):
        external_order(mine, provider)
    external_order(other, provider)
    en.force_login(mine)
    with django_assert_max_num_queries(6):
        response = en.get(reverse("vouchers:orders"))
    assert response.content.decode().count('data-testid="order-row"') == 5


def test_recording_an_order_needs_a_holder_organisation(en):
    vendorless = MembershipFactory(
        organisation=OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="440300", verified=True),
        role=Role.AGENCY_STAFF,
    ).user
    en.force_login(vendorless)
    assert en.get(reverse("vouchers:order-create")).status_code == 403

"""Settlement claim pages: the holder or the provider claims a confirmed redemption with evidence
(the claim row, the stored file, the audit row), refusals shown with nothing stored (contract not
fully paid, a second claim, a pending redemption), who may open the form, the claims list (state,
reviewer's note, transfer once settled, empty state, paging, query counts) and who may download
the evidence."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path, PurePath
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.selectors.payments import contract_fully_paid
from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind, Role
from tests.factories.registry import MembershipFactory, OrganisationFactory
from tests.factories.vouchers import YUAN, evidence_file, external_order, officer, redeemable
from vouchers import services
from vouchers.models import ClaimState, Redemption, RedemptionState, SettlementClaim

pytestmark = pytest.mark.django_db

CLAIMS = reverse("vouchers:claims")
EVIDENCE = b"%PDF-1.4 evidence"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


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


def _claim_url(redemption: Redemption) -> str:
    return reverse("vouchers:claim-create", kwargs={"pk": redemption.pk})


def _on_order(setup, amount_fen: int = 10_000 * YUAN) -> Redemption:
    """A confirmed redemption (by the holder) against an external order placed with the contract's
    supplier."""
    order = external_order(setup.holder_user, setup.contract.supplier)
    return services.voucher_redeem(
        actor=setup.holder_user, code=setup.voucher.code, order_id=order.pk, amount_fen=amount_fen
    ).redemption


def _stored_claim_files(media: Path) -> list[Path]:
    folder = media / "vouchers" / "claims"
    return sorted(folder.iterdir()) if folder.exists() else []


def _vendor_user():
    organisation = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user


# --- Filing a claim -------------------------------------------------------------------------------


def test_a_provider_claims_an_order_redemption_with_evidence(sign_in, media):
    setup = redeemable()
    redemption = _on_order(setup)
    client = sign_in(setup.provider_user)
    form = client.get(_claim_url(redemption))
    assert form.status_code == 200
    assert redemption.order.description in form.content.decode()
    response = client.post(_claim_url(redemption), {"evidence": evidence_file(), "note": "已全额付款，附发票。"})
    assert response.status_code == 302
    assert response["Location"] == CLAIMS
    claim = SettlementClaim.objects.get()
    assert claim.redemption == redemption
    assert claim.claimant == setup.contract.supplier
    assert claim.submitted_by == setup.provider_user
    assert claim.state == ClaimState.SUBMITTED
    assert claim.note == "已全额付款，附发票。"
    with claim.evidence.open("rb") as stored:
        assert stored.read() == EVIDENCE
    assert claim.evidence_sha256 == hashlib.sha256(EVIDENCE).hexdigest()
    assert len(_stored_claim_files(media)) == 1
    assert AuditEntry.objects.filter(action="voucher_claim.submit", object_id=str(claim.pk)).count() == 1
    page = client.get(CLAIMS).content.decode()
    assert "The settlement claim is submitted" in page
    assert "awaiting review" in page


def test_the_holder_may_claim_as_well(sign_in):
    setup = redeemable()
    redemption = _on_order(setup)
    response = sign_in(setup.holder_user).post(_claim_url(redemption), {"evidence": evidence_file()})
    assert response.status_code == 302
    assert SettlementClaim.objects.get().claimant == setup.voucher.holder


def test_a_claim_on_a_contract_not_yet_fully_paid_is_refused(sign_in, media):
    setup = redeemable()
    redemption = services.voucher_redeem(
        actor=setup.holder_user, code=setup.voucher.code, contract_id=setup.contract.pk, amount_fen=20_000 * YUAN
    ).redemption
    assert redemption.state == RedemptionState.CONFIRMED
    assert not contract_fully_paid(setup.contract)
    response = sign_in(setup.provider_user).post(_claim_url(redemption), {"evidence": evidence_file()})
    assert response.status_code == 409
    assert "after the contract is fully paid" in response.content.decode()
    assert not SettlementClaim.objects.exists()
    assert _stored_claim_files(media) == []
    assert not AuditEntry.objects.filter(action="voucher_claim.submit").exists()


def test_a_second_claim_on_the_same_redemption_is_refused(sign_in, media):
    setup = redeemable()
    redemption = _on_order(setup)
    client = sign_in(setup.provider_user)
    client.post(_claim_url(redemption), {"evidence": evidence_file()})
    response = client.post(_claim_url(redemption), {"evidence": evidence_file("第二份.pdf")})
    assert response.status_code == 409
    assert "already has a settlement claim" in response.content.decode()
    assert SettlementClaim.objects.count() == 1
    kept = SettlementClaim.objects.get()
    # the refused file is gone: only the first claim's is stored
    assert [path.name for path in _stored_claim_files(media)] == [PurePath(kept.evidence.name).name]
    assert kept.evidence_name == "证明材料.pdf"
    # The holder is refused the same way.
    again = sign_in(setup.holder_user).post(_claim_url(redemption), {"evidence": evidence_file()})
    assert again.status_code == 409
    assert SettlementClaim.objects.count() == 1


def test_a_pending_request_cannot_be_claimed(sign_in):
    setup = redeemable()
    order = external_order(setup.holder_user, setup.contract.supplier)
    pending = services.voucher_redeem(
        actor=setup.provider_user, code=setup.voucher.code, order_id=order.pk, amount_fen=1_000 * YUAN
    ).redemption
    response = sign_in(setup.provider_user).post(_claim_url(pending), {"evidence": evidence_file()})
    assert response.status_code == 409
    assert "Only a confirmed redemption can be settled" in response.content.decode()
    assert not SettlementClaim.objects.exists()


@pytest.mark.parametrize("evidence", [None, "malware.exe", "empty.pdf"])
def test_missing_or_unacceptable_evidence_lands_on_its_field(sign_in, media, evidence):
    setup = redeemable()
    redemption = _on_order(setup)
    data = {"note": "见附件"}
    if evidence == "malware.exe":
        data["evidence"] = evidence_file(evidence, b"MZ")
    elif evidence == "empty.pdf":
        data["evidence"] = evidence_file(evidence, b"")
    response = sign_in(setup.provider_user).post(_claim_url(redemption), data)
    assert response.status_code == 400
    assert 'data-field="evidence"' in response.content.decode()
    assert not SettlementClaim.objects.exists()
    assert _stored_claim_files(media) == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("holder", 200),
        ("provider", 200),
        ("officer", 403),
        ("operator", 403),
        ("other_vendor", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_open_the_claim_form(sign_in, operator, role, status):
    setup = redeemable()
    redemption = _on_order(setup)
    users = {
        "holder": setup.holder_user,
        "provider": setup.provider_user,
        "officer": setup.officer,
        "operator": operator,
        "other_vendor": _vendor_user(),
        "anonymous": None,
    }
    client = sign_in(users[role])
    assert client.get(_claim_url(redemption)).status_code == status
    posted = client.post(_claim_url(redemption), {"evidence": evidence_file()}).status_code
    assert posted == (302 if status == 200 else status)  # a claim made redirects to the list
    assert SettlementClaim.objects.exists() == (role in ("holder", "provider"))


def test_a_missing_redemption_answers_404(sign_in):
    setup = redeemable()
    assert sign_in(setup.provider_user).get(reverse("vouchers:claim-create", kwargs={"pk": 999_999})).status_code == 404


# --- The claims list ------------------------------------------------------------------------------


def test_the_claims_list_shows_state_review_note_and_transfer_once_settled(sign_in):
    setup = redeemable()
    settled = services.claim_submit(actor=setup.provider_user, redemption=_on_order(setup), evidence=evidence_file())
    services.claim_approve(actor=setup.officer, claim=settled, note="材料齐全")
    transferred_on = timezone.localdate() - datetime.timedelta(days=1)
    services.claim_disburse(
        actor=setup.officer, claim=settled, transfer_number="GK-2024-000123", transferred_on=transferred_on
    )
    rejected = services.claim_submit(
        actor=setup.holder_user, redemption=_on_order(setup, 2_000 * YUAN), evidence=evidence_file()
    )
    services.claim_reject(actor=setup.officer, claim=rejected, reason="发票金额与订单不符")
    for user in (setup.provider_user, setup.holder_user):
        html = sign_in(user).get(CLAIMS).content.decode()
        assert html.count('data-testid="claim-row"') == 2
        assert "disbursed and written off" in html
        assert "GK-2024-000123" in html
        assert transferred_on.isoformat() in html
        assert "材料齐全" in html
        assert "发票金额与订单不符" in html
        assert setup.voucher.code not in html
        assert f"••••-••••-••••-••••-{setup.voucher.code[-4:]}" in html
    only_settled = sign_in(setup.provider_user).get(CLAIMS, {"state": "settled"}).content.decode()
    assert only_settled.count('data-testid="claim-row"') == 1
    assert "GK-2024-000123" in only_settled


def test_a_rejected_claim_frees_the_redemption_for_another_claim(sign_in):
    setup = redeemable()
    redemption = _on_order(setup)
    claim = services.claim_submit(actor=setup.provider_user, redemption=redemption, evidence=evidence_file())
    services.claim_reject(actor=setup.officer, claim=claim, reason="缺少付款凭证")
    client = sign_in(setup.provider_user)
    assert _claim_url(redemption) in client.get(reverse("vouchers:provider-redemptions")).content.decode()
    assert client.post(_claim_url(redemption), {"evidence": evidence_file()}).status_code == 302
    assert sorted(SettlementClaim.objects.values_list("state", flat=True)) == [
        ClaimState.REJECTED,
        ClaimState.SUBMITTED,
    ]


def test_the_claims_list_is_empty_for_others_and_officers_use_their_queue(sign_in):
    setup = redeemable()
    services.claim_submit(actor=setup.provider_user, redemption=_on_order(setup), evidence=evidence_file())
    for user in (_vendor_user(), setup.officer):
        html = sign_in(user).get(CLAIMS).content.decode()
        assert 'data-testid="empty-claims"' in html
        assert 'data-testid="claim-row"' not in html
    assert sign_in(None).get(CLAIMS).status_code == 302


def test_the_claims_list_pages_and_refuses_an_unknown_state(sign_in, monkeypatch):
    monkeypatch.setattr("vouchers.views.provider.PAGE_SIZE", 2)
    setup = redeemable()
    for amount in (1_000, 2_000, 3_000):
        services.claim_submit(
            actor=setup.provider_user, redemption=_on_order(setup, amount * YUAN), evidence=evidence_file()
        )
    client = sign_in(setup.provider_user)
    assert client.get(CLAIMS).content.decode().count('data-testid="claim-row"') == 2
    second = client.get(CLAIMS, {"page": 2}).content.decode()
    assert second.count('data-testid="claim-row"') == 1
    assert "Page 2 of 2" in second
    assert client.get(CLAIMS, {"state": "paid"}).status_code == 400


def test_the_claims_list_has_a_bounded_number_of_queries(sign_in, django_assert_max_num_queries):
    setup = redeemable()
    for amount in range(1, 11):
        services.claim_submit(
            actor=setup.provider_user, redemption=_on_order(setup, amount * 100 * YUAN), evidence=evidence_file()
        )
    client = sign_in(setup.provider_user)
    with django_assert_max_num_queries(7):
        response = client.get(CLAIMS)
    assert response.content.decode().count('data-testid="claim-row"') == 10


# --- The evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("holder", 200),
        ("provider", 200),
        ("officer", 200),
        ("other_officer", 404),
        ("other_vendor", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_download_the_evidence(sign_in, role, status):
    setup = redeemable()
    claim = services.claim_submit(actor=setup.provider_user, redemption=_on_order(setup), evidence=evidence_file())
    users = {
        "holder": setup.holder_user,
        "provider": setup.provider_user,
        "officer": setup.officer,
        "other_officer": officer(),
        "other_vendor": _vendor_user(),
        "anonymous": None,
    }
    response = sign_in(users[role]).get(reverse("vouchers:claim-evidence", kwargs={"pk": claim.pk}))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == EVIDENCE
        assert response["Content-Disposition"].startswith("attachment;")
        assert quote("证明材料.pdf") in response["Content-Disposition"]
    elif role == "anonymous":
        assert reverse("accounts:login") in response["Location"]

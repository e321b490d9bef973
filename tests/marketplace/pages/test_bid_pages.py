"""The vendor's pages: the bid form (sealed at once, submitted once however often it is sent,
refused late with the service's message), receipts, the bidder's own sealed content, withdraw
and confirm, opportunities."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace import services
from marketplace.models import Bid, BidState
from marketplace.services import LotSpec
from portal.audit.models import AuditEntry
from portal.idempotency.models import IdempotencyRecord
from registry import services as registry_services
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector
from tests.factories.marketplace import TenderFactory, past_deadline, vendor_staff
from tests.factories.registry import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

PRICE_TEXT = "388,888.88"


def _bid_form(tender, token: str = "0" * 32, **overrides):
    data = {
        "token": token,
        "lot": str(tender.lots.get(number=1).pk),
        "price": "388888.88",
        "documents": [
            SimpleUploadedFile("技术方案.pdf", b"%PDF technical proposal"),
            SimpleUploadedFile("资质.pdf", b"%PDF credentials"),
        ],
    }
    data.update(overrides)
    return data


def test_the_bid_form_carries_a_fresh_token_each_time(as_role, open_tender):
    client = as_role("vendor")
    url = reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk})
    first, second = (client.get(url).content.decode() for _ in range(2))
    token = first.split('name="token" value="')[1][:32]
    assert token not in second


def test_a_bid_is_sealed_and_the_receipt_shown(as_role, open_tender, vendor_org):
    client = as_role("vendor")
    response = client.post(reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk}), _bid_form(open_tender))
    bid = Bid.objects.get(tender=open_tender)
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:bid-detail", kwargs={"bid_pk": bid.pk})
    assert bid.vendor == vendor_org
    assert bid.price_fen is None  # sealed: nothing in the clear
    assert services.bid_unseal(bid).price_fen == 38_888_888
    assert [d.name for d in services.bid_unseal(bid).documents] == ["技术方案.pdf", "资质.pdf"]
    assert AuditEntry.objects.filter(action="bid.submit", object_id=str(bid.pk)).exists()
    html = client.get(response["Location"]).content.decode()
    assert bid.receipt_sha256 in html
    assert PRICE_TEXT in html  # the bidder sees what it sealed
    assert "资质.pdf" in html


def test_sending_the_same_form_twice_makes_one_bid(as_role, open_tender):
    client = as_role("vendor")
    url = reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk})
    first = client.post(url, _bid_form(open_tender, token="a" * 32))
    second = client.post(url, _bid_form(open_tender, token="a" * 32))
    assert Bid.objects.filter(tender=open_tender).count() == 1
    assert first["Location"] == second["Location"]
    assert "already been sent" in client.get(second["Location"]).content.decode()
    record = IdempotencyRecord.objects.get()
    assert "38888888" not in str(record.response_body) + record.fingerprint  # nothing of the price


def test_a_new_rendering_replaces_the_earlier_bid(as_role, open_tender):
    client = as_role("vendor")
    url = reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk})
    client.post(url, _bid_form(open_tender, token="a" * 32))
    client.post(url, _bid_form(open_tender, token="b" * 32, price="380000"))
    states = sorted(Bid.objects.filter(tender=open_tender).values_list("state", flat=True))
    assert states == [BidState.SUBMITTED, BidState.WITHDRAWN]


def test_a_late_bid_is_refused_with_the_service_message(as_role, open_tender):
    client = as_role("vendor")
    url = reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk})
    client.get(url)
    past_deadline(open_tender)
    response = client.post(url, _bid_form(open_tender))
    assert response.status_code == 409
    assert "has passed: bids are no longer accepted" in response.content.decode()
    assert not Bid.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"price": "0"}, "price"), ({"price": "1.001"}, "price"), ({"documents": []}, "documents"), ({"lot": "0"}, "lot")],
)
def test_bid_errors_land_on_their_fields(as_role, open_tender, overrides, field):
    response = as_role("vendor").post(
        reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk}), _bid_form(open_tender, **overrides)
    )
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Bid.objects.exists()


def test_documents_over_the_limit_are_refused_before_reading(as_role, open_tender, settings):
    settings.BID_DOCUMENTS_MAX_BYTES = 10
    response = as_role("vendor").post(
        reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk}), _bid_form(open_tender)
    )
    assert response.status_code == 400
    assert 'data-field="documents"' in response.content.decode()


def test_an_unverified_vendor_is_told_to_get_verified(client, open_tender):
    organisation = OrganisationFactory(kind=OrganisationKind.VENDOR, verified=False)
    user = MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user
    client.force_login(user)
    client.cookies["django_language"] = "en"
    detail = client.get(reverse("marketplace:tender-detail", kwargs={"pk": open_tender.pk})).content.decode()
    assert "must be verified" in detail
    assert client.get(reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk})).status_code == 403


def test_my_bids_lists_receipts_and_asks_for_confirmation_after_an_amendment(
    as_role, open_tender, bid, agency_user, django_assert_max_num_queries
):
    client = as_role("vendor")
    url = reverse("marketplace:my-bids")
    client.get(url)
    # session, user, the vendor memberships (twice), the count, the sub-navigation, the page, the
    # unread notifications in the header
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    assert bid.receipt_sha256 in html
    assert 'data-testid="needs-confirmation"' not in html
    assert PRICE_TEXT not in html
    assert "412,345.00" not in html
    services.tender_amend(actor=agency_user, tender=open_tender, rationale="延长期限。", deadline=open_tender.deadline)
    assert 'data-testid="needs-confirmation"' in client.get(url).content.decode()


def test_the_bidder_confirms_after_an_amendment(as_role, open_tender, bid, agency_user):
    services.tender_amend(actor=agency_user, tender=open_tender, rationale="补充说明。", deadline=open_tender.deadline)
    client = as_role("vendor")
    detail = reverse("marketplace:bid-detail", kwargs={"bid_pk": bid.pk})
    assert 'data-testid="confirm-bid"' in client.get(detail).content.decode()
    response = client.post(reverse("marketplace:bid-confirm", kwargs={"bid_pk": bid.pk}))
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.documents_version == 2
    assert AuditEntry.objects.filter(action="bid.confirm", object_id=str(bid.pk)).exists()


def test_the_bidder_withdraws(as_role, bid):
    response = as_role("vendor").post(reverse("marketplace:bid-withdraw", kwargs={"bid_pk": bid.pk}))
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.state == BidState.WITHDRAWN
    assert AuditEntry.objects.filter(action="bid.withdraw", object_id=str(bid.pk)).exists()


def test_withdrawing_after_the_deadline_says_why(as_role, open_tender, bid):
    past_deadline(open_tender)
    client = as_role("vendor")
    response = client.post(reverse("marketplace:bid-withdraw", kwargs={"bid_pk": bid.pk}), follow=True)
    assert "no longer accepted" in response.content.decode()
    bid.refresh_from_db()
    assert bid.state == BidState.SUBMITTED


@pytest.mark.parametrize("role", ["anonymous", "other_vendor", "buyer", "other_agency", "operator"])
def test_no_page_shows_a_sealed_price_to_anyone_but_the_bidder(as_role, open_tender, bid, role):
    client = as_role(role)
    for url in (
        reverse("marketplace:index"),
        reverse("marketplace:tender-detail", kwargs={"pk": open_tender.pk}),
        reverse("marketplace:tender-opening", kwargs={"pk": open_tender.pk}),
        reverse("marketplace:feed"),
    ):
        html = client.get(url).content.decode()
        assert "412,345.00" not in html, (role, url)
        assert "vendor-proposal.pdf" not in html, (role, url)


def test_opportunities_match_the_vendors_modalities(client, agency_user):
    organisation = OrganisationFactory(kind=OrganisationKind.VENDOR, verified=True)
    user = vendor_staff(organisation)
    registry_services.organisation_update_profile(
        actor=user, organisation=organisation, capabilities={Modality.SPEECH: None}, sectors=[]
    )
    speech = TenderFactory(
        actor=agency_user,
        publish=True,
        title="方言语音转写",
        sector=Sector.GOVERNMENT_SERVICES,
        lots=[LotSpec(title="转写", modality=Modality.SPEECH, volume=100, budget_fen=1_000_000)],
    )
    TenderFactory(actor=agency_user, publish=True, title="视频标注")
    client.force_login(user)
    html = client.get(reverse("marketplace:opportunities")).content.decode()
    assert speech.title in html
    assert "视频标注" not in html


def test_bid_on_a_lot_of_another_tender_is_refused(as_role, open_tender, agency_user):
    other = TenderFactory(actor=agency_user, publish=True)
    data = _bid_form(open_tender, lot=str(other.lots.get().pk))
    response = as_role("vendor").post(reverse("marketplace:bid-submit", kwargs={"pk": open_tender.pk}), data)
    assert response.status_code == 400
    assert not Bid.objects.exists()

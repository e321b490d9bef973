import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace import services
from marketplace.models import Bid, BidState
from portal.audit.models import AuditEntry
from portal.idempotency.models import IdempotencyRecord
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.marketplace import (
    TenderFactory,
    bid_on,
    buyer_of,
    opened_tender,
    past_deadline,
    vendor_of,
    vendor_staff,
)
from tests.marketplace.api.conftest import ROLES, refused

pytestmark = pytest.mark.django_db

PRICE = 31_415_926


def _proposal(name="技术方案.pdf", content=b"%PDF-1.4 our proposal"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _multipart(tender, user, *, price_fen=PRICE, files=None):
    return {
        "tender": tender.pk,
        "lot": tender.lots.get(number=1).pk,
        "vendor": vendor_of(user).pk,
        "price_fen": price_fen,
        "documents": files if files is not None else [_proposal(), _proposal("报价明细.xlsx", b"PK rows")],
    }


def _json(tender, user, *, price_fen=PRICE, content=b"%PDF-1.4 our proposal"):
    return {
        "tender": tender.pk,
        "lot": tender.lots.get(number=1).pk,
        "vendor": vendor_of(user).pk,
        "price_fen": price_fen,
        "documents": [
            {
                "name": "技术方案.pdf",
                "media_type": "application/pdf",
                "content_base64": base64.b64encode(content).decode(),
            }
        ],
    }


def _receipt_keys():
    return {
        "id",
        "uid",
        "tender",
        "tender_reference",
        "lot",
        "lot_number",
        "vendor",
        "vendor_name",
        "state",
        "received_at",
        "receipt_sha256",
        "documents_version",
        "tender_documents_version",
        "withdrawn_at",
    }


# --- submission ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_submitting_a_bid_is_for_the_vendors_staff(as_role, open_tender, bidder_user, role):
    client, user = as_role(role, owner=bidder_user)

    response = client.post("/api/v1/bids/", _multipart(open_tender, bidder_user), format="multipart")

    if role == "owner":
        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == _receipt_keys()
        assert str(PRICE) not in response.content.decode()
        bid = Bid.objects.get()
        assert body["uid"] == str(bid.uid)
        assert body["receipt_sha256"] == bid.receipt_sha256
        assert body["state"] == "submitted"
        assert bid.price_fen is None
        assert bid.documents == []
        assert services.bid_unseal(bid).price_fen == PRICE
        assert [d.name for d in services.bid_unseal(bid).documents] == ["技术方案.pdf", "报价明细.xlsx"]
        entry = AuditEntry.objects.get(action="bid.submit", object_id=str(bid.pk))
        assert entry.actor == user
        assert str(PRICE) not in str(entry.after)
    else:
        assert refused(response, role)
        assert not Bid.objects.exists()


def test_a_bid_can_be_sent_as_json_with_base64_documents(api_client, open_tender, bidder_user):
    api_client.force_authenticate(bidder_user)

    response = api_client.post("/api/v1/bids/", _json(open_tender, bidder_user), format="json")

    assert response.status_code == 201, response.json()
    sealed = services.bid_unseal(Bid.objects.get())
    assert sealed.price_fen == PRICE
    assert sealed.documents[0].content == b"%PDF-1.4 our proposal"
    assert sealed.documents[0].media_type == "application/pdf"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: body.pop("price_fen"), "price_fen"),
        (lambda body: body.update(price_fen="12.5"), "price_fen"),
        (lambda body: body.update(price_fen=0), "price_fen"),
        (lambda body: body.update(documents=[]), "documents"),
        (lambda body: body["documents"][0].update(content_base64="not base64!"), "documents.0.content_base64"),
        (lambda body: body["documents"][0].update(content_base64=""), "documents.0.content_base64"),
        (lambda body: body.update(tender=999_999), "tender"),
        (lambda body: body.update(lot=999_999), "lot"),
        (lambda body: body.update(vendor=999_999), "vendor"),
    ],
)
def test_a_bad_bid_answers_400_naming_the_field(api_client, open_tender, bidder_user, change, field):
    body = _json(open_tender, bidder_user)
    change(body)
    api_client.force_authenticate(bidder_user)

    response = api_client.post("/api/v1/bids/", body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not Bid.objects.exists()


def test_a_bid_on_the_lot_of_another_tender_answers_400(api_client, open_tender, bidder_user):
    other = TenderFactory(publish=True)
    body = _json(open_tender, bidder_user)
    body["lot"] = other.lots.get().pk
    api_client.force_authenticate(bidder_user)
    response = api_client.post("/api/v1/bids/", body, format="json")
    assert response.status_code == 400
    assert "lot" in response.json()["fields"]
    assert not Bid.objects.exists()


def test_a_late_bid_is_refused_with_409_and_nothing_is_stored(api_client, open_tender, bidder_user):
    past_deadline(open_tender, seconds_ago=0)
    api_client.force_authenticate(bidder_user)

    response = api_client.post(
        "/api/v1/bids/",
        _multipart(open_tender, bidder_user),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="late-1",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert "deadline" in response.json()["message"]
    assert "no longer accepted" in response.json()["message"]
    assert not Bid.objects.exists()
    assert not AuditEntry.objects.filter(action="bid.submit").exists()
    assert not IdempotencyRecord.objects.exists()


def test_an_unverified_vendor_cannot_bid(api_client, open_tender):
    unverified = OrganisationFactory(kind=OrganisationKind.VENDOR, verified=False)
    user = MembershipFactory(organisation=unverified, role=Role.VENDOR_STAFF).user
    api_client.force_authenticate(user)

    response = api_client.post(
        "/api/v1/bids/", _multipart(open_tender, user), format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 403
    assert "verified" in response.json()["message"]
    assert not Bid.objects.exists()


def test_the_buyer_cannot_bid_on_its_own_tender(api_client, open_tender, buyer_user):
    api_client.force_authenticate(buyer_user)
    body = _json(open_tender, vendor_staff())
    body["vendor"] = buyer_of(buyer_user).pk
    response = api_client.post("/api/v1/bids/", body, format="json")
    assert response.status_code == 403
    assert not Bid.objects.exists()


# --- idempotency -----------------------------------------------------------------------------


def test_the_same_key_replays_the_receipt_and_stores_one_bid(api_client, open_tender, bidder_user):
    api_client.force_authenticate(bidder_user)
    body = _json(open_tender, bidder_user)

    first = api_client.post("/api/v1/bids/", body, format="json", HTTP_IDEMPOTENCY_KEY="bid-7f3a")
    again = api_client.post("/api/v1/bids/", body, format="json", HTTP_IDEMPOTENCY_KEY="bid-7f3a")

    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Bid.objects.count() == 1
    assert AuditEntry.objects.filter(action="bid.submit").count() == 1
    assert str(PRICE) not in str(IdempotencyRecord.objects.get().response_body)


def test_the_same_key_replays_a_multipart_bid(api_client, open_tender, bidder_user):
    api_client.force_authenticate(bidder_user)

    first = api_client.post(
        "/api/v1/bids/", _multipart(open_tender, bidder_user), format="multipart", HTTP_IDEMPOTENCY_KEY="mp-1"
    )
    again = api_client.post(
        "/api/v1/bids/", _multipart(open_tender, bidder_user), format="multipart", HTTP_IDEMPOTENCY_KEY="mp-1"
    )

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Bid.objects.count() == 1


def test_the_same_key_with_another_body_answers_409(api_client, open_tender, bidder_user):
    api_client.force_authenticate(bidder_user)

    first = api_client.post("/api/v1/bids/", _json(open_tender, bidder_user), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = api_client.post(
        "/api/v1/bids/", _json(open_tender, bidder_user, price_fen=PRICE + 1), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert first.status_code == 201
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["fields"]
    (bid,) = Bid.objects.all()
    assert services.bid_unseal(bid).price_fen == PRICE


def test_a_resubmission_withdraws_the_previous_bid(api_client, open_tender, bidder_user):
    api_client.force_authenticate(bidder_user)
    first = api_client.post("/api/v1/bids/", _json(open_tender, bidder_user), format="json").json()
    second = api_client.post("/api/v1/bids/", _json(open_tender, bidder_user, price_fen=PRICE - 1), format="json")

    assert second.status_code == 201
    assert Bid.objects.get(pk=first["id"]).state == BidState.WITHDRAWN
    assert AuditEntry.objects.filter(action="bid.supersede", object_id=str(first["id"])).exists()


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_bids_are_listed_and_shown_to_their_bidder_only(as_role, open_tender, bidder_user, role):
    bid = bid_on(open_tender, bidder_user, price_fen=PRICE)
    client, _user = as_role(role, owner=bidder_user)

    listing = client.get("/api/v1/bids/")
    detail = client.get(f"/api/v1/bids/{bid.pk}/")

    if role == "anonymous":
        assert listing.status_code == detail.status_code == 401
    elif role == "owner":
        assert listing.status_code == detail.status_code == 200
        assert [row["id"] for row in listing.json()["results"]] == [bid.pk]
        assert set(detail.json()) == _receipt_keys()
    else:
        assert listing.status_code == 200
        assert listing.json()["results"] == []
        assert detail.status_code == 404
    assert str(PRICE) not in listing.content.decode() + detail.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_sealed_content_is_shown_to_the_bidder_alone(as_role, open_tender, bidder_user, role):
    bid = bid_on(open_tender, bidder_user, price_fen=PRICE, name="我们的方案.pdf")
    client, _user = as_role(role, owner=bidder_user)

    response = client.get(f"/api/v1/bids/{bid.pk}/sealed-content/")

    if role == "owner":
        assert response.status_code == 200
        assert response.json() == {
            "price_fen": PRICE,
            "currency": "CNY",
            "documents": [
                {
                    "name": "我们的方案.pdf",
                    "media_type": "application/octet-stream",
                    "size": len(b"technical proposal ") + len("我们的方案.pdf".encode()),
                }
            ],
        }
    else:
        assert response.status_code == (401 if role == "anonymous" else 404)
        assert str(PRICE) not in response.content.decode()
        assert "我们的方案" not in response.content.decode()


def test_after_the_opening_the_bidder_sees_its_price_on_the_bid(api_client):
    tender = opened_tender(bidders=3, prices=[40_000_000, 41_000_000, 42_000_000])
    bid = Bid.objects.get(tender=tender, price_fen=41_000_000)
    api_client.force_authenticate(bid.vendor.memberships.get().user)

    body = api_client.get(f"/api/v1/bids/{bid.pk}/").json()

    assert body["price_fen"] == 41_000_000
    assert body["state"] == "valid"
    assert body["documents"][0]["name"] == "技术方案.pdf"
    assert len(body["documents"][0]["sha256"]) == 64
    listing = api_client.get("/api/v1/bids/").json()["results"]
    assert "price_fen" not in listing[0]


def test_the_bid_list_costs_a_fixed_number_of_queries(api_client, bidder_user, django_assert_max_num_queries):
    for _ in range(5):
        bid_on(TenderFactory(publish=True), bidder_user)
    api_client.force_authenticate(bidder_user)
    with django_assert_max_num_queries(4):  # memberships, count, page (with tender, lot, vendor)
        response = api_client.get("/api/v1/bids/")
    assert response.json()["count"] == 5


# --- withdraw and confirm --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing_is_for_the_bidder(as_role, open_tender, bidder_user, role):
    bid = bid_on(open_tender, bidder_user)
    client, user = as_role(role, owner=bidder_user)

    response = client.post(f"/api/v1/bids/{bid.pk}/withdraw/")

    bid.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == bid.state == BidState.WITHDRAWN
        assert response.json()["withdrawn_at"] is not None
        assert AuditEntry.objects.filter(action="bid.withdraw", object_id=str(bid.pk), actor=user).exists()
    else:
        assert response.status_code == (401 if role == "anonymous" else 404)
        assert bid.state == BidState.SUBMITTED


def test_a_bid_cannot_be_withdrawn_twice_or_after_the_deadline(api_client, open_tender, bidder_user):
    first = bid_on(open_tender, bidder_user)
    api_client.force_authenticate(bidder_user)
    assert api_client.post(f"/api/v1/bids/{first.pk}/withdraw/").status_code == 200
    assert api_client.post(f"/api/v1/bids/{first.pk}/withdraw/").status_code == 409
    second = bid_on(open_tender, bidder_user)
    past_deadline(open_tender)
    late = api_client.post(f"/api/v1/bids/{second.pk}/withdraw/")
    assert late.status_code == 409
    assert late.json()["code"] == "deadline_passed"
    second.refresh_from_db()
    assert second.state == BidState.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_confirming_after_an_amendment_is_for_the_bidder(as_role, open_tender, buyer_user, bidder_user, role):
    bid = bid_on(open_tender, bidder_user)
    services.tender_amend(
        actor=buyer_user,
        tender=open_tender,
        rationale="延期",
        deadline=open_tender.deadline.replace(year=open_tender.deadline.year + 1),
    )
    client, user = as_role(role, owner=bidder_user)

    response = client.post(f"/api/v1/bids/{bid.pk}/confirm/")

    bid.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert response.json()["documents_version"] == response.json()["tender_documents_version"] == 2
        assert bid.documents_version == 2
        assert AuditEntry.objects.filter(action="bid.confirm", object_id=str(bid.pk), actor=user).exists()
    else:
        assert response.status_code == (401 if role == "anonymous" else 404)
        assert bid.documents_version == 1


def test_confirming_an_up_to_date_bid_answers_409(api_client, open_tender, bidder_user):
    bid = bid_on(open_tender, bidder_user)
    api_client.force_authenticate(bidder_user)
    assert api_client.post(f"/api/v1/bids/{bid.pk}/confirm/").status_code == 409

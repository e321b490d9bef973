"""The whole first half of a tender through the API alone: catalogue entry, draft from it,
documents, publication, a clarification, sealed bids with receipts, the deadline sweep, the
opening list and the open data that follows."""

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace import services
from marketplace.models import Bid, BidState, Tender
from marketplace.states import TenderState
from tests.factories.marketplace import agency_staff, buyer_of, past_deadline, vendor_of, vendor_staff
from tests.marketplace.api.test_tenders_api import tender_body

pytestmark = pytest.mark.django_db

PRICES = [27_800_000, 28_900_000, 29_500_000]  # lot 1 has a budget of 30,000,000 fen


def test_from_catalogue_entry_to_opening_through_the_api(api_client):
    agency = agency_staff()
    vendors = [vendor_staff() for _ in PRICES]

    api_client.force_authenticate(agency)
    entry = api_client.post(
        "/api/v1/catalogue/",
        {
            "agency": buyer_of(agency).pk,
            "dataset": "12345政务服务热线录音",
            "sector": "government_services",
            "modality": "speech",
            "volume": 20_000,
            "volume_unit": "hour",
            "openness": "restricted",
            "annotation_needs": "转写、说话人分离、诉求分类。",
        },
        format="json",
    )
    assert entry.status_code == 201, entry.content
    draft = api_client.post(
        "/api/v1/tenders/", tender_body(buyer_of(agency), catalogue_entry=entry.data["id"]), format="json"
    )
    assert draft.status_code == 201, draft.content
    tender_id = draft.data["id"]
    upload = api_client.post(
        f"/api/v1/tenders/{tender_id}/documents/",
        {"title": "招标文件", "file": SimpleUploadedFile("招标文件.pdf", b"%PDF-1.4 documents")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    published = api_client.post(f"/api/v1/tenders/{tender_id}/publish/", format="json")
    assert published.status_code == 200, published.content
    assert published.data["state"] == TenderState.OPEN

    api_client.force_authenticate(vendors[0])
    question = api_client.post(
        "/api/v1/clarifications/",
        {"tender": tender_id, "vendor": vendor_of(vendors[0]).pk, "question": "方言录音占比多少？"},
        format="json",
    )
    assert question.status_code == 201, question.content
    api_client.force_authenticate(agency)
    answer = api_client.post(
        f"/api/v1/clarifications/{question.data['id']}/answer/", {"answer": "约一成。"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    api_client.force_authenticate(None)
    public = api_client.get(f"/api/v1/clarifications/?tender={tender_id}")
    assert [c["answer"] for c in public.data["results"]] == ["约一成。"]

    tender = Tender.objects.get(pk=tender_id)
    receipts = []
    for user, price in zip(vendors, PRICES, strict=True):
        api_client.force_authenticate(user)
        response = api_client.post(
            "/api/v1/bids/",
            {
                "tender": tender_id,
                "lot": tender.lots.get(number=1).pk,
                "vendor": vendor_of(user).pk,
                "price_fen": price,
                "documents": [
                    {
                        "name": "技术方案.pdf",
                        "media_type": "application/pdf",
                        "content_base64": base64.b64encode(b"x").decode(),
                    }
                ],
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"bid-{user.pk}",
        )
        assert response.status_code == 201, response.content
        assert str(price) not in response.content.decode()
        receipts.append(response.data)
    for receipt in receipts:
        stored = Bid.objects.get(uid=receipt["uid"])
        assert receipt["receipt_sha256"] == hashlib.sha256(bytes(stored.sealed)).hexdigest()

    api_client.force_authenticate(None)
    assert api_client.get(f"/api/v1/tenders/{tender_id}/opening/").status_code == 409

    past_deadline(tender)
    for due in services.tenders_close_due():
        services.tender_open(tender_id=due)

    opening = api_client.get(f"/api/v1/tenders/{tender_id}/opening/")
    assert opening.status_code == 200, opening.content
    rows = opening.data if isinstance(opening.data, list) else opening.data["results"]
    assert sorted(row["price_fen"] for row in rows) == PRICES
    assert {row["state"] for row in rows} == {BidState.VALID}
    assert Tender.objects.get(pk=tender_id).state == TenderState.EVALUATION
    releases = api_client.get(f"/api/ocds/tenders/{tender_id}/releases/").json()
    assert [r["tag"] for r in releases["releases"]] == [["planning", "tender"], ["tenderUpdate"], ["tenderUpdate"]]
    assert len(releases["releases"][-1]["bids"]["details"]) == 3

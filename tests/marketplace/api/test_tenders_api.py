from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import Release, Tender, TenderAmendment, TenderDocument
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory
from tests.factories.marketplace import (
    TenderFactory,
    agency_staff,
    bid_on,
    buyer_of,
    opened_tender,
    past_deadline,
    vendor_staff,
)
from tests.marketplace.api.conftest import ROLES, refused

pytestmark = pytest.mark.django_db


def _deadline(days=25):
    return (timezone.now() + timedelta(days=days)).isoformat()


def tender_body(organisation=None, **overrides):
    body = {
        "title": "接口发布的语音转写标注",
        "description": "普通话客服录音转写与说话人分离。",
        "procedure": "open_tender",
        "evaluation_method": "comprehensive_scoring",
        "sector": "government_services",
        "deadline": _deadline(),
        "lots": [
            {"title": "转写", "modality": "speech", "volume": 2_000, "volume_unit": "hour", "budget_fen": 30_000_000},
            {"title": "质检", "modality": "text", "volume": 500_000, "budget_fen": 5_000_000},
        ],
        "milestones": [{"title": "首批验收", "share_bp": 4_000}, {"title": "终验", "share_bp": 6_000}],
        "price_weight_bp": 3_000,
        "technical_weight_bp": 6_000,
        "business_weight_bp": 1_000,
    }
    if organisation is not None:
        body["buyer"] = organisation.pk
    body.update(overrides)
    return body


def _pdf(name="补充文件.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 amendment", content_type="application/pdf")


# --- list and search -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_published_tenders_are_public_and_drafts_listed_for_their_buyer(as_role, buyer_user, role):
    published = TenderFactory(actor=buyer_user, publish=True)
    draft = TenderFactory(actor=buyer_user)
    client, _user = as_role(role, owner=buyer_user)

    response = client.get("/api/v1/tenders/")
    detail = client.get(f"/api/v1/tenders/{published.pk}/")

    assert response.status_code == detail.status_code == 200
    assert detail.json()["reference"] == published.reference
    ids = {row["id"] for row in response.json()["results"]}
    sees_draft = role in {"owner", "operator"}
    assert ids == ({published.pk, draft.pk} if sees_draft else {published.pk})
    row = next(row for row in response.json()["results"] if row["id"] == published.pk)
    assert row["reference"] == published.reference
    assert row["budget_fen"] == 50_000_000
    assert row["state"] == "open"


def test_the_search_filters_combine(api_client):
    chengdu = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="510100", verified=True)
    hefei = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="340100", verified=True)
    match = TenderFactory(actor=agency_staff(chengdu), publish=True, title="成都交通视频标注")
    TenderFactory(actor=agency_staff(hefei), publish=True, title="合肥交通视频标注")
    TenderFactory(actor=agency_staff(chengdu), publish=True, title="成都医疗影像", sector="healthcare")
    cancelled = TenderFactory(actor=agency_staff(chengdu), publish=True, title="成都交通视频标注（已取消）")
    Tender.objects.filter(pk=cancelled.pk).update(state=TenderState.CANCELLED)

    response = api_client.get(
        "/api/v1/tenders/",
        {
            "q": "交通",
            "region": "510000",  # the province: Chengdu is below it
            "sector": "transport",
            "modality": "video",
            "budget_min_fen": 50_000_000,
            "budget_max_fen": 50_000_000,
            "state": ["open", "opening"],
            "deadline_after": timezone.now().date().isoformat(),
            "deadline_before": _deadline(days=30),
            "buyer": chengdu.pk,
        },
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [match.pk]


def test_the_state_filter_takes_several_states(api_client):
    tender = TenderFactory(publish=True)
    cancelled = TenderFactory(publish=True)
    Tender.objects.filter(pk=cancelled.pk).update(state=TenderState.CANCELLED)
    TenderFactory(publish=True, sector="finance")

    both = api_client.get("/api/v1/tenders/?state=open&state=cancelled&sector=transport")

    assert {row["id"] for row in both.json()["results"]} == {tender.pk, cancelled.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"sector": "space"}, "sector"),
        ({"modality": "smell"}, "modality"),
        ({"budget_min_fen": "12.5"}, "budget_min_fen"),
        ({"budget_max_fen": "-1"}, "budget_max_fen"),
        ({"state": "sleeping"}, "state"),
        ({"deadline_after": "next tuesday"}, "deadline_after"),
        ({"deadline_before": "2025-02-30"}, "deadline_before"),
        ({"buyer": "999999"}, "buyer"),
        ({"buyer": "abc"}, "buyer"),
    ],
)
def test_bad_search_parameters_answer_400_naming_them(api_client, params, field):
    response = api_client.get("/api/v1/tenders/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert any(name == field or name.startswith(f"{field}.") for name in response.json()["fields"])


def test_the_list_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(6):
        TenderFactory(publish=True)
    with django_assert_max_num_queries(3):  # the region, the count, the page (buyer and region joined)
        response = api_client.get("/api/v1/tenders/?modality=video&region=510000")
    assert response.json()["count"] == 6


def test_the_list_costs_a_fixed_number_of_queries_signed_in(api_client, buyer_user, django_assert_max_num_queries):
    for _ in range(3):
        TenderFactory(actor=buyer_user)
        TenderFactory(publish=True)
    api_client.force_authenticate(buyer_user)
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/tenders/")
    assert response.json()["count"] == 6


# --- detail ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_only_by_its_buyer_and_operators(as_role, buyer_user, role):
    draft = TenderFactory(actor=buyer_user)
    client, _user = as_role(role, owner=buyer_user)

    response = client.get(f"/api/v1/tenders/{draft.pk}/")

    if role in {"owner", "operator"}:
        assert response.status_code == 200
        assert response.json()["allowed_actions"] == (["publish", "cancel", "update"] if role == "owner" else [])
    else:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_the_detail_has_lots_milestones_documents_limits_and_next_actions(api_client, open_tender, bidder_user):
    api_client.force_authenticate(bidder_user)

    body = api_client.get(f"/api/v1/tenders/{open_tender.pk}/").json()

    assert [(lot["number"], lot["budget_fen"]) for lot in body["lots"]] == [(1, 50_000_000)]
    assert [m["share_bp"] for m in body["milestones"]] == [3_000, 7_000]
    (document,) = body["documents"]
    assert document["title"] == "招标文件"
    assert document["download_url"].endswith(f"/tenders/{open_tender.pk}/documents/{document['id']}/")
    assert api_client.get(document["download_url"]).status_code == 200
    assert body["procedure_limits"] == {
        "min_bid_period_days": 20,
        "min_valid_bids": 3,
        "evaluation_methods": ["comprehensive_scoring", "lowest_evaluated_price"],
    }
    assert body["allowed_actions"] == ["bid", "ask"]
    assert body["amendments"] == []
    assert "bids" not in body


def test_the_buyer_is_offered_amend_and_cancel_on_an_open_tender(api_client, open_tender, buyer_user):
    api_client.force_authenticate(buyer_user)
    assert api_client.get(f"/api/v1/tenders/{open_tender.pk}/").json()["allowed_actions"] == ["cancel", "amend"]


# --- drafting --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_draft_is_for_the_buyers_staff(as_role, buyer_user, role):
    client, user = as_role(role, owner=buyer_user)

    response = client.post("/api/v1/tenders/", tender_body(buyer_of(buyer_user)), format="json")

    created = Tender.objects.filter(title="接口发布的语音转写标注")
    if role == "owner":
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["state"] == "draft"
        assert body["budget_fen"] == 35_000_000
        assert [lot["volume_unit"] for lot in body["lots"]] == ["hour", "item"]
        tender = created.get()
        assert tender.buyer == buyer_of(buyer_user)
        assert AuditEntry.objects.filter(action="tender.create", object_id=str(tender.pk), actor=user).exists()
    else:
        assert refused(response, role)
        assert not created.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"procedure": "auction"}, "procedure"),
        ({"procedure": "request_for_quotation", "evaluation_method": "lowest_price"}, "procedure"),
        ({"evaluation_method": "lowest_price"}, "evaluation_method"),
        ({"price_weight_bp": 5_000}, "price_weight_bp"),
        ({"deadline": "2020-01-01T00:00:00+08:00"}, "deadline"),
        ({"deadline": "soon"}, "deadline"),
        ({"lots": []}, "lots"),
        ({"lots": [{"title": "x", "modality": "smell", "volume": 1, "budget_fen": 1}]}, "lots.0.modality"),
        ({"lots": [{"title": "x", "modality": "text", "volume": 1, "budget_fen": "1.5"}]}, "lots.0.budget_fen"),
        ({"milestones": [{"title": "全部", "share_bp": 9_999}]}, "milestones"),
        ({"region": "999999"}, "region"),
        ({"catalogue_entry": 999_999}, "catalogue_entry"),
        ({"buyer": 999_999}, "buyer"),
    ],
)
def test_a_bad_draft_answers_400_naming_the_field(api_client, buyer_user, overrides, field):
    api_client.force_authenticate(buyer_user)
    response = api_client.post("/api/v1/tenders/", tender_body(buyer_of(buyer_user), **overrides), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Tender.objects.exists()


def test_an_unverified_agency_cannot_create_tenders(api_client):
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY, verified=False)
    user = agency_staff(agency)
    api_client.force_authenticate(user)
    response = api_client.post("/api/v1/tenders/", tender_body(agency), format="json")
    assert response.status_code == 403
    assert not Tender.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_replacing_a_draft_is_for_the_buyers_staff(as_role, buyer_user, role):
    draft = TenderFactory(actor=buyer_user)
    client, user = as_role(role, owner=buyer_user)

    response = client.put(f"/api/v1/tenders/{draft.pk}/", tender_body(title="改过的标题"), format="json")

    draft.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert draft.title == "改过的标题"
        assert draft.lots.count() == 2
        assert AuditEntry.objects.filter(action="tender.update", object_id=str(draft.pk), actor=user).exists()
    else:
        # A draft is invisible to outsiders (404); operators see it but do not buy (403).
        expected = 401 if role == "anonymous" else 403 if role == "operator" else 404
        assert response.status_code == expected
        assert draft.title != "改过的标题"


def test_a_published_tender_is_not_replaced(api_client, open_tender, buyer_user):
    api_client.force_authenticate(buyer_user)
    response = api_client.put(f"/api/v1/tenders/{open_tender.pk}/", tender_body(title="改"), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize("role", ROLES)
def test_attaching_and_removing_documents_is_for_the_buyers_staff(as_role, buyer_user, role):
    draft = TenderFactory(actor=buyer_user)
    existing = draft.documents.get()
    client, user = as_role(role, owner=buyer_user)

    added = client.post(
        f"/api/v1/tenders/{draft.pk}/documents/", {"title": "技术规范", "file": _pdf()}, format="multipart"
    )
    removed = client.delete(f"/api/v1/tenders/{draft.pk}/documents/{existing.pk}/")

    if role == "owner":
        assert added.status_code == 201, added.json()
        assert added.json()["title"] == "技术规范"
        assert removed.status_code == 204
        assert list(draft.documents.values_list("title", flat=True)) == ["技术规范"]
        actions = set(AuditEntry.objects.filter(object_id=str(draft.pk), actor=user).values_list("action", flat=True))
        assert {"tender.document_add", "tender.document_remove"} <= actions
    else:
        expected = 401 if role == "anonymous" else 403 if role == "operator" else 404
        assert added.status_code == removed.status_code == expected
        assert list(draft.documents.all()) == [existing]


def test_an_empty_document_answers_400(api_client, buyer_user):
    draft = TenderFactory(actor=buyer_user)
    api_client.force_authenticate(buyer_user)
    empty = SimpleUploadedFile("空.pdf", b"", content_type="application/pdf")
    response = api_client.post(f"/api/v1/tenders/{draft.pk}/documents/", {"file": empty}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    assert draft.documents.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_publishing_is_for_the_buyers_staff(as_role, buyer_user, role):
    draft = TenderFactory(actor=buyer_user)
    client, user = as_role(role, owner=buyer_user)

    response = client.post(f"/api/v1/tenders/{draft.pk}/publish/")

    draft.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == draft.state == TenderState.OPEN
        assert AuditEntry.objects.filter(action="tender.publish", object_id=str(draft.pk), actor=user).exists()
        assert Release.objects.filter(tender=draft).count() == 1
    else:
        expected = 401 if role == "anonymous" else 403 if role == "operator" else 404
        assert response.status_code == expected
        assert draft.state == TenderState.DRAFT
        assert not Release.objects.filter(tender=draft).exists()


def test_publishing_too_short_a_bid_period_answers_400(api_client, buyer_user):
    draft = TenderFactory(actor=buyer_user, deadline=timezone.now() + timedelta(days=5))
    api_client.force_authenticate(buyer_user)
    response = api_client.post(f"/api/v1/tenders/{draft.pk}/publish/")
    assert response.status_code == 400
    assert "deadline" in response.json()["fields"]


# --- changes to published tenders ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_amending_is_for_the_buyers_staff(as_role, buyer_user, open_tender, role):
    original = open_tender.documents.get()
    client, user = as_role(role, owner=buyer_user)

    response = client.post(
        f"/api/v1/tenders/{open_tender.pk}/amend/",
        {"rationale": "更正验收标准", "documents": [_pdf("更正公告.pdf")], "superseded": [original.pk]},
        format="multipart",
    )

    open_tender.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        body = response.json()
        assert [d["title"] for d in body["documents"]] == ["更正公告.pdf"]
        assert body["amendments"][0]["rationale"] == "更正验收标准"
        assert open_tender.documents_version == 2
        assert TenderAmendment.objects.filter(tender=open_tender).count() == 1
        assert AuditEntry.objects.filter(action="tender.amend", object_id=str(open_tender.pk), actor=user).exists()
        assert Release.objects.filter(tender=open_tender, tags=["tenderAmendment"]).exists()
    else:
        assert refused(response, role)
        assert open_tender.documents_version == 1
        assert not TenderAmendment.objects.exists()


def test_an_amendment_without_a_change_answers_400(api_client, buyer_user, open_tender):
    api_client.force_authenticate(buyer_user)
    response = api_client.post(f"/api/v1/tenders/{open_tender.pk}/amend/", {"rationale": "无变化"}, format="multipart")
    assert response.status_code == 400
    assert "documents" in response.json()["fields"]


def test_an_amendment_can_only_replace_current_documents(api_client, buyer_user, open_tender):
    api_client.force_authenticate(buyer_user)
    response = api_client.post(
        f"/api/v1/tenders/{open_tender.pk}/amend/",
        {"rationale": "替换", "documents": [_pdf()], "superseded": [999_999]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "superseded" in response.json()["fields"]
    assert TenderDocument.objects.filter(tender=open_tender).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_cancelling_is_for_the_buyers_staff(as_role, buyer_user, open_tender, role):
    client, user = as_role(role, owner=buyer_user)

    response = client.post(f"/api/v1/tenders/{open_tender.pk}/cancel/", {"reason": "预算调整"}, format="json")

    open_tender.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert response.json()["cancellation_reason"] == "预算调整"
        assert open_tender.state == TenderState.CANCELLED
        assert AuditEntry.objects.filter(action="tender.cancel", object_id=str(open_tender.pk), actor=user).exists()
    else:
        assert refused(response, role)
        assert open_tender.state == TenderState.OPEN


def test_a_cancellation_needs_a_reason(api_client, buyer_user, open_tender):
    api_client.force_authenticate(buyer_user)
    response = api_client.post(f"/api/v1/tenders/{open_tender.pk}/cancel/", {"reason": " "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    open_tender.refresh_from_db()
    assert open_tender.state == TenderState.OPEN


@pytest.mark.parametrize("role", ROLES)
def test_retendering_a_failed_tender_is_for_the_buyers_staff(as_role, buyer_user, role):
    failed = opened_tender(bidders=1, actor=buyer_user)
    assert failed.state == TenderState.FAILED
    client, user = as_role(role, owner=buyer_user)

    response = client.post(f"/api/v1/tenders/{failed.pk}/retender/", {"deadline": _deadline(30)}, format="json")

    copies = Tender.objects.filter(previous_tender=failed)
    if role == "owner":
        assert response.status_code == 201, response.json()
        copy = copies.get()
        assert response.json()["id"] == copy.pk
        assert copy.state == TenderState.OPEN
        assert AuditEntry.objects.filter(action="tender.create", object_id=str(copy.pk), actor=user).exists()
    else:
        assert refused(response, role)
        assert not copies.exists()


def test_a_tender_that_has_not_failed_is_not_retendered(api_client, buyer_user, open_tender):
    api_client.force_authenticate(buyer_user)
    response = api_client.post(f"/api/v1/tenders/{open_tender.pk}/retender/", {"deadline": _deadline()}, format="json")
    assert response.status_code == 409
    assert not Tender.objects.filter(previous_tender=open_tender).exists()


# --- opening ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_opening_list_is_refused_before_the_opening(as_role, buyer_user, open_tender, bidder_user, role):
    bid_on(open_tender, bidder_user, price_fen=12_345_678)
    past_deadline(open_tender)
    client, _user = as_role(role, owner=buyer_user)

    response = client.get(f"/api/v1/tenders/{open_tender.pk}/opening/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "not been opened" in response.json()["message"]
    assert "12345678" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_opening_list_is_public_after_the_opening(as_role, buyer_user, role):
    tender = opened_tender(bidders=3, prices=[41_000_000, 40_000_000, 60_000_000], actor=buyer_user)
    client, _user = as_role(role, owner=buyer_user)

    response = client.get(f"/api/v1/tenders/{tender.pk}/opening/")

    assert response.status_code == 200
    rows = response.json()
    assert [(row["lot_number"], row["price_fen"], row["state"]) for row in rows] == [
        (1, 40_000_000, "valid"),
        (1, 41_000_000, "valid"),
        (1, 60_000_000, "invalid"),
    ]
    assert rows[2]["invalid_reason"]
    assert all(row["bidder_name"] for row in rows)


def test_the_opening_list_of_a_draft_is_hidden_from_outsiders(api_client, buyer_user):
    draft = TenderFactory(actor=buyer_user)
    api_client.force_authenticate(vendor_staff())
    assert api_client.get(f"/api/v1/tenders/{draft.pk}/opening/").status_code == 404

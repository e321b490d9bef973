"""The buyer's pages post and change the database: catalogue entries, the create-and-publish
wizard, amendments, cancellation and re-tender — each with its audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketplace.models import CatalogueEntry, Tender, TenderAmendment
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from tests.factories.marketplace import TenderFactory

pytestmark = pytest.mark.django_db


def _audited(action: str, obj) -> bool:
    return AuditEntry.objects.filter(action=action, object_id=str(obj.pk)).exists()


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _draft_data(**overrides) -> dict[str, str]:
    data = {
        "catalogue_entry": "",
        "title": "城市道路点云标注",
        "description": "激光雷达点云中的车辆与行人三维框。",
        "procedure": "open_tender",
        "evaluation_method": "comprehensive_scoring",
        "price_weight": "30",
        "technical_weight": "60",
        "business_weight": "10",
        "deadline": _local(timezone.now() + timedelta(days=30)),
        "sector": "transport",
        "region": "",
        "acceptance_aql": "250",
        "lots-TOTAL_FORMS": "2",
        "lots-INITIAL_FORMS": "0",
        "lots-0-title": "点云三维框",
        "lots-0-modality": "point_cloud",
        "lots-0-volume": "20000",
        "lots-0-volume_unit": "frame",
        "lots-0-budget": "1,200,000.50",
        "lots-1-title": "",
        "lots-1-modality": "",
        "lots-1-volume": "",
        "lots-1-volume_unit": "item",
        "lots-1-budget": "",
        "milestones-TOTAL_FORMS": "2",
        "milestones-INITIAL_FORMS": "1",
        "milestones-0-title": "首批交付",
        "milestones-0-share": "40",
        "milestones-1-title": "全部验收",
        "milestones-1-share": "60",
    }
    data.update(overrides)
    return data


# Catalogue ----------------------------------------------------------------------------------


def test_agency_staff_create_a_catalogue_entry(as_role, agency):
    response = as_role("buyer").post(
        reverse("marketplace:catalogue-create"),
        {
            "dataset": "医保结算单文本",
            "description": "脱敏后的结算单。",
            "sector": "healthcare",
            "modality": "text",
            "volume": "500000",
            "volume_unit": "item",
            "openness": "conditional",
            "annotation_needs": "费用项目实体抽取。",
        },
    )
    entry = CatalogueEntry.objects.get(dataset="医保结算单文本")
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:catalogue-detail", kwargs={"pk": entry.pk})
    assert entry.agency == agency
    assert _audited("catalogue.create", entry)


def test_a_catalogue_entry_with_errors_is_shown_again(as_role):
    response = as_role("buyer").post(reverse("marketplace:catalogue-create"), {"dataset": "", "volume": "many"})
    assert response.status_code == 400
    assert 'data-field="dataset"' in response.content.decode()
    assert not CatalogueEntry.objects.exists()


def test_agency_staff_edit_their_entry(as_role, entry):
    data = {
        "dataset": "卡口图像（更新）",
        "description": entry.description,
        "sector": entry.sector,
        "modality": entry.modality,
        "volume": "3000000",
        "volume_unit": entry.volume_unit,
        "openness": "open",
        "annotation_needs": entry.annotation_needs,
    }
    response = as_role("buyer").post(reverse("marketplace:catalogue-edit", kwargs={"pk": entry.pk}), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.dataset, entry.volume, entry.openness) == ("卡口图像（更新）", 3_000_000, "open")
    assert _audited("catalogue.update", entry)


# The wizard --------------------------------------------------------------------------------


def test_the_wizard_starts_from_a_catalogue_entry(as_role, entry):
    html = as_role("buyer").get(f"{reverse('marketplace:tender-create')}?catalogue={entry.pk}").content.decode()
    assert entry.dataset in html
    assert f'name="catalogue_entry" value="{entry.pk}"' in html
    assert 'name="lots-0-title" value="' + entry.dataset in html
    assert 'name="milestones-0-share" value="100.00"' in html


def test_another_agency_cannot_start_from_the_entry(as_role, entry):
    response = as_role("other_agency").get(f"{reverse('marketplace:tender-create')}?catalogue={entry.pk}")
    assert response.status_code == 403


def test_step_one_saves_a_draft_with_its_lots_and_milestones(as_role, agency, entry):
    response = as_role("buyer").post(reverse("marketplace:tender-create"), _draft_data(catalogue_entry=str(entry.pk)))
    tender = Tender.objects.get(title="城市道路点云标注")
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:tender-documents", kwargs={"pk": tender.pk})
    assert tender.state == TenderState.DRAFT
    assert tender.buyer == agency
    assert tender.catalogue_entry == entry
    assert tender.budget_fen == 120_000_050
    assert (tender.price_weight_bp, tender.technical_weight_bp, tender.business_weight_bp) == (3_000, 6_000, 1_000)
    assert list(tender.lots.values_list("title", "modality", "volume")) == [("点云三维框", "point_cloud", 20_000)]
    assert list(tender.milestones.values_list("share_bp", flat=True)) == [4_000, 6_000]
    assert _local(tender.deadline) == _draft_data()["deadline"]  # typed in Beijing time
    assert _audited("tender.create", tender)


def test_add_a_lot_shows_the_page_again_with_a_blank_row(as_role):
    response = as_role("buyer").post(reverse("marketplace:tender-create"), {**_draft_data(), "add_lot": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="lots-TOTAL_FORMS" value="3"' in html
    assert 'name="milestones-TOTAL_FORMS" value="2"' in html
    assert 'value="点云三维框"' in html  # what was typed stays
    assert 'role="alert"' not in html  # nothing checked yet
    assert not Tender.objects.exists()


def test_milestones_that_do_not_add_up_are_shown_above_their_rows(as_role):
    response = as_role("buyer").post(reverse("marketplace:tender-create"), _draft_data(**{"milestones-1-share": "50"}))
    assert response.status_code == 400
    assert 'data-field="milestones"' in response.content.decode()
    assert not Tender.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price_weight": "5", "technical_weight": "85"}, "price_weight"),
        ({"deadline": _local(timezone.now() - timedelta(days=1))}, "deadline"),
        ({"procedure": "request_for_quotation"}, "procedure"),
        ({"lots-0-budget": "12.345"}, "budget"),
    ],
)
def test_step_one_errors_land_on_their_fields(as_role, overrides, field):
    response = as_role("buyer").post(reverse("marketplace:tender-create"), _draft_data(**overrides))
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Tender.objects.exists()


def test_editing_a_draft_replaces_its_lots(as_role, draft):
    data = _draft_data(title="改过的标题")
    response = as_role("buyer").post(reverse("marketplace:tender-edit", kwargs={"pk": draft.pk}), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的标题"
    assert list(draft.lots.values_list("title", flat=True)) == ["点云三维框"]
    assert _audited("tender.update", draft)


def test_step_two_uploads_and_removes_documents(as_role, draft):
    client = as_role("buyer")
    url = reverse("marketplace:tender-documents", kwargs={"pk": draft.pk})
    upload = SimpleUploadedFile("技术要求.pdf", b"%PDF-1.4 requirements", content_type="application/pdf")
    response = client.post(url, {"title": "技术要求", "file": upload})
    assert response.status_code == 302
    document = draft.documents.get(title="技术要求")
    assert len(document.sha256) == 64
    assert _audited("tender.document_add", draft)
    assert document.sha256 in client.get(url).content.decode()

    response = client.post(url, {"remove": str(document.pk)})
    assert response.status_code == 302
    assert not draft.documents.filter(pk=document.pk).exists()
    assert _audited("tender.document_remove", draft)


def test_an_empty_document_is_refused_on_the_form(as_role, draft):
    url = reverse("marketplace:tender-documents", kwargs={"pk": draft.pk})
    response = as_role("buyer").post(url, {"title": "空", "file": SimpleUploadedFile("empty.pdf", b"")})
    assert response.status_code == 400
    assert 'data-field="file"' in response.content.decode()


def test_step_three_shows_the_bid_period_and_the_service_errors(as_role, agency_user):
    draft = TenderFactory(actor=agency_user, deadline=timezone.now() + timedelta(days=5))
    url = reverse("marketplace:tender-publish", kwargs={"pk": draft.pk})
    page = as_role("buyer").get(url).content.decode()
    assert 'data-testid="bid-period"' in page
    assert "20 days" in page
    response = as_role("buyer").post(url)
    assert response.status_code == 400
    assert "at least 20 days" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == TenderState.DRAFT


def test_step_three_publishes(as_role, draft):
    response = as_role("buyer").post(reverse("marketplace:tender-publish", kwargs={"pk": draft.pk}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == TenderState.OPEN
    assert _audited("tender.publish", draft)
    assert draft.releases.filter(tags__contains=["tender"]).exists()


def test_a_published_tender_is_not_edited_in_the_wizard(as_role, open_tender):
    response = as_role("buyer").get(reverse("marketplace:tender-edit", kwargs={"pk": open_tender.pk}))
    assert response.status_code == 409


# Published tenders ---------------------------------------------------------------------------


def test_the_amend_page_explains_the_rules(as_role, open_tender):
    html = as_role("buyer").get(reverse("marketplace:tender-amend", kwargs={"pk": open_tender.pk})).content.decode()
    assert "confirmed again" in html
    assert "15 days" in html


def test_an_amendment_supersedes_a_file_adds_one_and_asks_bidders_to_confirm(as_role, open_tender, bid):
    old = open_tender.documents.get()
    upload = SimpleUploadedFile("更正公告.pdf", b"%PDF-1.4 corrigendum", content_type="application/pdf")
    response = as_role("buyer").post(
        reverse("marketplace:tender-amend", kwargs={"pk": open_tender.pk}),
        {"rationale": "更正数据量。", "documents": [upload], "superseded": [str(old.pk)], "deadline": ""},
    )
    assert response.status_code == 302
    open_tender.refresh_from_db()
    old.refresh_from_db()
    assert open_tender.documents_version == 2
    assert old.superseded_at is not None
    assert open_tender.documents.filter(title="更正公告.pdf", superseded_at=None).exists()
    assert TenderAmendment.objects.filter(tender=open_tender, rationale="更正数据量。").exists()
    assert _audited("tender.amend", open_tender)
    my_bids = as_role("vendor").get(reverse("marketplace:my-bids")).content.decode()
    assert 'data-testid="needs-confirmation"' in my_bids


def test_an_amendment_needs_a_rationale(as_role, open_tender):
    response = as_role("buyer").post(reverse("marketplace:tender-amend", kwargs={"pk": open_tender.pk}), {})
    assert response.status_code == 400
    assert 'data-field="rationale"' in response.content.decode()


def test_cancelling_needs_a_reason_and_publishes_it(as_role, open_tender):
    url = reverse("marketplace:tender-cancel", kwargs={"pk": open_tender.pk})
    assert as_role("buyer").post(url, {"reason": "  "}).status_code == 400
    response = as_role("buyer").post(url, {"reason": "预算调整。"})
    assert response.status_code == 302
    open_tender.refresh_from_db()
    assert open_tender.state == TenderState.CANCELLED
    assert _audited("tender.cancel", open_tender)
    detail = as_role("anonymous").get(reverse("marketplace:tender-detail", kwargs={"pk": open_tender.pk}))
    assert "预算调整。" in detail.content.decode()


def test_a_cancelled_tender_cannot_be_cancelled_again(as_role, cancelled):
    assert as_role("buyer").get(reverse("marketplace:tender-cancel", kwargs={"pk": cancelled.pk})).status_code == 409


def test_a_failed_tender_is_re_tendered_with_the_proposed_deadline(as_role, failed):
    client = as_role("buyer")
    url = reverse("marketplace:tender-retender", kwargs={"pk": failed.pk})
    html = client.get(url).content.decode()
    proposed = html.split('name="deadline" value="')[1].split('"')[0]
    response = client.post(url, {"deadline": proposed})
    copy = Tender.objects.get(previous_tender=failed)
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:tender-detail", kwargs={"pk": copy.pk})
    assert copy.state == TenderState.OPEN
    assert _local(copy.deadline) == proposed
    assert _audited("tender.publish", copy)


def test_a_re_tender_with_too_short_a_deadline_is_refused(as_role, failed):
    url = reverse("marketplace:tender-retender", kwargs={"pk": failed.pk})
    response = as_role("buyer").post(url, {"deadline": _local(timezone.now() + timedelta(days=2))})
    assert response.status_code == 400
    assert 'data-field="deadline"' in response.content.decode()
    assert not Tender.objects.filter(previous_tender=failed).exists()


def test_my_tenders_lists_drafts_by_state(as_role, draft, open_tender, django_assert_max_num_queries):
    client = as_role("buyer")
    url = reverse("marketplace:buyer-tenders")
    client.get(url)  # the session is loaded once
    with django_assert_max_num_queries(9):
        html = client.get(url).content.decode()
    assert draft.title in html
    assert open_tender.title in html
    only_drafts = client.get(f"{url}?state=draft").content.decode()
    assert draft.title in only_drafts
    assert open_tender.title not in only_drafts
    assert 'data-testid="state-draft"' in only_drafts
    other = as_role("other_agency").get(url).content.decode()
    assert draft.title not in other
    assert open_tender.title not in other

"""The acceptance report as a PDF: Chinese text in the embedded Noto Sans SC subset, the reader's
language, the same side rules as the page (no gold label for the supplier), stable bytes."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from pypdf import PdfReader

from marketplace import services
from marketplace.acceptance_display import defect_table
from marketplace.acceptance_pdf import acceptance_report_pdf
from marketplace.models import AcceptancePlan, AcceptanceReport, Decision, DeliveryState
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    gold_labels,
    labels_with_errors,
    planned_milestone,
    supplier_user,
)

pytestmark = pytest.mark.django_db

SECRET = "金标准秘密标签"
FOOTER = re.compile(r"^(Acceptance report|验收报告) · .* · \d+/\d+$")
REASON = "抽检结果虽合格，但标注规范第三条未执行，需返工。"


@pytest.fixture
def scored():
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=10)))
    assert delivery.state == DeliveryState.SCORED
    return delivery


def _pdf(client, user, delivery, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse("marketplace:delivery-report-pdf", args=[delivery.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response


def _text(content: bytes) -> str:
    """The pages' text without their running footers, so that a paragraph the page break splits
    reads as one (where the break falls depends on the random sample's defect table)."""
    lines = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).splitlines()
    return "\n".join(line for line in lines if not FOOTER.match(line))


def test_the_report_pdf_renders_chinese_in_the_embedded_font(client, scored):
    contract = scored.contract
    # The reason is printed for a decision that overrides the sampling, and the sampling's result
    # depends on the random sample (10 wrong labels in 200: about one seed in eight rejects).
    proposed = AcceptanceReport.objects.get(delivery=scored).proposed
    overriding = Decision.ACCEPTED if proposed == Decision.REJECTED else Decision.REJECTED
    services.delivery_decide(actor=buyer_user_of(contract), delivery=scored, decision=overriding, reason=REASON)
    response = _pdf(client, buyer_user_of(contract), scored)
    assert response["Content-Disposition"] == (
        f'attachment; filename="acceptance-{contract.reference}-1-{scored.number}.pdf"'
    )
    content = response.content
    assert content.startswith(b"%PDF-")
    assert b"/FontFile2" in content  # the TrueType subset is embedded
    text = _text(content)
    flat = "".join(text.split())  # long values wrap where the page's width ends them
    assert "首批交付验收" in flat  # the milestone's title
    assert REASON in flat
    assert contract.reference in flat
    assert scored.seed.digest in flat
    report = AcceptanceReport.objects.get(delivery=scored)
    assert scored.seed.seed in flat  # revealed with the report
    assert "Acceptance number (Ac)" in text
    assert f"Defects in the sample {report.defect_count}" in text
    assert "Accuracy 0.9500" in text


def test_the_report_pdf_speaks_the_readers_language(client, scored):
    chinese = PdfReader(io.BytesIO(_pdf(client, buyer_user_of(scored.contract), scored, "zh-hans").content))
    english = PdfReader(io.BytesIO(_pdf(client, buyer_user_of(scored.contract), scored, "en").content))
    assert chinese.trailer["/Root"]["/Lang"] == "zh-hans"
    assert english.trailer["/Root"]["/Lang"] == "en"


def test_the_same_report_gives_the_same_bytes(client, scored):
    buyer = buyer_user_of(scored.contract)
    assert _pdf(client, buyer, scored).content == _pdf(client, buyer, scored).content


def test_the_suppliers_pdf_holds_no_gold_label(client, scored):
    report = scored.report
    items = report.sample[:3]
    AcceptanceReport.objects.filter(pk=report.pk).update(
        defects={item: {"expected": f"{SECRET}{n}", "delivered": "dog"} for n, item in enumerate(items)},
        defect_count=3,
    )
    supplier_text = _text(_pdf(client, supplier_user(scored.contract), scored).content)
    assert all(item in supplier_text for item in items)
    assert SECRET not in supplier_text
    assert "Gold label" not in supplier_text
    assert "Support" not in supplier_text  # the gold set's label counts
    buyer_text = _text(_pdf(client, buyer_user_of(scored.contract), scored).content)
    assert all(f"{SECRET}{n}" in buyer_text for n in range(3))


def test_the_suppliers_pdf_holds_no_gold_span(client, scored):
    AcceptancePlan.objects.filter(pk=scored.plan_id).update(kind="entities", format="conll")
    report = scored.report
    AcceptanceReport.objects.filter(pk=report.pk).update(
        defects={report.sample[0]: {"missed": [[3, 7, SECRET]], "extra": [[4, 7, "ORG"]]}}, defect_count=1
    )
    supplier_text = _text(_pdf(client, supplier_user(scored.contract), scored).content)
    assert "ORG [4, 7)" in supplier_text
    assert SECRET not in supplier_text
    buyer_text = _text(_pdf(client, buyer_user_of(scored.contract), scored).content)
    assert f"{SECRET} [3, 7)" in buyer_text


def test_an_unscored_delivery_has_no_pdf(client):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()), score=False)
    client.force_login(buyer_user_of(plan.contract))
    assert client.get(reverse("marketplace:delivery-report-pdf", args=[delivery.pk])).status_code == 404


def test_a_missing_font_is_named_clearly(scored, settings, tmp_path):
    settings.ACCEPTANCE_PDF_FONT = str(tmp_path / "NotoSansSC-Regular.ttf")
    report = scored.report
    with pytest.raises(ImproperlyConfigured, match=r"ACCEPTANCE_PDF_FONT.*make assets"):
        acceptance_report_pdf(
            delivery=scored,
            report=report,
            defects=defect_table([], kind="classification", gold_side=True),
            metrics={},
            seed="",
        )

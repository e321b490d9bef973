"""Delivery acceptance in the browser: the buyer sets the plan of a signed contract's first milestone
and uploads a gold set; the vendor uploads a delivery with the upload progress bar and lands on the
delivery's page, scored; the buyer confirms the sampling's result and the milestone is met. Then
the scoring's progress bar, polled by htmx, follows a delivery being scored and gives way to its
report.

Tasks run eagerly here (tests/conftest.py): the scoring queued when the upload commits runs in the
live server's thread before the upload's answer, so the first delivery is scored when its page
shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace import services
from marketplace.models import Decision, Delivery, DeliveryState, MilestoneState, PaymentDue
from tests.e2e.session import sign_in, sign_out
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    first_milestone,
    gold_labels,
    labels_with_errors,
    planned_milestone,
    signed_contract,
    supplier_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(page, live_server, settings):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    return page


def _csv(labels: dict[str, str], name: str) -> dict:
    body = "item_id,label\n" + "".join(f"{item},{label}\n" for item, label in labels.items())
    return {"name": name, "mimeType": "text/csv", "buffer": body.encode()}


def test_plan_gold_delivery_and_acceptance_in_the_browser(english, live_server, settings):
    page, base = english, live_server.url
    contract = signed_contract()
    milestone = first_milestone(contract)
    buyer, vendor = buyer_user_of(contract).username, supplier_user(contract).username

    # The buyer opens the contract's acceptance page and sets the first milestone's plan.
    sign_in(page, live_server, buyer)
    page.goto(f"{base}/tenders/contracts/{contract.pk}/")
    page.get_by_test_id("acceptance-link").click()
    section = page.locator(f"[data-testid=milestone-acceptance][data-milestone='{milestone.pk}']")
    expect(section.get_by_test_id("no-plan")).to_be_visible()
    section.get_by_test_id("set-plan").click()
    expect(page.get_by_test_id("tender-aql")).to_contain_text("2.5")
    page.select_option("select[name=kind]", "classification")
    page.select_option("select[name=format]", "csv")
    page.fill("textarea[name=label_set]", "cat\ndog\nbird")
    page.fill("input[name=lot_size]", "1000")
    page.get_by_test_id("save-plan").click()
    expect(section.get_by_test_id("sampling-plan")).to_contain_text("code letter J, sample of 80, Ac 5, Re 6")
    digest = section.get_by_test_id("seed-digest").inner_text()
    assert len(digest) == 64

    # Then the gold set.
    section.get_by_test_id("upload-gold").click()
    page.set_input_files("input[name=file]", files=[_csv(gold_labels(), "gold.csv")])
    page.get_by_test_id("save-gold").click()
    expect(section.get_by_test_id("gold-set")).to_contain_text("gold.csv")
    expect(section.get_by_test_id("gold-set")).to_contain_text("200 items")
    sign_out(page)

    # The vendor sees the gold set only as ready, and delivers with the upload progress bar.
    sign_in(page, live_server, vendor)
    page.goto(f"{base}/tenders/contracts/{contract.pk}/acceptance/")
    expect(section.get_by_test_id("gold-ready")).to_be_visible()
    expect(section.get_by_test_id("gold-set")).not_to_contain_text("gold.csv")
    expect(section.get_by_test_id("seed-digest")).to_have_text(digest)
    section.get_by_test_id("deliver").click()
    uploads = []
    page.on("request", lambda r: uploads.append((r.method, r.resource_type)) if "/deliveries/new/" in r.url else None)
    # Too large first: the form comes back in place with the reason, and works again.
    limit = settings.ACCEPTANCE_DELIVERY_MAX_BYTES
    settings.ACCEPTANCE_DELIVERY_MAX_BYTES = 1024
    page.set_input_files("input[name=file]", files=[_csv(gold_labels(), "too-large.csv")])
    page.get_by_test_id("send-delivery").click()
    expect(page.locator("[data-field=file]")).to_have_text(
        "The file is larger than 1.0\xa0KB, the largest accepted here."
    )
    assert not Delivery.objects.exists()
    settings.ACCEPTANCE_DELIVERY_MAX_BYTES = limit
    page.set_input_files("input[name=file]", files=[_csv(labels_with_errors(gold_labels(), wrong=3), "交付.csv")])
    page.fill("textarea[name=note]", "第一批交付")
    page.get_by_test_id("send-delivery").click()
    progress = page.get_by_test_id("delivery-progress")
    expect(progress).to_have_attribute("data-state", "scored")
    delivery = Delivery.objects.get(milestone=milestone)
    expect(page).to_have_url(f"{base}/tenders/deliveries/{delivery.pk}/")  # the address follows the redirect
    assert uploads == [("POST", "xhr")] * 2  # sent by the script (a plain post would be a "document")
    expect(page.get_by_test_id("upload-progress")).to_have_count(0)
    expect(progress.get_by_test_id("progress-bar")).to_have_attribute("value", "1")
    expect(progress).to_contain_text("Scored: 200 items read.")
    expect(page.get_by_test_id("seed-digest")).to_have_text(digest)
    expect(page.get_by_test_id("seed")).to_have_text(delivery.seed.seed)
    expect(page.get_by_test_id("proposed")).to_have_attribute("data-proposed", "accepted")
    expect(page.get_by_test_id("decide-form")).to_have_count(0)
    assert delivery.note == "第一批交付"
    sign_out(page)

    # The buyer confirms the sampling's result: the milestone is met and its amount due.
    sign_in(page, live_server, buyer)
    page.goto(f"{base}/tenders/contracts/{contract.pk}/acceptance/")
    section.get_by_test_id("decide").click()
    expect(page.locator("input[name=decision][value=accepted]")).to_be_checked()
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("decision-value")).to_have_attribute("data-decision", "accepted")
    page.goto(f"{base}/tenders/contracts/{contract.pk}/acceptance/")
    expect(section).to_have_attribute("data-state", "met")
    page.goto(f"{base}/tenders/contracts/{contract.pk}/")
    expect(page.get_by_test_id("milestone-row").first).to_contain_text("met")
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.MET
    assert PaymentDue.objects.get(milestone=milestone).amount_fen == milestone.amount_fen


def test_the_progress_bar_follows_the_scoring_then_shows_the_report(english, live_server, monkeypatch):
    # Nothing is queued on upload, so the delivery waits to be scored by this test.
    monkeypatch.setattr("marketplace.services.acceptance._queue_scoring", lambda delivery_id: None)
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()), score=False)
    assert delivery.state == DeliveryState.RECEIVED
    page, base = english, live_server.url

    sign_in(page, live_server, supplier_user(plan.contract).username)
    page.goto(f"{base}/tenders/deliveries/{delivery.pk}/")
    progress = page.get_by_test_id("delivery-progress")
    expect(progress).to_have_attribute("data-state", "received")
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SCORING, progress_done=400)
    expect(progress).to_have_attribute("data-state", "scoring")
    expect(progress.get_by_test_id("progress-bar")).to_have_attribute("value", "400")
    expect(progress).to_contain_text("Read 400 of the 1000 items expected")

    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.RECEIVED)
    services.delivery_score(delivery_id=delivery.pk)
    # The last poll finds it scored and reloads the page, which now holds the report.
    expect(page.get_by_test_id("sampling")).to_be_visible()
    expect(progress).to_have_attribute("data-state", "scored")
    expect(page.get_by_test_id("no-defects")).to_be_visible()
    assert progress.get_attribute("hx-get") is None  # polling has stopped
    expect(page.get_by_test_id("awaiting-decision")).to_be_visible()  # the vendor's page offers no decision
    assert Delivery.objects.get(pk=delivery.pk).report.proposed == Decision.ACCEPTED

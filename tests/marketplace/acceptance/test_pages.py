"""Pages of delivery acceptance, for each role: the contract's acceptance page, the buyer's plan,
gold set and decision, the vendor's upload, the delivery page with its progress and report, the
delivered file and the public pass rates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace import services
from marketplace.models import (
    AcceptancePlan,
    AcceptanceReport,
    Decision,
    Delivery,
    DeliveryState,
    GoldSet,
    MilestoneState,
    PaymentDue,
    SamplingSeed,
)
from registry.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    gold_labels,
    labels_with_errors,
    planned_milestone,
    signed_contract,
    supplier_user,
)
from tests.factories.marketplace import agency_staff, vendor_staff

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other_vendor", "other_agency", "regulator_elsewhere", "supplier", "buyer", "operator"]
STRANGERS = ("other_vendor", "other_agency", "regulator_elsewhere")


@pytest.fixture
def browse(client):
    """`browse(user)`: the test client signed in as `user` (None: anonymous), reading English."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


def _second_milestone(contract):
    return contract.milestones.order_by("position")[1]


def _plan_second(contract, *, gold: bool = True) -> AcceptancePlan:
    """The contract's second milestone planned (lot 1,000 at AQL 2.5: a sample of 80), with a gold set."""
    buyer = buyer_user_of(contract)
    plan = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=_second_milestone(contract).pk,
        kind="classification",
        fmt="csv",
        label_set=["cat", "dog", "bird"],
        lot_size=1_000,
    )
    if gold:
        services.gold_set_upload(actor=buyer, plan=plan, upload=csv_file(gold_labels(), "gold-2.csv"))
    return plan


@pytest.fixture
def scored():
    """A signed contract: milestone 1 with a scored delivery (10 of 200 labels wrong), milestone 2
    planned with its gold set and no delivery yet."""
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=10)))
    assert delivery.state == DeliveryState.SCORED
    _plan_second(plan.contract)
    return delivery


@pytest.fixture
def people(scored):
    contract = scored.contract
    regulator = MembershipFactory(
        organisation=agency_staff().memberships.get().organisation, role=Role.REGULATOR, scope_region_code="440000"
    ).user
    return {
        "anonymous": None,
        "other_vendor": vendor_staff(region_code="330100"),
        "other_agency": agency_staff(),
        "regulator_elsewhere": regulator,
        "supplier": supplier_user(contract),
        "buyer": buyer_user_of(contract),
        "operator": UserFactory(username="acceptance-operator", is_staff=True),
    }


def _stored(settings, folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "acceptance" / folder
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


# --- who sees which page ---------------------------------------------------------------------------

PARTIES_AND_OBSERVERS = {
    **dict.fromkeys(ROLES, 404),
    "anonymous": 302,
    "supplier": 200,
    "buyer": 200,
    "operator": 200,
}
BUYER_ONLY = {**PARTIES_AND_OBSERVERS, "supplier": 403, "operator": 403}
SUPPLIER_ONLY = {**PARTIES_AND_OBSERVERS, "buyer": 403, "operator": 403}
MATRIX = {
    "contract-acceptance": PARTIES_AND_OBSERVERS,
    "acceptance-plan": BUYER_ONLY,
    "gold-set": BUYER_ONLY,
    "delivery-upload": SUPPLIER_ONLY,
    "delivery-detail": PARTIES_AND_OBSERVERS,
    "delivery-progress": PARTIES_AND_OBSERVERS,
    "delivery-report-pdf": PARTIES_AND_OBSERVERS,
    "delivery-file": PARTIES_AND_OBSERVERS,
    "acceptance-statistics": dict.fromkeys(ROLES, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_page(browse, scored, people, role):
    contract = scored.contract
    second = _second_milestone(contract)
    urls = {
        "contract-acceptance": reverse("marketplace:contract-acceptance", args=[contract.pk]),
        "acceptance-plan": reverse("marketplace:acceptance-plan", args=[contract.pk, second.pk]),
        "gold-set": reverse("marketplace:gold-set", args=[contract.pk, second.pk]),
        "delivery-upload": reverse("marketplace:delivery-upload", args=[contract.pk, second.pk]),
        "delivery-detail": reverse("marketplace:delivery-detail", args=[scored.pk]),
        "delivery-progress": reverse("marketplace:delivery-progress", args=[scored.pk]),
        "delivery-report-pdf": reverse("marketplace:delivery-report-pdf", args=[scored.pk]),
        "delivery-file": reverse("marketplace:delivery-file", args=[scored.pk]),
        "acceptance-statistics": reverse("marketplace:acceptance-statistics"),
    }
    client = browse(people[role])
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == MATRIX[name][role], name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_decides(browse, scored, people, role):
    # The sampling's own proposal, which depends on the random seed: confirming it needs no reason.
    proposed = AcceptanceReport.objects.get(delivery=scored).proposed
    response = browse(people[role]).post(
        reverse("marketplace:delivery-decide", args=[scored.pk]), {"decision": proposed}
    )
    expected = {"anonymous": 302, "buyer": 302, "supplier": 403, "operator": 403}.get(role, 404)
    assert response.status_code == expected
    report = AcceptanceReport.objects.get(delivery=scored)
    assert report.decision == (proposed if role == "buyer" else "")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_supplier_uploads(browse, scored, people, role, settings):
    contract = scored.contract
    url = reverse("marketplace:delivery-upload", args=[contract.pk, _second_milestone(contract).pk])
    response = browse(people[role]).post(url, {"file": csv_file(gold_labels())})
    assert response.status_code == {"anonymous": 302, "supplier": 302, "buyer": 403, "operator": 403}.get(role, 404)
    assert Delivery.objects.filter(milestone=_second_milestone(contract)).count() == (role == "supplier")
    assert len(_stored(settings, "deliveries")) == 1 + (role == "supplier")


def test_the_contract_page_links_acceptance_for_the_parties_only(browse, scored, people):
    url = reverse("marketplace:contract-detail", args=[scored.contract_id])
    link = reverse("marketplace:contract-acceptance", args=[scored.contract_id])
    assert link in browse(people["buyer"]).get(url).content.decode()
    assert link in browse(people["supplier"]).get(url).content.decode()
    assert link not in browse(people["other_vendor"]).get(url).content.decode()


# --- the contract's acceptance page ----------------------------------------------------------------


def test_the_acceptance_page_shows_each_side_what_it_may_see(browse, scored, people):
    contract = scored.contract
    plan = scored.plan
    gold = GoldSet.objects.get(plan=plan)
    open_seed = SamplingSeed.objects.get(plan=plan, revealed_at__isnull=True)
    url = reverse("marketplace:contract-acceptance", args=[contract.pk])

    buyer_page = browse(people["buyer"]).get(url).content.decode()
    assert "code letter J, sample of 80, Ac 5, Re 6" in buyer_page
    assert open_seed.digest in buyer_page
    assert gold.sha256 in buyer_page
    assert gold.original_name in buyer_page
    assert f"cat: {gold.label_counts['cat']}" in buyer_page
    assert 'data-testid="decide"' in buyer_page
    assert 'data-testid="set-plan"' in buyer_page  # milestone 2 has no delivery yet
    assert "2 deliveries left." in buyer_page

    supplier_page = browse(people["supplier"]).get(url).content.decode()
    assert open_seed.digest in supplier_page
    assert "gold set ready" in supplier_page
    assert gold.sha256 not in supplier_page
    assert gold.original_name not in supplier_page
    assert f"cat: {gold.label_counts['cat']}" not in supplier_page
    assert 'data-testid="decide"' not in supplier_page
    assert 'data-testid="set-plan"' not in supplier_page
    # Milestone 1 waits for the buyer's decision; milestone 2 is open for delivery.
    assert supplier_page.count('data-testid="deliver"') == 1

    observer_page = browse(people["operator"]).get(url).content.decode()
    assert gold.sha256 in observer_page
    assert 'data-testid="acceptance-actions"' not in observer_page


def test_the_acceptance_page_costs_a_bounded_number_of_queries(browse, people, django_assert_max_num_queries):
    contract = signed_contract()
    plan = planned_milestone(contract)
    for _ in range(3):  # three rejected deliveries: the query count must not grow with them
        delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=200)))
        services.delivery_decide(actor=buyer_user_of(contract), delivery=delivery, decision=Decision.REJECTED)
    _plan_second(contract)
    client = browse(buyer_user_of(contract))
    url = reverse("marketplace:contract-acceptance", args=[contract.pk])
    # session, user, contract, sides (2), plans, gold sets, seeds, deliveries, milestones, unread count, menu roles
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="delivery-row"') == 3


# --- the plan and the gold set ---------------------------------------------------------------------


def test_the_buyer_sets_a_plan_through_the_form(browse):
    contract = signed_contract()
    milestone = contract.milestones.order_by("position").first()
    client = browse(buyer_user_of(contract))
    url = reverse("marketplace:acceptance-plan", args=[contract.pk, milestone.pk])
    page = client.get(url).content.decode()
    assert "acceptance quality limit (AQL) of 2.5" in page
    response = client.post(
        url, {"kind": "classification", "format": "jsonl", "label_set": "猫\n狗\n\n鸟\n", "lot_size": "10000"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:contract-acceptance", args=[contract.pk])
    plan = AcceptancePlan.objects.get(milestone=milestone)
    assert (plan.kind, plan.format, plan.label_set, plan.lot_size) == (
        "classification",
        "jsonl",
        ["猫", "狗", "鸟"],
        10_000,
    )
    assert (plan.code_letter, plan.sample_size, plan.accept_number, plan.reject_number) == ("L", 200, 10, 11)
    assert SamplingSeed.objects.filter(plan=plan, revealed_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"format": "coco"}, "format", "A classification delivery comes as"),
        ({"label_set": "cat\ncat"}, "label_set", "listed twice: cat"),
        ({"label_set": "  \n"}, "label_set", "required"),
        ({"lot_size": "0"}, "lot_size", "greater than or equal to 1"),
        ({"kind": "audio"}, "kind", "Select a valid choice"),
    ],
)
def test_a_bad_plan_is_shown_again_with_the_error_on_its_field(browse, data, field, message):
    contract = signed_contract()
    milestone = contract.milestones.order_by("position").first()
    client = browse(buyer_user_of(contract))
    url = reverse("marketplace:acceptance-plan", args=[contract.pk, milestone.pk])
    response = client.post(
        url, {"kind": "classification", "format": "csv", "label_set": "cat\ndog", "lot_size": "500", **data}
    )
    assert response.status_code == 400
    errors = re.findall(rf'<p class="error" role="alert" data-field="{field}">([^<]*)</p>', response.content.decode())
    assert errors
    assert message in errors[0].replace("&#x27;", "'")
    assert not AcceptancePlan.objects.filter(milestone=milestone).exists()


def test_the_plan_is_closed_once_a_delivery_has_arrived(browse, scored):
    contract = scored.contract
    client = browse(buyer_user_of(contract))
    url = reverse("marketplace:acceptance-plan", args=[contract.pk, scored.milestone_id])
    assert client.get(url).status_code == 409
    response = client.post(url, {"kind": "classification", "format": "csv", "label_set": "a\nb", "lot_size": "9"})
    assert response.status_code == 409
    scored.plan.refresh_from_db()
    assert scored.plan.lot_size == 1_000


def test_the_buyer_uploads_a_gold_set(browse, settings):
    contract = signed_contract()
    plan = planned_milestone(contract, with_gold=False)
    client = browse(buyer_user_of(contract))
    url = reverse("marketplace:gold-set", args=[contract.pk, plan.milestone_id])
    response = client.post(url, {"file": csv_file(gold_labels(120), "金标准.csv")})
    assert response.status_code == 302
    gold = GoldSet.objects.get(plan=plan)
    assert (gold.original_name, gold.item_count) == ("金标准.csv", 120)
    assert len(_stored(settings, "gold")) == 1


def test_a_wrong_gold_set_is_refused_with_the_place_and_nothing_stored(browse, settings):
    contract = signed_contract()
    plan = planned_milestone(contract, with_gold=False)
    client = browse(buyer_user_of(contract))
    url = reverse("marketplace:gold-set", args=[contract.pk, plan.milestone_id])
    response = client.post(url, {"file": csv_file({**gold_labels(100), "img-x": "horse"}, "gold.csv")})
    assert response.status_code == 400
    errors = re.findall(r'data-field="file">([^<]*)<', response.content.decode())
    assert len(errors) == 1
    assert "horse" in errors[0]
    assert not GoldSet.objects.filter(plan=plan).exists()
    assert _stored(settings, "gold") == []


@pytest.mark.parametrize("page", ["gold-set", "delivery-upload"])
def test_an_oversized_upload_is_refused_with_a_clear_message_and_nothing_stored(browse, settings, page):
    contract = signed_contract()
    plan = planned_milestone(contract, gold=csv_file(gold_labels(80), "gold.csv"))
    gold_files = _stored(settings, "gold")
    settings.ACCEPTANCE_GOLD_MAX_BYTES = settings.ACCEPTANCE_DELIVERY_MAX_BYTES = 4096
    user = buyer_user_of(contract) if page == "gold-set" else supplier_user(contract)
    url = reverse(f"marketplace:{page}", args=[contract.pk, plan.milestone_id])
    big = csv_file(gold_labels(1_000), "big.csv")
    assert big.size > 4096
    response = browse(user).post(url, {"file": big})
    assert response.status_code == 400
    errors = re.findall(r'data-field="file">([^<]*)<', response.content.decode())
    assert errors == ["The file is larger than 4.0\xa0KB, the largest accepted here."]
    assert _stored(settings, "gold") == gold_files
    assert _stored(settings, "deliveries") == []
    assert not Delivery.objects.exists()
    assert GoldSet.objects.get(plan=plan).original_name == "gold.csv"


# --- deliveries: upload, progress, errors ----------------------------------------------------------


def test_a_delivery_is_uploaded_then_followed_until_scored(browse, settings):
    plan = planned_milestone()
    contract = plan.contract
    client = browse(supplier_user(contract))
    url = reverse("marketplace:delivery-upload", args=[contract.pk, plan.milestone_id])
    form = client.get(url).content.decode()
    assert "js/upload_progress.js" in form
    assert 'enctype="multipart/form-data"' in form  # a plain post works without the script
    response = client.post(url, {"file": csv_file(gold_labels(), "第一批.csv"), "note": "首批 200 条"})
    delivery = Delivery.objects.get(plan=plan)
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:delivery-detail", args=[delivery.pk])
    assert (delivery.state, delivery.original_name, delivery.note) == (
        DeliveryState.RECEIVED,
        "第一批.csv",
        "首批 200 条",
    )
    assert len(_stored(settings, "deliveries")) == 1

    # The test's transaction never commits, so the queued scoring has not run: the page polls.
    progress_url = reverse("marketplace:delivery-progress", args=[delivery.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="delivery-progress" data-state="received"' in page
    assert f'hx-get="{progress_url}" hx-trigger="every 1s" hx-swap="outerHTML"' in page

    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SCORING, progress_done=120)
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert 'data-state="scoring"' in fragment.content.decode()
    assert '<progress data-testid="progress-bar" value="120" max="1000"' in fragment.content.decode()
    assert "every 1s" in fragment.content.decode()
    assert "HX-Refresh" not in fragment

    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.RECEIVED, progress_done=0)
    services.delivery_score(delivery_id=delivery.pk)
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert 'data-state="scored"' in body
    assert "hx-get" not in body  # polling stops
    assert fragment["HX-Refresh"] == "true"  # and the page reloads to show the report
    assert "Scored: 200 items read." in body


def test_an_unreadable_delivery_shows_its_errors(browse):
    plan = planned_milestone()
    delivery = deliver(plan, SimpleUploadedFile("labels.csv", b"item_id,label\nimg-00001,cat\nimg-00001,dog\n"))
    assert delivery.state == DeliveryState.INVALID
    page = browse(supplier_user(plan.contract)).get(reverse("marketplace:delivery-detail", args=[delivery.pk]))
    body = page.content.decode()
    assert 'data-state="invalid"' in body
    assert "hx-get" not in body
    rows = re.findall(r'<tr data-testid="error-row"><td class="num">([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>', body)
    assert len(rows) == 1
    line, _field, message = rows[0]
    assert line == str(delivery.errors[0]["line"]) == "3"
    assert "img-00001" in message
    assert 'data-testid="report-pdf"' not in body


def test_the_delivered_file_is_downloaded_as_uploaded(browse, scored):
    response = browse(buyer_user_of(scored.contract)).get(reverse("marketplace:delivery-file", args=[scored.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="labels.csv"'
    body = b"".join(response.streaming_content)
    assert body == csv_file(labels_with_errors(gold_labels(), wrong=10)).read()


# --- the report and the decision -------------------------------------------------------------------


def test_the_report_shows_the_sampling_the_seed_and_the_metrics(browse, scored):
    report = scored.report
    seed = SamplingSeed.objects.get(pk=scored.seed_id)
    body = browse(buyer_user_of(scored.contract)).get(reverse("marketplace:delivery-detail", args=[scored.pk]))
    page = body.content.decode()
    assert f'data-testid="sample-size">{report.sample_size}<' in page
    assert f"{report.defect_count} (accepted with at most 5, rejected from 6)" in page
    assert f'data-proposed="{report.proposed}"' in page
    assert f'data-testid="seed">{seed.seed}<' in page
    assert f'data-testid="seed-digest">{seed.digest}<' in page
    assert 'data-testid="metrics-classification"' in page
    accuracy = report.metrics["classification"]["accuracy"]
    assert accuracy == 0.95
    assert '<td>Accuracy</td><td class="num">0.9500</td>' in page
    assert 'data-testid="metrics-classes"' in page
    assert 'data-testid="metrics-coverage"' in page
    assert page.count('data-testid="defect-row"') == report.defect_count
    assert 'data-testid="decide-form"' in page


def test_the_defects_are_paginated_by_fifty(browse):
    plan = planned_milestone(lot_size=200, gold=csv_file(gold_labels(200), "gold.csv"))
    # Lot 200 at AQL 2.5: letter G, sample of 32, so craft a report with more defects than a page.
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=200)))
    report = delivery.report
    items = [f"img-{i:05d}" for i in range(120)]
    AcceptanceReport.objects.filter(pk=report.pk).update(
        sample=items, defects={item: {"expected": "cat", "delivered": "dog"} for item in items}
    )
    client = browse(buyer_user_of(plan.contract))
    url = reverse("marketplace:delivery-detail", args=[delivery.pk])
    assert client.get(url).content.decode().count('data-testid="defect-row"') == 50
    last = client.get(url, {"page": 3}).content.decode()
    assert last.count('data-testid="defect-row"') == 20
    assert "Page 3 of 3" in last


def test_the_buyer_confirms_the_sampling_and_the_milestone_is_met(browse):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    assert delivery.report.proposed == Decision.ACCEPTED
    client = browse(buyer_user_of(plan.contract))
    response = client.post(reverse("marketplace:delivery-decide", args=[delivery.pk]), {"decision": "accepted"})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ACCEPTED
    assert delivery.report.decision == Decision.ACCEPTED
    assert delivery.milestone.state == MilestoneState.MET
    assert PaymentDue.objects.get(delivery=delivery).amount_fen == delivery.milestone.amount_fen
    page = client.get(response["Location"]).content.decode()
    assert 'data-decision="accepted"' in page
    assert "the milestone is met" in page
    assert 'data-testid="decide-form"' not in page


def test_overriding_without_a_reason_is_shown_again_and_changes_nothing(browse):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    client = browse(buyer_user_of(plan.contract))
    url = reverse("marketplace:delivery-decide", args=[delivery.pk])
    response = client.post(url, {"decision": "rejected", "reason": "  "})
    assert response.status_code == 400
    errors = re.findall(r'data-field="reason">([^<]*)<', response.content.decode())
    assert errors == ["Give the reason for deciding otherwise than the sampling&#x27;s result."]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SCORED
    assert delivery.report.decision == ""
    assert not PaymentDue.objects.exists()

    response = client.post(url, {"decision": "rejected", "reason": "标注框普遍偏大，需返工。"})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.REJECTED
    assert delivery.report.override_reason == "标注框普遍偏大，需返工。"
    page = client.get(reverse("marketplace:delivery-detail", args=[delivery.pk])).content.decode()
    assert "标注框普遍偏大，需返工。" in page


# --- the gold set never reaches the supplier -------------------------------------------------------

SECRET = "金标准秘密标签"


def _craft_classification_defects(delivery: Delivery) -> list[str]:
    """Give the stored report defects whose gold label is a string found nowhere else."""
    report = delivery.report
    items = report.sample[:3]
    AcceptanceReport.objects.filter(pk=report.pk).update(
        defects={item: {"expected": f"{SECRET}-{n}", "delivered": "dog"} for n, item in enumerate(items)},
        defect_count=3,
    )
    return items


def test_the_supplier_never_sees_a_gold_label(browse, scored, people):
    items = _craft_classification_defects(scored)
    url = reverse("marketplace:delivery-detail", args=[scored.pk])
    supplier_page = browse(people["supplier"]).get(url).content.decode()
    assert supplier_page.count('data-testid="defect-row"') == 3
    assert all(item in supplier_page for item in items)
    assert SECRET not in supplier_page
    assert "Gold label" not in supplier_page
    buyer_page = browse(people["buyer"]).get(url).content.decode()
    assert all(f"{SECRET}-{n}" in buyer_page for n in range(3))


def test_the_supplier_never_sees_a_gold_span(browse, scored, people):
    AcceptancePlan.objects.filter(pk=scored.plan_id).update(kind="entities", format="conll")
    report = scored.report
    item = report.sample[0]
    AcceptanceReport.objects.filter(pk=report.pk).update(
        defects={item: {"missed": [[3, 7, SECRET], [9, 11, SECRET]], "extra": [[4, 7, "ORG"]]}}, defect_count=1
    )
    url = reverse("marketplace:delivery-detail", args=[scored.pk])
    supplier_page = browse(people["supplier"]).get(url).content.decode()
    row = re.search(r'<tr data-testid="defect-row">(.*?)</tr>', supplier_page).group(1)
    assert row == f"<td><code>{item}</code></td><td>ORG [4, 7)</td><td>2</td>"
    assert SECRET not in supplier_page
    buyer_page = browse(people["buyer"]).get(url).content.decode()
    assert f"{SECRET} [3, 7); {SECRET} [9, 11)" in buyer_page


def test_the_supplier_does_not_get_the_gold_label_counts_in_the_metrics(browse, scored, people):
    url = reverse("marketplace:delivery-detail", args=[scored.pk])
    supplier_page = browse(people["supplier"]).get(url).content.decode()
    buyer_page = browse(people["buyer"]).get(url).content.decode()
    assert '<th class="num">Support</th>' in buyer_page
    assert "Support" not in supplier_page


# --- public statistics -----------------------------------------------------------------------------


def test_the_pass_rates_page_starts_empty_then_counts_decisions(client):
    url = reverse("marketplace:acceptance-statistics")
    client.cookies["django_language"] = "en"
    assert 'data-testid="empty-pass-rates"' in client.get(url).content.decode()
    assert url in client.get(reverse("marketplace:notices")).content.decode()
    plan = planned_milestone()
    contract = plan.contract
    first = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=200)))
    services.delivery_decide(actor=buyer_user_of(contract), delivery=first, decision=Decision.REJECTED)
    second = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(contract), delivery=second, decision=Decision.ACCEPTED)
    page = client.get(url).content.decode()
    rows = re.findall(r'<tr data-testid="pass-rate-row">(.*?)</tr>', page)
    year = second.report.decided_at.year
    assert rows == [
        f'<td>{year}</td><td>video</td><td class="num">2</td><td class="num">1</td><td class="num">0</td>'
        '<td class="num" data-testid="pass-rate">50.00</td>'
    ]

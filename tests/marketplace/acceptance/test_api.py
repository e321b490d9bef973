"""The delivery acceptance API: who may do what (a permission matrix per endpoint), bad input, what
the supplier's side never receives, idempotent deliveries and the cost of the lists.

Roles: anonymous, a vendor of another contract, the contract's supplier and buyer, an operator, a
regulator whose scope covers the tender (an observer) and one of another region. Strangers get 404,
as for a missing object, although the contract's own summary is public."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
)
from portal.idempotency.models import IdempotencyRecord
from registry.roles import OrganisationKind, Role
from tests.factories import UserFactory
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
from tests.factories.marketplace import vendor_staff
from tests.factories.registry import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "other_vendor",
    "supplier",
    "buyer",
    "operator",
    "regulator_in_scope",
    "regulator_other_region",
]
STRANGERS = ("other_vendor", "regulator_other_region")
OBSERVERS = ("operator", "regulator_in_scope")


def _user(role: str, contract) -> Any:
    if role == "anonymous":
        return None
    if role == "supplier":
        return supplier_user(contract)
    if role == "buyer":
        return buyer_user_of(contract)
    if role == "other_vendor":
        return vendor_staff(region_code="330100")
    if role == "operator":
        return UserFactory(username="acceptance-operator", is_staff=True, is_superuser=True)
    region = "510000" if role == "regulator_in_scope" else "440000"
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code=region, verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code=region).user


@pytest.fixture
def as_role(api_client):
    def sign_in(role: str, contract):
        user = _user(role, contract)
        if user is not None:
            api_client.force_authenticate(user)
        return api_client

    return sign_in


def _expected(role: str, *, allowed: tuple[str, ...], ok: int = 200) -> int:
    """Anonymous 401; strangers 404; those in `allowed` `ok`; the other readers 403."""
    if role == "anonymous":
        return 401
    if role in STRANGERS:
        return 404
    return ok if role in allowed else 403


def _stored(settings, folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "acceptance" / folder
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _plan_url(contract, milestone_id: int, what: str) -> str:
    return f"/api/v1/contracts/{contract.pk}/milestones/{milestone_id}/{what}/"


def _walk(value: Any):
    """Every dict in a JSON value, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


PLAN = {"kind": "classification", "format": "csv", "label_set": ["cat", "dog", "bird"], "lot_size": 1_000}


# --- the permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_a_contracts_acceptance(as_role, role):
    plan = planned_milestone()
    contract = plan.contract
    deliver(plan, csv_file(gold_labels()))
    client = as_role(role, contract)

    response = client.get(f"/api/v1/contracts/{contract.pk}/acceptance/")

    assert response.status_code == _expected(role, allowed=("supplier", "buyer", *OBSERVERS))
    if response.status_code != 200:
        assert response.json()["code"] in ("not_found", "not_authenticated")
        return
    body = response.json()
    first, second = body["milestones"]
    assert body["side"] == {"supplier": "supplier", "buyer": "buyer"}.get(role, "observer")
    assert first["plan"]["code_letter"] == "J"
    assert (first["plan"]["sample_size"], first["plan"]["accept_number"], first["plan"]["reject_number"]) == (80, 5, 6)
    assert [d["state"] for d in first["deliveries"]] == [DeliveryState.SCORED]
    assert first["deliveries"][0]["decision"] == ""
    assert first["deliveries_left"] == contract.max_deliveries - 1
    assert len(first["seed_digest"]) == 64  # the next delivery's seed, committed when the first was scored
    assert first["actions"] == (["decide"] if role == "buyer" else [])
    assert second["plan"] is None
    assert second["gold"] == {"ready": False}
    if role == "supplier":
        assert first["gold"] == {"ready": True}
    else:
        gold = plan.gold_set
        assert first["gold"]["ready"] is True
        assert first["gold"]["sha256"] == gold.sha256
        assert first["gold"]["items"] == 200
        assert first["gold"]["file_name"] == "gold.csv"
        assert first["gold"]["label_counts"] == gold.label_counts


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_sets_the_acceptance_plan(as_role, role):
    contract = signed_contract()
    milestone = first_milestone(contract)
    client = as_role(role, contract)

    response = client.put(_plan_url(contract, milestone.pk, "acceptance-plan"), PLAN, format="json")

    assert response.status_code == _expected(role, allowed=("buyer",))
    if role == "buyer":
        body = response.json()
        assert body["milestone"] == milestone.pk
        assert (body["code_letter"], body["sample_size"], body["accept_number"], body["reject_number"]) == (
            "J",
            80,
            5,
            6,
        )
        assert body["aql"] == 250
        assert body["full_inspection"] is False
        assert body["label_set"] == ["cat", "dog", "bird"]
        assert AcceptancePlan.objects.get(milestone=milestone).seeds.filter(revealed_at__isnull=True).count() == 1
    else:
        assert not AcceptancePlan.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_uploads_the_gold_set(as_role, role, settings):
    plan = planned_milestone(with_gold=False)
    client = as_role(role, plan.contract)
    gold = gold_labels()

    response = client.put(
        _plan_url(plan.contract, plan.milestone_id, "gold-set"),
        {"file": csv_file(gold, "金标准.csv")},
        format="multipart",
    )

    assert response.status_code == _expected(role, allowed=("buyer",))
    if role == "buyer":
        body = response.json()
        assert body["ready"] is True
        assert body["file_name"] == "金标准.csv"
        assert body["items"] == 200
        assert body["label_counts"] == {label: list(gold.values()).count(label) for label in ("cat", "dog", "bird")}
        assert GoldSet.objects.get(plan=plan).sha256 == body["sha256"]
        assert len(_stored(settings, "gold")) == 1
    else:
        assert not GoldSet.objects.exists()
        assert _stored(settings, "gold") == []


@pytest.mark.parametrize("role", ROLES)
def test_only_the_supplier_delivers(as_role, role, settings):
    plan = planned_milestone()
    client = as_role(role, plan.contract)

    response = client.post(
        _plan_url(plan.contract, plan.milestone_id, "deliveries"),
        {"file": csv_file(gold_labels()), "note": "第一批"},
        format="multipart",
    )

    assert response.status_code == _expected(role, allowed=("supplier",), ok=201)
    if role == "supplier":
        body = response.json()
        delivery = Delivery.objects.get()
        assert body["id"] == delivery.pk
        assert (body["number"], body["state"], body["note"]) == (1, DeliveryState.RECEIVED, "第一批")
        assert (body["progress_done"], body["progress_total"], body["percent"]) == (0, 1_000, 0)
        assert body["seed_digest"] == plan.seeds.get(revealed_at__isnull=True).digest
        assert body["report"] is None
        assert body["file_url"].endswith(f"/api/v1/deliveries/{delivery.pk}/file/")
        assert len(_stored(settings, "deliveries")) == 1
    else:
        assert not Delivery.objects.exists()
        assert _stored(settings, "deliveries") == []


@pytest.mark.parametrize("role", ROLES)
def test_the_delivery_list_holds_the_parties_deliveries_only(as_role, role):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    planned_milestone()  # another contract's delivery, seen by nobody here
    client = as_role(role, plan.contract)

    response = client.get("/api/v1/deliveries/")

    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == ([delivery.pk] if role in ("supplier", "buyer") else [])
    if rows:
        assert rows[0]["contract"] == plan.contract_id
        assert rows[0]["milestone"] == plan.milestone_id
        assert (rows[0]["state"], rows[0]["decision"]) == (DeliveryState.SCORED, "")


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_a_delivery_and_its_report(as_role, role):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=200)))
    client = as_role(role, plan.contract)

    response = client.get(f"/api/v1/deliveries/{delivery.pk}/")

    assert response.status_code == _expected(role, allowed=("supplier", "buyer", *OBSERVERS))
    if response.status_code != 200:
        return
    body = response.json()
    report = body["report"]
    assert body["state"] == DeliveryState.SCORED
    assert body["side"] == {"supplier": "supplier", "buyer": "buyer"}.get(role, "observer")
    assert body["actions"] == (["decide"] if role == "buyer" else [])
    assert (report["defect_count"], report["sample_size"], report["proposed"]) == (80, 80, Decision.REJECTED)
    assert len(report["defects"]) == 80
    gold_side = role != "supplier"
    assert all(("expected" in row) is gold_side for row in report["defects"])


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_decides(as_role, role):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    client = as_role(role, plan.contract)

    response = client.post(f"/api/v1/deliveries/{delivery.pk}/decision/", {"decision": "accepted"}, format="json")

    assert response.status_code == _expected(role, allowed=("buyer",))
    delivery.refresh_from_db()
    milestone = first_milestone(plan.contract)
    if role == "buyer":
        body = response.json()
        assert body["state"] == DeliveryState.ACCEPTED
        assert (body["report"]["decision"], body["report"]["overridden"]) == (Decision.ACCEPTED, False)
        assert body["actions"] == []
        assert delivery.state == DeliveryState.ACCEPTED
        assert milestone.state == MilestoneState.MET
        assert PaymentDue.objects.get(milestone=milestone).amount_fen == milestone.amount_fen
    else:
        assert delivery.state == DeliveryState.SCORED
        assert milestone.state == MilestoneState.SCHEDULED
        assert not PaymentDue.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_parties_download_the_delivered_file(as_role, role):
    plan = planned_milestone()
    upload = csv_file(gold_labels(), "第一批.csv")
    content = upload.read()
    upload.seek(0)
    delivery = deliver(plan, upload)
    client = as_role(role, plan.contract)

    response = client.get(f"/api/v1/deliveries/{delivery.pk}/file/")

    assert response.status_code == _expected(role, allowed=("supplier", "buyer"))
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == content
        assert "attachment" in response["Content-Disposition"]
    else:
        assert response.json()["code"] in ("not_found", "permission_denied", "not_authenticated")


@pytest.mark.parametrize("role", ROLES)
def test_pass_rates_are_public(as_role, role):
    plan = planned_milestone()
    contract = plan.contract
    delivery = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(contract), delivery=delivery, decision=Decision.ACCEPTED)
    decided = AcceptanceReport.objects.get().decided_at
    client = as_role(role, contract)

    this_year = client.get("/api/v1/acceptance/pass-rates/", {"year": decided.year})
    other_year = client.get("/api/v1/acceptance/pass-rates/", {"year": decided.year - 1})

    assert this_year.status_code == other_year.status_code == 200
    assert this_year.json() == [
        {
            "year": decided.year,
            "modality": contract.award.lot.modality,
            "decided": 1,
            "accepted": 1,
            "first_time": 1,
            "rate_bp": 10_000,
        }
    ]
    assert other_year.json() == []


def test_pass_rates_count_rejections_in_basis_points(api_client):
    plans = [planned_milestone() for _ in range(3)]
    wrong = labels_with_errors(gold_labels(), wrong=200)
    for index, plan in enumerate(plans):
        delivery = deliver(plan, csv_file(gold_labels() if index == 0 else wrong))
        decision = Decision.ACCEPTED if index == 0 else Decision.REJECTED
        services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=decision)

    (row,) = api_client.get("/api/v1/acceptance/pass-rates/").json()

    assert (row["decided"], row["accepted"], row["first_time"], row["rate_bp"]) == (3, 1, 1, 3_333)
    assert api_client.get("/api/v1/acceptance/pass-rates/", {"year": "last"}).status_code == 400


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"format": "coco"}, "format"),
        ({"format": "conll"}, "format"),
        ({"kind": "audio"}, "kind"),
        ({"label_set": []}, "label_set"),
        ({"label_set": ["cat", "cat"]}, "label_set"),
        ({"lot_size": 0}, "lot_size"),
        ({"lot_size": "many"}, "lot_size"),
    ],
    ids=["coco-for-classes", "conll-for-classes", "unknown-kind", "no-labels", "repeated-label", "zero-lot", "text"],
)
def test_a_bad_plan_is_a_400_on_its_field_and_stores_nothing(api_client, changes, field):
    contract = signed_contract()
    api_client.force_authenticate(buyer_user_of(contract))

    response = api_client.put(
        _plan_url(contract, first_milestone(contract).pk, "acceptance-plan"), {**PLAN, **changes}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not AcceptancePlan.objects.exists()


def test_a_milestone_of_another_contract_is_a_404(api_client):
    contract = signed_contract()
    elsewhere = first_milestone(signed_contract())
    api_client.force_authenticate(buyer_user_of(contract))

    response = api_client.put(_plan_url(contract, elsewhere.pk, "acceptance-plan"), PLAN, format="json")
    gold = api_client.put(_plan_url(contract, elsewhere.pk, "gold-set"), {"file": csv_file({})}, format="multipart")

    assert response.status_code == gold.status_code == 404
    assert not AcceptancePlan.objects.exists()


def test_a_gold_set_with_an_unknown_label_is_a_400_naming_the_line(api_client, settings):
    plan = planned_milestone(with_gold=False)
    api_client.force_authenticate(buyer_user_of(plan.contract))
    labels = {**gold_labels(), "img-horse": "horse"}  # line 202: the header is line 1

    response = api_client.put(
        _plan_url(plan.contract, plan.milestone_id, "gold-set"), {"file": csv_file(labels)}, format="multipart"
    )

    assert response.status_code == 400
    (message,) = response.json()["fields"]["file"]
    assert "horse" in message
    assert "202" in message
    assert not GoldSet.objects.exists()
    assert _stored(settings, "gold") == []


def test_a_gold_set_needs_a_plan_first(api_client):
    contract = signed_contract()
    api_client.force_authenticate(buyer_user_of(contract))

    response = api_client.put(
        _plan_url(contract, first_milestone(contract).pk, "gold-set"),
        {"file": csv_file(gold_labels())},
        format="multipart",
    )

    assert response.status_code == 409
    assert not GoldSet.objects.exists()


def test_a_gold_set_without_a_file_is_a_400_on_file(api_client):
    plan = planned_milestone(with_gold=False)
    api_client.force_authenticate(buyer_user_of(plan.contract))

    response = api_client.put(_plan_url(plan.contract, plan.milestone_id, "gold-set"), {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_a_zip_bomb_delivery_is_a_400_and_nothing_is_stored(api_client, settings):
    settings.ACCEPTANCE_ZIP_MAX_RATIO = 50
    plan = planned_milestone()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("labels.csv", b"0" * (20 * 1024 * 1024))
    api_client.force_authenticate(supplier_user(plan.contract))

    response = api_client.post(
        _plan_url(plan.contract, plan.milestone_id, "deliveries"),
        {"file": SimpleUploadedFile("labels.zip", buffer.getvalue())},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["file"]
    assert not Delivery.objects.exists()
    assert _stored(settings, "deliveries") == []


def test_an_oversized_delivery_is_refused_while_it_arrives(api_client, settings):
    settings.ACCEPTANCE_DELIVERY_MAX_BYTES = 1_024
    plan = planned_milestone()
    api_client.force_authenticate(supplier_user(plan.contract))

    response = api_client.post(
        _plan_url(plan.contract, plan.milestone_id, "deliveries"),
        {"file": csv_file(gold_labels())},  # about 4 KB
        format="multipart",
    )

    assert response.status_code == 400
    assert "1.0" in response.json()["fields"]["file"][0]
    assert not Delivery.objects.exists()
    assert _stored(settings, "deliveries") == []


def test_a_delivery_waits_for_the_gold_set(api_client):
    plan = planned_milestone(with_gold=False)
    api_client.force_authenticate(supplier_user(plan.contract))

    response = api_client.post(
        _plan_url(plan.contract, plan.milestone_id, "deliveries"),
        {"file": csv_file(gold_labels())},
        format="multipart",
    )

    assert response.status_code == 409
    assert not Delivery.objects.exists()


def test_a_delivery_to_a_milestone_without_a_plan_is_a_409(api_client):
    contract = signed_contract()
    api_client.force_authenticate(supplier_user(contract))

    response = api_client.post(
        _plan_url(contract, first_milestone(contract).pk, "deliveries"),
        {"file": csv_file(gold_labels())},
        format="multipart",
    )

    assert response.status_code == 409
    assert not Delivery.objects.exists()


def test_an_override_without_a_reason_is_a_400_and_changes_nothing(api_client):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))  # the sampling proposes to accept
    api_client.force_authenticate(buyer_user_of(plan.contract))
    url = f"/api/v1/deliveries/{delivery.pk}/decision/"

    response = api_client.post(url, {"decision": "rejected", "reason": "   "}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    delivery.refresh_from_db()
    report = AcceptanceReport.objects.get(delivery=delivery)
    assert delivery.state == DeliveryState.SCORED
    assert (report.decision, report.override_reason, report.decided_at) == ("", "", None)
    assert first_milestone(plan.contract).state == MilestoneState.SCHEDULED

    overridden = api_client.post(url, {"decision": "rejected", "reason": "抽检外发现系统性错误"}, format="json")

    assert overridden.status_code == 200
    assert overridden.json()["report"]["overridden"] is True
    assert overridden.json()["report"]["override_reason"] == "抽检外发现系统性错误"


def test_a_decision_on_an_unscored_delivery_is_a_409(api_client):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()), score=False)
    api_client.force_authenticate(buyer_user_of(plan.contract))

    response = api_client.post(f"/api/v1/deliveries/{delivery.pk}/decision/", {"decision": "accepted"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RECEIVED
    assert not PaymentDue.objects.exists()


def test_an_unknown_decision_is_a_400_on_decision(api_client):
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    api_client.force_authenticate(buyer_user_of(plan.contract))

    response = api_client.post(f"/api/v1/deliveries/{delivery.pk}/decision/", {"decision": "maybe"}, format="json")

    assert response.status_code == 400
    assert "decision" in response.json()["fields"]
    assert Delivery.objects.get().state == DeliveryState.SCORED


def test_an_unreadable_delivery_shows_its_errors_with_the_line(api_client):
    plan = planned_milestone()
    delivery = deliver(plan, SimpleUploadedFile("labels.csv", b"item_id,label\nimg-00001,cat\nimg-00001,dog\n"))
    api_client.force_authenticate(supplier_user(plan.contract))

    body = api_client.get(f"/api/v1/deliveries/{delivery.pk}/").json()

    assert body["state"] == DeliveryState.INVALID
    assert body["report"] is None
    (error,) = body["errors"]
    assert error["line"] == 3
    assert "img-00001" in error["message"]


# --- the supplier's side never receives a gold label -----------------------------------------------------


def test_the_supplier_never_receives_a_gold_label_of_a_class(as_role):
    plan = planned_milestone()
    contract = plan.contract
    gold = gold_labels()
    delivery = deliver(plan, csv_file(labels_with_errors(gold, wrong=200)))
    defects = AcceptanceReport.objects.get(delivery=delivery).defects
    assert defects  # the gold side of each defect is stored, for the buyer

    client = as_role("supplier", contract)
    texts = [
        client.get(f"/api/v1/deliveries/{delivery.pk}/").content.decode(),
        client.get(f"/api/v1/contracts/{contract.pk}/acceptance/").content.decode(),
        client.get("/api/v1/deliveries/").content.decode(),
    ]

    for text in texts:
        assert '"expected"' not in text
        assert '"support"' not in text  # a class's support is the gold set's count of that label
        assert '"label_counts"' not in text
        assert plan.gold_set.sha256 not in text
        assert "gold.csv" not in text
        for row in _walk(json.loads(text)):
            if row.get("item") in defects:
                assert gold[row["item"]] not in row.values()
    report = json.loads(texts[0])["report"]
    assert report["metrics"]["classification"]["accuracy"] == 0.0
    assert {row["item"] for row in report["defects"]} == set(defects)
    assert all(row["delivered"] != gold[row["item"]] for row in report["defects"])


CONLL_SENTENCE = "# id = s{n:03d}\n张 B-PER\n三 I-PER\n在 O\n北 B-LOC\n京 I-LOC\n工 O\n作 O\n\n"


def test_the_supplier_never_receives_a_missed_gold_span(as_role):
    gold = "".join(CONLL_SENTENCE.format(n=n) for n in range(100))
    delivered = gold.replace("北 B-LOC\n京 I-LOC", "北 O\n京 O")  # every location missed
    plan = planned_milestone(
        kind="entities",
        fmt="conll",
        label_set=("PER", "LOC", "ORG"),
        lot_size=100,
        gold=SimpleUploadedFile("gold.conll", gold.encode()),
    )
    delivery = deliver(plan, SimpleUploadedFile("labels.conll", delivered.encode()))

    supplier = as_role("supplier", plan.contract).get(f"/api/v1/deliveries/{delivery.pk}/").json()
    buyer = as_role("buyer", plan.contract).get(f"/api/v1/deliveries/{delivery.pk}/").json()

    assert supplier["report"]["defect_count"] == buyer["report"]["defect_count"] == plan.sample_size
    assert {(row["missed"], tuple(row["extra"])) for row in supplier["report"]["defects"]} == {(1, ())}
    assert {json.dumps(row["missed"]) for row in buyer["report"]["defects"]} == {'[[3, 5, "LOC"]]'}
    assert "LOC" not in json.dumps(supplier["report"]["defects"])
    assert all("support" not in row for row in supplier["report"]["metrics"]["entities"]["per_label"].values())
    assert buyer["report"]["metrics"]["entities"]["per_label"]["LOC"]["support"] == 100


# --- idempotent deliveries ---------------------------------------------------------------------------------


def test_a_repeated_delivery_with_the_same_key_replays_the_first(api_client, settings):
    plan = planned_milestone()
    api_client.force_authenticate(supplier_user(plan.contract))
    url = _plan_url(plan.contract, plan.milestone_id, "deliveries")

    first = api_client.post(
        url, {"file": csv_file(gold_labels()), "note": "一"}, format="multipart", HTTP_IDEMPOTENCY_KEY="d-1"
    )
    again = api_client.post(
        url, {"file": csv_file(gold_labels()), "note": "一"}, format="multipart", HTTP_IDEMPOTENCY_KEY="d-1"
    )

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Delivery.objects.get().pk == first.json()["id"]
    assert len(_stored(settings, "deliveries")) == 1
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_file_of_the_same_size_is_a_409(api_client):
    plan = planned_milestone()
    api_client.force_authenticate(supplier_user(plan.contract))
    url = _plan_url(plan.contract, plan.milestone_id, "deliveries")
    original = csv_file(gold_labels()).read()
    swapped = original.replace(b",cat\n", b",dog\n", 1)
    assert len(swapped) == len(original)
    assert swapped != original

    first = api_client.post(
        url, {"file": SimpleUploadedFile("labels.csv", original)}, format="multipart", HTTP_IDEMPOTENCY_KEY="d-2"
    )
    other = api_client.post(
        url, {"file": SimpleUploadedFile("labels.csv", swapped)}, format="multipart", HTTP_IDEMPOTENCY_KEY="d-2"
    )
    note = api_client.post(
        url,
        {"file": SimpleUploadedFile("labels.csv", original), "note": "改"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="d-2",
    )

    assert first.status_code == 201
    assert other.status_code == note.status_code == 409
    assert "Idempotency-Key" in other.json()["fields"]
    assert Delivery.objects.count() == 1


# --- the cost of the lists -----------------------------------------------------------------------------------


def _rejected_deliveries(plan, count: int) -> None:
    wrong = labels_with_errors(gold_labels(), wrong=200)
    for _ in range(count):
        delivery = deliver(plan, csv_file(wrong))
        services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.REJECTED)


@pytest.mark.parametrize("count", [1, 3])
def test_the_delivery_list_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries, count):
    plan = planned_milestone()
    _rejected_deliveries(plan, count)
    api_client.force_authenticate(supplier_user(plan.contract))

    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/deliveries/")

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_the_acceptance_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries, count):
    plan = planned_milestone()
    _rejected_deliveries(plan, count)
    api_client.force_authenticate(buyer_user_of(plan.contract))

    with django_assert_max_num_queries(8):
        response = api_client.get(f"/api/v1/contracts/{plan.contract_id}/acceptance/")

    assert len(response.json()["milestones"][0]["deliveries"]) == count


def test_a_delivery_with_its_report_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    plan = planned_milestone()
    _rejected_deliveries(plan, 1)
    delivery = Delivery.objects.get()
    api_client.force_authenticate(supplier_user(plan.contract))

    with django_assert_max_num_queries(5):
        response = api_client.get(f"/api/v1/deliveries/{delivery.pk}/")

    assert response.json()["report"]["decision"] == Decision.REJECTED
    assert response.json()["decision"] == Decision.REJECTED


def test_the_pass_rates_cost_one_query(api_client, django_assert_num_queries):
    plan = planned_milestone()
    _rejected_deliveries(plan, 2)

    with django_assert_num_queries(1):
        rows = api_client.get("/api/v1/acceptance/pass-rates/").json()

    assert [(row["decided"], row["accepted"]) for row in rows] == [(2, 0)]


def test_the_schema_documents_the_acceptance_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    milestone = "/api/v1/contracts/{id}/milestones/{milestone_pk}"
    assert set(paths[f"{milestone}/acceptance-plan/"]) == {"put"}
    assert set(paths[f"{milestone}/gold-set/"]) == {"put"}
    deliver_operation = paths[f"{milestone}/deliveries/"]["post"]
    assert "multipart/form-data" in deliver_operation["requestBody"]["content"]
    assert {(p["in"], p["name"]) for p in deliver_operation["parameters"]} >= {
        ("header", "Idempotency-Key"),
        ("path", "milestone_pk"),
    }
    assert "get" in paths["/api/v1/contracts/{id}/acceptance/"]
    assert "get" in paths["/api/v1/deliveries/"]
    assert "get" in paths["/api/v1/deliveries/{id}/"]
    assert "post" in paths["/api/v1/deliveries/{id}/decision/"]
    assert "application/octet-stream" in paths["/api/v1/deliveries/{id}/file/"]["get"]["responses"]["200"]["content"]
    assert paths["/api/v1/acceptance/pass-rates/"]["get"]["parameters"][0]["name"] == "year"
    rate = schema["components"]["schemas"]["PassRate"]["properties"]["rate_bp"]
    assert rate["type"] == "integer"

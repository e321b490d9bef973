import pytest

from marketplace import services
from marketplace.models import Clarification
from portal.audit.models import AuditEntry
from tests.factories.marketplace import TenderFactory, past_deadline, vendor_of, vendor_staff
from tests.marketplace.api.conftest import ROLES, refused

pytestmark = pytest.mark.django_db

ASKER_FIELDS = {"asked_by", "asking_organisation", "vendor", "organisation", "asker"}


@pytest.fixture
def asker(bidder_user):
    return bidder_user


def _ask(tender, user, text):
    return services.clarification_ask(actor=user, tender=tender, vendor=vendor_of(user), question=text)


@pytest.mark.parametrize("role", ROLES)
def test_answered_questions_are_public_and_open_ones_private(as_role, open_tender, buyer_user, asker, role):
    answered = _ask(open_tender, vendor_staff(), "是否接受联合体投标？")
    services.clarification_answer(actor=buyer_user, clarification=answered, answer="不接受。")
    pending = _ask(open_tender, asker, "样例数据何时提供？")
    client, _user = as_role(role, owner=asker)

    listing = client.get("/api/v1/clarifications/", {"tender": open_tender.pk})
    one_answered = client.get(f"/api/v1/clarifications/{answered.pk}/")
    one_pending = client.get(f"/api/v1/clarifications/{pending.pk}/")

    assert listing.status_code == one_answered.status_code == 200
    rows = listing.json()["results"]
    # The asking organisation (owner) and the buyer see an open question; operators too (they
    # supervise the platform); nobody ever sees who asked.
    sees_pending = role in {"owner", "operator"}
    assert [row["id"] for row in rows] == ([answered.pk, pending.pk] if sees_pending else [answered.pk])
    assert one_pending.status_code == (200 if sees_pending else 404)
    assert rows[0]["answer"] == "不接受。"
    for row in rows:
        assert not ASKER_FIELDS & set(row)
    assert vendor_of(asker).name not in listing.content.decode()


def test_the_buyer_sees_open_questions_without_the_asker(api_client, open_tender, buyer_user, asker):
    pending = _ask(open_tender, asker, "样例数据何时提供？")
    api_client.force_authenticate(buyer_user)
    response = api_client.get("/api/v1/clarifications/", {"tender": open_tender.pk})
    assert [row["id"] for row in response.json()["results"]] == [pending.pk]
    assert vendor_of(asker).name not in response.content.decode()
    assert asker.username not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "status"),
    [({}, 400), ({"tender": "x"}, 400), ({"tender": 999_999}, 400)],
)
def test_the_list_needs_a_tender_the_reader_can_see(api_client, params, status):
    response = api_client.get("/api/v1/clarifications/", params)
    assert response.status_code == status
    assert "tender" in response.json()["fields"]


def test_questions_on_a_draft_are_unknown_to_outsiders(api_client, buyer_user):
    draft = TenderFactory(actor=buyer_user)
    api_client.force_authenticate(vendor_staff())
    response = api_client.get("/api/v1/clarifications/", {"tender": draft.pk})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_asking_is_for_verified_vendors_staff(as_role, open_tender, asker, role):
    client, user = as_role(role, owner=asker)

    response = client.post(
        "/api/v1/clarifications/",
        {"tender": open_tender.pk, "vendor": vendor_of(asker).pk, "question": "验收抽样比例？"},
        format="json",
    )

    if role == "owner":
        assert response.status_code == 201, response.json()
        assert response.json()["answered"] is False
        assert not ASKER_FIELDS & set(response.json())
        clarification = Clarification.objects.get()
        assert clarification.asking_organisation == vendor_of(asker)
        assert AuditEntry.objects.filter(
            action="clarification.ask", object_id=str(clarification.pk), actor=user
        ).exists()
    else:
        assert refused(response, role)
        assert not Clarification.objects.exists()


def test_an_empty_question_answers_400(api_client, open_tender, asker):
    api_client.force_authenticate(asker)
    response = api_client.post(
        "/api/v1/clarifications/",
        {"tender": open_tender.pk, "vendor": vendor_of(asker).pk, "question": "  "},
        format="json",
    )
    assert response.status_code == 400
    assert "question" in response.json()["fields"]


def test_no_questions_after_the_deadline(api_client, open_tender, asker):
    past_deadline(open_tender)
    api_client.force_authenticate(asker)
    response = api_client.post(
        "/api/v1/clarifications/",
        {"tender": open_tender.pk, "vendor": vendor_of(asker).pk, "question": "还能问吗？"},
        format="json",
    )
    assert response.status_code == 409
    assert not Clarification.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_answering_is_for_the_buyers_staff(as_role, open_tender, buyer_user, asker, role):
    pending = _ask(open_tender, asker, "样例数据何时提供？")
    client, user = as_role(role, owner=buyer_user)

    response = client.post(f"/api/v1/clarifications/{pending.pk}/answer/", {"answer": "下周一。"}, format="json")

    pending.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert response.json()["answer"] == "下周一。"
        assert pending.answered
        assert AuditEntry.objects.filter(action="clarification.answer", object_id=str(pending.pk), actor=user).exists()
    else:
        # Outsiders cannot see an open question (404); operators see it but do not answer (403).
        expected = 401 if role == "anonymous" else 403 if role == "operator" else 404
        assert response.status_code == expected
        assert not pending.answered


def test_the_asker_cannot_answer(api_client, open_tender, asker):
    pending = _ask(open_tender, asker, "样例数据何时提供？")
    api_client.force_authenticate(asker)
    response = api_client.post(f"/api/v1/clarifications/{pending.pk}/answer/", {"answer": "自问自答"}, format="json")
    assert response.status_code == 403
    pending.refresh_from_db()
    assert not pending.answered


def test_a_question_is_answered_once(api_client, open_tender, buyer_user, asker):
    pending = _ask(open_tender, asker, "样例数据何时提供？")
    api_client.force_authenticate(buyer_user)
    assert (
        api_client.post(f"/api/v1/clarifications/{pending.pk}/answer/", {"answer": "一"}, format="json").status_code
        == 200
    )
    again = api_client.post(f"/api/v1/clarifications/{pending.pk}/answer/", {"answer": "二"}, format="json")
    assert again.status_code == 409
    pending.refresh_from_db()
    assert pending.answer == "一"


def test_the_list_costs_a_fixed_number_of_queries(
    api_client, open_tender, buyer_user, asker, django_assert_max_num_queries
):
    for number in range(5):
        question = _ask(open_tender, asker, f"问题{number}")
        services.clarification_answer(actor=buyer_user, clarification=question, answer="答")
    api_client.force_authenticate(asker)
    with django_assert_max_num_queries(6):  # tender, permissions, count, page
        response = api_client.get("/api/v1/clarifications/", {"tender": open_tender.pk})
    assert response.json()["count"] == 5

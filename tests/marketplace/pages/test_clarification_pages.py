"""Clarifications: vendors ask, the buyer answers, and nobody but the asking organisation is
shown who asked — not the public, not other vendors, not the buyer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace import services
from marketplace.models import Clarification
from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind, Role
from tests.factories.marketplace import past_deadline, vendor_of
from tests.factories.registry import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

QUESTION = "第二包的视频分辨率是多少？"
ANSWER = "均为 1080p。"


@pytest.fixture
def url(open_tender):
    return reverse("marketplace:tender-clarifications", kwargs={"pk": open_tender.pk})


@pytest.fixture
def asked(open_tender, vendor_user):
    return services.clarification_ask(
        actor=vendor_user, tender=open_tender, vendor=vendor_of(vendor_user), question=QUESTION
    )


def test_a_vendor_asks_a_question(as_role, url, open_tender, vendor_org):
    response = as_role("vendor").post(url, {"question": QUESTION})
    assert response.status_code == 302
    clarification = Clarification.objects.get(tender=open_tender)
    assert clarification.question == QUESTION
    assert clarification.asking_organisation == vendor_org
    assert AuditEntry.objects.filter(action="clarification.ask", object_id=str(clarification.pk)).exists()


def test_a_vendor_of_two_organisations_chooses_for_which_it_asks(as_role, url, vendor_user, open_tender):
    second = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="440300", verified=True)
    MembershipFactory(organisation=second, user=vendor_user, role=Role.VENDOR_STAFF)
    client = as_role("vendor")
    assert 'name="vendor"' in client.get(url).content.decode()
    response = client.post(url, {"vendor": str(second.pk), "question": QUESTION})
    assert response.status_code == 302
    assert Clarification.objects.get(tender=open_tender).asking_organisation == second


def test_an_empty_question_is_refused_on_the_form(as_role, url):
    response = as_role("vendor").post(url, {"question": " "})
    assert response.status_code == 400
    assert 'data-field="question"' in response.content.decode()
    assert not Clarification.objects.exists()


def test_only_vendors_ask(as_role, url):
    assert 'data-testid="ask-form"' not in as_role("buyer").get(url).content.decode()
    assert as_role("buyer").post(url, {"question": QUESTION}).status_code == 403
    assert as_role("operator").post(url, {"question": QUESTION}).status_code == 403


def test_the_buyer_answers_without_seeing_who_asked(as_role, url, asked, vendor_org):
    client = as_role("buyer")
    html = client.get(url).content.decode()
    assert QUESTION in html
    assert vendor_org.name not in html
    assert 'data-testid="answer-form"' in html
    response = client.post(url, {"answer_to": str(asked.pk), f"answer-{asked.pk}-answer": ANSWER})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.answer == ANSWER
    assert AuditEntry.objects.filter(action="clarification.answer", object_id=str(asked.pk)).exists()


def test_an_empty_answer_is_refused_on_its_form(as_role, url, asked):
    response = as_role("buyer").post(url, {"answer_to": str(asked.pk), f"answer-{asked.pk}-answer": ""})
    assert response.status_code == 400
    asked.refresh_from_db()
    assert not asked.answered


def test_another_vendor_cannot_answer(as_role, url, asked):
    response = as_role("other_vendor").post(url, {"answer_to": str(asked.pk), f"answer-{asked.pk}-answer": "x"})
    assert response.status_code == 404  # it cannot even see the unanswered question


def test_unanswered_questions_are_seen_by_the_asker_and_the_buyer_only(as_role, url, asked):
    assert QUESTION in as_role("vendor").get(url).content.decode()
    assert "asked by your organisation" in as_role("vendor").get(url).content.decode()
    assert QUESTION in as_role("buyer").get(url).content.decode()
    for role in ("other_vendor", "other_agency", "operator"):
        assert QUESTION not in as_role(role).get(url).content.decode(), role


@pytest.mark.parametrize("role", ["anonymous", "other_vendor", "buyer", "operator"])
def test_answers_are_public_without_the_asker(as_role, open_tender, asked, agency_user, vendor_org, role):
    services.clarification_answer(actor=agency_user, clarification=asked, answer=ANSWER)
    html = as_role(role).get(reverse("marketplace:tender-detail", kwargs={"pk": open_tender.pk})).content.decode()
    assert QUESTION in html
    assert ANSWER in html
    assert vendor_org.name not in html


def test_no_question_after_the_deadline(as_role, url, open_tender):
    past_deadline(open_tender)
    client = as_role("vendor")
    assert 'data-testid="ask-form"' not in client.get(url).content.decode()

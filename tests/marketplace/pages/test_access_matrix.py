"""Every page of the exchange against every role: who gets it (200), who is sent to sign in
(302), who is refused (403) and to whom it does not exist (404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.marketplace.pages.conftest import ROLES

pytestmark = pytest.mark.django_db

EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**EVERYONE, "anonymous": 302}
BUYERS = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "buyer": 200, "other_agency": 200}
THE_BUYER = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "buyer": 200}
DRAFT_OWNER = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "buyer": 200}
VENDORS = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "vendor": 200, "other_vendor": 200}
THE_BIDDER = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "vendor": 200}

# (URL name, the fixture whose pk the URL takes, its keyword, expected status per role)
PAGES = [
    ("index", None, None, EVERYONE),
    ("feed", None, None, EVERYONE),
    ("tender-detail", "open_tender", "pk", EVERYONE),
    ("tender-detail", "draft", "pk", {**dict.fromkeys(ROLES, 404), "buyer": 200}),
    ("tender-opening", "open_tender", "pk", EVERYONE),
    ("tender-opening", "opened", "pk", EVERYONE),
    ("tender-opening", "draft", "pk", {**dict.fromkeys(ROLES, 404), "buyer": 200}),
    ("catalogue-list", None, None, EVERYONE),
    ("catalogue-detail", "entry", "pk", EVERYONE),
    ("buyer-tenders", None, None, BUYERS),
    ("catalogue-create", None, None, BUYERS),
    ("catalogue-edit", "entry", "pk", THE_BUYER),
    ("tender-create", None, None, BUYERS),
    ("tender-edit", "draft", "pk", DRAFT_OWNER),
    ("tender-documents", "draft", "pk", DRAFT_OWNER),
    ("tender-publish", "draft", "pk", DRAFT_OWNER),
    ("tender-amend", "open_tender", "pk", THE_BUYER),
    ("tender-cancel", "open_tender", "pk", THE_BUYER),
    ("tender-retender", "failed", "pk", THE_BUYER),
    ("tender-clarifications", "open_tender", "pk", SIGNED_IN),
    ("opportunities", None, None, VENDORS),
    ("my-bids", None, None, VENDORS),
    ("bid-submit", "open_tender", "pk", VENDORS),
    ("bid-detail", "bid", "bid_pk", THE_BIDDER),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "fixture", "keyword", "expected"), PAGES, ids=[f"{p[0]}-{p[1] or 'list'}" for p in PAGES]
)
def test_page_answers_each_role_as_it_should(request, as_role, role, name, fixture, keyword, expected):
    kwargs = {keyword: request.getfixturevalue(fixture).pk} if fixture else {}
    url = reverse(f"marketplace:{name}", kwargs=kwargs)
    response = as_role(role).get(url)
    assert response.status_code == expected[role], (url, role, response.status_code)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["bid-withdraw", "bid-confirm"])
def test_bid_actions_exist_only_for_the_bidder(as_role, bid, role, action):
    response = as_role(role).post(reverse(f"marketplace:{action}", kwargs={"bid_pk": bid.pk}))
    expected = {"anonymous": 302, "vendor": 302}.get(role, 404)
    assert response.status_code == expected
    if role == "vendor":
        assert response["Location"] == reverse("marketplace:bid-detail", kwargs={"bid_pk": bid.pk})


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_document_is_served_to_its_buyer_only(as_role, draft, role):
    document = draft.documents.get()
    url = reverse("marketplace:tender-document", kwargs={"pk": draft.pk, "document_pk": document.pk})
    response = as_role(role).get(url)
    assert response.status_code == (200 if role == "buyer" else 404)

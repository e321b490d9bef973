"""Pages of the publicity, challenges, award and contracts, for each role: the public notices, the
agency's forms, the vendors' challenges and contracts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import services
from marketplace.models import Bid, Challenge, ChallengeState, Contract, ContractState, MilestoneState, Tender
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from tests.factories import UserFactory
from tests.factories.evaluation import buyer_user
from tests.factories.marketplace import vendor_of
from tests.marketplace.award.conftest import bidder_staff

pytestmark = pytest.mark.django_db

GROUNDS = "第一名的报价低于成本，请复核。"
ANSWER = "经复核，报价有成本测算支撑，质疑不成立。"


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


def _get(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def _post(client, url, data=None):
    return client.post(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")


def _challenge(tender, user, grounds=GROUNDS):
    return services.challenge_submit(actor=user, tender=tender, vendor=vendor_of(user), grounds=grounds)


# --- the permission matrix of every page --------------------------------------------------------------

ROLES = ["anonymous", "winner", "loser", "other_vendor", "buyer", "other_agency", "operator"]


@pytest.fixture
def people(awarded, stranger_vendor, stranger_agency):
    tender, _contract = awarded
    winner, loser, _third = bidder_staff(tender)
    return {
        "anonymous": None,
        "winner": winner,
        "loser": loser,
        "other_vendor": stranger_vendor,
        "buyer": buyer_user(tender),
        "other_agency": stranger_agency,
        "operator": UserFactory(username="award-operator", is_staff=True, is_superuser=True),
    }


# role -> status, per page of an awarded tender with a pending contract (302: to the login page).
MATRIX = {
    "notices": dict.fromkeys(ROLES, 200),
    "tender-candidates": dict.fromkeys(ROLES, 200),
    "tender-award": dict.fromkeys(ROLES, 200),
    "tender-challenges": dict.fromkeys(ROLES, 200),
    "contract-detail": dict.fromkeys(ROLES, 200),
    "contracts": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    "my-challenges": {**dict.fromkeys(ROLES, 403), "anonymous": 302, "winner": 200, "loser": 200, "other_vendor": 200},
    "contract-milestones": {**dict.fromkeys(ROLES, 403), "anonymous": 302, "buyer": 200},
    "contract-terminate": {**dict.fromkeys(ROLES, 403), "anonymous": 302, "buyer": 200},
}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_page(browse, awarded, people, role):
    tender, contract = awarded
    client = browse(people[role])
    urls = {
        "notices": reverse("marketplace:notices"),
        "tender-candidates": reverse("marketplace:tender-candidates", args=[tender.pk]),
        "tender-award": reverse("marketplace:tender-award", args=[tender.pk]),
        "tender-challenges": reverse("marketplace:tender-challenges", args=[tender.pk]),
        "contract-detail": reverse("marketplace:contract-detail", args=[contract.pk]),
        "contracts": reverse("marketplace:contracts"),
        "my-challenges": reverse("marketplace:my-challenges"),
        "contract-milestones": reverse("marketplace:contract-milestones", args=[contract.pk]),
        "contract-terminate": reverse("marketplace:contract-terminate", args=[contract.pk]),
    }
    for name, url in urls.items():
        assert _get(client, url).status_code == MATRIX[name][role], name


@pytest.mark.parametrize("role", ROLES)
def test_who_may_sign(browse, awarded, people, role):
    _tender, contract = awarded
    response = _post(browse(people[role]), reverse("marketplace:contract-sign", args=[contract.pk]))
    contract.refresh_from_db()
    if role in ("buyer", "winner"):
        assert response.status_code == 302
        signed = contract.buyer_signed_at if role == "buyer" else contract.supplier_signed_at
        assert signed is not None
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert contract.buyer_signed_at is None
        assert contract.supplier_signed_at is None


# --- public notices -------------------------------------------------------------------------------------


def test_the_notices_list_candidates_in_publicity_and_awards(browse, in_publicity, awarded):
    awarded_tender, _contract = awarded
    client = browse(None)

    candidates = _get(client, reverse("marketplace:notices")).content.decode()
    awards = _get(client, reverse("marketplace:notices") + "?kind=awards").content.decode()

    assert in_publicity.reference in candidates
    assert awarded_tender.reference not in candidates
    ends = timezone.localtime(in_publicity.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
    assert ends in candidates
    assert awarded_tender.reference in awards
    assert in_publicity.reference not in awards


def test_the_notices_have_empty_states(browse, db):
    html = _get(browse(None), reverse("marketplace:notices")).content.decode()
    assert 'data-testid="empty-notices"' in html
    assert "No candidates are in publicity now." in html


def test_the_candidate_notice_shows_totals_not_experts_scores(browse, in_publicity):
    url = reverse("marketplace:tender-candidates", args=[in_publicity.pk])

    html = _get(browse(None), url).content.decode()

    winner, second, third = bidder_staff(in_publicity)
    for user in (winner, second, third):
        assert vendor_of(user).name in html
    assert "400,000.00" in html
    assert html.count('data-testid="candidate-row"') == 3
    assert 'data-testid="publicity-window"' in html
    assert "Technical" not in html  # no per-expert or per-criterion scores
    assert 'data-testid="publicise-form"' not in html
    assert 'data-testid="award"' not in html


def test_a_pending_challenge_shows_the_tender_paused_and_the_answer_is_published_without_name(browse, in_publicity):
    _winner, second, _third = bidder_staff(in_publicity)
    challenge = _challenge(in_publicity, second)
    url = reverse("marketplace:tender-candidates", args=[in_publicity.pk])

    assert "Paused: a challenge is being answered." in _get(browse(None), url).content.decode()

    services.challenge_answer(actor=buyer_user(in_publicity), challenge=challenge, answer=ANSWER, upheld=False)
    html = _get(browse(None), url).content.decode()
    assert "Paused" not in html
    assert ANSWER in html
    assert GROUNDS in html
    answered = html.split('data-testid="answered-challenges"')[1]
    assert vendor_of(second).name not in answered


def test_before_the_publicity_there_is_no_candidate_notice(browse, evaluated):
    html = _get(browse(None), reverse("marketplace:tender-candidates", args=[evaluated.pk])).content.decode()
    assert 'data-testid="no-candidates"' in html
    assert 'data-testid="candidate-row"' not in html


def test_the_award_notice_names_the_winner_and_links_the_contract(browse, awarded):
    tender, contract = awarded
    html = _get(browse(None), reverse("marketplace:tender-award", args=[tender.pk])).content.decode()
    assert contract.supplier.name in html
    assert "400,000.00" in html
    assert reverse("marketplace:contract-detail", args=[contract.pk]) in html


def test_there_is_no_award_notice_before_the_award(browse, in_publicity):
    assert _get(browse(None), reverse("marketplace:tender-award", args=[in_publicity.pk])).status_code == 404


# --- the agency: publish, answer, award ---------------------------------------------------------------------


def test_the_buyer_publishes_the_candidates(browse, evaluated):
    buyer = buyer_user(evaluated)
    client = browse(buyer)
    page = _get(client, reverse("marketplace:tender-candidates", args=[evaluated.pk])).content.decode()
    assert 'data-testid="publicise-form"' in page
    url = reverse("marketplace:tender-publicise", args=[evaluated.pk])

    too_short = _post(client, url, {"days": "2"})

    assert too_short.status_code == 400
    assert 'data-field="days"' in too_short.content.decode()
    assert Tender.objects.get(pk=evaluated.pk).state == TenderState.EVALUATION

    response = _post(client, url, {"days": "3"})

    assert response.status_code == 302
    tender = Tender.objects.get(pk=evaluated.pk)
    assert tender.state == TenderState.PUBLICITY
    assert tender.publicity_ends_at - tender.publicity_started_at == timedelta(days=3)


def test_only_the_buyer_may_publish(browse, evaluated, stranger_agency):
    winner, *_ = bidder_staff(evaluated)
    url = reverse("marketplace:tender-publicise", args=[evaluated.pk])
    for outsider in (stranger_agency, winner):
        assert _post(browse(outsider), url, {"days": "3"}).status_code == 403
    assert Tender.objects.get(pk=evaluated.pk).state == TenderState.EVALUATION


def test_the_award_button_waits_for_the_window_and_says_why(browse, in_publicity):
    client = browse(buyer_user(in_publicity))
    url = reverse("marketplace:tender-candidates", args=[in_publicity.pk])

    html = _get(client, url).content.decode()
    assert 'data-testid="award-blocked"' in html
    assert "the award comes after" in html
    assert 'data-testid="award"' not in html

    response = _post(client, reverse("marketplace:tender-award-confirm", args=[in_publicity.pk]))
    assert response.status_code == 302
    assert response["Location"] == url
    assert not Contract.objects.exists()


def test_the_buyer_awards_after_the_window(browse, after_window):
    client = browse(buyer_user(after_window))
    html = _get(client, reverse("marketplace:tender-candidates", args=[after_window.pk])).content.decode()
    assert 'data-testid="award"' in html

    response = _post(client, reverse("marketplace:tender-award-confirm", args=[after_window.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:tender-award", args=[after_window.pk])
    assert Tender.objects.get(pk=after_window.pk).state == TenderState.AWARDED
    assert Contract.objects.filter(tender=after_window).count() == 1


def test_a_pending_challenge_blocks_the_award_button(browse, after_window):
    _winner, second, _third = bidder_staff(after_window)
    Tender.objects.filter(pk=after_window.pk).update(publicity_ends_at=timezone.now() + timedelta(hours=1))
    _challenge(after_window, second)
    Tender.objects.filter(pk=after_window.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    html = _get(
        browse(buyer_user(after_window)), reverse("marketplace:tender-candidates", args=[after_window.pk])
    ).content.decode()
    assert "answer every challenge before the award" in html
    assert 'data-testid="award"' not in html


# --- challenges ---------------------------------------------------------------------------------------------


def test_a_bidder_challenges_during_the_window(browse, in_publicity):
    _winner, second, _third = bidder_staff(in_publicity)
    client = browse(second)
    url = reverse("marketplace:tender-challenges", args=[in_publicity.pk])
    assert 'data-testid="challenge-form"' in _get(client, url).content.decode()

    empty = _post(client, url, {"grounds": " "})
    assert empty.status_code == 400
    assert not Challenge.objects.exists()

    response = _post(client, url, {"grounds": GROUNDS})

    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.vendor == vendor_of(second)
    assert AuditEntry.objects.filter(action="challenge.submit", object_id=str(challenge.pk)).exists()
    mine = _get(client, reverse("marketplace:my-challenges")).content.decode()
    assert in_publicity.reference in mine
    assert "awaiting the answer" in mine


def test_non_bidders_and_late_bidders_cannot_challenge(browse, in_publicity, stranger_vendor):
    url = reverse("marketplace:tender-challenges", args=[in_publicity.pk])
    assert 'data-testid="challenge-form"' not in _get(browse(stranger_vendor), url).content.decode()
    assert _post(browse(stranger_vendor), url, {"grounds": GROUNDS}).status_code == 403
    assert _post(browse(buyer_user(in_publicity)), url, {"grounds": GROUNDS}).status_code == 403
    _winner, second, _third = bidder_staff(in_publicity)
    Tender.objects.filter(pk=in_publicity.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    assert _post(browse(second), url, {"grounds": GROUNDS}).status_code == 403
    assert not Challenge.objects.exists()


def test_the_buyer_sees_who_challenged_and_answers(browse, in_publicity, stranger_vendor):
    buyer = buyer_user(in_publicity)
    _winner, second, _third = bidder_staff(in_publicity)
    challenge = _challenge(in_publicity, second)
    url = reverse("marketplace:tender-challenges", args=[in_publicity.pk])

    buyer_page = _get(browse(buyer), url).content.decode()
    assert vendor_of(second).name in buyer_page
    assert 'data-testid="answer-form"' in buyer_page
    # The public does not see a pending challenge at all.
    assert GROUNDS not in _get(browse(stranger_vendor), url).content.decode()

    answer_url = reverse("marketplace:challenge-answer", args=[challenge.pk])
    missing = _post(browse(buyer), answer_url, {f"answer-{challenge.pk}-answer": ANSWER})
    assert missing.status_code == 400
    assert Challenge.objects.get().state == ChallengeState.PENDING

    response = _post(
        browse(buyer),
        answer_url,
        {f"answer-{challenge.pk}-answer": ANSWER, f"answer-{challenge.pk}-outcome": "rejected"},
    )

    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == ChallengeState.REJECTED
    assert challenge.answer == ANSWER
    public = _get(browse(stranger_vendor), url).content.decode()
    assert ANSWER in public
    assert vendor_of(second).name not in public
    again = _post(
        browse(buyer), answer_url, {f"answer-{challenge.pk}-answer": "x", f"answer-{challenge.pk}-outcome": "upheld"}
    )
    assert again.status_code == 409


def test_an_upheld_answer_on_the_page_reopens_the_evaluation(browse, in_publicity):
    _winner, second, _third = bidder_staff(in_publicity)
    challenge = _challenge(in_publicity, second)
    response = _post(
        browse(buyer_user(in_publicity)),
        reverse("marketplace:challenge-answer", args=[challenge.pk]),
        {f"answer-{challenge.pk}-answer": ANSWER, f"answer-{challenge.pk}-outcome": "upheld"},
    )
    assert response.status_code == 302
    tender = Tender.objects.get(pk=in_publicity.pk)
    assert (tender.state, tender.evaluation_round) == (TenderState.EVALUATION, 2)


def test_only_the_buyer_answers(browse, in_publicity, stranger_agency, stranger_vendor):
    _winner, second, _third = bidder_staff(in_publicity)
    challenge = _challenge(in_publicity, second)
    url = reverse("marketplace:challenge-answer", args=[challenge.pk])
    data = {f"answer-{challenge.pk}-answer": ANSWER, f"answer-{challenge.pk}-outcome": "rejected"}
    # A pending challenge is invisible to outsiders (404); the challenger sees it but may not answer.
    assert _post(browse(stranger_agency), url, data).status_code == 404
    assert _post(browse(stranger_vendor), url, data).status_code == 404
    assert _post(browse(second), url, data).status_code == 403
    assert Challenge.objects.get().state == ChallengeState.PENDING


# --- contracts ------------------------------------------------------------------------------------------------


def test_the_contract_is_public_but_only_parties_act(browse, contract, stranger_vendor):
    url = reverse("marketplace:contract-detail", args=[contract.pk])
    public = _get(browse(None), url).content.decode()
    assert contract.reference in public
    assert contract.supplier.name in public
    assert "400,000.00" in public
    assert "120,000.00" in public  # the first milestone, 30 %
    assert 'data-testid="contract-actions"' not in public
    assert 'data-testid="contract-actions"' not in _get(browse(stranger_vendor), url).content.decode()

    buyer_page = _get(browse(buyer_user(contract.tender)), url).content.decode()
    assert 'data-testid="sign"' in buyer_page
    assert 'data-testid="edit-milestones"' in buyer_page
    assert 'data-testid="terminate"' in buyer_page
    supplier = contract.supplier.memberships.first().user
    supplier_page = _get(browse(supplier), url).content.decode()
    assert 'data-testid="sign"' in supplier_page
    assert 'data-testid="edit-milestones"' not in supplier_page


def test_the_contract_lists(browse, contract, stranger_vendor):
    supplier = contract.supplier.memberships.first().user
    url = reverse("marketplace:contracts")
    assert contract.reference in _get(browse(supplier), url).content.decode()
    assert contract.reference in _get(browse(buyer_user(contract.tender)), url).content.decode()
    mine = _get(browse(stranger_vendor), url).content.decode()
    assert contract.reference not in mine
    assert 'data-testid="empty-contracts"' in mine
    assert contract.reference in _get(browse(stranger_vendor), url + "?scope=public").content.decode()


def test_both_parties_sign_on_the_page(browse, contract):
    url = reverse("marketplace:contract-sign", args=[contract.pk])
    assert _post(browse(buyer_user(contract.tender)), url).status_code == 302
    assert _post(browse(contract.supplier.memberships.first().user), url).status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    page = _get(browse(None), reverse("marketplace:contract-detail", args=[contract.pk])).content.decode()
    assert "active" in page


def test_the_buyer_rearranges_milestones_typed_as_percentages(browse, contract):
    client = browse(buyer_user(contract.tender))
    url = reverse("marketplace:contract-milestones", args=[contract.pk])
    form = _get(client, url).content.decode()
    assert 'value="30.00"' in form
    rows = {
        "milestones-TOTAL_FORMS": "4",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "启动",
        "milestones-0-share": "33.33",
        "milestones-1-title": "中期",
        "milestones-1-share": "33.33",
        "milestones-1-due_on": "2031-03-31",
        "milestones-2-title": "验收",
        "milestones-2-share": "33.34",
    }

    response = _post(client, url, rows)

    assert response.status_code == 302
    amounts = list(contract.milestones.order_by("position").values_list("share_bp", "amount_fen"))
    assert amounts == [(3_333, 13_332_000), (3_333, 13_332_000), (3_334, 13_336_000)]
    assert sum(amount for _share, amount in amounts) == contract.value_fen


def test_milestones_not_adding_up_are_shown_with_the_error_and_nothing_is_saved(browse, contract):
    client = browse(buyer_user(contract.tender))
    url = reverse("marketplace:contract-milestones", args=[contract.pk])
    before = list(contract.milestones.values_list("title", "share_bp"))

    response = _post(
        client,
        url,
        {
            "milestones-TOTAL_FORMS": "2",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "一",
            "milestones-0-share": "50",
            "milestones-1-title": "二",
            "milestones-1-share": "49.99",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "add up to exactly 100 %" in html
    assert 'value="49.99"' in html
    assert list(contract.milestones.values_list("title", "share_bp")) == before


def test_a_row_can_be_added_to_the_milestones(browse, contract):
    client = browse(buyer_user(contract.tender))
    url = reverse("marketplace:contract-milestones", args=[contract.pk])
    response = _post(
        client,
        url,
        {
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "一",
            "milestones-0-share": "40",
            "add_milestone": "1",
        },
    )
    assert response.status_code == 200
    assert 'name="milestones-1-title"' in response.content.decode()


def test_milestones_cannot_change_on_the_page_after_a_signature(browse, contract):
    services.contract_sign(actor=contract.supplier.memberships.first().user, contract=contract)
    response = _get(browse(buyer_user(contract.tender)), reverse("marketplace:contract-milestones", args=[contract.pk]))
    assert response.status_code == 409


def test_the_buyer_marks_milestones_met_and_terminates(browse, contract):
    buyer = buyer_user(contract.tender)
    services.contract_sign(actor=buyer, contract=contract)
    services.contract_sign(actor=contract.supplier.memberships.first().user, contract=contract)
    client = browse(buyer)
    first = contract.milestones.order_by("position").first()

    response = _post(client, reverse("marketplace:contract-milestone-meet", args=[contract.pk, first.pk]))

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == MilestoneState.MET

    url = reverse("marketplace:contract-terminate", args=[contract.pk])
    assert _post(client, url, {"reason": " "}).status_code == 400
    assert _post(client, url, {"reason": "供应商无法继续履约。"}).status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    html = _get(browse(None), reverse("marketplace:contract-detail", args=[contract.pk])).content.decode()
    assert "供应商无法继续履约。" in html


# --- the links on other pages ----------------------------------------------------------------------------------


def test_the_bid_receipt_says_whether_it_was_awarded(browse, awarded):
    tender, contract = awarded
    winner, loser, _third = bidder_staff(tender)
    won = Bid.objects.get(tender=tender, vendor=vendor_of(winner))
    lost = Bid.objects.get(tender=tender, vendor=vendor_of(loser))

    won_page = _get(browse(winner), reverse("marketplace:bid-detail", args=[won.pk])).content.decode()
    lost_page = _get(browse(loser), reverse("marketplace:bid-detail", args=[lost.pk])).content.decode()

    assert "Awarded — see the contract" in won_page
    assert reverse("marketplace:contract-detail", args=[contract.pk]) in won_page
    assert "Not awarded" in lost_page


def test_the_tender_page_links_what_follows_the_opening(browse, awarded):
    tender, contract = awarded
    url = reverse("marketplace:tender-detail", args=[tender.pk])

    public = _get(browse(None), url).content.decode()
    buyer = _get(browse(buyer_user(tender)), url).content.decode()

    for link in ("link-candidates", "link-challenges", "link-award", "link-contract"):
        assert f'data-testid="{link}"' in public
        assert f'data-testid="{link}"' in buyer
    assert 'data-testid="link-committee"' not in public
    assert 'data-testid="link-committee-report"' not in public
    assert 'data-testid="link-committee"' in buyer
    assert 'data-testid="link-committee-report"' in buyer
    assert reverse("marketplace:contract-detail", args=[contract.pk]) in public


def test_the_subnav_offers_notices_contracts_and_challenges(browse, awarded):
    tender, _contract = awarded
    winner, *_ = bidder_staff(tender)
    url = reverse("marketplace:notices")
    anonymous = _get(browse(None), url).content.decode()
    vendor = _get(browse(winner), url).content.decode()
    buyer = _get(browse(buyer_user(tender)), url).content.decode()
    assert 'data-testid="nav-notices"' in anonymous
    assert 'data-testid="nav-contracts"' not in anonymous
    assert 'data-testid="nav-contracts"' in vendor
    assert 'data-testid="nav-my-challenges"' in vendor
    assert 'data-testid="nav-contracts"' in buyer
    assert 'data-testid="nav-my-challenges"' not in buyer


def test_the_notice_list_costs_a_fixed_number_of_queries(browse, awarded, django_assert_max_num_queries):
    client = browse(None)
    with django_assert_max_num_queries(8):
        assert _get(client, reverse("marketplace:notices") + "?kind=awards").status_code == 200

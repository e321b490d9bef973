"""The audit trail page of a tender: every step from opening to contract, for the buyer's staff,
operators and regulators in scope, and nothing that would leak."""

import pytest

from marketplace import services
from marketplace.models import CommitteeMember, MemberState
from registry.roles import OrganisationKind, Role
from tests.factories.evaluation import awarded_tender, formed_committee, uniform_scores
from tests.factories.marketplace import TenderFactory, agency_staff, bid_on, opened_tender, vendor_staff
from tests.factories.registry import MembershipFactory, OrganisationFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _trail(client, user, tender):
    client.force_login(user)
    return client.get(f"/tenders/{tender.pk}/trail/", **EN)


def _regulator(region_code):
    authority = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="110000", verified=True)
    return MembershipFactory(organisation=authority, role=Role.REGULATOR, scope_region_code=region_code).user


def test_the_trail_shows_every_step_from_opening_to_contract(client, db):
    tender, (contract,) = awarded_tender()
    services.contract_sign(actor=tender.created_by, contract=contract)
    services.contract_sign(actor=contract.supplier.memberships.first().user, contract=contract)

    response = _trail(client, tender.created_by, tender)

    assert response.status_code == 200
    actions = [row["entry"].action for row in response.context["rows"]]
    for step in (
        "tender.publish",
        "bid.submit",
        "bid.open",
        "tender.open",
        "committee.form",
        "committee.draw",
        "committee_member.accept",
        "score_sheet.submit",
        "tender.evaluate",
        "tender.publicise",
        "award.create",
        "contract.create",
        "tender.award",
        "contract.sign.buyer",
        "contract.sign.supplier",
    ):
        assert step in actions, step
    assert actions.index("committee.draw") < actions.index("tender.evaluate") < actions.index("tender.award")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("other_agency", 404),
        ("bidder", 404),
        ("regulator_in_scope", 200),
        ("regulator_elsewhere", 404),
        ("operator", 200),
    ],
)
def test_only_the_buyer_operators_and_regulators_in_scope_see_the_trail(client, db, operator, who, status):
    tender = opened_tender()  # the factory's agency sits in 510000 (Sichuan)
    users = {
        "other_agency": lambda: agency_staff(),
        "bidder": lambda: tender.bids.first().vendor.memberships.first().user,
        "regulator_in_scope": lambda: _regulator("510000"),
        "regulator_elsewhere": lambda: _regulator("340000"),
        "operator": lambda: operator,
    }
    assert _trail(client, users[who](), tender).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    tender = opened_tender()
    response = client.get(f"/tenders/{tender.pk}/trail/", **EN)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_who_bid_stays_out_of_the_trail_until_the_opening(client, db):
    tender = TenderFactory(publish=True)
    bid_on(tender, vendor_staff())

    response = _trail(client, tender.created_by, tender)

    actions = [row["entry"].action for row in response.context["rows"]]
    assert "tender.publish" in actions
    assert not [a for a in actions if a.startswith("bid.")]


def test_score_sheets_stay_out_of_the_trail_until_the_round_is_concluded(client, db):
    tender = opened_tender()
    formed_committee(tender)
    first = CommitteeMember.objects.filter(committee__tender=tender, state=MemberState.ACCEPTED).first()
    services.score_sheet_save(
        actor=first.expert.person.user, tender=tender, scores=uniform_scores(tender, technical=9_137), submit=True
    )

    response = _trail(client, tender.created_by, tender)

    actions = [row["entry"].action for row in response.context["rows"]]
    assert "committee_member.accept" in actions
    assert "score_sheet.submit" not in actions
    assert "9137" not in response.content.decode()


def test_the_tender_page_links_the_trail_for_those_who_may_read_it(client, db):
    tender = opened_tender()

    anonymous = client.get(f"/tenders/{tender.pk}/", **EN).content.decode()
    client.force_login(tender.created_by)
    buyer = client.get(f"/tenders/{tender.pk}/", **EN).content.decode()
    client.force_login(_regulator("510000"))
    regulator = client.get(f"/tenders/{tender.pk}/", **EN).content.decode()

    trail = f"/tenders/{tender.pk}/trail/"
    assert trail not in anonymous
    assert trail in buyer
    assert trail in regulator

"""The exchange's demo data: every state the tender exchange reaches, sealed bids before the opening,
valid OCDS, and a second run that changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplace import demo
from marketplace.models import Bid, BidState, CatalogueEntry, Clarification, Release, Tender, TenderAmendment
from marketplace.ocds.encoding import loads
from marketplace.procedures import Procedure
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.audit.selectors import audit_chain_report
from portal.management.commands.seed_demo import DEMO_USERS
from tests.marketplace.ocds.validation import ocds_problems, standard_zip_or_skip

pytestmark = pytest.mark.django_db


def _seed() -> int:
    """seed_demo, then the exchange's seeder (a no-op once seed_demo itself calls it)."""
    call_command("seed_demo", stdout=StringIO())
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERS)}
    return demo.seed_marketplace(operator=users["operator"], users=users)


def _counts() -> dict[str, int]:
    models = (CatalogueEntry, Tender, Bid, Clarification, TenderAmendment, Release, AuditEntry, User)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(settings, tmp_path):
    settings.DEMO_DATA_ALLOWED = True
    settings.MEDIA_ROOT = tmp_path / "media"
    _seed()


def test_seeding_twice_changes_nothing(seeded):
    before = _counts()

    again = _seed()

    assert again == 0
    assert _counts() == before
    assert before["CatalogueEntry"] == len(demo.CATALOGUE)
    assert before["Tender"] == len(demo.TENDERS) + 1  # and the re-tender of the failed one
    assert audit_chain_report().ok


def test_every_state_the_exchange_reaches_is_present(seeded):
    states = list(Tender.objects.values_list("state", flat=True))

    assert states.count(TenderState.DRAFT) == 1
    assert states.count(TenderState.OPEN) == 4  # two agency tenders, the re-tender, the quotation
    assert states.count(TenderState.EVALUATION) == 1
    assert states.count(TenderState.FAILED) == 1
    assert states.count(TenderState.CANCELLED) == 1
    cancelled = Tender.objects.get(state=TenderState.CANCELLED)
    assert cancelled.cancellation_reason
    failed = Tender.objects.get(state=TenderState.FAILED)
    retender = failed.retenders.get()
    assert retender.state == TenderState.OPEN
    assert retender.deadline > timezone.now()
    quotation = Tender.objects.get(procedure=Procedure.REQUEST_FOR_QUOTATION)
    assert quotation.buyer.kind == "enterprise"
    assert quotation.state == TenderState.OPEN
    assert Tender.objects.filter(catalogue_entry__isnull=False).count() >= 5


def test_the_evaluated_tender_has_three_valid_bids_and_one_invalid(seeded):
    tender = Tender.objects.get(state=TenderState.EVALUATION)
    bids = Bid.objects.filter(tender=tender)

    assert bids.filter(state=BidState.VALID).count() == 3
    (invalid,) = bids.filter(state=BidState.INVALID)
    assert invalid.price_fen > invalid.lot.budget_fen
    assert all(bid.price_fen is not None and bid.opened_at for bid in bids)
    assert Release.objects.filter(tender=tender, data__contains='"bids"').exists()


def test_the_open_tender_has_clarifications_an_amendment_and_a_bid_to_reconfirm(seeded):
    tender = Tender.objects.get(state=TenderState.OPEN, amendments__isnull=False)
    clarifications = Clarification.objects.filter(tender=tender)

    assert tender.deadline > timezone.now()
    assert clarifications.filter(answered_at__isnull=False).exists()
    assert clarifications.filter(answered_at__isnull=True).exists()
    assert tender.documents_version == 2
    bids = Bid.objects.filter(tender=tender, state=BidState.SUBMITTED)
    assert {bid.documents_version for bid in bids} == {1, 2}  # confirmed, and one still to confirm


def test_bids_before_the_opening_stay_sealed(seeded):
    unopened = Bid.objects.filter(tender__opened_at__isnull=True)

    assert unopened.exists()
    assert unopened.filter(tender__state=TenderState.CANCELLED).exists()
    assert all(bid.price_fen is None and bid.documents == [] and bid.opened_at is None for bid in unopened)
    assert set(unopened.values_list("state", flat=True)) == {BidState.SUBMITTED}
    for release in Release.objects.filter(tender__opened_at__isnull=True):
        assert '"bids"' not in release.data


def test_the_demo_open_data_validates(seeded):
    standard_zip_or_skip()
    releases = [loads(release.data) for release in Release.objects.order_by("pk")]
    package = {
        "uri": "http://127.0.0.1:8000/api/ocds/releases/",
        "version": "1.1",
        "publishedDate": releases[-1]["date"],
        "publisher": {"name": "全国数据标注公共服务平台"},
        "releases": releases,
    }

    published = Tender.objects.exclude(state=TenderState.DRAFT)  # a draft has no release yet
    assert len({release["ocid"] for release in releases}) == published.count()
    assert ocds_problems(package) == []

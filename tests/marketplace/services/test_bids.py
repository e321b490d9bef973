"""Submitting, withdrawing and confirming sealed bids; who may bid; the server's clock decides."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import services
from marketplace.models import Bid, BidState, Tender
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.marketplace import TenderFactory, agency_staff, bid_on, past_deadline, vendor_of, vendor_staff

pytestmark = pytest.mark.django_db

SECRET_PRICE = 43_210_987


def test_a_bid_is_sealed_with_a_receipt_and_no_readable_price():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    bid = bid_on(tender, user, price_fen=SECRET_PRICE, name="方案-甲.pdf")

    stored = Bid.objects.get(pk=bid.pk)
    assert stored.state == BidState.SUBMITTED
    assert stored.price_fen is None
    assert stored.documents == []
    assert str(SECRET_PRICE).encode() not in bytes(stored.sealed)
    assert "方案-甲".encode() not in bytes(stored.sealed)
    assert len(stored.receipt_sha256) == 64
    assert stored.received_at <= timezone.now()
    assert user.has_perm("marketplace.view_bid", stored)
    assert not tender.created_by.has_perm("marketplace.view_bid", stored)
    content = services.bid_unseal(stored)
    assert content.price_fen == SECRET_PRICE
    assert [d.name for d in content.documents] == ["方案-甲.pdf"]


def test_the_audit_trail_of_a_sealed_bid_holds_no_price_or_document_name():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    bid = bid_on(tender, user, price_fen=SECRET_PRICE, name="SECRET-NAME.pdf")
    services.bid_withdraw(actor=user, bid=bid)
    bid_on(tender, user, price_fen=SECRET_PRICE + 1, name="SECRET-NAME.pdf")

    rows = AuditEntry.objects.filter(object_type="marketplace.bid")
    assert {row.action for row in rows} == {"bid.submit", "bid.withdraw"}
    for row in rows:
        text = str(row.before) + str(row.after)
        assert str(SECRET_PRICE)[:6] not in text
        assert "SECRET-NAME" not in text


def test_a_bid_one_second_after_the_deadline_is_refused_and_nothing_is_stored():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    past_deadline(tender, seconds_ago=1)
    with pytest.raises(services.DeadlinePassed, match="deadline"):
        bid_on(tender, user)
    assert not Bid.objects.exists()


def test_the_deadline_itself_is_already_too_late():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    Tender.objects.filter(pk=tender.pk).update(deadline=timezone.now())
    with pytest.raises(services.DeadlinePassed):
        bid_on(tender, user)


def test_a_bid_on_a_draft_or_cancelled_tender_is_refused():
    draft = TenderFactory()
    with pytest.raises(services.DeadlinePassed):
        bid_on(draft, vendor_staff())
    tender = TenderFactory(publish=True)
    services.tender_cancel(actor=tender.created_by, tender=tender, reason="取消")
    with pytest.raises(services.DeadlinePassed):
        bid_on(tender, vendor_staff())


def test_an_unverified_vendor_cannot_bid():
    tender = TenderFactory(publish=True)
    unverified = OrganisationFactory(kind=OrganisationKind.VENDOR, verified=False)
    user = MembershipFactory(organisation=unverified, role=Role.VENDOR_STAFF).user
    with pytest.raises(PermissionDenied, match="verified"):
        bid_on(tender, user)
    assert not Bid.objects.exists()


def test_agencies_and_outsiders_cannot_bid():
    tender = TenderFactory(publish=True)
    agency = agency_staff()
    with pytest.raises(PermissionDenied):
        services.bid_submit(
            actor=agency,
            tender=tender,
            lot=tender.lots.get(),
            vendor=agency.memberships.get().organisation,
            price_fen=1,
            documents=[services.BidDocumentInput(name="a.pdf", content=b"x")],
        )
    stranger = vendor_staff()
    with pytest.raises(PermissionDenied):
        services.bid_submit(
            actor=stranger,
            tender=tender,
            lot=tender.lots.get(),
            vendor=vendor_of(vendor_staff()),
            price_fen=1,
            documents=[services.BidDocumentInput(name="a.pdf", content=b"x")],
        )


@pytest.mark.parametrize(
    ("price", "documents", "field"),
    [
        (0, [services.BidDocumentInput(name="a.pdf", content=b"x")], "price_fen"),
        (-5, [services.BidDocumentInput(name="a.pdf", content=b"x")], "price_fen"),
        (True, [services.BidDocumentInput(name="a.pdf", content=b"x")], "price_fen"),
        (100, [], "documents"),
        (100, [services.BidDocumentInput(name="", content=b"x")], "documents"),
        (100, [services.BidDocumentInput(name="empty.pdf", content=b"")], "documents"),
    ],
)
def test_bad_bid_content_is_refused_with_the_field(price, documents, field):
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    with pytest.raises(ValidationError) as excinfo:
        services.bid_submit(
            actor=user,
            tender=tender,
            lot=tender.lots.get(),
            vendor=vendor_of(user),
            price_fen=price,
            documents=documents,
        )
    assert field in excinfo.value.message_dict
    assert not Bid.objects.exists()


def test_documents_over_the_size_limit_are_refused(settings):
    settings.BID_DOCUMENTS_MAX_BYTES = 10
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    with pytest.raises(ValidationError, match="at most"):
        services.bid_submit(
            actor=user,
            tender=tender,
            lot=tender.lots.get(),
            vendor=vendor_of(user),
            price_fen=1,
            documents=[services.BidDocumentInput(name="big.pdf", content=b"x" * 11)],
        )


def test_a_lot_of_another_tender_is_refused():
    tender, other = TenderFactory(publish=True), TenderFactory(publish=True)
    user = vendor_staff()
    with pytest.raises(ValidationError, match="another tender"):
        bid_on(tender, user, lot=other.lots.get())


def test_withdraw_then_resubmit_until_the_deadline_then_neither():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    bid = bid_on(tender, user)
    services.bid_withdraw(actor=user, bid=bid)
    bid.refresh_from_db()
    assert bid.state == BidState.WITHDRAWN
    assert bid.withdrawn_at is not None
    with pytest.raises(Conflict, match="withdrawn"):
        services.bid_withdraw(actor=user, bid=bid)
    again = bid_on(tender, user)
    past_deadline(tender)
    with pytest.raises(services.DeadlinePassed):
        services.bid_withdraw(actor=user, bid=again)


def test_only_the_bidders_staff_withdraw_or_confirm():
    tender = TenderFactory(publish=True)
    bid = bid_on(tender, vendor_staff())
    with pytest.raises(PermissionDenied):
        services.bid_withdraw(actor=vendor_staff(), bid=bid)
    with pytest.raises(PermissionDenied):
        services.bid_withdraw(actor=tender.created_by, bid=bid)


def test_a_bid_already_confirmed_for_the_current_documents_needs_no_confirmation():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    bid = bid_on(tender, user)
    with pytest.raises(Conflict, match="already confirmed"):
        services.bid_confirm(actor=user, bid=bid)


def test_a_bid_submitted_after_an_amendment_counts_the_new_documents():
    tender = TenderFactory(publish=True, deadline=timezone.now() + timedelta(days=30))
    services.tender_amend(
        actor=tender.created_by, tender=tender, rationale="延期", deadline=tender.deadline + timedelta(days=1)
    )
    bid = bid_on(tender, vendor_staff())
    assert bid.documents_version == 2

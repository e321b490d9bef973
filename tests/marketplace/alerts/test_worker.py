"""The whole round trip through Redis and a real worker: publishing queues the saved-search task,
which notifies and queues the e-mail, which the worker sends."""

import time

import pytest
from django.core import mail

from marketplace import services
from portal.notifications.models import Notification
from tests.factories.marketplace import TenderFactory, agency_staff

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_published_tender_reaches_the_matching_searchs_owner_by_email(queued_tasks, vendor_user, save_search):
    mail.outbox = []
    vendor_user.email = "bids@vendor.example.cn"
    vendor_user.save()
    search = save_search(vendor_user, text="遥感")
    tender = TenderFactory(title="成都遥感影像地物标注")

    services.tender_publish(actor=agency_staff(tender.buyer), tender=tender)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Notification.objects.filter(emailed_at__isnull=False).exists():
        time.sleep(0.2)
    notification = Notification.objects.get(user=vendor_user)
    assert notification.key == f"tender.matched:{tender.pk}:{search.pk}"
    assert notification.emailed_at is not None
    assert [message.to for message in mail.outbox] == [["bids@vendor.example.cn"]]
    assert f"https://portal.example.cn/tenders/{tender.pk}/" in mail.outbox[0].body

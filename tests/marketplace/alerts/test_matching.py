"""A published tender notifies the owners of the saved searches that find it, by the rules of the
tender search page, once per search however often the notifying runs."""

import pytest
from django.core import mail
from django.urls import reverse

from marketplace import services
from marketplace.tasks import saved_searches_notify_task
from portal.notifications.models import Notification
from registry.taxonomy import Modality, Sector
from tests.factories.marketplace import TenderFactory, agency_staff, tender_spec, vendor_staff

pytestmark = pytest.mark.django_db

# The factory's tender: "城市交通视频目标标注", transport, one video lot, budget ¥500,000, in the
# buyer's region (Sichuan, 510000) unless a test puts it in Wuhou district, Chengdu (510107).
TENDER = {"title": "成都遥感影像地物标注", "region_code": "510107"}


def _publish(django_capture_on_commit_callbacks, **overrides):
    """Publish a tender and run what its commit queues (the saved-search task, then e-mails)."""
    tender = TenderFactory(**{**TENDER, **overrides})
    with django_capture_on_commit_callbacks(execute=True):
        services.tender_publish(actor=agency_staff(tender.buyer), tender=tender)
    tender.refresh_from_db()
    return tender


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        ({}, True),
        ({"text": "遥感"}, True),
        ({"text": "医疗"}, False),
        ({"region_code": "510000"}, True),  # the province holds the district
        ({"region_code": "510100"}, True),  # so does the city
        ({"region_code": "510107"}, True),
        ({"region_code": "340100"}, False),
        ({"sector": Sector.TRANSPORT}, True),
        ({"sector": Sector.HEALTHCARE}, False),
        ({"modality": Modality.VIDEO}, True),
        ({"modality": Modality.SPEECH}, False),
        ({"budget_min_fen": 50_000_000, "budget_max_fen": 50_000_000}, True),
        ({"budget_min_fen": 10_000_000}, True),
        ({"budget_min_fen": 50_000_001}, False),
        ({"budget_max_fen": 49_999_999}, False),
        ({"text": "遥感", "region_code": "510100", "sector": Sector.TRANSPORT, "modality": Modality.VIDEO}, True),
        ({"text": "遥感", "region_code": "510100", "sector": Sector.FINANCE, "modality": Modality.VIDEO}, False),
    ],
)
def test_publishing_notifies_the_searches_that_find_the_tender(
    vendor_user, save_search, django_capture_on_commit_callbacks, filters, matches
):
    search = save_search(vendor_user, **filters)

    tender = _publish(django_capture_on_commit_callbacks)

    notifications = Notification.objects.filter(user=vendor_user)
    assert notifications.count() == (1 if matches else 0)
    if matches:
        notification = notifications.get()
        assert notification.kind == "tender.matched"
        assert notification.params == {"search": search.name, "reference": tender.reference, "title": tender.title}
        assert notification.url == reverse("marketplace:tender-detail", args=[tender.pk])
        assert notification.key == f"tender.matched:{tender.pk}:{search.pk}"


def test_each_matching_search_of_each_person_notifies(
    vendor_user, other_vendor_user, save_search, django_capture_on_commit_callbacks
):
    save_search(vendor_user, name="遥感", text="遥感")
    save_search(vendor_user, name="四川", region_code="510000")
    save_search(vendor_user, name="医疗", sector=Sector.HEALTHCARE)
    save_search(other_vendor_user, name="遥感", text="遥感")

    _publish(django_capture_on_commit_callbacks)

    assert sorted(Notification.objects.values_list("user__username", "params__search")) == sorted(
        [(vendor_user.username, "遥感"), (vendor_user.username, "四川"), (other_vendor_user.username, "遥感")]
    )


def test_the_email_links_to_the_tender(vendor_user, save_search, django_capture_on_commit_callbacks):
    vendor_user.email = "bids@vendor.example.cn"
    vendor_user.save()
    save_search(vendor_user, text="遥感")

    tender = _publish(django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["bids@vendor.example.cn"]]
    assert tender.reference in mail.outbox[0].subject
    assert f"https://portal.example.cn/tenders/{tender.pk}/" in mail.outbox[0].body


def test_running_the_task_again_duplicates_nothing(vendor_user, save_search, django_capture_on_commit_callbacks):
    vendor_user.email = "bids@vendor.example.cn"
    vendor_user.save()
    save_search(vendor_user, text="遥感")
    tender = _publish(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        again = saved_searches_notify_task(tender.pk)
        once_more = services.saved_searches_notify(tender_id=tender.pk)

    assert (again, once_more) == (0, 0)
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_search_saved_after_publication_is_notified_by_a_later_run_only_once(
    vendor_user, save_search, django_capture_on_commit_callbacks
):
    tender = _publish(django_capture_on_commit_callbacks)
    save_search(vendor_user, text="遥感")

    assert services.saved_searches_notify(tender_id=tender.pk) == 1
    assert services.saved_searches_notify(tender_id=tender.pk) == 0


def test_a_tender_not_open_for_bids_notifies_nobody(vendor_user, save_search):
    save_search(vendor_user)
    draft = TenderFactory(**TENDER)
    cancelled = TenderFactory(publish=True, **TENDER)
    services.tender_cancel(actor=agency_staff(cancelled.buyer), tender=cancelled, reason="采购需求变更。")

    assert services.saved_searches_notify(tender_id=draft.pk) == 0
    assert services.saved_searches_notify(tender_id=cancelled.pk) == 0
    assert services.saved_searches_notify(tender_id=999_999) == 0
    assert not Notification.objects.exists()


def test_inactive_owners_are_not_notified(vendor_user, save_search, django_capture_on_commit_callbacks):
    save_search(vendor_user)
    vendor_user.is_active = False
    vendor_user.save()

    _publish(django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()


def test_publishing_queues_the_task_after_the_commit(vendor_user, save_search, django_capture_on_commit_callbacks):
    save_search(vendor_user)
    tender = TenderFactory(**TENDER)

    with django_capture_on_commit_callbacks() as callbacks:
        services.tender_publish(actor=agency_staff(tender.buyer), tender=tender)

    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(user=vendor_user).count() == 1


def test_searches_with_the_same_filters_are_asked_once(save_search, django_assert_max_num_queries):
    people = [vendor_staff() for _ in range(10)]
    for person in people:
        save_search(person, name="医疗", sector=Sector.HEALTHCARE)
        save_search(person, name="语音", modality=Modality.SPEECH)
    tender = TenderFactory(publish=True, **TENDER)

    # the tender, the searches, a savepoint and its release, one search per distinct filter
    with django_assert_max_num_queries(6):
        assert services.saved_searches_notify(tender_id=tender.pk) == 0


def test_each_notification_costs_a_fixed_number_of_queries(save_search, django_assert_max_num_queries):
    for person in [vendor_staff() for _ in range(5)]:
        save_search(person, name="交通", sector=Sector.TRANSPORT)
        save_search(person, name="视频", modality=Modality.VIDEO)
    tender = TenderFactory(publish=True, **TENDER)

    # as above with two filters, then a savepoint, the insert and the release per notification
    with django_assert_max_num_queries(6 + 10 * 3):
        assert services.saved_searches_notify(tender_id=tender.pk) == 10


def test_the_factory_spec_is_what_these_tests_assume():
    spec = tender_spec(**TENDER)
    assert spec.sector == Sector.TRANSPORT
    assert [lot.modality for lot in spec.lots] == [Modality.VIDEO]
    assert sum(lot.budget_fen for lot in spec.lots) == 50_000_000

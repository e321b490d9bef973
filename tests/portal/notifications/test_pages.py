"""The notifications page, its buttons and the unread count in every page's header."""

import pytest
from django.urls import reverse

from portal.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


@pytest.fixture
def reader(db):
    return UserFactory()


@pytest.fixture
def signed_in(english, reader):
    english.force_login(reader)
    return english


def test_anonymous_visitors_are_sent_to_sign_in(english, reader, notify_user):
    notification = notify_user(reader)
    for response in (
        english.get(LIST),
        english.post(reverse("notifications:read", args=[notification.pk])),
        english.post(reverse("notifications:read-all")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_list_shows_the_users_own_notifications_in_english_unread_first_marked(signed_in, reader, notify_user):
    read = notify_user(reader, 1)
    unread = notify_user(reader, 2)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    notify_user(UserFactory(), 3)  # someone else's

    response = signed_in.get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert "New tender matching your saved search “遥感”: BZ2026-0002 遥感影像标注2" in page
    assert "BZ2026-0001" in page
    assert "BZ2026-0003" not in page
    assert f'data-id="{unread.pk}" class="unread"' in page
    assert f'data-id="{read.pk}" class="read"' in page
    assert page.count('data-testid="mark-read"') == 1
    assert 'href="/tenders/2/"' in page


def test_an_empty_list_says_so(signed_in):
    response = signed_in.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="empty-notifications"' in response.content.decode()
    assert "You have no notifications yet." in response.content.decode()


def test_the_header_counts_unread_notifications_on_every_page(signed_in, reader, notify_user):
    notify_user(reader, 1)
    notify_user(reader, 2)
    notify_user(UserFactory(), 3)

    for path in ("/", "/tenders/", LIST):
        page = signed_in.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Notifications (2)" in page, path

    signed_in.post(reverse("notifications:read-all"))
    assert "Notifications (0)" in signed_in.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_anonymous_pages_have_no_notifications_link(english):
    assert 'data-testid="nav-notifications"' not in english.get("/").content.decode()


def test_mark_read_reads_the_notification_and_follows_its_link(signed_in, reader, notify_user):
    notification = notify_user(reader, 7)
    other = notify_user(reader, 8)

    response = signed_in.post(reverse("notifications:read", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/tenders/7/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_a_link_to_another_site_is_not_followed(signed_in, reader, notify_user):
    notification = notify_user(reader, 7, url="https://evil.example/")
    response = signed_in.post(reverse("notifications:read", args=[notification.pk]))
    assert response["Location"] == LIST


def test_someone_elses_notification_is_not_found_and_stays_unread(signed_in, notify_user):
    theirs = notify_user(UserFactory(), 1)

    response = signed_in.post(reverse("notifications:read", args=[theirs.pk]), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_read_needs_a_post(signed_in, reader, notify_user):
    notification = notify_user(reader)
    assert signed_in.get(reverse("notifications:read", args=[notification.pk])).status_code == 405
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_mark_all_read_reads_only_the_users_own(signed_in, reader, notify_user):
    mine = [notify_user(reader, n) for n in (1, 2)]
    theirs = notify_user(UserFactory(), 3)

    response = signed_in.post(reverse("notifications:read-all"))

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert all(Notification.objects.get(pk=n.pk).read_at is not None for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_list_is_paginated(signed_in, reader, notify_user):
    for n in range(25):
        notify_user(reader, n)
    first = signed_in.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = signed_in.get(LIST, {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first.count('data-testid="notification"') == 20
    assert second.count('data-testid="notification"') == 5
    assert "Page 1 of 2" in first


def test_the_list_takes_a_bounded_number_of_queries(signed_in, reader, notify_user, django_assert_max_num_queries):
    for n in range(20):
        notify_user(reader, n)
    # session, user, count, page, unread count in the header
    with django_assert_max_num_queries(5):
        response = signed_in.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200

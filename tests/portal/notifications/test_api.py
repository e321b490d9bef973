"""/api/v1/notifications/: own only, the unread filter, marking read."""

import pytest

from portal.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


@pytest.fixture
def reader(db):
    return UserFactory()


def test_anonymous_requests_answer_401(api_client, reader, notify_user):
    notification = notify_user(reader)
    assert api_client.get(URL).status_code == 401
    assert api_client.post(READ, {}, format="json").status_code == 401
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_list_holds_only_the_users_own_notifications(api_client, reader, notify_user):
    first = notify_user(reader, 1)
    second = notify_user(reader, 2)
    notify_user(UserFactory(), 3)
    api_client.force_authenticate(reader)

    response = api_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert set(rows[0]) == {"id", "kind", "message", "url", "created_at", "read_at"}
    assert rows[0]["kind"] == "tender.matched"
    assert rows[0]["message"] == "New tender matching your saved search “遥感”: BZ2026-0002 遥感影像标注2"
    assert rows[0]["url"] == "/tenders/2/"
    assert rows[0]["read_at"] is None


def test_the_unread_filter(api_client, reader, notify_user):
    read = notify_user(reader, 1)
    unread = notify_user(reader, 2)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    api_client.force_authenticate(reader)

    rows = api_client.get(URL, {"unread": "1"}).json()["results"]

    assert [row["id"] for row in rows] == [unread.pk]
    assert len(api_client.get(URL).json()["results"]) == 2


def test_read_marks_the_given_ids_and_ignores_someone_elses(api_client, reader, notify_user):
    mine = notify_user(reader, 1)
    also_mine = notify_user(reader, 2)
    theirs = notify_user(UserFactory(), 3)
    api_client.force_authenticate(reader)

    response = api_client.post(READ, {"ids": [mine.pk, theirs.pk]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=also_mine.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_without_ids_marks_all_the_users_own(api_client, reader, notify_user):
    mine = [notify_user(reader, n) for n in (1, 2)]
    theirs = notify_user(UserFactory(), 3)
    api_client.force_authenticate(reader)

    response = api_client.post(READ, {}, format="json")

    assert response.json() == {"marked": 2}
    assert all(Notification.objects.get(pk=n.pk).read_at is not None for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api_client.post(READ, {}, format="json").json() == {"marked": 0}


def test_bad_ids_answer_400_and_change_nothing(api_client, reader, notify_user):
    notification = notify_user(reader)
    api_client.force_authenticate(reader)

    response = api_client.post(READ, {"ids": ["x"]}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_list_takes_a_bounded_number_of_queries(api_client, reader, notify_user, django_assert_max_num_queries):
    for n in range(20):
        notify_user(reader, n)
    api_client.force_authenticate(reader)
    with django_assert_max_num_queries(2):  # count, page
        response = api_client.get(URL)
    assert len(response.json()["results"]) == 20

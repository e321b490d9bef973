"""notify, the e-mails and marking read, called directly (the worker round trip is in
test_worker.py)."""

import pytest
from django.core import mail

from portal.notifications.models import Notification
from portal.notifications.services import notifications_email, notifications_mark_read, notify
from portal.notifications.tasks import notifications_email_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PARAMS = {"search": "遥感", "reference": "BZ2026-0001", "title": "遥感影像标注"}


def _notify(users, *, key="tender.matched:1:1", url="/tenders/1/"):
    return notify(users=users, kind="tender.matched", params=PARAMS, url=url, key=key)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://portal.example.cn"


def test_notify_creates_one_notification_per_user_and_key(django_capture_on_commit_callbacks):
    first, second = UserFactory(), UserFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        created = _notify([first, second, first])
        again = _notify([first, second])

    assert {n.user for n in created} == {first, second}
    assert again == []
    assert Notification.objects.count() == 2
    assert len(callbacks) == 1  # one e-mail task, for the notifications made the first time


def test_another_key_notifies_again():
    user = UserFactory()
    _notify([user], key="a")
    _notify([user], key="b")
    assert Notification.objects.filter(user=user).count() == 2


def test_inactive_users_are_not_notified():
    assert _notify([UserFactory(is_active=False)]) == []
    assert not Notification.objects.exists()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(users=[UserFactory()], kind="no.such.kind", params={}, url="", key="k")
    assert not Notification.objects.exists()


def test_the_email_carries_the_message_and_the_link_and_is_sent_once():
    user = UserFactory(email="vendor@example.cn")
    (notification,) = _notify([user])

    assert notifications_email_task(notification_ids=[notification.pk]) == 1
    assert notifications_email_task(notification_ids=[notification.pk]) == 0  # a retry sends nothing

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vendor@example.cn"]
    assert "BZ2026-0001" in message.subject
    assert "https://portal.example.cn/tenders/1/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_no_email_for_a_user_without_an_address():
    user = UserFactory(email="")
    (notification,) = _notify([user])

    assert notifications_email(notification_ids=[notification.pk]) == 0

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_notify_queues_the_email_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory(email="vendor@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        _notify([user])
    assert len(mail.outbox) == 1
    assert Notification.objects.get(user=user).emailed_at is not None


def test_mark_read_touches_only_the_users_own_notifications():
    reader, other = UserFactory(), UserFactory()
    (mine,) = _notify([reader], key="a")
    (mine_too,) = _notify([reader], key="b")
    (theirs,) = _notify([other], key="a")

    assert notifications_mark_read(user=reader, notification_ids=[mine.pk, theirs.pk]) == 1

    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=mine_too.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert notifications_mark_read(user=reader) == 1  # all the rest
    assert notifications_mark_read(user=reader) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None

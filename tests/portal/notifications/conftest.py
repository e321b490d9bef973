import pytest

from portal.notifications.services import notify


@pytest.fixture
def notify_user():
    """`notify_user(user, n)`: a "tender.matched" notification for the user, on tender `n`."""

    def make(user, n=1, *, url=None):
        (notification,) = notify(
            users=[user],
            kind="tender.matched",
            params={"search": "遥感", "reference": f"BZ2026-{n:04d}", "title": f"遥感影像标注{n}"},
            url=f"/tenders/{n}/" if url is None else url,
            key=f"test:{n}",
        )
        return notification

    return make


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client

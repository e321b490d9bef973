import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_sign_in_and_sign_out(client):
    user = UserFactory(username="wang")
    bad = client.post("/accounts/login/", {"username": "wang", "password": "wrong"})
    assert bad.status_code == 200
    assert "_auth_user_id" not in client.session

    good = client.post("/accounts/login/", {"username": "wang", "password": PASSWORD, "next": "/registry/"})
    assert good.status_code == 302
    assert good["Location"] == "/registry/"
    assert client.session["_auth_user_id"] == str(user.pk)

    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_in_refuses_to_redirect_to_another_host(client):
    UserFactory(username="li")
    response = client.post(
        "/accounts/login/", {"username": "li", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 2026",
            "new_password2": "a new long passphrase 2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase 2026")


def test_password_reset_by_email_end_to_end(client):
    user = UserFactory(email="zhao@example.test")
    client.post("/accounts/password/reset/", {"email": "zhao@example.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset passphrase 2026!", "new_password2": "reset passphrase 2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("reset passphrase 2026!")


def test_password_reset_does_not_reveal_whether_an_address_exists(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_lists_memberships_and_makes_an_api_token(client, vendor_user, vendor_org):
    client.force_login(vendor_user)
    page = client.get("/accounts/profile/").content.decode()
    assert vendor_org.name in page

    response = client.post("/accounts/profile/api-token/", follow=True)
    assert response.status_code == 200
    token = vendor_user.auth_token.key
    assert token in response.content.decode()
    assert token not in client.get("/accounts/profile/").content.decode()  # shown once only


def test_the_profile_needs_sign_in(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _sign_up(client, **change):
    data = {
        "username": "newvendor",
        "name": "新厂商",
        "email": "new@example.test",
        "password": "a long enough passphrase",
        "password_again": "a long enough passphrase",
    }
    return client.post("/accounts/sign-up/", data | change)


def test_signing_up_opens_an_account_signs_in_and_audits(client):
    from portal.accounts.models import User
    from portal.audit.models import AuditEntry

    response = _sign_up(client)
    user = User.objects.get(username="newvendor")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert (user.name, user.email, user.is_staff) == ("新厂商", "new@example.test", False)
    assert user.check_password("a long enough passphrase")
    assert AuditEntry.objects.get(action="user.register").after == {
        "username": "newvendor",
        "name": "新厂商",
        "email": "new@example.test",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "123", "password_again": "123"}, "password"),
        ({"password_again": "something else entirely"}, "password_again"),
        ({"email": "not-an-address"}, "email"),
        ({"username": "has space"}, "username"),
        ({"username": ""}, "username"),
    ],
)
def test_bad_sign_up_answers_400_naming_the_field_and_creates_nobody(client, change, field):
    from portal.accounts.models import User

    before = User.objects.count()
    response = _sign_up(client, **change)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert User.objects.count() == before


def test_a_taken_username_or_email_is_refused(client):
    UserFactory(username="newvendor", email="someone@example.test")
    UserFactory(username="other", email="new@example.test")
    taken_name = _sign_up(client, email="fresh@example.test")
    taken_mail = _sign_up(client, username="fresh", email="NEW@example.test")
    assert 'data-field="username"' in taken_name.content.decode()
    assert 'data-field="email"' in taken_mail.content.decode()

import pytest

from marketplace import services
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://portal.example.cn"


@pytest.fixture
def save_search():
    """`save_search(user, name="…", **filters)` through the service."""

    def save(user, name="遥感影像", **filters):
        return services.saved_search_create(actor=user, name=name, **filters)

    return save


@pytest.fixture
def as_role(request, api_client):
    """`as_role(role, owner=user)`: the API client signed in as the user playing `role` (the roles
    of tests.marketplace.api.conftest.ROLES; `operator` is a superuser, whom object permissions
    would let through anywhere)."""
    fixtures = {
        "other_vendor": "other_vendor_user",
        "agency": "agency_user",
        "regulator_other_region": "regulator_other_region",
    }

    def sign_in(role, *, owner=None):
        if role == "anonymous":
            return api_client, None
        if role == "owner":
            user = owner
        elif role == "operator":
            user = UserFactory(username="platform-operator", is_staff=True, is_superuser=True)
        else:
            user = request.getfixturevalue(fixtures[role])
        api_client.force_authenticate(user)
        return api_client, user

    return sign_in

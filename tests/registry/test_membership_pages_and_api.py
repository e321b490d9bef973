import pytest

from portal.audit.models import AuditEntry
from registry.models import Membership
from registry.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _grant_change(user, organisation):
    from portal.permissions import grant

    grant(perms=["registry.change_organisation"], to=user, obj=organisation)


def test_a_manager_adds_and_removes_members_on_the_page(client, vendor_org, vendor_user):
    _grant_change(vendor_user, vendor_org)
    newcomer = UserFactory(username="newcomer")
    client.force_login(vendor_user)

    page = client.get(f"/registry/organisations/{vendor_org.pk}/").content.decode()
    assert 'data-testid="member-table"' in page
    assert 'value="agency_staff"' not in page  # only roles a vendor can hold are offered

    added = client.post(
        f"/registry/organisations/{vendor_org.pk}/members/", {"username": "newcomer", "role": "vendor_staff"}
    )
    membership = Membership.objects.get(user=newcomer)
    removed = client.post(f"/registry/organisations/{vendor_org.pk}/members/{membership.pk}/remove/")

    assert added.status_code == removed.status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()
    assert AuditEntry.objects.filter(action__in=["membership.add", "membership.remove"], actor=vendor_user).count() == 2


def test_adding_an_unknown_person_answers_400_on_the_page(client, vendor_org, operator):
    client.force_login(operator)
    response = client.post(
        f"/registry/organisations/{vendor_org.pk}/members/", {"username": "ghost", "role": "vendor_staff"}
    )
    assert response.status_code == 400
    assert 'data-field="username"' in response.content.decode()


def test_members_without_the_change_permission_see_no_member_list_and_cannot_add(client, vendor_org):
    colleague = MembershipFactory(organisation=vendor_org, role=Role.EXPERT).user
    client.force_login(colleague)
    assert 'data-testid="member-table"' not in client.get(f"/registry/organisations/{vendor_org.pk}/").content.decode()
    response = client.post(
        f"/registry/organisations/{vendor_org.pk}/members/", {"username": colleague.username, "role": "vendor_staff"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=colleague, role=Role.VENDOR_STAFF).exists()


ROLES = ["anonymous", "other_vendor", "member", "operator"]


@pytest.mark.parametrize("role", ROLES)
def test_membership_api_lists_only_the_memberships_of_ones_own_organisations(api_client, request, role, vendor_org):
    membership = MembershipFactory(organisation=vendor_org, role=Role.VENDOR_STAFF)
    user = {
        "anonymous": None,
        "other_vendor": request.getfixturevalue("other_vendor_user") if role == "other_vendor" else None,
        "member": membership.user,
        "operator": request.getfixturevalue("operator") if role == "operator" else None,
    }[role]
    if user:
        api_client.force_authenticate(user)

    listing = api_client.get("/api/v1/memberships/")
    detail = api_client.get(f"/api/v1/memberships/{membership.pk}/")

    if role == "anonymous":
        assert listing.status_code == detail.status_code == 401
        return
    ids = {row["id"] for row in listing.json()["results"]}
    visible = role in {"member", "operator"}
    assert (membership.pk in ids) is visible
    assert detail.status_code == (200 if visible else 404)


def test_membership_api_create_and_delete(api_client, operator, vendor_org):
    person = UserFactory(username="api-person")
    api_client.force_authenticate(operator)
    created = api_client.post(
        "/api/v1/memberships/",
        {"organisation": vendor_org.pk, "username": "api-person", "role": "expert"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="add-api-person",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["role"] == "expert"
    assert Membership.objects.filter(user=person, organisation=vendor_org, role=Role.EXPERT).exists()

    wrong_kind = api_client.post(
        "/api/v1/memberships/",
        {"organisation": vendor_org.pk, "username": "api-person", "role": "agency_staff"},
        format="json",
    )
    assert wrong_kind.status_code == 400
    assert "role" in wrong_kind.json()["fields"]

    deleted = api_client.delete(f"/api/v1/memberships/{created.json()['id']}/")
    assert deleted.status_code == 204
    assert not Membership.objects.filter(user=person).exists()


def test_membership_api_refuses_outsiders_and_hides_invisible_organisations(api_client, other_vendor_user):
    hidden = OrganisationFactory(verified=False)
    public = OrganisationFactory(verified=True)
    api_client.force_authenticate(other_vendor_user)
    to_hidden = api_client.post(
        "/api/v1/memberships/",
        {"organisation": hidden.pk, "username": other_vendor_user.username, "role": "vendor_staff"},
        format="json",
    )
    to_public = api_client.post(
        "/api/v1/memberships/",
        {"organisation": public.pk, "username": other_vendor_user.username, "role": "vendor_staff"},
        format="json",
    )
    assert to_hidden.status_code == 404
    assert to_public.status_code == 403
    assert not Membership.objects.filter(organisation__in=[hidden, public]).exists()

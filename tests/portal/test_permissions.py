"""The object-permission pattern every app follows (portal/permissions.py)."""

import pytest
from guardian.shortcuts import assign_perm

from portal.errors import NotFound, PermissionDenied
from portal.permissions import grant, is_operator, signed_in, visible_or_404, with_perm
from registry.models import Organisation
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
PERM = "registry.view_organisation"


def test_a_grant_to_a_group_reaches_its_members_and_only_them():
    organisation = OrganisationFactory()
    member, outsider = UserFactory(), UserFactory()
    member.groups.add(organisation.members_group)

    assert list(with_perm(user=member, perm=PERM, queryset=Organisation.objects.all())) == [organisation]
    assert list(with_perm(user=outsider, perm=PERM, queryset=Organisation.objects.all())) == []


def test_a_direct_grant_to_a_user_counts():
    organisation = OrganisationFactory()
    user = UserFactory()
    grant(perms=[PERM], to=user, obj=organisation)
    assert user.has_perm(PERM, organisation)
    assert list(with_perm(user=user, perm=PERM, queryset=Organisation.objects.all())) == [organisation]


def test_a_stray_global_permission_does_not_open_every_object():
    OrganisationFactory()
    user = UserFactory()
    assign_perm(PERM, user)  # model-wide, e.g. granted by mistake in the admin
    assert list(with_perm(user=user, perm=PERM, queryset=Organisation.objects.all())) == []


def test_superusers_hold_every_object_permission():
    organisation = OrganisationFactory()
    superuser = UserFactory(is_superuser=True)
    assert list(with_perm(user=superuser, perm=PERM, queryset=Organisation.objects.all())) == [organisation]


def test_invisible_and_missing_objects_answer_the_same_not_found():
    hidden = OrganisationFactory()
    visible = Organisation.objects.none()
    with pytest.raises(NotFound) as invisible_error:
        visible_or_404(visible, pk=hidden.pk)
    with pytest.raises(NotFound) as missing_error:
        visible_or_404(visible, pk=10**9)
    assert invisible_error.value.message == missing_error.value.message
    assert invisible_error.value.status == 404


def test_operators_are_active_staff_and_signed_in_narrows_to_real_users():
    from django.contrib.auth.models import AnonymousUser

    assert is_operator(UserFactory(is_staff=True))
    assert not is_operator(UserFactory(is_staff=True, is_active=False))
    assert not is_operator(AnonymousUser())
    with pytest.raises(PermissionDenied):
        signed_in(AnonymousUser())

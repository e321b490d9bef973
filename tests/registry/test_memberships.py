import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEntry
from portal.errors import PermissionDenied
from registry import selectors, services
from registry.models import Membership, Organisation
from registry.permissions import may_manage_members
from registry.roles import ROLE_KINDS, OrganisationKind, Role, role_allowed
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("kind", list(OrganisationKind))
def test_membership_follows_the_role_kind_table(operator, role, kind):
    organisation = OrganisationFactory(kind=kind)
    person = UserFactory()
    add = lambda: services.membership_add(  # noqa: E731
        actor=operator, organisation=organisation, username=person.username, role=role
    )
    if kind in ROLE_KINDS[role]:
        membership = add()
        assert membership.role == role
        assert person.groups.filter(pk=organisation.members_group_id).exists()
    else:
        with pytest.raises(ValidationError) as error:
            add()
        assert "role" in error.value.message_dict
        assert not Membership.objects.filter(user=person).exists()
    assert role_allowed(role, kind) == (kind in ROLE_KINDS[role])


def test_a_user_may_belong_to_several_organisations_with_several_roles(operator):
    person = UserFactory()
    vendor = OrganisationFactory(kind=OrganisationKind.VENDOR)
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY)
    MembershipFactory(organisation=vendor, user=person, role=Role.VENDOR_STAFF)
    MembershipFactory(organisation=vendor, user=person, role=Role.EXPERT)
    MembershipFactory(organisation=agency, user=person, role=Role.REGULATOR, scope_region_code="510000")

    roles = {(m.organisation_id, m.role) for m in selectors.memberships_of(user=person)}
    assert roles == {(vendor.pk, Role.VENDOR_STAFF), (vendor.pk, Role.EXPERT), (agency.pk, Role.REGULATOR)}
    assert selectors.has_role(user=person, organisation=agency, role=Role.REGULATOR)
    assert not selectors.has_role(user=person, organisation=agency, role=Role.AGENCY_STAFF)


def test_the_same_role_twice_is_refused(operator):
    membership = MembershipFactory()
    with pytest.raises(ValidationError):
        services.membership_add(
            actor=operator,
            organisation=membership.organisation,
            username=membership.user.username,
            role=membership.role,
        )


def test_only_regulators_carry_a_scope_and_it_must_be_a_known_region(operator):
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY)
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.membership_add(
            actor=operator,
            organisation=agency,
            username=person.username,
            role=Role.AGENCY_STAFF,
            scope_region_code="510000",
        )
    assert "scope_region" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.membership_add(
            actor=operator,
            organisation=agency,
            username=person.username,
            role=Role.REGULATOR,
            scope_region_code="000001",
        )
    assert "scope_region" in error.value.message_dict


def test_an_unknown_username_is_named(operator):
    with pytest.raises(ValidationError) as error:
        services.membership_add(
            actor=operator, organisation=OrganisationFactory(), username="nobody", role=Role.VENDOR_STAFF
        )
    assert "username" in error.value.message_dict


def test_members_who_may_change_the_organisation_add_colleagues_and_outsiders_may_not():
    registrant = UserFactory()
    organisation = services.organisation_create(
        actor=registrant,
        name="示例公司",
        kind=OrganisationKind.VENDOR,
        credit_code_value=valid_credit_code(900),
        region_code="510100",
    )
    colleague, outsider = UserFactory(), UserFactory()

    services.membership_add(
        actor=registrant, organisation=organisation, username=colleague.username, role=Role.VENDOR_STAFF
    )
    with pytest.raises(PermissionDenied):
        services.membership_add(
            actor=outsider, organisation=organisation, username=outsider.username, role=Role.VENDOR_STAFF
        )

    assert set(organisation.memberships.values_list("user__username", flat=True)) == {
        registrant.username,
        colleague.username,
    }


def test_only_the_managing_role_manages_and_leaving_roles_revokes_in_steps(operator):
    membership = MembershipFactory(role=Role.VENDOR_STAFF)  # a vendor's managing role
    organisation, person = membership.organisation, membership.user
    second = MembershipFactory(organisation=organisation, user=person, role=Role.EXPERT)
    expert_only = MembershipFactory(organisation=organisation, role=Role.EXPERT).user

    def fresh(user):  # permission caches live on the instance
        return type(user).objects.get(pk=user.pk)

    assert may_manage_members(fresh(person), organisation)
    assert not may_manage_members(fresh(expert_only), organisation)
    assert fresh(expert_only).has_perm("registry.view_organisation", organisation)

    services.membership_remove(actor=operator, membership=membership)
    assert fresh(person).has_perm("registry.view_organisation", organisation)
    assert not fresh(person).has_perm("registry.change_organisation", organisation)

    services.membership_remove(actor=operator, membership=second)
    assert not fresh(person).has_perm("registry.view_organisation", organisation)
    assert AuditEntry.objects.filter(action="membership.remove").count() == 2


def test_regulator_scope_covers_the_region_subtree(operator, regulator_other_region):
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY)
    sichuan = MembershipFactory(organisation=agency, role=Role.REGULATOR, scope_region_code="510000").user
    national = MembershipFactory(organisation=agency, role=Role.REGULATOR, scope_region_code="").user
    in_chengdu = OrganisationFactory(region_code="510107")
    in_shenzhen = OrganisationFactory(region_code="440305")

    def overseen(user):
        scope = selectors.regulator_scope_q(user=user)
        assert scope is not None
        return set(Organisation.objects.filter(scope).filter(pk__in=[in_chengdu.pk, in_shenzhen.pk]))

    assert overseen(sichuan) == {in_chengdu}
    assert overseen(regulator_other_region) == {in_shenzhen}
    assert overseen(national) == {in_chengdu, in_shenzhen}
    assert overseen(operator) == {in_chengdu, in_shenzhen}
    assert selectors.regulator_scope_q(user=UserFactory()) is None

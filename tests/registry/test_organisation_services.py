import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry import services
from registry.models import Membership, Organisation
from registry.roles import OrganisationKind, Role
from tests.factories import OrganisationFactory, UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    arguments = {
        "name": "成都示例标注有限公司",
        "kind": OrganisationKind.VENDOR,
        "credit_code_value": valid_credit_code(42),
        "region_code": "510100",
    }
    arguments.update(overrides)
    return services.organisation_create(actor=actor, **arguments)


def test_registering_makes_an_unverified_organisation_with_the_registrant_as_member():
    registrant = UserFactory()

    organisation = _create(registrant)

    assert organisation.verified is False
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user, membership.role) == (registrant, Role.VENDOR_STAFF)
    assert registrant.has_perm("registry.change_organisation", organisation)
    actions = list(AuditEntry.objects.filter(actor=registrant).values_list("action", flat=True))
    assert actions == ["organisation.create", "membership.add"]
    assert AuditEntry.objects.get(action="organisation.create").after["credit_code"] == organisation.credit_code


def test_an_operator_registers_on_behalf_without_joining(operator):
    organisation = _create(operator)
    assert not Membership.objects.filter(organisation=organisation).exists()


def test_lower_case_and_spaces_in_the_code_are_accepted():
    organisation = _create(UserFactory(), credit_code_value=f"  {valid_credit_code(7).lower()} ")
    assert organisation.credit_code == valid_credit_code(7)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code_value": valid_credit_code(42)[:-1] + "0"}, "credit_code"),
        ({"credit_code_value": "123"}, "credit_code"),
        ({"region_code": "999999"}, "region"),
        ({"name": "   "}, "name"),
        ({"kind": "bank"}, "kind"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(overrides, field):
    if "credit_code_value" in overrides and overrides["credit_code_value"].endswith("0"):
        # make sure the corrupted code really is invalid rather than accidentally right
        assert overrides["credit_code_value"] != valid_credit_code(42)
    with pytest.raises(ValidationError) as error:
        _create(UserFactory(), **overrides)
    assert field in error.value.message_dict
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_duplicate_credit_code_is_refused():
    _create(UserFactory())
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            _create(UserFactory(), name="另一家公司")
        assert "already registered" in error.value.message_dict["credit_code"][0]
    assert Organisation.objects.count() == 1


def test_only_operators_verify(operator):
    organisation = OrganisationFactory()
    member = UserFactory()
    services.membership_add(actor=operator, organisation=organisation, username=member.username, role=Role.VENDOR_STAFF)

    with pytest.raises(PermissionDenied):
        services.organisation_verify(actor=member, organisation=organisation)
    organisation.refresh_from_db()
    assert organisation.verified is False

    services.organisation_verify(actor=operator, organisation=organisation)
    organisation.refresh_from_db()
    assert organisation.verified is True
    assert organisation.status_changed_at is not None
    entry = AuditEntry.objects.get(action="organisation.verify")
    assert (entry.before["status"], entry.after["status"], entry.actor) == ("submitted", "verified", operator)


def test_verifying_twice_is_a_conflict(operator):
    organisation = OrganisationFactory(verified=True)
    with pytest.raises(Conflict):
        services.organisation_verify(actor=operator, organisation=organisation)


def test_an_operator_rejects_with_a_reason_and_the_workflow_table_holds(operator):
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError) as error:
        services.organisation_reject(actor=operator, organisation=organisation, reason="  ")
    assert "reason" in error.value.message_dict

    services.organisation_reject(actor=operator, organisation=organisation, reason="营业执照已过期")
    organisation.refresh_from_db()
    assert (organisation.status, organisation.rejection_reason) == ("rejected", "营业执照已过期")
    assert AuditEntry.objects.get(action="organisation.reject").after["rejection_reason"] == "营业执照已过期"

    with pytest.raises(Conflict):  # a rejected registration must be resubmitted before verification
        services.organisation_verify(actor=operator, organisation=organisation)
    organisation.refresh_from_db()
    assert organisation.status == "rejected"


def test_the_transition_table_refuses_what_it_does_not_list():
    from registry import verification

    allowed = set(verification.TRANSITIONS)
    for status in ("submitted", "verified", "rejected"):
        for action in (verification.VERIFY, verification.REJECT, verification.RESUBMIT):
            if (status, action) in allowed:
                assert verification.next_status(status, action) == verification.TRANSITIONS[(status, action)]
            else:
                with pytest.raises(Conflict):
                    verification.next_status(status, action)

import os
import subprocess
import sys
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from portal.audit.chain import chain_of
from portal.audit.models import CHAINS, GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEntry
from portal.audit.selectors import audit_chain_report, audit_trail_of
from portal.audit.services import audit_record
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _append(n, actor=None):
    user = actor or UserFactory()
    return [
        audit_record(actor=user, action="test.touch", obj=user, before={"n": i}, after={"n": i + 1}) for i in range(n)
    ]


def _run_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_entries_chain_each_to_the_previous_one():
    first, second, third = _append(3)  # one object: one chain
    assert first.chain == second.chain == third.chain
    assert first.prev_hash == GENESIS_HASH
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    head = AuditChainHead.objects.get(pk=first.chain)
    assert (head.seq, head.hash) == (3, third.hash)
    assert audit_chain_report().ok


def test_objects_spread_over_the_chains_and_each_keeps_its_history_in_one():
    users = [UserFactory() for _ in range(40)]
    for user in users:
        _append(2, actor=user)
    chains = set(AuditEntry.objects.values_list("chain", flat=True))
    assert len(chains) > CHAINS // 8  # about 30 of 64 expected; far from all in one
    for user in users:
        rows = AuditEntry.objects.filter(object_id=str(user.pk), object_type="accounts.user")
        assert set(rows.values_list("chain", flat=True)) == {chain_of("accounts.user", str(user.pk))}
    assert audit_chain_report().checked == 80


def test_an_entry_records_who_what_when_and_the_change():
    actor = UserFactory(username="auditor")
    organisation = OrganisationFactory()
    entry = audit_record(
        actor=actor, action="organisation.rename", obj=organisation, before={"name": "甲"}, after={"name": "乙"}
    )
    assert (entry.actor, entry.actor_label, entry.object_type, entry.object_id) == (
        actor,
        "auditor",
        "registry.organisation",
        str(organisation.pk),
    )
    assert (entry.before, entry.after) == ({"name": "甲"}, {"name": "乙"})
    assert entry.created_at is not None
    assert list(audit_trail_of(obj=organisation).values_list("action", flat=True))[-1] == "organisation.rename"


def test_system_actions_are_recorded_without_a_user():
    user = UserFactory()
    entry = audit_record(actor=None, action="tender.open", obj=user, before={}, after={})
    assert entry.actor is None
    assert entry.actor_label == "system"


def test_the_model_refuses_updates_and_deletes():
    (entry,) = _append(1)
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_an_edited_row_is_detected_and_named():
    entries = _append(5)
    _run_sql("UPDATE audit_auditentry SET after = %s WHERE id = %s", ['{"n": 999}', entries[2].pk])

    report = audit_chain_report()

    assert not report.ok
    assert report.broken_row == entries[2].pk
    assert "edited" in report.reason
    assert report.checked == 2


def test_a_replaced_hash_is_detected():
    entries = _append(4)
    _run_sql("UPDATE audit_auditentry SET hash = %s WHERE id = %s", ["f" * 64, entries[1].pk])
    assert audit_chain_report().broken_row == entries[1].pk  # its stored hash no longer matches its content


def test_a_deleted_row_is_detected_at_the_row_after_it():
    entries = _append(5)
    _run_sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    report = audit_chain_report()
    assert report.broken_row == entries[2].pk
    assert "removed" in report.reason


def test_a_deleted_last_row_is_detected_through_the_head():
    entries = _append(3)
    _run_sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    report = audit_chain_report()
    assert not report.ok
    assert "removed" in report.reason


def test_a_deleted_head_is_detected():
    (entry,) = _append(1)
    _run_sql("DELETE FROM audit_auditchainhead WHERE id = %s", [entry.chain])
    assert "head is gone" in audit_chain_report().reason


def test_verify_audit_chain_exits_zero_when_intact_and_non_zero_naming_the_row(capsys):
    entries = _append(3)
    call_command("verify_audit_chain")
    assert "intact: 3 rows" in capsys.readouterr().out

    _run_sql("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["forged", entries[1].pk])
    with pytest.raises(CommandError, match=f"row {entries[1].pk}:") as error:
        call_command("verify_audit_chain")
    assert error.value.returncode == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_command_exits_1_from_the_shell_naming_the_row():
    """The real process exit status, as a cron job or an auditor's script sees it."""
    entries = _append(3)
    command = [sys.executable, "manage.py", "verify_audit_chain"]
    db = connection.settings_dict
    env = os.environ | {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}

    intact = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    _run_sql("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["someone-else", entries[1].pk])
    broken = subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    assert intact.returncode == 0, intact.stderr
    assert broken.returncode == 1
    assert f"row {entries[1].pk}:" in broken.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_linear_chain():
    users = [UserFactory() for _ in range(8)]
    errors = []

    def write(user):
        try:
            for i in range(10):
                audit_record(actor=user, action="race", obj=user, before={}, after={"i": i})
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEntry.objects.count() == 80
    for chain in set(AuditEntry.objects.values_list("chain", flat=True)):
        positions = list(AuditEntry.objects.filter(chain=chain).order_by("pk").values_list("seq", flat=True))
        assert positions == list(range(1, len(positions) + 1))
    assert audit_chain_report().ok

"""PostgreSQL's redemption reads in one call (`redemption_facts.locked_facts`, a temporary PL/pgSQL
function built from the statement-by-statement reads) and writes in one statement. These tests
hold the function to the statements it is built from: the same facts, the same related-party
answer, the same audit chain; and they hold the hot path to its two round trips."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.audit.chain import chain_of, chain_of_sql
from portal.audit.models import AuditChainHead, AuditEntry
from portal.errors import Conflict
from registry import services as registry_services
from registry.related_parties import are_related
from tests.factories.vouchers import YUAN, holder_of, issued_voucher, redeemable, redeemable_order
from tests.vouchers.services.helpers import assert_ledger_verifies, redeem
from vouchers.models import LedgerTransaction, Redemption, RedemptionState, TransactionKind
from vouchers.services import redemption_facts
from vouchers.services.redemption_facts import CONTRACT, ORDER

pytestmark = pytest.mark.django_db


def both_ways(kind, target_id, voucher, actor, key=""):
    """What the function answers and what the separate statements answer, under the same locks."""
    year = 2026
    redemption_facts.prepare_functions()
    with transaction.atomic():
        locked = redemption_facts.locked_facts(
            kind=kind, target_id=target_id, code=voucher.code, actor=actor, year=year, idempotency_key=key
        )
        parties = redemption_facts.parties(kind=kind, target_id=target_id, code=voucher.code, actor=actor)
        facts = redemption_facts.facts(
            kind=kind,
            voucher_id=voucher.pk,
            target_id=target_id,
            year=year,
            actor=actor,
            idempotency_key=key,
        )
    return locked, parties, facts


def test_the_function_reads_what_the_statements_read_for_an_order():
    setup = redeemable_order()
    redeem(setup.holder_user, setup.voucher, 3 * YUAN, order=setup.order, key="first")

    locked, parties, facts = both_ways(ORDER, setup.order.pk, setup.voucher, setup.holder_user, key="first")

    assert locked is not None
    assert locked.facts == facts
    assert dataclasses.asdict(locked.facts)["balance_fen"] == 50_000 * YUAN - 3 * YUAN
    assert locked.facts.replay_id == Redemption.objects.get(idempotency_key="first").pk
    assert (
        (locked.voucher_id, locked.acts_for_holder)
        == (parties.voucher_id, parties.acts_for_holder)
        == (
            setup.voucher.pk,
            True,
        )
    )
    assert locked.related is are_related(facts.holder_id, facts.provider_id) is False
    assert locked.chain == chain_of("vouchers.voucher", str(setup.voucher.pk))
    head = AuditChainHead.objects.get(pk=locked.chain)
    assert locked.head == (head.seq, head.hash)
    assert locked.redemption_id > Redemption.objects.get(idempotency_key="first").pk


def test_the_function_reads_what_the_statements_read_for_a_contract_asked_by_the_provider():
    setup = redeemable()
    registry_services.relation_declare(
        actor=setup.holder_user,
        organisation=holder_of(setup.holder_user),
        related_organisation=setup.contract.supplier,
        nature="同一实际控制人",
    )

    locked, parties, facts = both_ways(CONTRACT, setup.contract.pk, setup.voucher, setup.provider_user)

    assert locked is not None
    assert locked.facts == facts
    assert facts.target_state == "active"
    assert facts.replay_id is None
    assert (locked.acts_for_holder, parties.acts_for_provider) == (False, True)
    assert locked.related is are_related(facts.holder_id, facts.provider_id) is True


def test_the_function_finds_nothing_where_the_statements_find_nothing_usable():
    setup = redeemable_order()
    stranger = redeemable_order().holder_user

    redemption_facts.prepare_functions()
    with transaction.atomic():
        for code, actor in (("0000-0000-0000", setup.holder_user), (setup.voucher.code, stranger)):
            assert (
                redemption_facts.locked_facts(
                    kind=ORDER, target_id=setup.order.pk, code=code, actor=actor, year=2026, idempotency_key=""
                )
                is None
            )
        assert (
            redemption_facts.locked_facts(
                kind=ORDER,
                target_id=10**12,
                code=setup.voucher.code,
                actor=setup.holder_user,
                year=2026,
                idempotency_key="",
            )
            is None
        )


@pytest.mark.django_db(transaction=True)  # the service's own transaction: in pipeline mode
def test_without_a_head_from_the_function_the_redemption_locks_the_head_itself(monkeypatch):
    """The function answers no head while the chain has none (a fresh database); the service then
    takes it as `audit_record` does, and the entry still follows the head."""
    setup = redeemable_order()
    chain = chain_of("vouchers.voucher", str(setup.voucher.pk))
    AuditChainHead.objects.get_or_create(pk=chain)
    before = AuditChainHead.objects.get(pk=chain)
    seen = redemption_facts.locked_facts
    monkeypatch.setattr(
        redemption_facts, "locked_facts", lambda **kwargs: dataclasses.replace(seen(**kwargs), head=None)
    )

    outcome = redeem(setup.holder_user, setup.voucher, 2 * YUAN, order=setup.order)

    head = AuditChainHead.objects.get(pk=chain)
    entry = AuditEntry.objects.get(chain=chain, seq=head.seq)
    assert head.seq == before.seq + 1
    assert (entry.prev_hash, entry.hash, entry.action) == (before.hash, head.hash, "voucher.redeem")
    assert entry.after["redemption"] == outcome.redemption.pk
    assert LedgerTransaction.objects.filter(redemption=outcome.redemption, kind=TransactionKind.REDEEM).count() == 1


def test_chain_of_sql_agrees_with_chain_of():
    ids = [*range(1, 400, 7), 10**9 + 7]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i, " + chain_of_sql("vouchers.voucher", "i").replace("%", "%%") + " FROM unnest(%s::bigint[]) AS i",  # noqa: S608 (a fixed label)
            [ids],
        )
        answered = dict(cursor.fetchall())
    assert answered == {i: chain_of("vouchers.voucher", str(i)) for i in ids}


def test_a_redemption_is_two_statements_in_its_transaction():
    setup = redeemable_order()
    redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=setup.order)  # the voucher's chain has a head now

    with CaptureQueriesContext(connection) as queries:
        outcome = redeem(setup.holder_user, setup.voucher, 5 * YUAN, order=setup.order, key="counted")

    # Made again in each test's transaction (see `prepare_functions`), once per connection elsewhere.
    made = ("CREATE OR REPLACE FUNCTION", "SAVEPOINT", "RELEASE SAVEPOINT")
    sent = [query["sql"] for query in queries.captured_queries if not query["sql"].lstrip().startswith(made)]
    assert len(sent) == 2, sent
    assert "voucher_redemption_facts" in sent[0]
    assert sent[1].startswith("WITH redemption AS (INSERT")
    redemption = Redemption.objects.get(pk=outcome.redemption.pk)
    assert (redemption.amount_fen, redemption.state, redemption.idempotency_key) == (
        5 * YUAN,
        RedemptionState.CONFIRMED,
        "counted",
    )
    assert_ledger_verifies()


@pytest.mark.django_db(transaction=True)  # the service's own transaction: its writes go with the COMMIT
def test_a_key_taken_at_the_same_moment_is_a_conflict_that_writes_nothing(monkeypatch):
    """The race `_redeem_in_two_calls` answers with 409: the facts saw no redemption with the key,
    then the write met the one another transaction committed (the error comes back through the
    pipeline). Simulated by hiding the first redemption from the facts."""
    setup = redeemable_order()
    other = issued_voucher(setup.programme, setup.holder_user, 1_000 * YUAN)
    redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=setup.order, key="shared")
    seen = redemption_facts.locked_facts

    def unseen(**kwargs):
        locked = seen(**kwargs)
        return dataclasses.replace(locked, facts=dataclasses.replace(locked.facts, replay_id=None))

    monkeypatch.setattr(redemption_facts, "locked_facts", unseen)
    before = (Redemption.objects.count(), LedgerTransaction.objects.count())

    with pytest.raises(Conflict):
        redeem(setup.holder_user, other, 2 * YUAN, order=setup.order, key="shared")

    assert (Redemption.objects.count(), LedgerTransaction.objects.count()) == before
    assert_ledger_verifies()

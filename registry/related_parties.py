"""Related parties (关联方): the selectors tender evaluation and vouchers call.

Two organisations are related when (DESIGN §6, §4):
- they have the same legal representative;
- one holds 5 % or more of the other;
- the same holder (a person or an organisation) holds 5 % or more of both;
- the legal representative of one holds 5 % or more of the other;
- either declared a relation with the other.
People are matched by the keyed hash of their identity number, organisations by credit code, so a
shareholder organisation counts even before it registers on the portal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import prepared
from registry.models import DeclaredRelation, Organisation, Shareholder

RELATED_SHARE_BP = 500  # 5 %


class RelationReason(models.TextChoices):
    SAME_LEGAL_REPRESENTATIVE = "same_legal_representative", _("same legal representative")
    # xgettext:no-python-format
    HOLDS = "holds", _("holds 5 % or more of it")
    # xgettext:no-python-format
    HELD_BY = "held_by", _("is held 5 % or more by it")
    # xgettext:no-python-format
    COMMON_HOLDER = "common_holder", _("a holder of 5 % or more in both")
    # xgettext:no-python-format
    LEGAL_REPRESENTATIVE_HOLDS = "legal_representative_holds", _("its legal representative holds 5 % or more")
    DECLARED = "declared", _("declared relation")


def related_parties(organisation: Organisation) -> dict[int, set[RelationReason]]:
    """Every organisation related to `organisation` (by primary key), with the reasons."""
    found: dict[int, set[RelationReason]] = defaultdict(set)
    me = organisation.pk
    significant = Shareholder.objects.filter(share_bp__gte=RELATED_SHARE_BP)
    own_holders = list(
        significant.filter(organisation=organisation).values_list("holder_credit_code", "holder_id_hash")
    )
    holder_codes = {code for code, _hash in own_holders if code}
    holder_hashes = {digest for _code, digest in own_holders if digest}
    representative = organisation.legal_representative_id_hash

    def add(pks: Iterable[int], reason: RelationReason) -> None:
        for pk in pks:
            if pk != me:
                found[pk].add(reason)

    if representative:
        add(
            Organisation.objects.filter(legal_representative_id_hash=representative).values_list("pk", flat=True),
            RelationReason.SAME_LEGAL_REPRESENTATIVE,
        )
        add(
            significant.filter(holder_id_hash=representative).values_list("organisation_id", flat=True),
            RelationReason.LEGAL_REPRESENTATIVE_HOLDS,
        )
    add(
        significant.filter(holder_credit_code=organisation.credit_code).values_list("organisation_id", flat=True),
        RelationReason.HOLDS,
    )
    if holder_codes:
        add(
            Organisation.objects.filter(credit_code__in=holder_codes).values_list("pk", flat=True),
            RelationReason.HELD_BY,
        )
    if holder_codes or holder_hashes:
        add(
            significant.filter(Q(holder_credit_code__in=holder_codes) | Q(holder_id_hash__in=holder_hashes))
            .exclude(organisation=organisation)
            .values_list("organisation_id", flat=True),
            RelationReason.COMMON_HOLDER,
        )
    if holder_hashes:
        add(
            Organisation.objects.filter(legal_representative_id_hash__in=holder_hashes).values_list("pk", flat=True),
            RelationReason.LEGAL_REPRESENTATIVE_HOLDS,
        )
    declared = DeclaredRelation.objects.filter(Q(organisation=organisation) | Q(related_organisation=organisation))
    add(
        {pk for pair in declared.values_list("organisation_id", "related_organisation_id") for pk in pair},
        RelationReason.DECLARED,
    )
    return dict(found)


_ORGANISATION = Organisation._meta.db_table
_SHAREHOLDER = Shareholder._meta.db_table
_DECLARED = DeclaredRelation._meta.db_table


def _significant(alias: str, organisation: str) -> str:
    """A holder of 5 % or more of `organisation` (its share bound as a parameter)."""
    return (
        f"SELECT 1 FROM {_SHAREHOLDER} {alias}"
        f" WHERE {alias}.organisation_id = {organisation} AND {alias}.share_bp >= %s"
    )


# Whether b is among related_parties(a), as one statement: each line is one of its reasons, in its
# order (the same legal representative, then the representative holding, holding, being held, a
# common holder, a's holder being b's representative, a declaration). Vouchers ask it inside every
# redemption, where the full set with its reasons would cost seven statements.
_PAIR_SQL = f"""
SELECT a.id <> b.id AND (
    (a.legal_representative_id_hash <> '' AND b.legal_representative_id_hash = a.legal_representative_id_hash)
    OR (a.legal_representative_id_hash <> ''
        AND EXISTS({_significant("s", "b.id")} AND s.holder_id_hash = a.legal_representative_id_hash))
    OR EXISTS({_significant("s", "b.id")} AND s.holder_credit_code = a.credit_code)
    OR EXISTS({_significant("s", "a.id")} AND s.holder_credit_code <> '' AND s.holder_credit_code = b.credit_code)
    OR EXISTS(
        {_significant("s", "a.id")} AND EXISTS(
            {_significant("t", "b.id")}
            AND ((s.holder_credit_code <> '' AND t.holder_credit_code = s.holder_credit_code)
                 OR (s.holder_id_hash <> '' AND t.holder_id_hash = s.holder_id_hash))))
    OR (b.legal_representative_id_hash <> ''
        AND EXISTS({_significant("s", "a.id")} AND s.holder_id_hash = b.legal_representative_id_hash))
    OR EXISTS(
        SELECT 1 FROM {_DECLARED} d
        WHERE (d.organisation_id = a.id AND d.related_organisation_id = b.id)
           OR (d.organisation_id = b.id AND d.related_organisation_id = a.id))
)
FROM {_ORGANISATION} a, {_ORGANISATION} b
WHERE a.id = %s AND b.id = %s
"""
_PAIR_SHARES = [RELATED_SHARE_BP] * (_PAIR_SQL.count("%s") - 2)


def related_pair_statement(a: object, b: object) -> tuple[str, list[object]]:
    """`are_related`'s statement and its parameters, for a caller that runs it within a statement
    of its own (the redemption's database function): one row, one boolean column."""
    return _PAIR_SQL, [*_PAIR_SHARES, a, b]


def are_related(a: Organisation | int, b: Organisation | int) -> bool:
    """Whether the two are related parties: the same answer as `b in related_parties(a)`, in one
    statement (a test holds the two together)."""
    a_pk = a.pk if isinstance(a, Organisation) else a
    b_pk = b.pk if isinstance(b, Organisation) else b
    row = prepared.fetchone(*related_pair_statement(a_pk, b_pk))
    return bool(row and row[0])

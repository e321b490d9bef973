"""Who may audit a tender, and its audit trail."""

from __future__ import annotations

from django.db.models import (
    Model,
    Q,
    QuerySet,
)

from marketplace.models import (
    Award,
    Bid,
    BidResult,
    Challenge,
    Committee,
    CommitteeMember,
    Contract,
    Delivery,
    ScoreSheet,
    Tender,
)
from marketplace.selectors.tenders import buyer_organisations_of
from portal.audit.models import AuditEntry
from portal.errors import NotFound
from portal.permissions import AnyUser
from registry.selectors import regulator_scope_q


def may_audit_tender(*, user: AnyUser, tender: Tender) -> bool:
    """The buyer's staff, operators and regulators whose scope covers the tender's region."""
    if any(organisation.pk == tender.buyer_id for organisation in buyer_organisations_of(user=user)):
        return True
    scope = regulator_scope_q(user=user)
    return scope is not None and Tender.objects.filter(scope, pk=tender.pk).exists()


def tender_audit_trail(*, user: AnyUser, tender: Tender) -> QuerySet[AuditEntry]:
    """Every audited step of the tender and of what hangs off it (bids, committee, seats, score
    sheets, challenges, awards, contracts), oldest first; NotFound for anyone else.

    Left out while they would leak: bid rows before the opening (who bid is confidential until
    then), score sheets of a round not yet concluded (scores are hidden until every member has
    submitted), and clarifications (the asker is never named, not even to the buyer).
    """
    if not may_audit_tender(user=user, tender=tender):
        raise NotFound()
    objects: list[tuple[type[Model], list[int]]] = [(Tender, [tender.pk])]
    if tender.opened:
        objects.append((Bid, list(tender.bids.values_list("pk", flat=True))))
    objects += [
        (Committee, list(Committee.objects.filter(tender=tender).values_list("pk", flat=True))),
        (CommitteeMember, list(CommitteeMember.objects.filter(committee__tender=tender).values_list("pk", flat=True))),
        (
            ScoreSheet,
            list(
                ScoreSheet.objects.filter(
                    tender=tender, round__in=BidResult.objects.filter(tender=tender).values("round")
                ).values_list("pk", flat=True)
            ),
        ),
        (Challenge, list(tender.challenges.values_list("pk", flat=True))),
        (Award, list(tender.awards.values_list("pk", flat=True))),
        (Contract, list(tender.contracts.values_list("pk", flat=True))),
        (Delivery, list(Delivery.objects.filter(contract__tender=tender).values_list("pk", flat=True))),
    ]
    condition = Q(pk__in=[])
    for model, pks in objects:
        if pks:
            condition |= Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks])
    return AuditEntry.objects.filter(condition).order_by("created_at", "pk")

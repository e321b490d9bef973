"""The procurement procedures of the exchange and their limits (DESIGN §4), in one table.

Every rule that depends on the procedure (who may buy with it, the shortest bid period, how many
valid bids an opening needs, which evaluation methods it allows, how OCDS names it) reads this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.roles import OrganisationKind


class Procedure(models.TextChoices):
    OPEN_TENDER = "open_tender", _("open tender (公开招标)")
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", _("competitive negotiation (竞争性磋商)")
    REQUEST_FOR_QUOTATION = "request_for_quotation", _("request for quotation (询价)")


class EvaluationMethod(models.TextChoices):
    COMPREHENSIVE_SCORING = "comprehensive_scoring", _("comprehensive scoring")
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price", _("lowest evaluated price")
    LOWEST_PRICE = "lowest_price", _("lowest price")
    BUYERS_CHOICE = "buyers_choice", _("buyer's choice")


@dataclass(frozen=True)
class ProcedureRules:
    buyer_kinds: frozenset[OrganisationKind]
    min_bid_period: timedelta
    min_valid_bids: int
    methods: tuple[EvaluationMethod, ...]
    # OCDS procurementMethod (closed codelist: open, selective, limited, direct).
    ocds_method: str


M = EvaluationMethod

PROCEDURES: dict[Procedure, ProcedureRules] = {
    Procedure.OPEN_TENDER: ProcedureRules(
        buyer_kinds=frozenset({OrganisationKind.AGENCY}),
        min_bid_period=timedelta(days=20),
        min_valid_bids=3,
        methods=(M.COMPREHENSIVE_SCORING, M.LOWEST_EVALUATED_PRICE),
        ocds_method="open",
    ),
    # Competitive negotiation invites suppliers (from an announcement, a supplier list or
    # recommendations) to negotiate: OCDS's "selective".
    Procedure.COMPETITIVE_NEGOTIATION: ProcedureRules(
        buyer_kinds=frozenset({OrganisationKind.AGENCY}),
        min_bid_period=timedelta(days=10),
        min_valid_bids=3,
        methods=(M.COMPREHENSIVE_SCORING,),
        ocds_method="selective",
    ),
    Procedure.REQUEST_FOR_QUOTATION: ProcedureRules(
        buyer_kinds=frozenset({OrganisationKind.ENTERPRISE}),
        min_bid_period=timedelta(days=3),
        min_valid_bids=1,
        methods=(M.LOWEST_PRICE, M.BUYERS_CHOICE),
        ocds_method="open",
    ),
}


def rules_of(procedure: Procedure | str) -> ProcedureRules:
    return PROCEDURES[Procedure(procedure)]


def procedures_for(kind: OrganisationKind | str) -> list[Procedure]:
    """The procedures an organisation of this kind may run, in table order."""
    return [procedure for procedure, rules in PROCEDURES.items() if OrganisationKind(kind) in rules.buyer_kinds]


# Documents changed later than this before the deadline push the deadline out so that this much
# time remains (政府采购货物和服务招标投标管理办法, art. 27).
AMENDMENT_NOTICE = timedelta(days=15)

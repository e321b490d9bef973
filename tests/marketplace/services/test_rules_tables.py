"""The procedure table and the tender state machine: one place each, complete, and enforced."""

from datetime import timedelta

import pytest
from django.utils import translation

from marketplace.procedures import PROCEDURES, EvaluationMethod, Procedure, procedures_for, rules_of
from marketplace.states import TRANSITIONS, TenderAction, TenderState, allowed_actions, next_state
from portal.errors import Conflict
from registry.roles import OrganisationKind


def test_the_procedure_table_carries_design_section_4():
    assert rules_of(Procedure.OPEN_TENDER).min_bid_period == timedelta(days=20)
    assert rules_of(Procedure.OPEN_TENDER).min_valid_bids == 3
    assert rules_of(Procedure.COMPETITIVE_NEGOTIATION).min_bid_period == timedelta(days=10)
    assert rules_of(Procedure.COMPETITIVE_NEGOTIATION).methods == (EvaluationMethod.COMPREHENSIVE_SCORING,)
    assert rules_of(Procedure.REQUEST_FOR_QUOTATION).min_bid_period == timedelta(days=3)
    assert rules_of(Procedure.REQUEST_FOR_QUOTATION).min_valid_bids == 1
    assert set(PROCEDURES) == set(Procedure)


def test_agencies_tender_and_enterprises_ask_for_quotations():
    assert procedures_for(OrganisationKind.AGENCY) == [Procedure.OPEN_TENDER, Procedure.COMPETITIVE_NEGOTIATION]
    assert procedures_for(OrganisationKind.ENTERPRISE) == [Procedure.REQUEST_FOR_QUOTATION]
    assert procedures_for(OrganisationKind.VENDOR) == []


def test_every_state_of_the_design_is_reachable_from_draft():
    reachable, frontier = {TenderState.DRAFT}, [TenderState.DRAFT]
    while frontier:
        state = frontier.pop()
        for action in allowed_actions(state):
            target = next_state(state, action)
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(TenderState)


@pytest.mark.parametrize("state", [TenderState.AWARDED, TenderState.FAILED, TenderState.CANCELLED])
def test_ended_tenders_go_nowhere(state):
    assert allowed_actions(state) == []


def test_a_forbidden_transition_is_a_conflict_with_a_message():
    with translation.override("en"), pytest.raises(Conflict, match="cannot be"):
        next_state(TenderState.DRAFT, TenderAction.AWARD)
    assert (TenderState.OPEN, TenderAction.OPEN) not in TRANSITIONS

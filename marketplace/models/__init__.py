"""Models of the tender exchange, one module per part of it."""

from marketplace.models.alerts import SavedSearch
from marketplace.models.bids import Bid, BidGroupObjectPermission, BidState, BidUserObjectPermission
from marketplace.models.catalogue import CatalogueEntry, Openness, VolumeUnit
from marketplace.models.contracts import Award, Contract, ContractMilestone, ContractState, MilestoneState
from marketplace.models.evaluation import (
    FULL_MARKS,
    MIN_COMMITTEE_SIZE,
    BidResult,
    Challenge,
    ChallengeState,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    MemberState,
    Score,
    ScoreSheet,
)
from marketplace.models.ocds import Release
from marketplace.models.tenders import (
    Clarification,
    ClarificationGroupObjectPermission,
    ClarificationUserObjectPermission,
    Lot,
    LotState,
    Tender,
    TenderAmendment,
    TenderDocument,
    TenderGroupObjectPermission,
    TenderMilestone,
    TenderUserObjectPermission,
)

__all__ = [
    "FULL_MARKS",
    "MIN_COMMITTEE_SIZE",
    "Award",
    "Bid",
    "BidGroupObjectPermission",
    "BidResult",
    "BidState",
    "BidUserObjectPermission",
    "CatalogueEntry",
    "Challenge",
    "ChallengeState",
    "Clarification",
    "ClarificationGroupObjectPermission",
    "ClarificationUserObjectPermission",
    "Committee",
    "CommitteeDraw",
    "CommitteeMember",
    "Contract",
    "ContractMilestone",
    "ContractState",
    "Lot",
    "LotState",
    "MemberState",
    "MilestoneState",
    "Openness",
    "Release",
    "SavedSearch",
    "Score",
    "ScoreSheet",
    "Tender",
    "TenderAmendment",
    "TenderDocument",
    "TenderGroupObjectPermission",
    "TenderMilestone",
    "TenderUserObjectPermission",
    "VolumeUnit",
]

"""Models of the tender exchange, one module per part of it."""

from marketplace.models.bids import Bid, BidGroupObjectPermission, BidState, BidUserObjectPermission
from marketplace.models.catalogue import CatalogueEntry, Openness, VolumeUnit
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
    "Bid",
    "BidGroupObjectPermission",
    "BidState",
    "BidUserObjectPermission",
    "CatalogueEntry",
    "Clarification",
    "ClarificationGroupObjectPermission",
    "ClarificationUserObjectPermission",
    "Lot",
    "LotState",
    "Openness",
    "Release",
    "Tender",
    "TenderAmendment",
    "TenderDocument",
    "TenderGroupObjectPermission",
    "TenderMilestone",
    "TenderUserObjectPermission",
    "VolumeUnit",
]

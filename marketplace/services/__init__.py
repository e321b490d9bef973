"""Every write of the tender exchange. Import from here; the modules split it by part."""

from marketplace.services.bids import (
    BidDocumentInput,
    DeadlinePassed,
    SealedContent,
    bid_confirm,
    bid_submit,
    bid_unseal,
    bid_withdraw,
)
from marketplace.services.catalogue import catalogue_entry_create, catalogue_entry_update
from marketplace.services.clarifications import clarification_answer, clarification_ask
from marketplace.services.opening import tender_open, tenders_close_due
from marketplace.services.tenders import (
    LotSpec,
    MilestoneSpec,
    TenderSpec,
    default_retender_deadline,
    tender_amend,
    tender_cancel,
    tender_create,
    tender_document_add,
    tender_document_remove,
    tender_publish,
    tender_retender,
    tender_update,
)

__all__ = [
    "BidDocumentInput",
    "DeadlinePassed",
    "LotSpec",
    "MilestoneSpec",
    "SealedContent",
    "TenderSpec",
    "bid_confirm",
    "bid_submit",
    "bid_unseal",
    "bid_withdraw",
    "catalogue_entry_create",
    "catalogue_entry_update",
    "clarification_answer",
    "clarification_ask",
    "default_retender_deadline",
    "tender_amend",
    "tender_cancel",
    "tender_create",
    "tender_document_add",
    "tender_document_remove",
    "tender_open",
    "tender_publish",
    "tender_retender",
    "tender_update",
    "tenders_close_due",
]

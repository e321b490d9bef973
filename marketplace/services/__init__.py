"""Every write of the tender exchange. Import from here; the modules split it by part."""

from marketplace.services.alerts import saved_search_create, saved_search_delete, saved_searches_notify
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
from marketplace.services.committee import (
    committee_candidates,
    committee_form,
    committee_member_accept,
    committee_member_decline,
    committee_refill,
)
from marketplace.services.contracts import (
    ContractMilestoneSpec,
    contract_milestone_meet,
    contract_milestones_set,
    contract_sign,
    contract_terminate,
    contracts_remind_unsigned,
    tender_award,
)
from marketplace.services.evaluation import ScoreInput, bids_under_evaluation, score_sheet_save
from marketplace.services.opening import tender_open, tenders_close_due
from marketplace.services.publicity import challenge_answer, challenge_submit, tender_publicise
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
    "ContractMilestoneSpec",
    "DeadlinePassed",
    "LotSpec",
    "MilestoneSpec",
    "ScoreInput",
    "SealedContent",
    "TenderSpec",
    "bid_confirm",
    "bid_submit",
    "bid_unseal",
    "bid_withdraw",
    "bids_under_evaluation",
    "catalogue_entry_create",
    "catalogue_entry_update",
    "challenge_answer",
    "challenge_submit",
    "clarification_answer",
    "clarification_ask",
    "committee_candidates",
    "committee_form",
    "committee_member_accept",
    "committee_member_decline",
    "committee_refill",
    "contract_milestone_meet",
    "contract_milestones_set",
    "contract_sign",
    "contract_terminate",
    "contracts_remind_unsigned",
    "default_retender_deadline",
    "saved_search_create",
    "saved_search_delete",
    "saved_searches_notify",
    "score_sheet_save",
    "tender_amend",
    "tender_award",
    "tender_cancel",
    "tender_create",
    "tender_document_add",
    "tender_document_remove",
    "tender_open",
    "tender_publicise",
    "tender_publish",
    "tender_retender",
    "tender_update",
    "tenders_close_due",
]

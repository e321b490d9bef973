"""Building an OCDS 1.1 release from the current state of a tender.

Called inside the transaction of each state change, so the release shows exactly the state that
change produced. Bids appear only once the tender has been opened: before that no release can hold
a price, because the builder never reads a sealed bid (and there is no decrypted price to read).
Bid details use the fields of the OCDS bids extension; lots those of the lots extension. The
package declares no extension URLs (validators work offline), so both appear as additional fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from marketplace.models import Bid, BidState, LotState, Tender
from marketplace.ocds.encoding import yuan
from marketplace.procedures import EvaluationMethod, rules_of
from marketplace.states import TenderState
from registry.models import Organisation

TENDER_STATUS = {
    TenderState.DRAFT: "planning",
    TenderState.OPEN: "active",
    TenderState.OPENING: "active",
    TenderState.EVALUATION: "active",
    TenderState.PUBLICITY: "active",
    TenderState.AWARDED: "complete",
    TenderState.FAILED: "unsuccessful",
    TenderState.CANCELLED: "cancelled",
}
LOT_STATUS = {LotState.ACTIVE: "active", LotState.UNSUCCESSFUL: "unsuccessful", LotState.CANCELLED: "cancelled"}
AWARD_CRITERIA = {
    EvaluationMethod.COMPREHENSIVE_SCORING: "ratedCriteria",
    EvaluationMethod.LOWEST_EVALUATED_PRICE: "priceOnly",
    EvaluationMethod.LOWEST_PRICE: "priceOnly",
    EvaluationMethod.BUYERS_CHOICE: "qualityOnly",
}
BID_STATUS = {BidState.VALID: "valid", BidState.INVALID: "disqualified"}
# The organisation identifier scheme of the unified social credit code (org-id.guide).
IDENTIFIER_SCHEME = "CN-USCC"


def ocid_of(tender_id: int) -> str:
    return f"{settings.OCID_PREFIX}-{tender_id}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _party_id(organisation: Organisation) -> str:
    return f"{IDENTIFIER_SCHEME}-{organisation.credit_code}"


def _party(organisation: Organisation, roles: list[str]) -> dict[str, Any]:
    return {
        "id": _party_id(organisation),
        "name": organisation.name,
        "identifier": {"scheme": IDENTIFIER_SCHEME, "id": organisation.credit_code, "legalName": organisation.name},
        "address": {"region": organisation.region.name, "countryName": "中国"},
        "roles": roles,
    }


def _reference(organisation: Organisation) -> dict[str, str]:
    return {"id": _party_id(organisation), "name": organisation.name}


def _value(fen: int, currency: str = "CNY") -> dict[str, Any]:
    return {"amount": yuan(fen), "currency": currency}


def _absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def release_data(*, tender: Tender, tags: list[str], release_id: str, date: datetime) -> dict[str, Any]:
    buyer = tender.buyer
    rules = rules_of(tender.procedure)
    lots = list(tender.lots.all())
    bids = list(
        Bid.objects.filter(tender=tender, state__in=(BidState.VALID, BidState.INVALID))
        .select_related("vendor__region", "lot")
        .order_by("lot__number", "received_at", "pk")
        if tender.opened
        else []
    )
    tenderers = {bid.vendor_id: bid.vendor for bid in bids}

    tender_block: dict[str, Any] = {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.description,
        "status": TENDER_STATUS[TenderState(tender.state)],
        "procuringEntity": _reference(buyer),
        "value": _value(tender.budget_fen, tender.currency),
        "procurementMethod": rules.ocds_method,
        "procurementMethodDetails": tender.get_procedure_display(),
        "mainProcurementCategory": "services",
        "awardCriteria": AWARD_CRITERIA[EvaluationMethod(tender.evaluation_method)],
        "awardCriteriaDetails": tender.get_evaluation_method_display(),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"endDate": _iso(tender.deadline)},
        "items": [
            {
                "id": f"lot-{lot.number}",
                "description": lot.title,
                "classification": {"scheme": "CPV", "id": "72316000", "description": "Data analysis services"},
                "quantity": lot.volume,
                "unit": {"name": lot.get_volume_unit_display()},
                "relatedLot": f"lot-{lot.number}",
            }
            for lot in lots
        ],
        "lots": [
            {
                "id": f"lot-{lot.number}",
                "title": lot.title,
                "status": LOT_STATUS[LotState(lot.state)],
                "value": _value(lot.budget_fen, tender.currency),
            }
            for lot in lots
        ],
        "milestones": [
            {"id": f"milestone-{m.position}", "title": m.title, "type": "delivery", "status": "scheduled"}
            for m in tender.milestones.all()
        ],
        "documents": [
            {
                "id": f"document-{document.pk}",
                "documentType": "biddingDocuments",
                "title": document.title,
                "url": _absolute(reverse("marketplace:tender-document", args=[tender.pk, document.pk])),
                "datePublished": _iso(document.uploaded_at),
                **({"dateModified": _iso(document.superseded_at)} if document.superseded_at else {}),
            }
            for document in tender.documents.all()
        ],
    }
    if tender.published_at:
        tender_block["tenderPeriod"]["startDate"] = _iso(tender.published_at)
        tender_block["datePublished"] = _iso(tender.published_at)
    amendments = [
        {
            "id": f"amendment-{amendment.documents_version}",
            "date": _iso(amendment.created_at),
            "rationale": amendment.rationale,
            "description": (
                f"tenderPeriod.endDate: {_iso(amendment.deadline_before)} -> {_iso(amendment.deadline_after)}"
            ),
        }
        for amendment in tender.amendments.all()
    ]
    if amendments:
        tender_block["amendments"] = amendments
    if tender.state == TenderState.CANCELLED and tender.cancellation_reason:
        tender_block["statusDetails"] = tender.cancellation_reason
    if tender.opened:
        tender_block["numberOfTenderers"] = len(tenderers)
        tender_block["tenderers"] = [_reference(vendor) for vendor in tenderers.values()]

    parties = [_party(buyer, ["buyer", "procuringEntity"])]
    parties += [_party(vendor, ["tenderer"]) for vendor in tenderers.values()]

    release: dict[str, Any] = {
        "ocid": ocid_of(tender.pk),
        "id": release_id,
        "date": _iso(date),
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": _reference(buyer),
    }
    entry = tender.catalogue_entry
    if entry is not None:
        release["planning"] = {
            "rationale": entry.annotation_needs,
            "budget": {"description": entry.dataset, "amount": _value(tender.budget_fen, tender.currency)},
        }
    release["tender"] = tender_block
    if bids:
        release["bids"] = {
            "statistics": [
                {"id": "bids", "measure": "bids", "value": len(bids)},
                {"id": "validBids", "measure": "validBids", "value": sum(b.state == BidState.VALID for b in bids)},
            ],
            "details": [
                {
                    "id": str(bid.uid),
                    "date": _iso(bid.received_at),
                    "status": BID_STATUS[BidState(bid.state)],
                    "tenderers": [_reference(bid.vendor)],
                    "relatedLots": [f"lot-{bid.lot.number}"],
                    **({"value": _value(bid.price_fen, tender.currency)} if bid.price_fen is not None else {}),
                }
                for bid in bids
            ],
        }
    return release

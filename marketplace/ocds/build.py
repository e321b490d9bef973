"""Building an OCDS 1.1 release from the current state of a tender.

Called inside the transaction of each state change, so the release shows exactly the state that
change produced. Bids appear only once the tender has been opened: before that no release can hold
a price, because the builder never reads a sealed bid (and there is no decrypted price to read).
Bid details use the fields of the OCDS bids extension; lots those of the lots extension. The
package declares no extension URLs (validators work offline), so both appear as additional fields.

A release is written once and never changes, so the words the portal itself supplies (procedure and
unit names, milestone descriptions) are always in the site's language, which the release declares,
whoever's request caused the state change. Empty values are left out rather than published blank.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.models import Bid, BidState, Lot, LotState, Release, Tender
from marketplace.ocds.encoding import date_time, yuan
from marketplace.procedures import EvaluationMethod, rules_of
from marketplace.states import TenderState
from portal.money import hundredths_text
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
# The org-id.guide list of the unified social credit identifier (统一社会信用代码), which every
# organisation in China holds, agencies included.
IDENTIFIER_SCHEME = "CN-USCI"
AMENDMENT_TAG = "tenderAmendment"


def ocid_of(tender_id: int) -> str:
    return f"{settings.OCID_PREFIX}-{tender_id}"


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
    with translation.override(settings.LANGUAGE_CODE):
        return _compact(_release(tender=tender, tags=tags, release_id=release_id, date=date))


def _release(*, tender: Tender, tags: list[str], release_id: str, date: datetime) -> dict[str, Any]:
    buyer = tender.buyer
    lots = list(tender.lots.all())
    bids = list(
        Bid.objects.filter(tender=tender, state__in=(BidState.VALID, BidState.INVALID))
        .select_related("vendor__region", "lot")
        .order_by("lot__number", "received_at", "pk")
        if tender.opened
        else []
    )
    tenderers = {bid.vendor_id: bid.vendor for bid in bids}

    tender_block = _tender(tender, lots)
    tender_block["amendments"] = _amendments(tender, tags=tags, release_id=release_id)
    if tender.opened:
        tender_block["numberOfTenderers"] = len(tenderers)
        tender_block["tenderers"] = [_reference(vendor) for vendor in tenderers.values()]

    parties = [_party(buyer, ["buyer", "procuringEntity"])]
    parties += [_party(vendor, ["tenderer"]) for vendor in tenderers.values()]

    release: dict[str, Any] = {
        "ocid": ocid_of(tender.pk),
        "id": release_id,
        "date": date_time(date),
        "tag": tags,
        "initiationType": "tender",
        "language": settings.LANGUAGE_CODE.split("-")[0],
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
            "statistics": _bid_statistics(bids, lots),
            "details": [
                {
                    "id": str(bid.uid),
                    "date": date_time(bid.received_at),
                    "status": BID_STATUS[BidState(bid.state)],
                    "tenderers": [_reference(bid.vendor)],
                    "relatedLots": [_lot_id(bid.lot)],
                    **({"value": _value(bid.price_fen, tender.currency)} if bid.price_fen is not None else {}),
                }
                for bid in bids
            ],
        }
    if tender.previous_tender_id is not None:
        release["relatedProcesses"] = [
            {
                "id": "retender-of",
                "relationship": ["unsuccessfulProcess"],
                "scheme": "ocid",
                "identifier": ocid_of(tender.previous_tender_id),
            }
        ]
    return release


def _lot_id(lot: Lot) -> str:
    return f"lot-{lot.number}"


def _tender(tender: Tender, lots: list[Lot]) -> dict[str, Any]:
    return {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.description,
        "status": TENDER_STATUS[TenderState(tender.state)],
        "statusDetails": tender.cancellation_reason if tender.state == TenderState.CANCELLED else "",
        "procuringEntity": _reference(tender.buyer),
        "value": _value(tender.budget_fen, tender.currency),
        "procurementMethod": rules_of(tender.procedure).ocds_method,
        "procurementMethodDetails": tender.get_procedure_display(),
        "mainProcurementCategory": "services",
        "awardCriteria": AWARD_CRITERIA[EvaluationMethod(tender.evaluation_method)],
        "awardCriteriaDetails": tender.get_evaluation_method_display(),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": date_time(tender.published_at) if tender.published_at else None,
            "endDate": date_time(tender.deadline),
        },
        "datePublished": date_time(tender.published_at) if tender.published_at else None,
        "items": [
            {
                "id": _lot_id(lot),
                "description": lot.title,
                "classification": {"scheme": "CPV", "id": "72316000", "description": "Data analysis services"},
                "quantity": lot.volume,
                "unit": {"name": lot.get_volume_unit_display()},
                "relatedLot": _lot_id(lot),
            }
            for lot in lots
        ],
        "lots": [
            {
                "id": _lot_id(lot),
                "title": lot.title,
                "status": LOT_STATUS[LotState(lot.state)],
                "value": _value(lot.budget_fen, tender.currency),
            }
            for lot in lots
        ],
        # The template of the contract's payment milestones: no date is scheduled yet, so no status.
        "milestones": [
            {
                "id": f"milestone-{m.position}",
                "title": m.title,
                "type": "payment",
                "description": _("%(share)s%% of the contract value") % {"share": hundredths_text(m.share_bp)},
            }
            for m in tender.milestones.all()
        ],
        "documents": [
            {
                "id": f"document-{document.pk}",
                "documentType": "biddingDocuments",
                "title": document.title,
                "url": _absolute(reverse("marketplace:tender-document", args=[tender.pk, document.pk])),
                "datePublished": date_time(document.uploaded_at),
                "dateModified": date_time(document.superseded_at) if document.superseded_at else None,
                "description": _("Superseded by a later version.") if document.superseded_at else None,
            }
            for document in tender.documents.all()
        ],
    }


def _amendments(tender: Tender, *, tags: list[str], release_id: str) -> list[dict[str, Any]]:
    """`tender.amendments`, each naming the release it was published in and the one before it:
    every `tender_amend` writes exactly one tenderAmendment release, so the n-th amendment is the
    n-th such release of the tender (this one included)."""
    amendments = list(tender.amendments.all())
    if not amendments:
        return []
    trail = [
        *Release.objects.filter(tender=tender).order_by("pk").values_list("release_id", "tags"),
        (release_id, tags),
    ]
    published_in = [
        (trail[index - 1][0], current)
        for index, (current, tags_of) in enumerate(trail)
        if AMENDMENT_TAG in tags_of and index
    ]
    result = []
    for index, amendment in enumerate(amendments):
        description = _("Tender documents version %(version)d.") % {"version": amendment.documents_version}
        if amendment.deadline_after != amendment.deadline_before:
            description += " " + _("Deadline moved from %(before)s to %(after)s.") % {
                "before": date_time(amendment.deadline_before),
                "after": date_time(amendment.deadline_after),
            }
        before, after = published_in[index] if index < len(published_in) else (None, None)
        result.append(
            {
                "id": f"amendment-{amendment.documents_version}",
                "date": date_time(amendment.created_at),
                "rationale": amendment.rationale,
                "description": description,
                "amendsReleaseID": before,
                "releaseID": after,
            }
        )
    return result


def _bid_statistics(bids: list[Bid], lots: list[Lot]) -> list[dict[str, Any]]:
    """Counts of opened bids and valid bids, for the tender and, when it has several, per lot."""

    def counts(prefix: str, of: list[Bid], lot: Lot | None) -> list[dict[str, Any]]:
        related = {"relatedLot": _lot_id(lot)} if lot else {}
        return [
            {"id": f"{prefix}bids", "measure": "bids", "value": len(of), **related},
            {
                "id": f"{prefix}validBids",
                "measure": "validBids",
                "value": sum(b.state == BidState.VALID for b in of),
                **related,
            },
        ]

    statistics = counts("", bids, None)
    if len(lots) > 1:
        for lot in lots:
            statistics += counts(f"{_lot_id(lot)}-", [b for b in bids if b.lot_id == lot.pk], lot)
    return statistics


def _compact(value: Any) -> Any:
    """The value without None, blank strings and empty lists or objects, at any depth: OCDS asks
    publishers to leave a field out rather than publish it empty."""
    if isinstance(value, dict):
        items = ((key, _compact(item)) for key, item in value.items())
        return {key: item for key, item in items if not _empty(item)}
    if isinstance(value, list):
        return [item for item in map(_compact, value) if not _empty(item)]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ({}, [])

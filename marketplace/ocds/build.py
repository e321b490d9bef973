"""Building an OCDS 1.1 release from the current state of a tender.

Called inside the transaction of each state change, so the release shows exactly the state that
change produced. Bids appear only once the tender has been opened: before that no release can hold
a price, because the builder never reads a sealed bid (and there is no decrypted price to read).
Bid details use the fields of the OCDS bids extension; lots those of the lots extension. The
package declares no extension URLs (validators work offline), so both appear as additional fields.

After the evaluation the releases carry its outcome, never the committee's scores: each bid's
status (valid, or disqualified by the committee), the first candidate of each lot as a pending
award while the candidates are in publicity (cancelled when an upheld challenge sends the bids
back to the committee, or when the tender is cancelled), the award once made, and the contract
with its payment milestones and, as they are met, its implementation.

A release is written once and never changes, so the words the portal itself supplies (procedure and
unit names, milestone descriptions) are always in the site's language, which the release declares,
whoever's request caused the state change. Empty values are left out rather than published blank.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.models import (
    Award,
    Bid,
    BidResult,
    BidState,
    Contract,
    ContractMilestone,
    ContractState,
    Lot,
    LotState,
    MilestoneState,
    Release,
    Tender,
)
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
    # The committee's results, every round, oldest first (none before the opening).
    results = (
        list(BidResult.objects.filter(tender=tender).order_by("round", "lot__number", "rank", "pk"))
        if tender.opened
        else []
    )
    verdicts = {result.bid_id: result.qualified for result in results}  # the latest round's, per bid
    made = list(Award.objects.filter(tender=tender).select_related("lot", "bid", "supplier")) if results else []
    suppliers = {award.supplier_id for award in made}

    tender_block = _tender(tender, lots)
    tender_block["amendments"] = _amendments(tender, tags=tags, release_id=release_id)
    if tender.opened:
        tender_block["numberOfTenderers"] = len(tenderers)
        tender_block["tenderers"] = [_reference(vendor) for vendor in tenderers.values()]

    parties = [_party(buyer, ["buyer", "procuringEntity"])]
    parties += [
        _party(vendor, ["tenderer", "supplier"] if vendor.pk in suppliers else ["tenderer"])
        for vendor in tenderers.values()
    ]

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
            "statistics": _bid_statistics(bids, lots, verdicts),
            "details": [
                {
                    "id": str(bid.uid),
                    "date": date_time(bid.received_at),
                    "status": _bid_status(bid, verdicts),
                    "tenderers": [_reference(bid.vendor)],
                    "relatedLots": [_lot_id(bid.lot)],
                    **({"value": _value(bid.price_fen, tender.currency)} if bid.price_fen is not None else {}),
                }
                for bid in bids
            ],
        }
    lots_by_id = {lot.pk: lot for lot in lots}
    release["awards"] = _awards(tender, lots_by_id, results, {bid.pk: bid for bid in bids}, made)
    release["contracts"] = _contracts(tender, lots_by_id) if made else []
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


def _item(lot: Lot) -> dict[str, Any]:
    """The item a lot buys: one per lot, in the tender and in its award and contract."""
    return {
        "id": _lot_id(lot),
        "description": lot.title,
        "classification": {"scheme": "CPV", "id": "72316000", "description": "Data analysis services"},
        "quantity": lot.volume,
        "unit": {"name": lot.get_volume_unit_display()},
        "relatedLot": _lot_id(lot),
    }


def _share_text(share_bp: int) -> str:
    return _("%(share)s%% of the contract value") % {"share": hundredths_text(share_bp)}


def _bid_status(bid: Bid, verdicts: dict[int, bool] | None = None) -> str:
    """Invalid at the opening, or disqualified by the committee in its latest round (`verdicts`,
    qualified or not per bid pk; none before the committee concludes): disqualified."""
    if verdicts and bid.state == BidState.VALID and verdicts.get(bid.pk) is False:
        return "disqualified"
    return BID_STATUS[BidState(bid.state)]


def _award_id(lot: Lot, round_number: int) -> str:
    """One award per lot and evaluation round: the round's first candidate, pending during the
    publicity, then active once awarded or cancelled when the round is set aside."""
    return f"award-{_lot_id(lot)}-r{round_number}"


def _candidates_published(tender: Tender, round_number: int) -> bool:
    """Were the candidates of this round published? Every earlier round was (a round is set aside
    only by a challenge upheld during its publicity); the current one once its publicity began."""
    return round_number < tender.evaluation_round or tender.publicity_started_at is not None


def _awards(
    tender: Tender,
    lots: dict[int, Lot],
    results: list[BidResult],
    bids: dict[int, Bid],
    made: list[Award],
) -> list[dict[str, Any]]:
    """`awards`: each published first candidate, as the award of its lot in its round. A lot with
    fewer qualified bids than the procedure needs was left unsuccessful and named no candidate."""
    needed = rules_of(tender.procedure).min_valid_bids
    by_round_and_lot: dict[tuple[int, int], list[BidResult]] = defaultdict(list)
    for result in results:
        by_round_and_lot[(result.round, result.lot_id)].append(result)
    made_by_lot = {award.lot_id: award for award in made}
    awards = []
    for (round_number, lot_id), lot_results in by_round_and_lot.items():
        qualified = [result for result in lot_results if result.qualified]
        if not _candidates_published(tender, round_number) or len(qualified) < needed:
            continue
        lot = lots[lot_id]
        award = made_by_lot.get(lot_id) if round_number == tender.evaluation_round else None
        if award is not None:
            awards.append(_award_made(tender, award))
            continue
        first = bids[next(result.bid_id for result in qualified if result.rank == 1)]
        if round_number < tender.evaluation_round:
            status = "cancelled"
            description = _("Cancelled: a challenge was upheld and the bids went back to the committee.")
        elif tender.state == TenderState.CANCELLED:
            status = "cancelled"
            description = _("Cancelled with the tender.")
        else:
            status = "pending"
            description = _("First candidate, published for challenges until %(until)s.") % {
                "until": timezone.localtime(tender.publicity_ends_at).isoformat(timespec="minutes")
                if tender.publicity_ends_at
                else ""
            }
        awards.append(
            {
                "id": _award_id(lot, round_number),
                "title": lot.title,
                "description": description,
                "status": status,
                "value": _value(first.price_fen or 0, tender.currency),
                "suppliers": [_reference(first.vendor)],
                "items": [_item(lot)],
                "relatedLots": [_lot_id(lot)],
                "relatedBids": [str(first.uid)],
            }
        )
    return awards


def _award_made(tender: Tender, award: Award) -> dict[str, Any]:
    return {
        "id": _award_id(award.lot, tender.evaluation_round),
        "title": award.lot.title,
        "description": _("Awarded to the first candidate after the publicity."),
        "status": "active",
        "date": date_time(award.awarded_at),
        "value": _value(award.value_fen, award.currency),
        "suppliers": [_reference(award.supplier)],
        "items": [_item(award.lot)],
        "relatedLots": [_lot_id(award.lot)],
        "relatedBids": [str(award.bid.uid)],
    }


def _contracts(tender: Tender, lots: dict[int, Lot]) -> list[dict[str, Any]]:
    """`contracts`: one per award. The payment milestones are published once both parties have
    signed: before that the buyer may still rearrange them, and an array item once published can
    never be taken out of the compiled release (the tender's milestones show the plan meanwhile)."""
    contracts = (
        Contract.objects.filter(tender=tender).select_related("award").prefetch_related("milestones").order_by("pk")
    )
    result = []
    for contract in contracts:
        lot = lots[contract.award.lot_id]
        signed = contract.signed_at is not None
        status, description = _contract_status(contract)
        milestones = [_contract_milestone(contract, m) for m in contract.milestones.all()] if signed else []
        result.append(
            {
                "id": contract.reference,
                "awardID": _award_id(lot, tender.evaluation_round),
                "title": contract.title,
                "description": description,
                "status": status,
                "period": {
                    "startDate": date_time(contract.signed_at) if contract.signed_at else None,
                    "endDate": _contract_end(contract) if signed else None,
                },
                "value": _value(contract.value_fen, contract.currency),
                "items": [_item(lot)],
                "dateSigned": date_time(contract.signed_at) if contract.signed_at else None,
                "milestones": milestones,
                # No payments are recorded yet, so the implementation is the milestones met.
                "implementation": {"milestones": [m for m in milestones if m.get("status") == "met"]},
            }
        )
    return result


def _contract_status(contract: Contract) -> tuple[str, str | None]:
    """The contractStatus code and the description that explains it. The codelist has no
    "completed": a contract that ran its course is "terminated" (signed, in force, come to a
    close), as is one ended early after signature; one ended before both parties signed was never
    in force, which the codelist calls "cancelled"."""
    if contract.state == ContractState.PENDING:
        return "pending", None
    if contract.state == ContractState.ACTIVE:
        return "active", None
    if contract.state == ContractState.COMPLETED:
        return "terminated", _("Completed: every payment milestone was met.")
    if contract.signed_at is None:
        return "cancelled", _("Cancelled before both parties signed: %(reason)s") % {
            "reason": contract.termination_reason
        }
    return "terminated", _("Terminated before completion: %(reason)s") % {"reason": contract.termination_reason}


def _contract_end(contract: Contract) -> str | None:
    ended = contract.completed_at or contract.terminated_at
    return date_time(ended) if ended else None


def _contract_milestone(contract: Contract, milestone: ContractMilestone) -> dict[str, Any]:
    """A payment milestone of a signed contract. Its amount goes in `value` (a field OCDS 1.2 adds
    to Milestone; an additional field in 1.1). Status: met when met; not met when the contract was
    terminated first; scheduled when it has a due date (the codelist's "scheduled" is for a date)."""
    status, modified = None, None
    if milestone.state == MilestoneState.MET:
        status, modified = "met", milestone.met_at
    elif contract.state == ContractState.TERMINATED:
        status, modified = "notMet", contract.terminated_at
    elif milestone.due_on is not None:
        status = "scheduled"
    return {
        "id": f"milestone-{milestone.position}",
        "title": milestone.title,
        "type": "payment",
        "description": _share_text(milestone.share_bp),
        "dueDate": _end_of_day(milestone.due_on) if milestone.due_on else None,
        "dateMet": date_time(milestone.met_at) if milestone.met_at else None,
        "dateModified": date_time(modified) if modified else None,
        "status": status,
        "value": _value(milestone.amount_fen, contract.currency),
    }


def _end_of_day(day: date) -> str:
    """A due date is the whole day, in the portal's time zone: due by its last second."""
    return date_time(datetime.combine(day, time(23, 59, 59), tzinfo=timezone.get_default_timezone()))


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
        "items": [_item(lot) for lot in lots],
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
                "description": _share_text(m.share_bp),
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


def _bid_statistics(bids: list[Bid], lots: list[Lot], verdicts: dict[int, bool] | None = None) -> list[dict[str, Any]]:
    """Counts of opened bids and valid bids (neither invalid at the opening nor disqualified by the
    committee, as in the bid details), for the tender and, when it has several, per lot."""

    def counts(prefix: str, of: list[Bid], lot: Lot | None) -> list[dict[str, Any]]:
        related = {"relatedLot": _lot_id(lot)} if lot else {}
        return [
            {"id": f"{prefix}bids", "measure": "bids", "value": len(of), **related},
            {
                "id": f"{prefix}validBids",
                "measure": "validBids",
                "value": sum(_bid_status(b, verdicts) == "valid" for b in of),
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

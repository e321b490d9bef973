"""The evidence of an alert as people read it: one sentence per finding, and the bids (or, for the
buyer-level flag, the tenders) it rests on as table rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from monitoring.redflags.models import Alert, RedFlag
from portal.money import format_fen, hundredths_text


@dataclass(frozen=True)
class BidRow:
    lot: int
    role: str
    vendor: str
    price_fen: int
    disqualified: bool
    reasons: str


@dataclass
class Explained:
    findings: list[str] = field(default_factory=list)
    bids: list[BidRow] = field(default_factory=list)
    tenders: list[dict[str, Any]] = field(default_factory=list)  # the buyer-level flag's


def _percent(bp: int) -> str:
    return hundredths_text(bp) + "%"


def _yuan(fen: int) -> str:
    return "¥" + format_fen(fen)


def _lot_sentence(flag: str, lot: dict[str, Any], evidence: dict[str, Any]) -> str:
    number = lot["lot"]
    if flag == RedFlag.SINGLE_BID:
        bid = lot["bids"][0]
        return _("Lot %(lot)s received a single bid: %(vendor)s at %(price)s.") % {
            "lot": number,
            "vendor": bid["vendor"],
            "price": _yuan(bid["price_fen"]),
        }
    if flag == RedFlag.IDENTICAL_BID_PRICES:
        return _("Lot %(lot)s: %(count)s bids at exactly %(price)s.") % {
            "lot": number,
            "count": len(lot["bids"]),
            "price": _yuan(lot["price_fen"]),
        }
    if flag == RedFlag.CLOSE_TO_SECOND_PRICE:
        return _(
            "Lot %(lot)s: the winning price %(winner)s is %(difference)s from the next qualified bid, "
            "%(next)s (threshold %(threshold)s)."
        ) % {
            "lot": number,
            "winner": _yuan(lot["winner"]["price_fen"]),
            "difference": _percent(lot["difference_bp"]),
            "next": _yuan(lot["next"]["price_fen"]),
            "threshold": _percent(evidence["threshold_bp"]),
        }
    if flag == RedFlag.HEAVILY_DISCOUNTED_WINNER:
        return _(
            "Lot %(lot)s: the winning price %(price)s is %(discount)s under the budget of %(budget)s "
            "(threshold %(threshold)s)."
        ) % {
            "lot": number,
            "price": _yuan(lot["winner"]["price_fen"]),
            "discount": _percent(lot["discount_bp"]),
            "budget": _yuan(lot["budget_fen"]),
            "threshold": _percent(evidence["threshold_bp"]),
        }
    if flag == RedFlag.ALL_BUT_WINNER_DISQUALIFIED:
        return _("Lot %(lot)s: all %(count)s other bids were invalid or disqualified; the winner is %(vendor)s.") % {
            "lot": number,
            "count": len(lot["disqualified"]),
            "vendor": lot["winner"]["vendor"],
        }
    return _(
        "Lot %(lot)s: %(count)s disqualified bids were cheaper than the lowest qualified bid (%(price)s), "
        "under price-only evaluation."
    ) % {"lot": number, "count": len(lot["disqualified_lower"]), "price": _yuan(lot["lowest_qualified"]["price_fen"])}


def _bid_rows(lot: dict[str, Any]) -> list[BidRow]:
    labelled = [
        ("winner", pgettext("red flag", "winner")),
        ("next", _("next qualified bid")),
        ("lowest_qualified", _("lowest qualified bid")),
    ]
    listed = [("bids", ""), ("disqualified", _("disqualified")), ("disqualified_lower", _("disqualified, cheaper"))]
    rows = []
    for key, role in labelled:
        if key in lot:
            rows.append((role, lot[key]))
    for key, role in listed:
        rows.extend((role, bid) for bid in lot.get(key, []))
    return [
        BidRow(
            lot=lot["lot"],
            role=role,
            vendor=bid["vendor"],
            price_fen=bid["price_fen"],
            disqualified=bid["disqualified"],
            reasons=bid["reasons"],
        )
        for role, bid in rows
    ]


def explain(alert: Alert) -> Explained:
    evidence = alert.evidence or {}
    explained = Explained()
    if alert.flag == RedFlag.SHORT_SUBMISSION_PERIOD:
        hours = evidence["period_hours"]
        explained.findings.append(
            _(
                "Bidders had %(days)s days and %(hours)s hours from publication to the deadline; "
                "the threshold for this procedure is %(threshold)s days."
            )
            % {"days": hours // 24, "hours": hours % 24, "threshold": evidence["threshold_days"]}
        )
    elif alert.flag == RedFlag.BUYER_DISQUALIFICATION_RATIO:
        explained.findings.append(
            _(
                "%(buyer)s disqualified %(ratio)s of the %(bids)s bids on its %(tenders)s decided tenders; "
                "the rest of the exchange disqualified %(norm)s (flagged above %(factor)s times that)."
            )
            % {
                "buyer": evidence["buyer"],
                "ratio": _percent(evidence["ratio_bp"]),
                "bids": evidence["bids"],
                "tenders": evidence["tenders"],
                "norm": _percent(evidence["norm_bp"]),
                "factor": evidence["factor"],
            }
        )
        explained.tenders = list(evidence.get("by_tender", []))
    else:
        for lot in evidence.get("lots", []):
            explained.findings.append(_lot_sentence(alert.flag, lot, evidence))
            explained.bids.extend(_bid_rows(lot))
    return explained

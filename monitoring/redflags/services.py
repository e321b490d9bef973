"""Writes of the red flags: the computation that raises, refreshes and clears alerts, and the
regulators' decisions on them (acknowledge, dismiss), which are audited."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Tender
from marketplace.services._common import MAX_TEXT, lock, required_text
from monitoring.redflags import flags, loading
from monitoring.redflags.facts import TenderFacts
from monitoring.redflags.models import ALERT_TRANSITIONS, BUYER_FLAGS, Alert, AlertAction, AlertState, RedFlag
from monitoring.redflags.selectors import alerts_visible_to
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict, NotFound

TENDER_FLAGS: dict[RedFlag, Callable[[TenderFacts, flags.Thresholds], flags.Evidence | None]] = {
    RedFlag.SHORT_SUBMISSION_PERIOD: flags.short_submission_period,
    RedFlag.SINGLE_BID: flags.single_bid,
    RedFlag.IDENTICAL_BID_PRICES: flags.identical_bid_prices,
    RedFlag.CLOSE_TO_SECOND_PRICE: flags.close_to_second_price,
    RedFlag.HEAVILY_DISCOUNTED_WINNER: flags.heavily_discounted_winner,
    RedFlag.ALL_BUT_WINNER_DISQUALIFIED: flags.all_but_winner_disqualified,
    RedFlag.LOWEST_BID_DISQUALIFIED: flags.lowest_bid_disqualified,
}


@dataclass
class ComputeSummary:
    """What a computation did: alerts raised (inserted; a concurrent run may have inserted some of
    them first, which the unique constraints turn into no-ops), refreshed (new evidence on an open
    alert), cleared (an open alert whose flag no longer holds) and reopened (a cleared one that
    holds again)."""

    tenders: int = 0
    raised: int = 0
    refreshed: int = 0
    cleared: int = 0
    reopened: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass(frozen=True)
class _Hit:
    buyer_id: int
    region_id: str
    evidence: dict[str, Any]


def _json(value: dict[str, Any]) -> dict[str, Any]:
    """The evidence as the database gives it back, so that comparing it with a stored one is exact."""
    return json.loads(json.dumps(value))


def _next_state(state: str, action: str) -> str:
    try:
        return ALERT_TRANSITIONS[(state, action)]
    except KeyError:
        raise Conflict(
            _("An alert that is %(state)s cannot be %(action)s.")
            % {"state": AlertState(state).label, "action": AlertAction(action).label}
        ) from None


def red_flags_compute(*, tender_ids: Iterable[int] | None = None) -> ComputeSummary:
    """Compute every red flag over the tenders past their bid period (all of them, or those in
    `tender_ids`) and the buyer-level flag (for every buyer, or the buyers of those tenders).

    Safe to run twice and concurrently: an alert is unique per (flag, tender) or (flag, buyer), new
    ones are inserted with ON CONFLICT DO NOTHING and existing ones are changed under a row lock, one
    batch of tenders per transaction. A flag that fires again refreshes an open alert's evidence; an
    open alert whose flag no longer holds is cleared, and reopened if it holds again; acknowledged
    and dismissed alerts are left as decided.
    """
    thresholds = flags.thresholds_from_settings()
    summary = ComputeSummary()
    ids = None if tender_ids is None else list(tender_ids)
    for batch in loading.tender_ids_to_flag(tender_ids=ids):
        hits: dict[tuple[str, int], _Hit] = {}
        for facts in loading.tender_facts(tender_ids=batch):
            for flag, compute in TENDER_FLAGS.items():
                evidence = compute(facts, thresholds)
                if evidence is not None:
                    evidence = {"reference": facts.reference, **evidence}
                    hits[(flag, facts.tender_id)] = _Hit(facts.buyer_id, facts.region_id, _json(evidence))
        summary.tenders += len(batch)
        _reconcile(
            existing=Alert.objects.filter(tender_id__in=batch),
            key=lambda alert: (alert.flag, alert.tender_id or 0),
            hits=hits,
            build=lambda key, hit: Alert(
                flag=key[0], tender_id=key[1], buyer_id=hit.buyer_id, region_id=hit.region_id, evidence=hit.evidence
            ),
            summary=summary,
        )

    # The buyer-level flag: the norm is always the whole exchange's.
    buyers, totals = loading.buyer_facts()
    existing = Alert.objects.filter(flag__in=BUYER_FLAGS, tender__isnull=True)
    if ids is not None:
        buyer_ids = set(Tender.objects.filter(pk__in=ids).values_list("buyer_id", flat=True))
        buyers = [buyer for buyer in buyers if buyer.buyer_id in buyer_ids]
        existing = existing.filter(buyer_id__in=buyer_ids)
    fired = {
        buyer: evidence
        for buyer in buyers
        if (evidence := flags.buyer_disqualification_ratio(buyer, totals, thresholds)) is not None
    }
    breakdown = loading.buyer_tender_breakdown(buyer_ids=[buyer.buyer_id for buyer in fired]) if fired else {}
    buyer_hits: dict[tuple[str, int], _Hit] = {
        (RedFlag.BUYER_DISQUALIFICATION_RATIO, buyer.buyer_id): _Hit(
            buyer.buyer_id,
            buyer.region_id,
            _json({"buyer": buyer.buyer_name, **evidence, "by_tender": breakdown.get(buyer.buyer_id, [])}),
        )
        for buyer, evidence in fired.items()
    }
    _reconcile(
        existing=existing,
        key=lambda alert: (alert.flag, alert.buyer_id),
        hits=buyer_hits,
        build=lambda key, hit: Alert(flag=key[0], buyer_id=key[1], region_id=hit.region_id, evidence=hit.evidence),
        summary=summary,
    )
    return summary


def _reconcile(
    *,
    existing: QuerySet[Alert],
    key: Callable[[Alert], tuple[str, int]],
    hits: dict[tuple[str, int], _Hit],
    build: Callable[[tuple[str, int], _Hit], Alert],
    summary: ComputeSummary,
) -> None:
    with transaction.atomic():
        current = {key(alert): alert for alert in existing.select_for_update(of=("self",)).order_by("pk")}
        created = Alert.objects.bulk_create(
            [build(k, hit) for k, hit in hits.items() if k not in current], ignore_conflicts=True
        )
        summary.raised += len(created)
        changed = []
        for k, alert in current.items():
            hit = hits.get(k)
            if hit is not None and alert.state == AlertState.CLEARED:
                alert.state = _next_state(alert.state, AlertAction.REOPEN)
                alert.evidence = hit.evidence
                summary.reopened += 1
            elif hit is not None and alert.state == AlertState.OPEN and alert.evidence != hit.evidence:
                alert.evidence = hit.evidence
                summary.refreshed += 1
            elif hit is None and alert.state == AlertState.OPEN:
                alert.state = _next_state(alert.state, AlertAction.CLEAR)
                summary.cleared += 1
            else:
                continue
            alert.updated_at = timezone.now()
            changed.append(alert)
        Alert.objects.bulk_update(changed, ["state", "evidence", "updated_at"])


# --- decisions ----------------------------------------------------------------------------------


def _decide(*, actor: User, alert: Alert, action: AlertAction, note: str) -> Alert:
    if not alerts_visible_to(user=actor).filter(pk=alert.pk).exists():
        raise NotFound()
    with transaction.atomic():
        alert = lock(Alert, alert.pk)
        before = alert.state
        alert.state = _next_state(before, action)
        alert.note = note
        alert.decided_by = actor
        alert.decided_at = timezone.now()
        alert.save(update_fields=["state", "note", "decided_by", "decided_at", "updated_at"])
        audit_record(
            actor=actor,
            action=f"monitoring_alert.{action}",
            obj=alert,
            before={"state": before},
            after={"state": alert.state, "note": note},
        )
    return alert


def alert_acknowledge(*, actor: User, alert: Alert, note: str = "") -> Alert:
    """A regulator in the alert's region (or an operator) confirms the alert deserves follow-up;
    the note is optional."""
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": [_("Keep it under %(n)d characters.") % {"n": MAX_TEXT}]})
    return _decide(actor=actor, alert=alert, action=AlertAction.ACKNOWLEDGE, note=note)


def alert_dismiss(*, actor: User, alert: Alert, note: str) -> Alert:
    """A regulator in the alert's region (or an operator) dismisses the alert as explained; the
    note saying why is required."""
    note = required_text(note, "note", _("Say why the alert is dismissed."))
    return _decide(actor=actor, alert=alert, action=AlertAction.DISMISS, note=note)

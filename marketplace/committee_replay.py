"""Replaying a tender's committee draws, as an auditor would: from the records alone.

For every recorded draw of the committee:
(a) the draw's digest, recomputed from the row, equals the digest the row keeps;
(b) it equals the digest written to the hash-chained audit log when the draw was made
    ("committee.draw" on the committee, same round), and the committee's audit chain is intact;
(c) `committee_draw.draw` with the recorded seed and candidates draws the recorded experts;
(d) the committee's members from that draw are exactly the experts drawn;
(e) the rounds run 1, 2, 3… and the first fills every seat of the committee.

Anyone who alters a seed, a candidate list, the experts drawn or a member's expert after the
fact (or the audit row that vouches for the draw) makes one of these fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from marketplace import committee_draw
from marketplace.models import Committee, CommitteeDraw, Tender
from portal.audit.chain import chain_of
from portal.audit.models import AuditEntry
from portal.audit.selectors import audit_chain_report
from registry.talent.models import Expert

DRAW_ACTION = "committee.draw"


class ReplayRound(NamedTuple):
    round: int
    seed: str
    candidates: int
    drawn: list[int]
    members: list[str]  # the names of the experts drawn, in draw order


@dataclass
class ReplayReport:
    ok: bool
    problems: list[str] = field(default_factory=list)
    rounds: list[ReplayRound] = field(default_factory=list)


def _ids(value: Any) -> list[int] | None:
    """A recorded list of expert ids, or None when the stored value is not one."""
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return None
    return value


def _audited_digests(committee: Committee) -> dict[int, list[str]]:
    """Round -> the digests the audit log recorded for that round's draw."""
    found: dict[int, list[str]] = {}
    entries = AuditEntry.objects.filter(
        object_type=Committee._meta.label_lower, object_id=str(committee.pk), action=DRAW_ACTION
    ).order_by("pk")
    for entry in entries:
        after = entry.after if isinstance(entry.after, dict) else {}
        round_number = after.get("round")
        if isinstance(round_number, int):
            found.setdefault(round_number, []).append(str(after.get("digest", "")))
    return found


def _replay_draw(
    record: CommitteeDraw, *, tender_id: int, audited: dict[int, list[str]], members: list[int]
) -> tuple[list[str], list[int] | None]:
    """The problems of one draw, and the experts the replay draws (None when it cannot run)."""
    problems: list[str] = []
    n = record.round
    candidates, drawn = _ids(record.candidates), _ids(record.drawn)
    if candidates is None:
        problems.append(_("Round %(round)d: the candidate list is not a list of expert ids.") % {"round": n})
    if drawn is None:
        problems.append(_("Round %(round)d: the list of experts drawn is not a list of expert ids.") % {"round": n})
    if candidates is None or drawn is None:
        return problems, None

    recomputed = committee_draw.digest(
        tender_id=tender_id, round_number=n, seed=record.seed, candidates=candidates, seats=record.seats, drawn=drawn
    )
    if recomputed != record.digest:  # (a)
        problems.append(
            _("Round %(round)d: the record does not match its digest (its seed, candidates or experts were altered).")
            % {"round": n}
        )
    logged = audited.get(n, [])
    if not logged:  # (b)
        problems.append(_("Round %(round)d: the audit log has no entry for this draw.") % {"round": n})
    elif len(logged) > 1:
        problems.append(_("Round %(round)d: the audit log records this draw more than once.") % {"round": n})
    elif logged[0] != recomputed:
        problems.append(
            _("Round %(round)d: the record does not match the digest in the audit log (the record was altered).")
            % {"round": n}
        )

    replayed: list[int] | None = None
    try:  # (c)
        replayed = committee_draw.draw(seed=record.seed, candidates=candidates, seats=record.seats, round_number=n)
    except ValueError as error:
        problems.append(_("Round %(round)d: the draw cannot be replayed: %(error)s.") % {"round": n, "error": error})
    if replayed is not None and replayed != drawn:
        problems.append(
            _("Round %(round)d: replaying the seed draws experts %(replayed)s, but the record says %(drawn)s.")
            % {"round": n, "replayed": replayed, "drawn": drawn}
        )
    if sorted(members) != sorted(drawn):  # (d)
        problems.append(
            _("Round %(round)d: the committee's members from this draw are experts %(members)s, not %(drawn)s.")
            % {"round": n, "members": sorted(members), "drawn": sorted(drawn)}
        )
    return problems, replayed


def committee_draw_replay(*, tender: Tender) -> ReplayReport:
    """Replay every draw of the tender's committee; `ok` when all of them check out."""
    committee = Committee.objects.filter(tender=tender).first()
    if committee is None:
        return ReplayReport(ok=False, problems=[_("The tender has no committee.")])
    problems: list[str] = []
    rounds: list[ReplayRound] = []

    chain = audit_chain_report(chains=[chain_of(Committee._meta.label_lower, str(committee.pk))])
    if not chain.ok:  # (b)
        problems.append(
            _("The committee's audit chain is broken at row %(row)s: %(reason)s.")
            % {"row": chain.broken_row, "reason": chain.reason}
        )
    audited = _audited_digests(committee)
    records = list(committee.draws.order_by("round", "pk"))
    members_of: dict[int, list[int]] = {}
    for draw_id, expert_id in committee.members.values_list("draw_id", "expert_id"):
        members_of.setdefault(draw_id, []).append(expert_id)

    if not records:
        problems.append(_("The committee has no recorded draw."))
    if [r.round for r in records] != list(range(1, len(records) + 1)):  # (e)
        problems.append(
            _("The draws are not numbered 1, 2, 3…: the record holds rounds %(rounds)s.")
            % {"rounds": [r.round for r in records]}
        )
    if records and records[0].seats != committee.size:
        problems.append(
            _("The first draw filled %(seats)d seats, but the committee has %(size)d.")
            % {"seats": records[0].seats, "size": committee.size}
        )
    missing = sorted(n for n in audited if n not in {r.round for r in records})
    if missing:
        problems.append(
            _("The audit log records draws %(rounds)s that are no longer in the record.") % {"rounds": missing}
        )

    drawn_ids = {pk for r in records for pk in (_ids(r.drawn) or [])}
    names = dict(Expert.objects.filter(pk__in=drawn_ids).values_list("pk", "person__name"))
    for record in records:
        found, _replayed = _replay_draw(
            record, tender_id=tender.pk, audited=audited, members=members_of.get(record.pk, [])
        )
        problems += found
        drawn = _ids(record.drawn) or []
        candidates = _ids(record.candidates)
        rounds.append(
            ReplayRound(
                round=record.round,
                seed=record.seed,
                candidates=len(candidates) if candidates is not None else 0,
                drawn=drawn,
                members=[names.get(pk, f"#{pk}") for pk in drawn],
            )
        )
    return ReplayReport(ok=not problems, problems=problems, rounds=rounds)

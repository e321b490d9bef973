"""Reads on excellent cases and competitions: published cases and all competitions are public;
operators also see unpublished cases."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from portal.permissions import AnyUser, is_operator
from registry.showcase.models import AWARD_RANK, Award, Competition, CompetitionEntry, ExcellentCase


def cases_visible_to(
    *, user: AnyUser, sector: str = "", modality: str = "", year: int | None = None
) -> QuerySet[ExcellentCase]:
    cases = ExcellentCase.objects.select_related("organisation")
    if not is_operator(user):
        cases = cases.filter(published=True)
    if sector:
        cases = cases.filter(sector=sector)
    if modality:
        cases = cases.filter(modality=modality)
    if year is not None:
        cases = cases.filter(year=year)
    return cases


def case_years(*, user: AnyUser) -> list[int]:
    """The years that have visible cases, newest first (for a filter)."""
    return list(cases_visible_to(user=user).order_by("-year").values_list("year", flat=True).distinct())


def competitions_public(*, year: int | None = None) -> QuerySet[Competition]:
    competitions = Competition.objects.select_related("organiser").annotate(
        entry_count=Count("entries", distinct=True),
        winner_count=Count("entries", filter=Q(entries__award=Award.WINNER), distinct=True),
    )
    competitions = competitions.order_by("-year", "name", "pk")  # an aggregate drops Meta.ordering
    if year is not None:
        competitions = competitions.filter(year=year)
    return competitions


def _award_rank() -> Case:
    return Case(
        *(When(award=award, then=Value(rank)) for award, rank in AWARD_RANK.items()),
        default=Value(len(AWARD_RANK)),
        output_field=IntegerField(),
    )


def competition_entries(*, competition: Competition | None = None) -> QuerySet[CompetitionEntry]:
    """Entries winners first, then second and third prizes, honourable mentions, the rest."""
    entries = CompetitionEntry.objects.select_related("organisation", "competition")
    if competition is not None:
        entries = entries.filter(competition=competition)
    return entries.annotate(award_rank=_award_rank()).order_by("competition_id", "award_rank", "title", "pk")

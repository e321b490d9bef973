"""Writes on excellent cases and competitions. Operators curate them; every write is audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import PermissionDenied
from portal.permissions import is_operator
from registry.models import Organisation
from registry.showcase.models import (
    MAX_FIGURE_TEXT,
    MAX_FIGURES,
    Award,
    Competition,
    CompetitionEntry,
    ExcellentCase,
)

CASE_AUDIT_FIELDS = ("title", "organisation", "sector", "modality", "year", "summary", "figures", "published")
COMPETITION_AUDIT_FIELDS = ("name", "year", "organiser", "description", "starts_on", "ends_on")
ENTRY_AUDIT_FIELDS = ("competition", "organisation", "title", "award")


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


def _require_operator(actor: User) -> None:
    if not is_operator(actor):
        raise PermissionDenied(_("Only platform operators curate excellent cases and competitions."))


def _require_verified(organisation: Organisation, *, field: str) -> None:
    if not organisation.verified:
        raise ValidationError({field: [_("Only verified organisations appear on the public pages.")]})


def clean_figures(raw: Any) -> list[dict[str, str]]:
    """Key figures: at most MAX_FIGURES pairs {"label", "value"} of non-empty text (MAX_FIGURE_TEXT
    characters at most each), e.g. {"label": "标注数据量", "value": "1.2 亿条"}."""
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"figures": [_("Key figures are a list of label and value pairs.")]})
    if len(raw) > MAX_FIGURES:
        raise ValidationError({"figures": [_("At most %(max)s key figures.") % {"max": MAX_FIGURES}]})
    figures = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != {"label", "value"}:
            raise ValidationError(
                {"figures": [_("Figure %(number)s needs exactly a label and a value.") % {"number": number}]}
            )
        label, value = item["label"], item["value"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(label, str) or not isinstance(value, str) or not label.strip() or not value.strip():
            raise ValidationError(
                {"figures": [_("Figure %(number)s needs a label and a value as text.") % {"number": number}]}
            )
        if len(label.strip()) > MAX_FIGURE_TEXT or len(value.strip()) > MAX_FIGURE_TEXT:
            raise ValidationError(
                {
                    "figures": [
                        _("Figure %(number)s is longer than %(max)s characters.")
                        % {"number": number, "max": MAX_FIGURE_TEXT}
                    ]
                }
            )
        figures.append({"label": label.strip(), "value": value.strip()})
    return figures


def _check_case_year(year: int) -> None:
    if isinstance(year, int) and year > timezone.localdate().year:
        raise ValidationError({"year": [_("A case cannot be from a future year.")]})


def case_create(
    *,
    actor: User,
    title: str,
    organisation: Organisation,
    sector: str,
    modality: str,
    year: int,
    summary: str,
    figures: Iterable[dict[str, Any]] | None = None,
) -> ExcellentCase:
    """Record a case, unpublished: it goes public with `case_publish`."""
    _require_operator(actor)
    _require_verified(organisation, field="organisation")
    _check_case_year(year)
    case = ExcellentCase(
        title=(title or "").strip(),
        organisation=organisation,
        sector=sector,
        modality=modality,
        year=year,
        summary=(summary or "").strip(),
        figures=clean_figures(list(figures) if figures is not None else None),
    )
    with transaction.atomic():
        case.full_clean()
        case.save()
        audit_record(actor=actor, action="case.create", obj=case, before={}, after=snapshot(case, CASE_AUDIT_FIELDS))
    return case


def case_update(
    *,
    actor: User,
    case: ExcellentCase,
    title: str | None = None,
    organisation: Organisation | None = None,
    sector: str | None = None,
    modality: str | None = None,
    year: int | None = None,
    summary: str | None = None,
    figures: Iterable[dict[str, Any]] | None = None,
) -> ExcellentCase:
    """Change what is given (None leaves a field as it is)."""
    _require_operator(actor)
    if organisation is not None:
        _require_verified(organisation, field="organisation")
    if year is not None:
        _check_case_year(year)
    cleaned_figures = clean_figures(list(figures)) if figures is not None else None
    with transaction.atomic():
        case = ExcellentCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
        before = snapshot(case, CASE_AUDIT_FIELDS)
        changes: dict[str, Any] = {
            "title": title.strip() if title is not None else None,
            "organisation": organisation,
            "sector": sector,
            "modality": modality,
            "year": year,
            "summary": summary.strip() if summary is not None else None,
            "figures": cleaned_figures,
        }
        for name, value in changes.items():
            if value is not None:
                setattr(case, name, value)
        case.full_clean()
        case.save()
        audit_record(
            actor=actor, action="case.update", obj=case, before=before, after=snapshot(case, CASE_AUDIT_FIELDS)
        )
    return case


def case_publish(*, actor: User, case: ExcellentCase, published: bool = True) -> ExcellentCase:
    """Publish (or withdraw) a case. Publishing needs its organisation still verified."""
    _require_operator(actor)
    with transaction.atomic():
        case = ExcellentCase.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=case.pk)
        if published:
            _require_verified(case.organisation, field="organisation")
        if case.published == published:
            return case
        before = snapshot(case, CASE_AUDIT_FIELDS)
        case.published = published
        case.published_at = timezone.now() if published else None
        case.save(update_fields=["published", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="case.publish" if published else "case.unpublish",
            obj=case,
            before=before,
            after=snapshot(case, CASE_AUDIT_FIELDS),
        )
    return case


def _check_dates(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The competition cannot end before it starts.")]})


def _save_competition(competition: Competition) -> None:
    competition.full_clean(validate_constraints=False)
    if Competition.objects.filter(name=competition.name, year=competition.year).exclude(pk=competition.pk).exists():
        raise ValidationError({"name": [_("A competition with this name already exists for that year.")]})
    try:
        with transaction.atomic():
            competition.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [_("A competition with this name already exists for that year.")]}) from exc


def competition_create(
    *,
    actor: User,
    name: str,
    year: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    organiser: Organisation | None = None,
    description: str = "",
) -> Competition:
    _require_operator(actor)
    if organiser is not None:
        _require_verified(organiser, field="organiser")
    _check_dates(starts_on, ends_on)
    competition = Competition(
        name=(name or "").strip(),
        year=year,
        organiser=organiser,
        description=(description or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    with transaction.atomic():
        _save_competition(competition)
        audit_record(
            actor=actor,
            action="competition.create",
            obj=competition,
            before={},
            after=snapshot(competition, COMPETITION_AUDIT_FIELDS),
        )
    return competition


def competition_update(
    *,
    actor: User,
    competition: Competition,
    name: str | None = None,
    year: int | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    organiser: Organisation | _Unchanged | None = UNCHANGED,
    description: str | None = None,
) -> Competition:
    """Change what is given: None leaves a field as it is; for the organiser, None removes it and
    UNCHANGED (the default) leaves it."""
    _require_operator(actor)
    if isinstance(organiser, Organisation):
        _require_verified(organiser, field="organiser")
    with transaction.atomic():
        competition = Competition.objects.select_for_update(of=("self",)).get(pk=competition.pk)
        before = snapshot(competition, COMPETITION_AUDIT_FIELDS)
        if name is not None:
            competition.name = name.strip()
        if year is not None:
            competition.year = year
        if starts_on is not None:
            competition.starts_on = starts_on
        if ends_on is not None:
            competition.ends_on = ends_on
        if description is not None:
            competition.description = description.strip()
        if organiser is not UNCHANGED:
            competition.organiser = organiser
        _check_dates(competition.starts_on, competition.ends_on)
        _save_competition(competition)
        audit_record(
            actor=actor,
            action="competition.update",
            obj=competition,
            before=before,
            after=snapshot(competition, COMPETITION_AUDIT_FIELDS),
        )
    return competition


def entry_add(
    *, actor: User, competition: Competition, organisation: Organisation, title: str, award: str = Award.NONE
) -> CompetitionEntry:
    _require_operator(actor)
    _require_verified(organisation, field="organisation")
    entry = CompetitionEntry(
        competition=competition, organisation=organisation, title=(title or "").strip(), award=award
    )
    with transaction.atomic():
        entry.full_clean(validate_constraints=False)
        duplicate = CompetitionEntry.objects.filter(
            competition=competition, organisation=organisation, title=entry.title
        )
        if duplicate.exists():
            raise ValidationError({"title": [_("This organisation already entered this title.")]})
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:
            raise ValidationError({"title": [_("This organisation already entered this title.")]}) from exc
        audit_record(
            actor=actor, action="competition_entry.add", obj=entry, before={}, after=snapshot(entry, ENTRY_AUDIT_FIELDS)
        )
    return entry


def entry_award(*, actor: User, entry: CompetitionEntry, award: str) -> CompetitionEntry:
    _require_operator(actor)
    if award not in Award.values:
        raise ValidationError({"award": [_("Unknown award “%(award)s”.") % {"award": award}]})
    with transaction.atomic():
        entry = CompetitionEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        before = snapshot(entry, ENTRY_AUDIT_FIELDS)
        entry.award = award
        entry.save(update_fields=["award"])
        audit_record(
            actor=actor,
            action="competition_entry.award",
            obj=entry,
            before=before,
            after=snapshot(entry, ENTRY_AUDIT_FIELDS),
        )
    return entry


def entry_remove(*, actor: User, entry: CompetitionEntry) -> None:
    _require_operator(actor)
    with transaction.atomic():
        before = snapshot(entry, ENTRY_AUDIT_FIELDS)
        audit_record(actor=actor, action="competition_entry.remove", obj=entry, before=before, after={})
        entry.delete()

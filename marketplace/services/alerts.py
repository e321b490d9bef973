"""Saved searches (订阅): a search of the tender list kept under a name. Each tender published
afterwards that the search finds notifies the search's owner, in the portal and by e-mail.

A saved search finds exactly what the tender search page finds with the same filters:
`saved_searches_notify` asks `selectors.tender_search` itself, never a copy of its rules.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace import selectors
from marketplace.models import SavedSearch, Tender
from marketplace.services._common import lock
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import NotFound
from portal.notifications.services import notify
from registry.models import Region
from registry.taxonomy import Modality, Sector

MAX_SAVED_SEARCHES = 20
SAVED_SEARCH_FIELDS = ("name", "text", "region", "sector", "modality", "budget_min_fen", "budget_max_fen")


def saved_search_create(
    *,
    actor: User,
    name: str,
    text: str = "",
    region_code: str = "",
    sector: str = "",
    modality: str = "",
    budget_min_fen: int | None = None,
    budget_max_fen: int | None = None,
) -> SavedSearch:
    """Save a search of the tender list under a name of the actor's own (at most
    `MAX_SAVED_SEARCHES` per person). Empty filters match every tender."""
    name, text, region_code = (name or "").strip(), (text or "").strip(), (region_code or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the search, so that you recognise its notifications.")]
    region = Region.objects.filter(pk=region_code).first() if region_code else None
    if region_code and region is None:
        errors["region"] = [_("Unknown region code “%(code)s”.") % {"code": region_code}]
    if sector and sector not in Sector.values:
        errors["sector"] = [_("Unknown sector “%(value)s”.") % {"value": sector}]
    if modality and modality not in Modality.values:
        errors["modality"] = [_("Unknown modality “%(value)s”.") % {"value": modality}]
    for field, amount in (("budget_min_fen", budget_min_fen), ("budget_max_fen", budget_max_fen)):
        if amount is not None and amount < 0:
            errors[field] = [_("A budget cannot be negative.")]
    if budget_min_fen is not None and budget_max_fen is not None and budget_min_fen > budget_max_fen:
        errors.setdefault("budget_max_fen", []).append(_("The upper budget is below the lower one."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The person's row serialises their saves, so that two at once cannot pass the limit.
        lock(User, actor.pk)
        own = SavedSearch.objects.filter(user=actor)
        if own.filter(name=name).exists():
            raise ValidationError({"name": [_("You already have a saved search with this name.")]})
        if own.count() >= MAX_SAVED_SEARCHES:
            raise ValidationError(
                _("You can keep at most %(limit)d saved searches; delete one first.") % {"limit": MAX_SAVED_SEARCHES}
            )
        search = SavedSearch(
            user=actor,
            name=name,
            text=text,
            region=region,
            sector=sector,
            modality=modality,
            budget_min_fen=budget_min_fen,
            budget_max_fen=budget_max_fen,
        )
        search.full_clean()
        search.save()
        audit_record(
            actor=actor,
            action="saved_search.create",
            obj=search,
            before={},
            after=snapshot(search, SAVED_SEARCH_FIELDS),
        )
    return search


def saved_search_delete(*, actor: User, saved_search_id: int) -> None:
    """Delete one of the actor's saved searches; anyone else's is as unknown as a missing one."""
    with transaction.atomic():
        search = SavedSearch.objects.select_for_update(of=("self",)).filter(pk=saved_search_id, user=actor).first()
        if search is None:
            raise NotFound()
        before = snapshot(search, SAVED_SEARCH_FIELDS)
        audit_record(actor=actor, action="saved_search.delete", obj=search, before=before, after={})
        search.delete()


def saved_search_filters(search: SavedSearch) -> selectors.TenderFilters:
    """The tender search's filters that the saved search stands for."""
    return selectors.TenderFilters(
        text=search.text,
        region=search.region,
        sector=search.sector,
        modality=search.modality,
        budget_min_fen=search.budget_min_fen,
        budget_max_fen=search.budget_max_fen,
    )


def saved_searches_notify(*, tender_id: int) -> int:
    """Notify the owner of every saved search that finds the tender, once per search however often
    it runs (the notification's key). Only a tender open for bids notifies. Returns how many
    notifications were made now.

    Each distinct set of filters is asked once, of the public tender search itself, whether it
    finds this tender."""
    tender = Tender.objects.filter(pk=tender_id, state=TenderState.OPEN).first()
    if tender is None:
        return 0
    searches = SavedSearch.objects.filter(user__is_active=True).select_related("user", "region").order_by("pk")
    by_filters: dict[selectors.TenderFilters, list[SavedSearch]] = defaultdict(list)
    for search in searches:
        by_filters[saved_search_filters(search)].append(search)
    anonymous = AnonymousUser()  # what the public finds: a tender nobody may see notifies nobody
    url = reverse("marketplace:tender-detail", args=[tender.pk])
    created = 0
    with transaction.atomic():
        for filters, matching in by_filters.items():
            if not selectors.tender_search(user=anonymous, filters=filters).filter(pk=tender.pk).exists():
                continue
            for search in matching:
                created += len(
                    notify(
                        users=[search.user],
                        kind="tender.matched",
                        params={"search": search.name, "reference": tender.reference, "title": tender.title},
                        url=url,
                        key=f"tender.matched:{tender.pk}:{search.pk}",
                    )
                )
    return created

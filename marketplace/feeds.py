"""The Atom feed of published tenders, `/tenders/feed.atom`.

It takes the tender list's query string, so a vendor subscribes to a search by copying its
address. The feed is what the public sees (a feed reader has no session), and its links are
absolute on the host that was asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace import selectors
from marketplace.forms import TenderFilterForm
from marketplace.models import Tender
from marketplace.procedures import Procedure
from marketplace.selectors import TenderFilters
from portal.errors import DomainError
from registry.selectors import regions_for_choice
from registry.taxonomy import Sector

FEED_SIZE = 50


@dataclass(frozen=True)
class FeedSearch:
    filters: TenderFilters
    query: str


class TenderFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Public-data annotation tenders")
    subtitle = gettext_lazy("The latest published tenders of the national data-annotation portal.")
    description_template = "marketplace/_feed_item.html"

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> FeedSearch:
        form = TenderFilterForm(request.GET or None, region_choices=regions_for_choice())
        if form.is_bound and not form.is_valid():
            problems = "; ".join(
                f"{form[name].label}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
            )
            raise DomainError(_("The search filters are not valid (%(problems)s).") % {"problems": problems})
        return FeedSearch(filters=form.filters(), query=request.GET.urlencode())

    def link(self, obj: FeedSearch) -> str:
        url = reverse("marketplace:index")
        return f"{url}?{obj.query}" if obj.query else url

    def feed_url(self, obj: FeedSearch) -> str:
        url = reverse("marketplace:feed")
        return f"{url}?{obj.query}" if obj.query else url

    def items(self, obj: FeedSearch) -> QuerySet[Tender]:
        return selectors.tender_search(user=AnonymousUser(), filters=obj.filters)[:FEED_SIZE]

    def item_title(self, item: Tender) -> str:
        return f"{item.reference} {item.title}"

    def item_link(self, item: Tender) -> str:
        return reverse("marketplace:tender-detail", args=[item.pk])

    def item_pubdate(self, item: Tender) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Tender) -> datetime | None:
        return item.state_changed_at or item.published_at

    def item_author_name(self, item: Tender) -> str:
        return item.buyer.name

    def item_categories(self, item: Tender) -> list[str]:
        return [str(Sector(item.sector).label), str(Procedure(item.procedure).label), item.get_state_display()]

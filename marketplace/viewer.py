"""What the exchange's pages offer the person looking at them: which menus, which actions on a
tender. The services decide whether an action is allowed; this only decides what to show, so a
button never appears for someone the service would refuse, and pages can refuse early (403)
instead of rendering a form that cannot succeed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import selectors
from marketplace.models import Tender
from marketplace.states import TenderState
from portal.errors import PermissionDenied
from portal.permissions import AnyUser
from registry.models import Membership, Organisation
from registry.roles import Role
from registry.talent.models import Expert

BUYER_ROLES = (Role.AGENCY_STAFF, Role.ENTERPRISE_BUYER)


@dataclass(frozen=True)
class ExchangeRoles:
    buyer: bool = False
    # Agency staff: they also keep the catalogue.
    agency: bool = False
    vendor: bool = False
    # In the expert pool (registry.talent): invited to committees.
    expert: bool = False


# Stands for "has an expert record" among the membership roles of exchange_roles' one query.
_POOL_EXPERT = "talent:expert"


def exchange_roles(user: AnyUser) -> ExchangeRoles:
    """Which of the exchange's own menus the user gets (one query)."""
    if not user.is_authenticated:
        return ExchangeRoles()
    memberships = Membership.objects.filter(user=user).order_by().values_list("role")
    expert = (
        Expert.objects.filter(person__user=user)
        .order_by()
        .annotate(role=Value(_POOL_EXPERT, output_field=CharField()))
        .values_list("role")
    )
    roles = {role for (role,) in memberships.union(expert)}
    return ExchangeRoles(
        buyer=bool(roles & set(BUYER_ROLES)),
        agency=Role.AGENCY_STAFF in roles,
        vendor=Role.VENDOR_STAFF in roles,
        expert=_POOL_EXPERT in roles,
    )


def buyers_of_or_403(user: AnyUser) -> list[Organisation]:
    buyers = selectors.buyer_organisations_of(user=user)
    if not buyers:
        raise PermissionDenied(_("This page is for the staff of agencies and enterprise buyers."))
    return buyers


def vendors_of_or_403(user: AnyUser) -> list[Organisation]:
    vendors = selectors.vendor_organisations_of(user=user)
    if not vendors:
        raise PermissionDenied(_("This page is for the staff of annotation vendors."))
    return vendors


def buys_for(user: AnyUser, organisation_id: int) -> bool:
    """The user is the managing staff of this buying organisation."""
    return any(buyer.pk == organisation_id for buyer in selectors.buyer_organisations_of(user=user))


def require_buyer_of(user: AnyUser, tender: Tender) -> None:
    """403 for someone who can see the tender but does not buy for its buyer."""
    if not buys_for(user, tender.buyer_id):
        raise PermissionDenied(_("Only the buyer's own staff can do this."))


def takes_bids(tender: Tender) -> bool:
    """Open and before its deadline by the server's clock (the services decide again on submit)."""
    return tender.state == TenderState.OPEN and timezone.now() < tender.deadline


@dataclass(frozen=True)
class TenderActions:
    """`names` are what `selectors.tender_actions_for` offers (the API's action names); the rest
    is what the pages need besides: whether to show the buyer's links, and as whom one may bid."""

    names: frozenset[str]
    is_buyer: bool
    # The user's vendor organisations that may bid and ask here (verified, not the buyer).
    bidders: tuple[Organisation, ...]
    # The user is vendor staff, but none of those organisations may bid yet (not verified).
    unverified_vendor: bool
    open_for_bids: bool

    @property
    def edit(self) -> bool:
        return "update" in self.names

    @property
    def amend(self) -> bool:
        return "amend" in self.names

    @property
    def cancel(self) -> bool:
        return "cancel" in self.names

    @property
    def retender(self) -> bool:
        return "retender" in self.names

    @property
    def bid(self) -> bool:
        return "bid" in self.names

    @property
    def ask(self) -> bool:
        return "ask" in self.names


def tender_actions(*, user: AnyUser, tender: Tender) -> TenderActions:
    vendors = [v for v in selectors.vendor_organisations_of(user=user) if v.pk != tender.buyer_id]
    bidders = tuple(v for v in vendors if v.verified)
    return TenderActions(
        names=frozenset(selectors.tender_actions_for(user=user, tender=tender)),
        is_buyer=buys_for(user, tender.buyer_id),
        bidders=bidders,
        unverified_vendor=bool(vendors) and not bidders,
        open_for_bids=takes_bids(tender),
    )

"""Template helpers of the exchange. `{% exchange_roles as roles %}`: which of its menus the signed-in
user gets (roles.buyer, roles.vendor, roles.expert); `{{ share_bp|percent }}`: basis points as a percentage."""

from typing import Any

from django import template

from marketplace.viewer import ExchangeRoles, exchange_roles
from portal.money import hundredths_text

register = template.Library()


@register.simple_tag(name="exchange_roles", takes_context=True)
def exchange_roles_tag(context: dict[str, Any]) -> ExchangeRoles:
    request = context.get("request")
    return exchange_roles(request.user) if request is not None else ExchangeRoles()


@register.filter
def percent(basis_points: int | None) -> str:
    """Basis points as a percentage with two decimals: 3000 -> "30.00"."""
    return "" if basis_points is None else hundredths_text(basis_points)

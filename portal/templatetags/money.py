"""`{% load money %}{{ amount_fen|yuan }}`: integer fen shown as yuan, e.g. 1,234.50."""

from django import template

from portal.money import format_fen

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    return format_fen(fen)

"""`{% load numbers %}{{ count|thousands }}`: whole numbers with thousands separators (8,400,000)."""

from django import template

register = template.Library()


@register.filter
def thousands(value: int | None) -> str:
    return "" if value is None else f"{value:,}"

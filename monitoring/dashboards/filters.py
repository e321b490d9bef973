"""The filters every dashboard panel takes (period, region, sector, modality), parsed from a query
string and intersected with what the user may see.

Decisions:
- `period` is `all` (the default: from 1 January of `MONITORING_BASE_YEAR` to today), a year
  (`2026`) or a quarter (`2026Q3`); days are local (Asia/Shanghai) dates, both ends included.
- A regulator sees the regions of their scope and those below; an operator or a national regulator
  everything. Without `region` a panel covers the whole scope; a `region` outside the scope answers
  404, like an unknown one would if it existed (a province's regulator learns nothing about
  another's figures). Anyone else gets 403.
- The public summary is national: it takes `period` only and refuses `region`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import growth
from portal.errors import NotFound
from portal.permissions import AnyUser
from registry.models import Region
from registry.selectors import regulator_scope_prefixes
from registry.taxonomy import Modality, Sector

T = TypeVar("T")
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4]))?$")
FILTER_NAMES = ("period", "region", "sector", "modality")


@dataclass(frozen=True)
class Period:
    code: str  # "all", "2026" or "2026Q3"
    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class DashboardFilters:
    period: Period
    region: Region | None  # the region asked for, None for the whole scope
    sector: str | None  # None: every sector
    modality: str | None
    # The region-code prefixes the figures cover: the region asked for, else the user's scope;
    # () means everywhere.
    prefixes: tuple[str, ...]

    def query(self) -> dict[str, str]:
        """The filters as query-string parameters (for links to the same view elsewhere)."""
        values = {
            "period": self.period.code,
            "region": self.region.code if self.region else "",
            "sector": self.sector or "",
            "modality": self.modality or "",
        }
        return {name: value for name, value in values.items() if value}


def parse_period(value: str, *, today: datetime.date) -> Period:
    value = value.strip().upper()
    if value in ("", "ALL"):
        return Period("all", datetime.date(growth.base_year(), 1, 1), today)
    match = _PERIOD.match(value)
    year = int(match["year"]) if match else 0
    if match is None or not 2000 <= year <= today.year:
        message = _("Give “all”, a year such as %(year)s, or a quarter such as %(year)sQ1.")
        raise ValidationError({"period": [message % {"year": today.year}]})
    if match["quarter"] is None:
        return Period(str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    quarter = int(match["quarter"])
    start = datetime.date(year, 3 * quarter - 2, 1)
    following = datetime.date(year + quarter // 4, 3 * quarter % 12 + 1, 1)
    return Period(f"{year}Q{quarter}", start, following - datetime.timedelta(days=1))


def _choice(params: Mapping[str, str], name: str, choices: type[Sector] | type[Modality]) -> str | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    if value not in choices.values:
        raise ValidationError({name: [_("Unknown %(name)s “%(value)s”.") % {"name": name, "value": value}]})
    return value


def _region(params: Mapping[str, str]) -> Region | None:
    code = params.get("region", "").strip()
    if not code:
        return None
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise ValidationError({"region": [_("Unknown region code “%(code)s”.") % {"code": code}]})
    return region


def dashboard_filters(*, user: AnyUser, params: Mapping[str, str]) -> DashboardFilters:
    """The filters of a regulator's dashboard request. PermissionDenied for a user who regulates
    nothing; NotFound for a region outside the scope; ValidationError naming each bad parameter."""
    scope = regulator_scope_prefixes(user=user)
    if scope is None:
        raise PermissionDenied(_("The dashboards are for regulators."))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}

    def attempt(parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except ValidationError as error:
            errors.update(error.message_dict)
            return None

    period = attempt(lambda: parse_period(params.get("period", ""), today=today))
    region = attempt(lambda: _region(params))
    sector = attempt(lambda: _choice(params, "sector", Sector))
    modality = attempt(lambda: _choice(params, "modality", Modality))
    if errors or period is None:
        raise ValidationError(errors)
    if region is None:
        prefixes = tuple(scope)
    elif not scope or any(region.subtree_prefix.startswith(prefix) for prefix in scope):
        prefixes = (region.subtree_prefix,)
    else:
        raise NotFound()
    return DashboardFilters(
        period=period,
        region=region,
        sector=sector,
        modality=modality,
        prefixes=prefixes,
    )


def public_filters(*, params: Mapping[str, str]) -> DashboardFilters:
    """The public summary's filters: national figures for a period."""
    if params.get("region", "").strip():
        raise ValidationError({"region": [_("The public summary shows national figures only.")]})
    period = parse_period(params.get("period", ""), today=timezone.localdate())
    return DashboardFilters(period=period, region=None, sector=None, modality=None, prefixes=())

"""A panel's download, beside its chart: the regulators' dashboard panels (same filters and scope
as the API: 403 for a user who regulates nothing, 404 for a region outside the scope or an unknown
panel, 400 naming the bad filter on an error page) and the public summary's panels (anonymous,
national, `period` only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from monitoring.dashboards import exports, panels
from monitoring.dashboards.filters import DashboardFilters, dashboard_filters, public_filters
from monitoring.dashboards.presenting import data_date
from portal.errors import DomainError, NotFound


def _parsed(parse: Callable[[Mapping[str, str]], DashboardFilters], params: Mapping[str, str]) -> DashboardFilters:
    """The filters, a bad one answered as a 400 page that names it (the pages' DomainError)."""
    try:
        return parse(params)
    except ValidationError as error:
        fields = error.message_dict
        message = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        raise DomainError(_("Some filters are not valid. %(errors)s") % {"errors": message}, fields=fields) from error


def _download(name: str, fmt: str, filters: DashboardFilters) -> HttpResponse:
    panel = panels.panel(name, filters)
    date = data_date()
    if fmt == "csv":
        response = HttpResponse(exports.panel_csv(panel, filters, date), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.panel_xlsx(panel, filters, date), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(name, filters, fmt)}"'
    return response


def _check(name: str, fmt: str, names: Mapping[str, object] | tuple[str, ...]) -> None:
    """An unknown panel or format is a missing page."""
    if name not in names or fmt not in exports.FORMATS:
        raise NotFound()


@login_required
def dashboard_export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    _check(name, fmt, panels.PANELS)
    filters = _parsed(lambda params: dashboard_filters(user=request.user, params=params), request.GET)
    return _download(name, fmt, filters)


def public_export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    _check(name, fmt, panels.PUBLIC_PANELS)
    filters = _parsed(lambda params: public_filters(params=params), request.GET)
    return _download(name, fmt, filters)

"""Pages of the red-flag alerts (红旗预警): the list (filters by flag, state and region) and one
alert with its evidence, a link to the tender and the regulator's acknowledge / dismiss form.

Regulators see the alerts of their region and the regions below it, operators all; anyone else is
sent to sign in (anonymous) or refused the list (403). An alert outside the user's scope answers
404, like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from marketplace.paging import CappedPaginator
from marketplace.views._common import PAGE_SIZE, query_without_page, run_form_service
from monitoring.redflags import selectors, services
from monitoring.redflags.display import explain
from monitoring.redflags.forms import AlertFilterForm, AlertNoteForm
from monitoring.redflags.models import AlertState
from portal.errors import PermissionDenied
from portal.permissions import signed_in


def _require_reader(request: HttpRequest) -> None:
    if not selectors.can_read_alerts(user=request.user):
        raise PermissionDenied(_("Red-flag alerts are for regulators and platform operators."))


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    form = AlertFilterForm(request.GET or None)
    alerts = selectors.alerts_visible_to(user=request.user, filters=form.filters())
    page = CappedPaginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return render(request, "monitoring/alerts/list.html", context, status=400 if form.errors else 200)


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_for(user=request.user, pk=pk)
    form = AlertNoteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("acknowledge", "dismiss"):
            form.add_error(None, _("Choose to acknowledge or to dismiss the alert."))
            status = 400
        elif form.is_valid():
            actor = signed_in(request.user)
            service = services.alert_acknowledge if action == "acknowledge" else services.alert_dismiss
            decided, status = run_form_service(
                form, lambda: service(actor=actor, alert=alert, note=form.cleaned_data["note"])
            )
            if decided is not None:
                messages.success(
                    request,
                    _("The alert is acknowledged.") if action == "acknowledge" else _("The alert is dismissed."),
                )
                return redirect("monitoring:alert-detail", pk=alert.pk)
        else:
            status = 400
    context = {
        "alert": alert,
        "explained": explain(alert),
        "form": form,
        "decidable": alert.state == AlertState.OPEN,
    }
    return render(request, "monitoring/alerts/detail.html", context, status=status)


urlpatterns = [
    path("alerts/", alert_list, name="alert-list"),
    path("alerts/<int:pk>/", alert_detail, name="alert-detail"),
]

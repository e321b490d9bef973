from django.urls import path

from monitoring.dashboards.api import views

urlpatterns = [
    path("monitoring/summary/", views.SummaryApi.as_view(), name="monitoring-summary"),
    path("monitoring/summary/<slug:name>/", views.PanelApi.as_view(), name="monitoring-summary-panel"),
]

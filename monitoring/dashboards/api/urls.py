from django.urls import path

from monitoring.dashboards.api import views

urlpatterns = [
    path("monitoring/summary/", views.SummaryApi.as_view(), name="monitoring-summary"),
    path("monitoring/public-summary/", views.PublicSummaryApi.as_view(), name="monitoring-public-summary"),
    path("monitoring/public-summary.csv", views.PublicSummaryCsvApi.as_view(), name="monitoring-public-summary-csv"),
    path("monitoring/summary/<slug:name>/", views.PanelApi.as_view(), name="monitoring-summary-panel"),
]

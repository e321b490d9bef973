from django.urls import include, path

from monitoring.dashboards import pages as dashboard_pages
from monitoring.dashboards import urls as dashboard_urls
from monitoring.redflags import views as redflag_views
from monitoring.reports import urls as reports_urls

app_name = "monitoring"

urlpatterns = [
    # The public summary (national figures) and the regulators' dashboard.
    path("", dashboard_pages.index, name="index"),
    path("dashboard/", dashboard_pages.dashboard, name="dashboard"),
    # Dashboard downloads (CSV, XLSX) of the regulators' panels and the public summary's.
    path("", include(dashboard_urls)),
    # Statistical direct reports (统计直报).
    path("reports/", include(reports_urls)),
]

# Red-flag alerts (红旗预警).
urlpatterns += redflag_views.urlpatterns

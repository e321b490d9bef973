from django.urls import include, path

from monitoring.dashboards import views as dashboard_views
from monitoring.redflags import views as redflag_views
from monitoring.reports import urls as reports_urls

app_name = "monitoring"

urlpatterns = [
    # The public summary (national figures) and the regulators' dashboard.
    path("", dashboard_views.index, name="index"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    # Statistical direct reports (统计直报).
    path("reports/", include(reports_urls)),
]

# Red-flag alerts (红旗预警).
urlpatterns += redflag_views.urlpatterns

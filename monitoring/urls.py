from django.urls import include, path

from monitoring import views
from monitoring.dashboards import urls as dashboard_urls
from monitoring.redflags import views as redflag_views
from monitoring.reports import urls as reports_urls

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisations-by-province.csv", views.organisations_by_province_csv, name="organisations-by-province-csv"),
    # Dashboard downloads (CSV, XLSX) of the regulators' panels and the public summary's.
    path("", include(dashboard_urls)),
    # Statistical direct reports (统计直报).
    path("reports/", include(reports_urls)),
]

# Red-flag alerts (红旗预警).
urlpatterns += redflag_views.urlpatterns

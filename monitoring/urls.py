from django.urls import path

from monitoring import views
from monitoring.redflags import views as redflag_views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisations-by-province.csv", views.organisations_by_province_csv, name="organisations-by-province-csv"),
]

# Red-flag alerts (红旗预警).
urlpatterns += redflag_views.urlpatterns

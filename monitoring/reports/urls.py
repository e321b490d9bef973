"""Pages of statistical reports, under /monitoring/reports/ in the `monitoring` namespace."""

from django.urls import path

from monitoring.reports import views

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("file/", views.report_file, name="report-file"),
    path("<int:pk>/", views.report_detail, name="report-detail"),
    path("oversight/", views.report_oversight, name="report-oversight"),
    path("oversight.csv", views.report_oversight_csv, name="report-oversight-csv"),
]

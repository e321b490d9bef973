from django.urls import path

from registry.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_upload, name="upload"),
    path("templates/<slug:kind>.csv", views.import_template, name="template"),
    path("<int:pk>/", views.import_job_detail, name="job-detail"),
    path("<int:pk>/progress/", views.import_job_progress, name="job-progress"),
    path("<int:pk>/report.csv", views.import_job_report, name="job-report"),
]

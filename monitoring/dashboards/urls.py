from django.urls import path

from monitoring.dashboards import views

urlpatterns = [
    path("dashboard/<slug:name>.<slug:fmt>", views.dashboard_export, name="dashboard-export"),
    path("public/<slug:name>.<slug:fmt>", views.public_export, name="public-export"),
]

from rest_framework.routers import DefaultRouter

from monitoring.redflags.api import views

router = DefaultRouter()
router.register("monitoring/alerts", views.AlertViewSet, basename="monitoring-alert")

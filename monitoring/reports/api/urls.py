from rest_framework.routers import DefaultRouter

from monitoring.reports.api import views

router = DefaultRouter()
router.register("monitoring/reports", views.StatisticalReportViewSet, basename="monitoring-report")

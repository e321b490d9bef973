"""/api/v1/: one router whose root lists every resource, fed by each app's router."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from marketplace.api.payments import stripe_webhook
from marketplace.api.urls import router as marketplace_router
from monitoring.dashboards.api.urls import urlpatterns as monitoring_dashboard_urlpatterns
from monitoring.redflags.api.urls import router as monitoring_alerts_router
from monitoring.reports.api.urls import router as monitoring_reports_router
from portal.accounts.api import MeApi
from portal.notifications.api import router as notifications_router
from registry.api.urls import router as registry_router
from registry.bases.api.urls import router as bases_router
from registry.imports.api.urls import router as imports_router
from registry.institutions.api.urls import router as institutions_router
from registry.showcase.api.urls import router as showcase_router
from registry.talent.api.urls import router as talent_router
from vouchers.api.urls import router as vouchers_router
from vouchers.api.urls import urlpatterns as voucher_urlpatterns

router = DefaultRouter()
for app_router in (
    registry_router,
    talent_router,
    bases_router,
    institutions_router,
    showcase_router,
    imports_router,
    marketplace_router,
    notifications_router,
    vouchers_router,
    monitoring_reports_router,
    monitoring_alerts_router,
):
    router.registry.extend(app_router.registry)

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("payments/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    *voucher_urlpatterns,
    *monitoring_dashboard_urlpatterns,
    path("", include(router.urls)),
]

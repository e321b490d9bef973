from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Switching the language is harmless to forge, and without a token the anonymous pages that
    # carry the switch hold nothing of the visitor and can be cached (marketplace.listing_cache).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("accounts/", include("portal.accounts.urls")),
    path("registry/talent/", include("registry.talent.urls")),
    path("registry/bases/", include("registry.bases.urls")),
    path("registry/institutions/", include("registry.institutions.urls")),
    path("registry/showcase/", include("registry.showcase.urls")),
    path("registry/imports/", include("registry.imports.urls")),
    path("registry/", include("registry.urls")),
    path("tenders/", include("marketplace.urls")),
    path("vouchers/", include("vouchers.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("api/ocds/", include("marketplace.ocds.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "portal.error_pages.bad_request"
handler403 = "portal.error_pages.permission_denied"
handler404 = "portal.error_pages.page_not_found"
handler500 = "portal.error_pages.server_error"

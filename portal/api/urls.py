"""/api/v1/: one router whose root lists every resource, fed by each app's router."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from portal.accounts.api import MeApi
from registry.api.urls import router as registry_router

router = DefaultRouter()
router.registry.extend(registry_router.registry)

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("", include(router.urls)),
]

"""The voucher API: resources on the shared router, plus the redemption endpoint by code."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns: list = []

"""The voucher API: resources on the shared router, plus the redemption endpoint by code.

`urlpatterns` is included under /api/v1/ before the router; its one route ends in `redemptions/`,
so the code segment (any text without a slash: the printed form with dashes, lower case…) never
takes a URL of the router's."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from vouchers.api import views

router = DefaultRouter()
router.register("voucher-programmes", views.ProgrammeViewSet, basename="voucher-programme")
router.register("vouchers", views.VoucherViewSet, basename="voucher")
router.register("voucher-redemptions", views.RedemptionViewSet, basename="voucher-redemption")
router.register("voucher-applications", views.ApplicationViewSet, basename="voucher-application")
router.register("voucher-claims", views.ClaimViewSet, basename="voucher-claim")
router.register("voucher-orders", views.ExternalOrderViewSet, basename="voucher-order")

urlpatterns: list = [
    path("vouchers/<str:code>/redemptions/", views.VoucherRedeemApi.as_view(), name="voucher-redeem"),
]

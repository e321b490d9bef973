from rest_framework.routers import SimpleRouter

from registry.api import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from registry.showcase.api import views

router = SimpleRouter()
router.register("excellent-cases", views.ExcellentCaseViewSet, basename="excellent-case")
router.register("competitions", views.CompetitionViewSet, basename="competition")
router.register("competition-entries", views.CompetitionEntryViewSet, basename="competition-entry")

urlpatterns = router.urls

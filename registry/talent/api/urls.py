from rest_framework.routers import SimpleRouter

from registry.talent.api import views

router = SimpleRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("experts", views.ExpertViewSet, basename="expert")

urlpatterns = router.urls

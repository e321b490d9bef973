from rest_framework.routers import SimpleRouter

from registry.institutions.api import views

router = SimpleRouter()
router.register("institution-services", views.InstitutionServiceViewSet, basename="institution-service")
router.register("service-needs", views.ServiceNeedViewSet, basename="service-need")
router.register("service-responses", views.ServiceResponseViewSet, basename="service-response")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from registry.bases.api import views

router = SimpleRouter()
router.register("annotation-bases", views.AnnotationBaseViewSet, basename="annotation-base")
router.register("base-memberships", views.BaseMembershipViewSet, basename="base-membership")
router.register("base-outputs", views.BaseOutputViewSet, basename="base-output")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from marketplace.api import views

router = SimpleRouter()
router.register("catalogue", views.CatalogueEntryViewSet, basename="catalogue-entry")
router.register("tenders", views.TenderViewSet, basename="tender")
router.register("clarifications", views.ClarificationViewSet, basename="clarification")
router.register("bids", views.BidViewSet, basename="bid")

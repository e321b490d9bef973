from rest_framework.routers import SimpleRouter

from marketplace.api import payment_views, views

router = SimpleRouter()
router.register("catalogue", views.CatalogueEntryViewSet, basename="catalogue-entry")
router.register("tenders", views.TenderViewSet, basename="tender")
router.register("clarifications", views.ClarificationViewSet, basename="clarification")
router.register("bids", views.BidViewSet, basename="bid")
router.register("saved-searches", views.SavedSearchViewSet, basename="saved-search")
router.register(r"tenders/(?P<tender_pk>[0-9]+)", views.TenderEvaluationViewSet, basename="tender-evaluation")
router.register(r"tenders/(?P<tender_pk>[0-9]+)", views.TenderAwardViewSet, basename="tender-award")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register(r"tenders/(?P<tender_pk>[0-9]+)", views.TenderCommitteeViewSet, basename="tender-committee")
router.register("committee-seats", views.CommitteeSeatViewSet, basename="committee-seat")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")
router.register("acceptance", views.AcceptanceStatisticsViewSet, basename="acceptance")
router.register(r"contracts/(?P<contract_pk>[0-9]+)", payment_views.ContractPaymentViewSet, basename="contract-payment")

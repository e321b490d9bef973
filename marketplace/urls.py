from django.urls import path

from marketplace.feeds import TenderFeed
from marketplace.views import bidding, buying, clarifications, public, wizard

app_name = "marketplace"

urlpatterns = [
    # Public
    path("", public.index, name="index"),
    path("feed.atom", TenderFeed(), name="feed"),
    path("<int:pk>/", public.tender_detail, name="tender-detail"),
    path("<int:pk>/documents/<int:document_pk>/", public.tender_document, name="tender-document"),
    path("<int:pk>/opening/", public.tender_opening, name="tender-opening"),
    path("catalogue/", public.catalogue_list, name="catalogue-list"),
    path("catalogue/<int:pk>/", public.catalogue_detail, name="catalogue-detail"),
    # Buyers' staff
    path("mine/", buying.buyer_tenders, name="buyer-tenders"),
    path("catalogue/new/", buying.catalogue_create, name="catalogue-create"),
    path("catalogue/<int:pk>/edit/", buying.catalogue_edit, name="catalogue-edit"),
    path("new/", wizard.tender_create, name="tender-create"),
    path("<int:pk>/edit/", wizard.tender_edit, name="tender-edit"),
    path("<int:pk>/documents/", wizard.tender_documents, name="tender-documents"),
    path("<int:pk>/publish/", wizard.tender_publish, name="tender-publish"),
    path("<int:pk>/amend/", buying.tender_amend, name="tender-amend"),
    path("<int:pk>/cancel/", buying.tender_cancel, name="tender-cancel"),
    path("<int:pk>/retender/", buying.tender_retender, name="tender-retender"),
    path("<int:pk>/clarifications/", clarifications.tender_clarifications, name="tender-clarifications"),
    # Vendors' staff
    path("opportunities/", bidding.opportunities, name="opportunities"),
    path("bids/", bidding.my_bids, name="my-bids"),
    path("<int:pk>/bid/", bidding.bid_submit, name="bid-submit"),
    path("bids/<int:bid_pk>/", bidding.bid_detail, name="bid-detail"),
    path("bids/<int:bid_pk>/withdraw/", bidding.bid_withdraw, name="bid-withdraw"),
    path("bids/<int:bid_pk>/confirm/", bidding.bid_confirm, name="bid-confirm"),
]

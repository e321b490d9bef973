"""/api/ocds/: OCDS 1.1 open data (DESIGN §8)."""

from django.urls import path

from marketplace.ocds import api

app_name = "ocds"

urlpatterns = [
    path("tenders/<int:tender_id>/releases/", api.TenderReleasePackageApi.as_view(), name="tender-releases"),
    path("tenders/<int:tender_id>/record/", api.TenderRecordPackageApi.as_view(), name="tender-record"),
    path("releases/", api.ReleaseFeedApi.as_view(), name="releases"),
]

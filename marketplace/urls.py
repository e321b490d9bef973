from django.urls import path

from marketplace import views

app_name = "marketplace"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/documents/<int:document_pk>/", views.tender_document, name="tender-document"),
]

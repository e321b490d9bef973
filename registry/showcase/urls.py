from django.urls import path

from registry.showcase import views

app_name = "showcase"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("cases/<int:pk>/publish/", views.case_publish, name="case-publish"),
    path("competitions/", views.competition_list, name="competition-list"),
    path("competitions/new/", views.competition_create, name="competition-create"),
    path("competitions/<int:pk>/", views.competition_detail, name="competition-detail"),
    path("competitions/<int:pk>/edit/", views.competition_edit, name="competition-edit"),
    path("competitions/<int:pk>/entries/", views.entry_add, name="entry-add"),
    path("competitions/<int:pk>/entries/<int:entry_pk>/award/", views.entry_award, name="entry-award"),
    path("competitions/<int:pk>/entries/<int:entry_pk>/remove/", views.entry_remove, name="entry-remove"),
]

from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("", views.organisation_list, name="organisation-list"),
    path("organisations/register/", views.organisation_register, name="organisation-register"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/shareholders/", views.organisation_shareholders, name="organisation-shareholders"),
    path("organisations/<int:pk>/relations/", views.organisation_relations, name="organisation-relations"),
    path(
        "organisations/<int:pk>/relations/<int:relation_pk>/withdraw/",
        views.organisation_relation_withdraw,
        name="organisation-relation-withdraw",
    ),
    path("organisations/<int:pk>/verify/", views.organisation_verify, name="organisation-verify"),
    path("organisations/<int:pk>/reject/", views.organisation_reject, name="organisation-reject"),
    path("organisations/<int:pk>/resubmit/", views.organisation_resubmit, name="organisation-resubmit"),
    path("organisations/<int:pk>/members/", views.organisation_member_add, name="organisation-member-add"),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        views.organisation_member_remove,
        name="organisation-member-remove",
    ),
]

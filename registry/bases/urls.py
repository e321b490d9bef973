from django.urls import path

from registry.bases import views

app_name = "bases"

urlpatterns = [
    path("", views.base_list, name="base-list"),
    path("new/", views.base_create, name="base-create"),
    path("<int:pk>/", views.base_detail, name="base-detail"),
    path("<int:pk>/members/", views.base_member_add, name="base-member-add"),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.base_member_remove, name="base-member-remove"),
    path("<int:pk>/outputs/", views.base_output_report, name="base-output-report"),
]

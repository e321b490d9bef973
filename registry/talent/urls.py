from django.urls import path

from registry.talent import views

app_name = "talent"

urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("me/", views.my_record, name="my-record"),
    path("verify/", views.verify, name="verify"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/issue/", views.certificate_issue, name="certificate-issue"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("experts/", views.expert_list, name="expert-list"),
    path("experts/apply/", views.expert_apply, name="expert-apply"),
    path("experts/<int:pk>/", views.expert_detail, name="expert-detail"),
    path("experts/<int:pk>/approve/", views.expert_approve, name="expert-approve"),
    path("experts/<int:pk>/suspend/", views.expert_suspend, name="expert-suspend"),
    path("experts/<int:pk>/availability/", views.expert_availability, name="expert-availability"),
    path("experts/<int:pk>/employments/", views.expert_employment_add, name="expert-employment-add"),
    path(
        "experts/<int:pk>/employments/<int:employment_pk>/end/",
        views.expert_employment_end,
        name="expert-employment-end",
    ),
    path(
        "experts/<int:pk>/employments/<int:employment_pk>/remove/",
        views.expert_employment_remove,
        name="expert-employment-remove",
    ),
    path("experts/<int:pk>/relations/", views.expert_relation_declare, name="expert-relation-declare"),
    path(
        "experts/<int:pk>/relations/<int:relation_pk>/withdraw/",
        views.expert_relation_withdraw,
        name="expert-relation-withdraw",
    ),
]

from django.urls import path

from registry.institutions import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="institution-list"),
    path("offers/", views.offer_manage, name="offer-manage"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
    path("needs/", views.need_list, name="need-list"),
    path("needs/post/", views.need_post, name="need-post"),
    path("needs/<int:pk>/", views.need_detail, name="need-detail"),
    path("needs/<int:pk>/suggestions/", views.need_suggestions, name="need-suggestions"),
    path("needs/<int:pk>/respond/", views.need_respond, name="need-respond"),
    path("needs/<int:pk>/choose/", views.need_choose, name="need-choose"),
    path("needs/<int:pk>/close/", views.need_close, name="need-close"),
]

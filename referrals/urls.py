from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("monthly/", views.referral_monthly, name="referral_monthly"),
    path(
        "new/consultation/<uuid:consultation_pk>/",
        views.referral_new_from_consultation,
        name="referral_new_from_consultation",
    ),
    path("new/case/<uuid:case_pk>/", views.referral_new_from_case, name="referral_new_from_case"),
    path("<uuid:pk>/", views.referral_detail, name="referral_detail"),
    path("<uuid:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("<uuid:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("<uuid:pk>/complete/", views.referral_complete, name="referral_complete"),
    path("<uuid:pk>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
]

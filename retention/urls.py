from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.plans, name="plans"),
    path("<uuid:pk>/", views.plan_detail, name="plan_detail"),
]

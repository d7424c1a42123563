from django.urls import path

from . import views_targets

app_name = "reports"

urlpatterns = [
    path("targets/", views_targets.targets, name="targets"),
]

from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("<int:pk>/transfer/", views.staff_transfer_view, name="transfer"),
    path("<int:pk>/handover/", views.staff_handover_view, name="handover"),
]

from django.urls import path

from . import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.staff_list, name="list"),
    path("<int:pk>/transfer/", staff_views.staff_transfer_view, name="transfer"),
    path("<int:pk>/handover/", staff_views.staff_handover_view, name="handover"),
]

from django.urls import path

from . import views, views_disclosure, views_targets

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("annual/request/", views.annual_request, name="annual_request"),
    path("national/request/", views.national_request, name="national_request"),
    path("targets/", views_targets.targets, name="targets"),
    path("meetings/<uuid:pk>/packets/", views.meeting_packets, name="meeting_packets"),
    path("meetings/<uuid:pk>/packets/request/", views.packet_request, name="packet_request"),
    path("copies/<uuid:pk>/return/", views.copy_return, name="copy_return"),
    path("copies/<uuid:pk>/reissue/", views.copy_reissue, name="copy_reissue"),
    path(
        "households/<uuid:household_pk>/persons/<uuid:pk>/disclosures/",
        views_disclosure.disclosure_list,
        name="disclosure_list",
    ),
    path(
        "households/<uuid:household_pk>/persons/<uuid:pk>/disclosures/new/",
        views_disclosure.disclosure_new,
        name="disclosure_new",
    ),
    path("disclosures/<uuid:pk>/", views_disclosure.disclosure_detail, name="disclosure_detail"),
    path(
        "disclosures/<uuid:pk>/decide/",
        views_disclosure.disclosure_decide,
        name="disclosure_decide",
    ),
    path(
        "disclosures/<uuid:pk>/draft/",
        views_disclosure.disclosure_draft,
        name="disclosure_draft",
    ),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/status/", views.job_status, name="job_status"),
    path("files/<uuid:pk>/", views.file_download, name="file_download"),
]

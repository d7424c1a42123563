from django.urls import path

from . import views

app_name = "consent"

member = "households/<uuid:household_pk>/members/<uuid:person_pk>/consents/"

urlpatterns = [
    path(member, views.person_consents, name="person_consents"),
    path(member + "new/", views.consent_new, name="consent_new"),
    path(member + "<uuid:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path(member + "<uuid:pk>/document/", views.consent_document, name="consent_document"),
    path("consents/expiring/", views.consents_expiring, name="consents_expiring"),
]

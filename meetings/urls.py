from django.urls import path

from . import views

app_name = "meetings"

meeting = "<uuid:pk>/"
item = meeting + "items/<uuid:item_pk>/"
body = "bodies/<uuid:pk>/"
pledge = body + "members/<int:member_pk>/pledges/"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_new, name="meeting_new"),
    path(meeting, views.meeting_detail, name="meeting_detail"),
    path("decisions/", views.my_decisions, name="my_decisions"),
    path("decisions/<int:pk>/report/", views.decision_report, name="decision_report"),
    path(meeting + "edit/", views.meeting_edit, name="meeting_edit"),
    path(meeting + "attendees/", views.meeting_attendees, name="meeting_attendees"),
    path(
        meeting + "attendees/<int:attendee_pk>/remove/",
        views.attendee_remove,
        name="attendee_remove",
    ),
    path(meeting + "agenda/", views.agenda_build, name="agenda_build"),
    path(item, views.item_detail, name="item_detail"),
    path(item + "remove/", views.item_remove, name="item_remove"),
    path(
        item + "decisions/<int:decision_pk>/remove/",
        views.decision_remove,
        name="decision_remove",
    ),
    path(meeting + "issues/new/", views.issue_add, name="issue_add"),
    path(meeting + "recheck/", views.meeting_recheck, name="meeting_recheck"),
    path(meeting + "close/", views.meeting_close, name="meeting_close"),
    path(meeting + "papers/", views.meeting_papers, name="meeting_papers"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/<uuid:household_pk>/", views.proposal_new, name="proposal_new"),
    path("proposals/<uuid:pk>/forward/", views.proposal_forward, name="proposal_forward"),
    path("proposals/<uuid:pk>/decline/", views.proposal_decline, name="proposal_decline"),
    path("proposals/<uuid:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/new/", views.body_new, name="body_new"),
    path(body, views.body_detail, name="body_detail"),
    path(body + "edit/", views.body_edit, name="body_edit"),
    path(body + "members/new/", views.member_add, name="member_add"),
    path(pledge + "new/", views.pledge_new, name="pledge_new"),
    path(pledge + "<int:pledge_pk>/revoke/", views.pledge_revoke, name="pledge_revoke"),
    path(pledge + "<int:pledge_pk>/document/", views.pledge_document, name="pledge_document"),
    path(body + "handlings/<int:handling_pk>/end/", views.handling_end, name="handling_end"),
]

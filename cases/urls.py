from django.urls import path

from . import views
from .views import participation, plans, support

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<uuid:pk>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:pk>/access/", views.case_access, name="case_access"),
    path(
        "cases/<uuid:pk>/access/<int:access_pk>/revoke/",
        views.case_access_revoke,
        name="case_access_revoke",
    ),
    path("cases/<uuid:pk>/history/", views.case_history, name="case_history"),
    path("cases/<uuid:pk>/records/", support.record_list, name="record_list"),
    path("cases/<uuid:pk>/records/new/", support.record_new, name="record_new"),
    path("cases/<uuid:pk>/records/print/", support.record_print, name="record_print"),
    path(
        "cases/<uuid:pk>/records/<uuid:record_pk>/",
        support.record_detail,
        name="record_detail",
    ),
    path(
        "cases/<uuid:pk>/records/<uuid:record_pk>/edit/",
        support.record_correct,
        name="record_correct",
    ),
    path(
        "cases/<uuid:pk>/records/<uuid:record_pk>/cancel/",
        support.record_cancel,
        name="record_cancel",
    ),
    path("cases/<uuid:pk>/assessment/", plans.assessment_detail, name="assessment_detail"),
    path("cases/<uuid:pk>/assessment/edit/", plans.assessment_edit, name="assessment_edit"),
    path("cases/<uuid:pk>/plans/new/", plans.plan_new, name="plan_new"),
    path("cases/<uuid:pk>/plans/<uuid:plan_pk>/", plans.plan_detail, name="plan_detail"),
    path("cases/<uuid:pk>/plans/<uuid:plan_pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("cases/<uuid:pk>/plans/<uuid:plan_pk>/print/", plans.plan_print, name="plan_print"),
    path("cases/<uuid:pk>/plans/<uuid:plan_pk>/approve/", plans.plan_approve, name="plan_approve"),
    path("cases/<uuid:pk>/plans/<uuid:plan_pk>/revise/", plans.plan_revise, name="plan_revise"),
    path(
        "cases/<uuid:pk>/plans/<uuid:plan_pk>/tasks/new/",
        plans.plan_task_new,
        name="plan_task_new",
    ),
    path(
        "cases/<uuid:pk>/plans/<uuid:plan_pk>/tasks/<int:task_pk>/remove/",
        plans.plan_task_remove,
        name="plan_task_remove",
    ),
    path(
        "cases/<uuid:pk>/plans/<uuid:plan_pk>/tasks/<int:task_pk>/report/",
        plans.plan_task_report,
        name="plan_task_report",
    ),
    path(
        "cases/<uuid:pk>/plans/<uuid:plan_pk>/stakeholders/new/",
        plans.plan_stakeholder_new,
        name="plan_stakeholder_new",
    ),
    path(
        "cases/<uuid:pk>/plans/<uuid:plan_pk>/stakeholders/<int:stakeholder_pk>/remove/",
        plans.plan_stakeholder_remove,
        name="plan_stakeholder_remove",
    ),
    path(
        "cases/<uuid:pk>/participation/new/",
        participation.participation_new,
        name="participation_new",
    ),
    path(
        "cases/<uuid:pk>/participation/<uuid:participation_pk>/edit/",
        participation.participation_edit,
        name="participation_edit",
    ),
    path("tasks/", plans.my_tasks, name="my_tasks"),
    path("cases/<uuid:pk>/suspend/", support.case_suspend, name="case_suspend"),
    path("cases/<uuid:pk>/resume/", support.case_resume, name="case_resume"),
    path("cases/<uuid:pk>/close/", support.case_close, name="case_close"),
    path("cases/<uuid:pk>/reopen/", support.case_reopen, name="case_reopen"),
    path("emergency/", views.emergency_list, name="emergency_list"),
    path("emergency/<int:pk>/approve/", views.emergency_approve, name="emergency_approve"),
    path("emergency/<int:pk>/end/", views.emergency_end, name="emergency_end"),
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/new/", views.intake_start, name="intake_start"),
    path("consultations/new/form/", views.intake_form, name="intake_form"),
    path("consultations/<uuid:pk>/", views.consultation_detail, name="consultation_detail"),
    path("consultations/<uuid:consultation_pk>/open-case/", views.case_open, name="case_open"),
    path("households/", views.household_list, name="household_list"),
    path("households/<uuid:pk>/", views.household_detail, name="household_detail"),
    path("households/<uuid:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<uuid:pk>/emergency/", views.emergency_new, name="emergency_new"),
    path("households/<uuid:pk>/dv/", views.dv_measure_new, name="dv_measure_new"),
    path(
        "households/<uuid:pk>/dv/<int:measure_pk>/end/",
        views.dv_measure_end,
        name="dv_measure_end",
    ),
    path("households/<uuid:household_pk>/members/new/", views.person_add, name="person_add"),
    path(
        "households/<uuid:household_pk>/members/<uuid:pk>/edit/",
        views.person_edit,
        name="person_edit",
    ),
]

"""Views of 支援プラン, 役割分担 and the インテーク・アセスメントシート (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.audit import Action, access_event_record
from agencies.roles import Role
from core.paging import page_of

from .. import selectors
from ..forms import add_service_errors
from ..forms.plans import (
    AssessmentForm,
    AssessmentMemberForm,
    PlanForm,
    PlanStakeholderForm,
    PlanTaskForm,
    TaskReportForm,
)
from ..masking import masking_for
from ..models.plans import SupportPlan
from ..permissions import Need, can_list_case_data
from ..services import EditConflict
from ..services import plans as services


def _plan(request, pk, plan_pk, need=Need.VIEW):
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=need)
    return case, selectors.plan_get_for_user(case=case, pk=plan_pk)


def _to_plan(plan: SupportPlan):
    return redirect("cases:plan_detail", pk=plan.case_id, plan_pk=plan.pk)


@require_safe
def plan_detail(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    case, plan = _plan(request, pk, plan_pk)
    needs = selectors.case_needs_for_user(user=request.user, case=case)
    access_event_record(action=Action.VIEW, request=request, obj=case, page="支援プラン")
    return render(
        request,
        "cases/plan_detail.html",
        {
            "case": case,
            "plan": plan,
            "plans": case.plans.all(),
            "tasks": plan.tasks.select_related("agency", "reported_by"),
            "stakeholders": plan.stakeholders.select_related("agency"),
            "can_manage": Need.MANAGE in needs and case.status != case.Status.CLOSED,
            "reportable_agency": request.user.agency_id if Need.WORK in needs else None,
            "report_form": TaskReportForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    current = services.plan_in_progress(case)
    if current is not None:
        messages.info(request, "作成中のプランがあります。")
        return _to_plan(current)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "支援プラン（案）を作成しました。役割分担と関係者を加えてください。"
            )
            return _to_plan(plan)
    return render(request, "cases/plan_form.html", {"case": case, "form": form, "plan": None})


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    conflict = None
    if request.method == "POST":
        form = PlanForm(request.POST, instance=SupportPlan.objects.get(pk=plan.pk))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.plan_update(
                    actor=request.user,
                    plan=plan,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                )
            except EditConflict as exc:
                conflict = exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "支援プランを保存しました。")
                return _to_plan(plan)
    else:
        form = PlanForm(instance=plan, initial={"version": plan.version})
    return render(
        request,
        "cases/plan_form.html",
        {"case": case, "form": form, "plan": plan, "conflict": conflict},
    )


@require_http_methods(["GET", "POST"])
def plan_task_new(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    form = PlanTaskForm(request.POST or None, agencies=selectors.working_agencies(case=case))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_task_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "役割分担を加えました。")
            return _to_plan(plan)
    return render(
        request,
        "cases/plan_part_form.html",
        {"case": case, "plan": plan, "form": form, "title": "役割分担を加える"},
    )


@require_http_methods(["GET", "POST"])
def plan_stakeholder_new(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    form = PlanStakeholderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_stakeholder_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "関係者を加えました。")
            return _to_plan(plan)
    return render(
        request,
        "cases/plan_part_form.html",
        {"case": case, "plan": plan, "form": form, "title": "関係者を加える"},
    )


def _post_action(request, plan, run, done: str):
    try:
        run()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return _to_plan(plan)


@require_POST
def plan_task_remove(request: HttpRequest, pk, plan_pk, task_pk) -> HttpResponse:
    _case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    task = selectors.plan_task_get(plan=plan, pk=task_pk)
    return _post_action(
        request,
        plan,
        lambda: services.plan_task_remove(actor=request.user, task=task),
        "役割分担を外しました。",
    )


@require_POST
def plan_stakeholder_remove(request: HttpRequest, pk, plan_pk, stakeholder_pk) -> HttpResponse:
    _case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    stakeholder = selectors.plan_stakeholder_get(plan=plan, pk=stakeholder_pk)
    return _post_action(
        request,
        plan,
        lambda: services.plan_stakeholder_remove(actor=request.user, stakeholder=stakeholder),
        "関係者を外しました。",
    )


@require_POST
def plan_approve(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    _case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    return _post_action(
        request,
        plan,
        lambda: services.plan_approve(actor=request.user, plan=plan),
        "支援プランを承認しました。",
    )


@require_POST
def plan_revise(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    _case, plan = _plan(request, pk, plan_pk, need=Need.MANAGE)
    try:
        new = services.plan_revise(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _to_plan(plan)
    messages.success(
        request, f"第{new.number}版（案）を作りました。承認されるまで第{plan.number}版が有効です。"
    )
    return _to_plan(new)


@require_POST
def plan_task_report(request: HttpRequest, pk, plan_pk, task_pk) -> HttpResponse:
    _case, plan = _plan(request, pk, plan_pk, need=Need.WORK)
    task = selectors.plan_task_get(plan=plan, pk=task_pk)
    form = TaskReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "報告は500文字までで入力してください。")
        return _to_plan(plan)
    try:
        services.plan_task_report(actor=request.user, task=task, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "役割分担を報告しました。")
    return _to_plan(plan)


@require_safe
def plan_print(request: HttpRequest, pk, plan_pk) -> HttpResponse:
    """A4, with the person's agreement: date and signature line."""
    case, plan = _plan(request, pk, plan_pk)
    access_event_record(action=Action.PRINT, request=request, obj=case, page="支援プラン")
    return render(
        request,
        "cases/plan_print.html",
        {
            "case": case,
            "plan": plan,
            "tasks": plan.tasks.select_related("agency"),
            "stakeholders": plan.stakeholders.select_related("agency"),
            "subjects": case.subjects.order_by("created_at"),
            "printed_at": timezone.now(),
        },
    )


@require_safe
def monitoring_due(request: HttpRequest) -> HttpResponse:
    """モニタリング期限を過ぎた支援プラン: the coordinator's own cases, oldest first."""
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    query = request.GET.get("q", "")[:50]
    plans = selectors.monitoring_due(user=request.user, query=query)
    return render(
        request, "cases/monitoring_due.html", {"page": page_of(request, plans), "query": query}
    )


@require_safe
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The open tasks of the user's agency, on cases the user may work."""
    if not can_list_case_data(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "")[:50]
    tasks = selectors.tasks_for_agency(user=request.user, query=query)
    return render(request, "cases/my_tasks.html", {"page": page_of(request, tasks), "query": query})


# -- インテーク・アセスメントシート --------------------------------------------------


@require_safe
def assessment_detail(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    needs = selectors.case_needs_for_user(user=request.user, case=case)
    access_event_record(action=Action.VIEW, request=request, obj=case, page="アセスメント")
    assessment = selectors.assessment_for_case(case=case)
    return render(
        request,
        "cases/assessment_detail.html",
        {
            "case": case,
            "assessment": assessment,
            "rows": selectors.assessment_rows(assessment=assessment) if assessment else [],
            "can_manage": Need.MANAGE in needs and case.status != case.Status.CLOSED,
            "masking": masking_for(user=request.user, households=[case.household]),
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    assessment = selectors.assessment_for_case(case=case)
    members = list(selectors.members_in_order(household=case.household))
    existing = {row.person_id: row for row in assessment.members.all()} if assessment else {}
    data = request.POST or None
    form = AssessmentForm(
        data,
        instance=assessment,
        initial={"version": assessment.version}
        if assessment
        else {"assessed_on": timezone.localdate()},
    )
    member_forms = [
        (
            person,
            AssessmentMemberForm(data, instance=existing.get(person.pk), prefix=f"m{index}"),
        )
        for index, person in enumerate(members)
    ]
    conflict = None
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for _, f in member_forms):
        try:
            services.assessment_save(
                actor=request.user,
                case=case,
                data={k: v for k, v in form.cleaned_data.items() if k != "version"},
                members={person: f.cleaned_data for person, f in member_forms},
                expected_version=form.cleaned_data.get("version"),
            )
        except EditConflict as exc:
            conflict = exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "アセスメントを保存しました。")
            return redirect("cases:assessment_detail", pk=case.pk)
    return render(
        request,
        "cases/assessment_form.html",
        {"case": case, "form": form, "member_forms": member_forms, "conflict": conflict},
    )

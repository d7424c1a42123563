"""Thin views: access helper → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from agencies.audit import Action, access_event_record
from agencies.roles import Role
from agencies.submissions import AlreadySubmitted, already_submitted_response
from core.paging import keyset_keys, page_of

from .. import intake, selectors, services
from ..forms import (
    CaseAccessGrantForm,
    CaseAccessRevokeForm,
    CaseEditForm,
    CaseOpenForm,
    DvMeasureForm,
    EmergencyAccessForm,
    EmergencyEndForm,
    HouseholdEditForm,
    HouseholdSearchForm,
    PersonContactEditForm,
    PersonEditForm,
    PersonForm,
    add_service_errors,
)
from ..masking import CONSULTER_MASK_TEXT, masking_for, sees_consulter
from ..models import Case, CaseAccess
from ..permissions import (
    HouseholdNeedsOnce,
    Need,
    active_q,
    can_list_case_data,
    can_open_case,
    can_record_consultation,
    may_propose,
    person_consent_needs_met,
)
from ..templatetags.kasane import wareki_datetime

# -- cases --------------------------------------------------------------------

CASE_SORTS = {
    "number": ("-fiscal_year", "-sequence"),
    "kana": ("household__kana_key", "-fiscal_year", "-sequence"),
    "opened": ("-opened_at",),
}


@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    """ケース一覧: by status (with each status's count), 自分の担当 for a coordinator,
    searchable by a member's name or ふりがな."""
    if not can_list_case_data(request.user):
        raise PermissionDenied
    sort = request.GET.get("sort", "number")
    status = request.GET.get("status", "open")
    query = request.GET.get("q", "")[:50]
    mine = request.GET.get("mine") == "1" and request.user.has_role(Role.COORDINATOR)
    counts = selectors.case_status_counts(
        cases=selectors.case_list_for_user(user=request.user, query=query, mine=mine)
    )
    # The same cases again, read a page at a time in the list's order.
    cases = selectors.case_list_for_user(user=request.user, query=query, mine=mine, walked=True)
    # The tab's count is the page's total: the paginator need not count again.
    if status == "open":
        cases = cases.filter(status__in=Case.OPEN_STATUSES)
        total = sum(counts.get(value, 0) for value in Case.OPEN_STATUSES)
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
        total = counts.get(status, 0)
    else:
        total = sum(counts.values())
    cases = cases.select_related("household", "main_agency", "lead_coordinator").order_by(
        *CASE_SORTS.get(sort, CASE_SORTS["number"])
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page_of(request, cases, count=total),
            "sort": sort if sort in CASE_SORTS else "number",
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in Case.Status.choices
            ],
            "open_count": sum(counts.get(value, 0) for value in Case.OPEN_STATUSES),
            "query": query,
            "mine": mine,
        },
    )


@require_safe
def case_detail(request: HttpRequest, pk) -> HttpResponse:
    case, needs = selectors.case_get_with_needs(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=case)
    # 議題の申出 and 同意の記録 both ask the household's needs: once for this page.
    needs_of = HouseholdNeedsOnce(request.user)
    events, older_events = selectors.case_timeline(case=case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "masking": masking_for(user=request.user, households=[case.household]),
            "can_change": Need.MANAGE in needs,
            "can_work": Need.WORK in needs and case.status != Case.Status.CLOSED,
            "can_propose": may_propose(request.user, case.household, needs_of=needs_of),
            "records": selectors.support_records_for_user(
                user=request.user, case=case, needs=needs
            )[:10],
            "closure": selectors.case_standing_closure(case=case),
            "suspension": selectors.case_open_suspension(case=case),
            "plan": selectors.current_plan(case=case),
            "assessment": selectors.assessment_for_case(case=case),
            "participations": selectors.participations_for_case(case=case),
            "members": selectors.members_in_order(household=case.household),
            "subject_ids": set(case.subjects.values_list("pk", flat=True)),
            "consent_recorders": selectors.case_consent_recorders(
                user=request.user, case=case, needs_of=needs_of
            ),
            "consultations": case.consultations.select_related(
                "receiving_agency", "person", "main_issue", "received_by"
            ).order_by("received_at"),
            "events": events,
            "older_events": older_events,
            "accesses": case.accesses.filter(active_q(timezone.now())).select_related(
                "agency", "user"
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    conflict = None
    if request.method == "POST":
        form = CaseEditForm(request.POST, instance=Case.objects.get(pk=case.pk))
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in CaseEditForm.Meta.fields}
            try:
                services.case_update(
                    actor=request.user,
                    case=case,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except services.EditConflict as exc:
                conflict = exc
                form = _rebase(CaseEditForm, request.POST, Case.objects.get(pk=case.pk))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "ケースの情報を保存しました。")
                return redirect("cases:case_detail", pk=case.pk)
    else:
        form = CaseEditForm(instance=case, initial={"version": case.version})
    return render(
        request, "cases/case_edit.html", {"case": case, "form": form, "conflict": conflict}
    )


@require_http_methods(["GET", "POST"])
def case_access(request: HttpRequest, pk) -> HttpResponse:
    """Who may see the case, and (for its coordinators) granting an agency access."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    can_change = Need.MANAGE in selectors.case_needs_for_user(user=request.user, case=case)
    form = CaseAccessGrantForm(request.POST or None) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                access = services.case_access_grant(
                    actor=request.user, case=case, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{access.agency}に閲覧権限を付与しました。")
                return redirect("cases:case_access", pk=case.pk)
    return render(
        request,
        "cases/case_access.html",
        {
            "case": case,
            "form": form,
            "can_change": can_change,
            "accesses": case.accesses.select_related("agency", "user", "granted_by").order_by(
                "revoked_at", "valid_from"
            ),
            "revoke_form": CaseAccessRevokeForm(),
            # The lead coordinator's own basis cannot be revoked (change the lead first).
            "protected_ids": set(
                case.accesses.filter(
                    basis=CaseAccess.Basis.COLLABORATION,
                    agency_id=case.lead_coordinator.agency_id,
                ).values_list("pk", flat=True)
            ),
            "emergency_requests": case.emergency_requests.select_related(
                "agency", "requested_by", "approved_by", "ended_by"
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def emergency_new(request: HttpRequest, pk) -> HttpResponse:
    """緊急時の提供 for a household: on its open case if it has one (the coordinators
    who manage it), otherwise on the household itself (those who manage it)."""
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    case = selectors.open_case_of_household_for_user(user=request.user, household=household)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provision = services.emergency_access_request(
                actor=request.user, case=case, household=household, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            access_event_record(
                action=Action.EMERGENCY, request=request, obj=provision, page="緊急時の提供"
            )
            messages.success(
                request,
                f"{provision.agency}に緊急時の提供をしました。別の調整役が72時間以内に"
                "承認しないと失効します。",
            )
            return redirect("cases:emergency_list")
    return render(
        request,
        "cases/emergency_form.html",
        {"household": household, "case": case, "form": form},
    )


@require_safe
def emergency_list(request: HttpRequest) -> HttpResponse:
    """The coordinators' list: provisions waiting for a second coordinator (any hub),
    and those in effect."""
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    pending, active = selectors.emergency_requests_for_coordinators(user=request.user)
    access_event_record(action=Action.VIEW, request=request, page="緊急時の提供の一覧")
    return render(
        request,
        "cases/emergency_list.html",
        {"pending": pending, "active": active, "end_form": EmergencyEndForm()},
    )


@require_http_methods(["POST"])
def emergency_approve(request: HttpRequest, pk) -> HttpResponse:
    provision = selectors.emergency_request_get_for_user(user=request.user, pk=pk)
    try:
        provision = services.emergency_access_approve(actor=request.user, request=provision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        access_event_record(action=Action.EMERGENCY, request=request, obj=provision, page="承認")
        messages.success(
            request,
            f"承認しました。{provision.agency}は{wareki_datetime(provision.valid_until)}まで"
            "閲覧できます。",
        )
    return redirect("cases:emergency_list")


@require_http_methods(["POST"])
def emergency_end(request: HttpRequest, pk) -> HttpResponse:
    provision = selectors.emergency_request_get_for_user(user=request.user, pk=pk)
    form = EmergencyEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "打ち切る理由を入力してください。")
        return redirect("cases:emergency_list")
    try:
        provision = services.emergency_access_end(
            actor=request.user, request=provision, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        access_event_record(action=Action.EMERGENCY, request=request, obj=provision, page="打切り")
        messages.success(request, f"{provision.agency}への緊急時の提供を打ち切りました。")
    return redirect("cases:emergency_list")


@require_http_methods(["POST"])
def case_access_revoke(request: HttpRequest, pk, access_pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    access = selectors.case_access_get_for_user(user=request.user, case=case, pk=access_pk)
    form = CaseAccessRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "取消の理由を入力してください。")
        return redirect("cases:case_access", pk=case.pk)
    try:
        services.case_access_revoke(actor=request.user, access=access, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{access.agency or access.user}の閲覧権限を取り消しました。")
    return redirect("cases:case_access", pk=case.pk)


@require_safe
def case_timeline(request: HttpRequest, pk) -> HttpResponse:
    """タイムライン: every line of the case's timeline, newest first, a page at a time
    (the case page shows the newest only)."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=case, page="タイムライン")
    keys, page = keyset_keys(request, [case.events.all()], selectors.TIMELINE_ORDER)
    page.object_list = selectors.timeline_for_keys(case=case, keys=keys)
    masking = masking_for(user=request.user, households=[case.household])
    return render(
        request, "cases/case_timeline.html", {"case": case, "page": page, "masking": masking}
    )


@require_safe
def case_history(request: HttpRequest, pk) -> HttpResponse:
    """変更履歴: every saved change to the case and its household, as field diffs."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=case, page="変更履歴")
    entries = selectors.case_history_entries(case=case, user=request.user)
    return render(
        request, "cases/case_history.html", {"case": case, "page": page_of(request, entries)}
    )


@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, consultation_pk) -> HttpResponse:
    if not can_open_case(request.user):
        # Agency staff may see the consultation, but opening a case is the coordinators' work.
        selectors.consultation_get_for_user(user=request.user, pk=consultation_pk)
        raise PermissionDenied
    consultation = selectors.consultation_get_for_user(user=request.user, pk=consultation_pk)
    if consultation.case_id:
        messages.info(request, "この相談受付はすでにケースに含まれています。")
        return redirect("cases:case_detail", pk=consultation.case_id)
    extra = (
        selectors.consultations_visible_to(request.user)
        .filter(household=consultation.household, case__isnull=True)
        .exclude(pk=consultation.pk)
        .select_related("receiving_agency")
    )
    form = CaseOpenForm(
        request.POST or None,
        consultation=consultation,
        extra_choices=extra,
        initial={
            "subjects": [consultation.person_id],
            "lead_coordinator": request.user.pk,
            "main_agency": consultation.receiving_agency_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                actor=request.user, consultation=consultation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"ケース {case.number} を開始しました。")
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_open.html", {"consultation": consultation, "form": form})


# -- consultations --------------------------------------------------------------


@require_safe
def consultation_list(request: HttpRequest) -> HttpResponse:
    if not can_list_case_data(request.user):
        raise PermissionDenied
    uncased = bool(request.GET.get("uncased"))
    # Newest first, a page at a time from where the last one ended (keyset): the
    # 300th page of a coordinator's ten years costs what the first does.
    keys, page = keyset_keys(
        request,
        selectors.consultation_sources(user=request.user, uncased_only=uncased),
        selectors.CONSULTATION_ORDER,
    )
    page.object_list = selectors.consultations_for_keys(keys)
    return render(request, "cases/consultation_list.html", {"page": page, "uncased": uncased})


@require_safe
def consultation_detail(request: HttpRequest, pk) -> HttpResponse:
    consultation = selectors.consultation_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=consultation)
    return render(
        request,
        "cases/consultation_detail.html",
        {
            "consultation": consultation,
            "sees_consulter": sees_consulter(request.user, consultation),
            "can_record_consent": person_consent_needs_met(request.user, consultation.person),
            "consulter_mask": CONSULTER_MASK_TEXT,
            "issues": consultation.issues.all(),
            "can_open_case": can_open_case(request.user) and not consultation.case_id,
        },
    )


@require_safe
def intake_start(request: HttpRequest) -> HttpResponse:
    """Step 1 of 相談受付: look for the household before creating a new one."""
    if not can_record_consultation(request.user):
        raise PermissionDenied
    form = HouseholdSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = (
            selectors.household_search(user=request.user, query=form.cleaned_data["q"])
            .annotate(member_count=Count("members"))
            .prefetch_related("members")[:30]
        )
    template = "cases/_household_results.html" if request.htmx else "cases/intake_start.html"
    masking = masking_for(user=request.user, households=results or [])
    return render(request, template, {"form": form, "results": results, "masking": masking})


@require_http_methods(["GET", "POST"])
def intake_form(request: HttpRequest) -> HttpResponse:
    if not can_record_consultation(request.user):
        raise PermissionDenied
    household = outreach = None
    if request.GET.get("outreach"):
        # An outreach becomes a consultation: its household, its concern as 主訴.
        outreach = selectors.outreach_get_for_user(
            user=request.user, pk=request.GET["outreach"], need=Need.WORK
        )
        household = selectors.household_get_for_user(user=request.user, pk=outreach.household_id)
    elif request.GET.get("household"):
        household = selectors.household_get_for_user(user=request.user, pk=request.GET["household"])
    flow = intake.IntakeFlow(request, household=household, outreach=outreach)
    if request.method == "POST":
        try:
            consultation = flow.submit()
        except AlreadySubmitted as done:
            fallback = reverse("cases:intake_start")
            return already_submitted_response(request, done, fallback=fallback)
        if consultation is not None:
            messages.success(request, "相談受付を登録しました。")
            return redirect("cases:consultation_detail", pk=consultation.pk)
    return render(request, "cases/intake_form.html", flow.context())


# -- households and people ---------------------------------------------------


@require_safe
def household_list(request: HttpRequest) -> HttpResponse:
    if not can_list_case_data(request.user):
        raise PermissionDenied
    form = HouseholdSearchForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["q"]:
        households = selectors.household_search(user=request.user, query=form.cleaned_data["q"])
    else:
        households = selectors.households_for_list(request.user)
    # The page's keys first (keyset, in ふりがな order), then its rows and the counts
    # for that page only: counting over every visible household took seconds.
    keys, page = keyset_keys(request, [households], selectors.HOUSEHOLD_ORDER)
    page.object_list = selectors.households_for_keys(keys)
    selectors.households_count_for_page(households=page.object_list)
    masking = masking_for(user=request.user, households=page.object_list)
    return render(
        request, "cases/household_list.html", {"form": form, "page": page, "masking": masking}
    )


@require_safe
def household_detail(request: HttpRequest, pk) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=household)
    needs = selectors.household_needs_for_user(user=request.user, household=household)
    masking = masking_for(user=request.user, households=[household])
    return render(
        request,
        "cases/household_detail.html",
        {
            "household": household,
            "masking": masking,
            "dv_measures": selectors.dv_measures_for_user(user=request.user, household=household),
            "members": selectors.members_in_order(household=household),
            "consultations": selectors.consultations_visible_to(request.user)
            .filter(household=household)
            .select_related("receiving_agency", "person", "case")
            .order_by("-received_at"),
            "cases": selectors.cases_visible_to(request.user).filter(household=household),
            "engagements": selectors.outreach_visible_to(request.user)
            .filter(household=household)
            .select_related("agency"),
            "can_record": can_record_consultation(request.user),
            "can_work": Need.WORK in needs,
            "can_edit_members": Need.WORK in needs and not masking.household_masked(household.pk),
            "can_manage": Need.MANAGE in needs,
            # 開示請求 is the managing coordinators' (reports.permissions asks again).
            "can_disclose": Need.MANAGE in needs and request.user.has_role(Role.COORDINATOR),
            "can_propose": may_propose(request.user, household),
        },
    )


def _require_unmasked(request: HttpRequest, household) -> None:
    """Nobody edits contact details a DV等支援措置 hides from them."""
    if masking_for(user=request.user, households=[household]).household_masked(household.pk):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.WORK)
    _require_unmasked(request, household)
    return _versioned_edit(
        request,
        form_class=HouseholdEditForm,
        instance=household,
        save=lambda data, version: services.household_update(
            actor=request.user, household=household, data=data, expected_version=version
        ),
        success_url=reverse("cases:household_detail", args=[household.pk]),
        context={"household": household, "title": "世帯の情報を編集"},
    )


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, household_pk, pk) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=household_pk, need=Need.WORK)
    _require_unmasked(request, household)
    person = selectors.person_get_for_user(user=request.user, household=household, pk=pk)
    manages = Need.MANAGE in selectors.household_needs_for_user(
        user=request.user, household=household
    )
    return _versioned_edit(
        request,
        # Without *manage*, only the contact details can be changed: the identity
        # fields are shown but not editable (and whatever is posted for them is ignored).
        form_class=PersonEditForm if manages else PersonContactEditForm,
        instance=person,
        save=lambda data, version: services.person_update(
            actor=request.user, person=person, data=data, expected_version=version
        ),
        success_url=reverse("cases:household_detail", args=[household.pk]),
        context={"household": household, "title": f"{person.full_name}さんの情報を編集"},
    )


@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest, household_pk) -> HttpResponse:
    household = selectors.household_get_for_user(
        user=request.user, pk=household_pk, need=Need.MANAGE
    )
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.person_add(
            actor=request.user, household=household, data=form.cleaned_data
        )
        messages.success(request, f"{person.full_name}さんを世帯員に追加しました。")
        return redirect("cases:household_detail", pk=household.pk)
    return render(
        request,
        "cases/versioned_form.html",
        {"household": household, "form": form, "title": "世帯員を追加"},
    )


def _versioned_edit(request, *, form_class, instance, save, success_url, context):
    """GET shows the form at the current version; POST saves or shows the conflict."""
    conflict = None
    if request.method == "POST":
        form = form_class(request.POST, instance=type(instance).objects.get(pk=instance.pk))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                changed = save(data, form.cleaned_data["version"])
            except services.EditConflict as exc:
                conflict = exc
                form = _rebase(form_class, request.POST, type(instance).objects.get(pk=instance.pk))
            else:
                if changed:
                    messages.success(request, "保存しました（" + "、".join(changed) + "）。")
                else:
                    messages.info(request, "変更はありませんでした。")
                return redirect(success_url)
    else:
        form = form_class(instance=instance, initial={"version": instance.version})
    return render(
        request, "cases/versioned_form.html", {**context, "form": form, "conflict": conflict}
    )


def _rebase(form_class, data, current):
    """Keep what the user typed, but against the current version, so that after
    reading the conflict they can save again deliberately."""
    data = data.copy()
    data["version"] = str(current.version)
    form = form_class(data, instance=current)
    form.is_valid()
    return form


# -- DV等支援措置 ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def dv_measure_new(request: HttpRequest, pk) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    form = DvMeasureForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.dv_measure_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "DV等支援措置を記録しました。この世帯の住所・連絡先は、担当の調整役以外には"
                "表示されません。",
            )
            return redirect("cases:household_detail", pk=household.pk)
    return render(request, "cases/dv_measure_form.html", {"household": household, "form": form})


@require_http_methods(["POST"])
def dv_measure_end(request: HttpRequest, pk, measure_pk) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    measure = selectors.dv_measure_get_for_user(
        user=request.user, household=household, pk=measure_pk
    )
    try:
        services.dv_measure_end(
            actor=request.user, measure=measure, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "DV等支援措置を解除しました。")
    return redirect("cases:household_detail", pk=household.pk)

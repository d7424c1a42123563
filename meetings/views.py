"""Thin views: access helper → form → service → redirect. Gates live in the services and
selectors; a view never filters visibility itself."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.audit import Action, access_event_record
from agencies.documents import private_document_response
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from cases import selectors as case_selectors
from cases.permissions import may_propose
from cases.services import EditConflict

from . import selectors, services
from .forms import (
    AttendeeAdHocForm,
    AttendeeMembersForm,
    BodyForm,
    DecisionForm,
    DecisionReportForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    PledgeForm,
    ProposalAcceptForm,
    ProposalForm,
    ReasonForm,
    RegionalIssueForm,
)
from .models import AgendaItem, Meeting
from .permissions import (
    MeetingNeed,
    can_manage_meetings,
    can_use_meetings,
    user_pledge_problem,
)

MANAGE = MeetingNeed.MANAGE


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _tell_flagged(request: HttpRequest, items: list[AgendaItem]) -> None:
    """Gate 1 re-check: the secretariat is told why an item left the papers."""
    for item in items:
        messages.warning(
            request,
            f"議題「{item.subject_label}」（{item.body}）は同意の確認ができないため、"
            f"資料から除外されます。{' '.join(item.gate_reasons)}",
        )


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_meetings(request.user):
        raise PermissionDenied


# -- meetings ------------------------------------------------------------------


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    if not can_use_meetings(request.user):
        raise PermissionDenied
    meetings = selectors.meetings_visible_to(request.user).prefetch_related("bodies")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": meetings.filter(status=Meeting.Status.SCHEDULED).order_by(
                "date", "start_time"
            ),
            "held": meetings.filter(status=Meeting.Status.HELD).order_by("-date")[:50],
            "can_manage": can_manage_meetings(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.meeting_create(
                    actor=request.user,
                    bodies=list(form.cleaned_data["bodies"]),
                    data=form.service_data(),
                ),
                url_of=lambda m: reverse("meetings:meeting_attendees", args=[m.pk]),
            )
        except AlreadySubmitted as done:
            return already_submitted_response(
                request, done, fallback=reverse("meetings:meeting_list")
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "会議を予定しました。出席者を登録してください。")
            return redirect("meetings:meeting_attendees", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@require_safe
def meeting_detail(request: HttpRequest, pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=meeting)
    can_manage = can_manage_meetings(request.user)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "can_manage": can_manage,
            "attendees": selectors.meeting_attendees(meeting=meeting),
            "agenda": selectors.meeting_agenda(user=request.user, meeting=meeting),
            "pledge_gaps": selectors.pledge_gaps(meeting=meeting) if can_manage else [],
            "regional_issues": meeting.regional_issues.select_related("created_by"),
            "issue_form": RegionalIssueForm() if can_manage and not meeting.is_closed else None,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    form = MeetingForm(
        request.POST or None, instance=meeting, initial={"bodies": list(meeting.bodies.all())}
    )
    if request.method == "POST" and form.is_valid():
        try:
            flagged = services.meeting_update(
                actor=request.user,
                meeting=meeting,
                bodies=list(form.cleaned_data["bodies"]),
                data=form.service_data(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "会議の予定を保存しました。議題の同意を確認し直しました。")
            _tell_flagged(request, flagged)
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@require_http_methods(["GET", "POST"])
def meeting_attendees(request: HttpRequest, pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    which = request.POST.get("form") if request.method == "POST" else None
    members_form = AttendeeMembersForm(
        request.POST if which == "members" else None, meeting=meeting
    )
    adhoc_form = AttendeeAdHocForm(request.POST if which == "adhoc" else None)
    form = {"members": members_form, "adhoc": adhoc_form}.get(which)
    if form is not None and form.is_valid():
        try:
            if which == "members":
                flagged = services.attendees_add_members(
                    actor=request.user,
                    meeting=meeting,
                    members=list(form.cleaned_data["members"]),
                )
            else:
                flagged = services.attendee_add(
                    actor=request.user, meeting=meeting, **form.cleaned_data
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "出席者を登録しました。")
            _tell_flagged(request, flagged)
            return redirect("meetings:meeting_attendees", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_attendees.html",
        {
            "meeting": meeting,
            "attendees": selectors.meeting_attendees(meeting=meeting),
            "members_form": members_form,
            "adhoc_form": adhoc_form,
            "pledge_gaps": selectors.pledge_gaps(meeting=meeting),
        },
    )


@require_POST
def attendee_remove(request: HttpRequest, pk, attendee_pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    attendee = selectors.attendee_get_for_user(user=request.user, meeting=meeting, pk=attendee_pk)
    try:
        flagged = services.attendee_remove(actor=request.user, attendee=attendee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{attendee.name}さんを出席者から外しました。")
        _tell_flagged(request, flagged)
    return redirect("meetings:meeting_attendees", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
def agenda_build(request: HttpRequest, pk) -> HttpResponse:
    """Build the agenda from proposals (議題の申出): each shows whether it may go on
    now and, if not, why; those that may go on come first."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    bodies = list(meeting.bodies.all())
    source = request.POST if request.method == "POST" else request.GET
    body = next((b for b in bodies if str(b.pk) == source.get("body")), bodies[0])
    form = ProposalAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proposal = selectors.proposal_get_for_user(
            user=request.user, pk=form.cleaned_data["proposal"]
        )
        try:
            item = services.proposal_accept(actor=request.user, proposal=proposal, meeting=meeting)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"「{item.subject_label}」を{item.body}の議題にしました。")
            return redirect(f"{request.path}?body={item.body_id}")
    refused = (
        user_pledge_problem(user=request.user, body=body, on=meeting.date)
        if body.confidentiality_duty
        else ""
    )
    rows = (
        []
        if refused
        else selectors.proposals_for_agenda(user=request.user, meeting=meeting, body=body)
    )
    access_event_record(action=Action.VIEW, request=request, obj=meeting, page="議題の作成")
    return render(
        request,
        "meetings/agenda_build.html",
        {
            "meeting": meeting,
            "bodies": bodies,
            "body": body,
            "form": form,
            "rows": rows,
            "refused": refused,
            "decline_form": ReasonForm(),
            "agenda": selectors.meeting_agenda(user=request.user, meeting=meeting),
        },
    )


@require_http_methods(["GET", "POST"])
def item_detail(request: HttpRequest, pk, item_pk) -> HttpResponse:
    """An item with its minutes and decisions; the secretariat records them here."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    need = MANAGE if request.method == "POST" else MeetingNeed.VIEW
    item = selectors.agenda_item_get_for_user(
        user=request.user, meeting=meeting, pk=item_pk, need=need
    )
    access_event_record(action=Action.VIEW, request=request, obj=item, page="議題・議事録")
    can_edit = can_manage_meetings(request.user) and not meeting.is_closed
    allow_end = item.body.confidentiality_duty and item.case_id is not None
    which = request.POST.get("form") if request.method == "POST" else None
    minutes_form = (
        MinutesForm(
            request.POST if which == "minutes" else None, instance=item, allow_end=allow_end
        )
        if can_edit
        else None
    )
    decision_form = (
        DecisionForm(request.POST if which == "decision" else None) if can_edit else None
    )
    conflict = None
    if request.method == "POST":
        form = {"minutes": minutes_form, "decision": decision_form}.get(which)
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                if which == "minutes":
                    services.item_minutes_record(
                        actor=request.user,
                        item=item,
                        minutes=form.cleaned_data["minutes"],
                        expected_version=form.cleaned_data["version"],
                        ends_handling=form.cleaned_data.get("ends_handling", False),
                    )
                    done = "議事録を保存しました。"
                else:
                    decision = services.decision_add(
                        actor=request.user, item=item, **form.cleaned_data
                    )
                    done = f"決定事項を記録しました。{decision.plan_note}"
            except EditConflict as exc:
                conflict = exc
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("meetings:item_detail", pk=meeting.pk, item_pk=item.pk)
    return render(
        request,
        "meetings/item_detail.html",
        {
            "meeting": meeting,
            "item": item,
            "problems": selectors.item_problems(item=item),
            "decisions": item.decisions.select_related("assignee_agency"),
            "minutes_form": minutes_form,
            "decision_form": decision_form,
            "can_edit": can_edit,
            "conflict": conflict,
        },
    )


@require_POST
def item_remove(request: HttpRequest, pk, item_pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    item = selectors.agenda_item_get_for_user(
        user=request.user, meeting=meeting, pk=item_pk, need=MANAGE
    )
    try:
        services.agenda_item_remove(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"「{item.subject_label}」を議題から外しました。")
    return redirect("meetings:agenda_build", pk=meeting.pk)


@require_POST
def decision_remove(request: HttpRequest, pk, item_pk, decision_pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    item = selectors.agenda_item_get_for_user(
        user=request.user, meeting=meeting, pk=item_pk, need=MANAGE
    )
    decision = selectors.decision_get_for_user(user=request.user, item=item, pk=decision_pk)
    try:
        services.decision_remove(actor=request.user, decision=decision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "決定事項を削除しました。")
    return redirect("meetings:item_detail", pk=meeting.pk, item_pk=item.pk)


@require_POST
def issue_add(request: HttpRequest, pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    form = RegionalIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "地域課題の内容を入力してください。")
    else:
        try:
            services.regional_issue_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "地域課題を記録しました。")
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@require_POST
def meeting_recheck(request: HttpRequest, pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    flagged = services.agenda_recheck(actor=request.user, meeting=meeting)
    messages.success(request, "議題の同意を確認し直しました。")
    _tell_flagged(request, flagged)
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@require_POST
def meeting_close(request: HttpRequest, pk) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, need=MANAGE)
    try:
        services.meeting_close(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "会議を開催済みにしました。")
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@require_safe
def meeting_papers(request: HttpRequest, pk) -> HttpResponse:
    """会議資料 to print: gates 1 and 2 applied for this reader, exclusions counted; the
    same selector and item partial as the PDF packet."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    papers = selectors.meeting_papers(user=request.user, meeting=meeting)
    access_event_record(
        action=Action.PRINT,
        request=request,
        obj=meeting,
        page="会議資料",
        items=[str(p.item.pk) for p in papers.items],
        excluded=papers.excluded,
    )
    return render(request, "meetings/meeting_papers.html", {"meeting": meeting, "papers": papers})


# -- bodies, members, pledges ------------------------------------------------------


@require_safe
def body_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return render(
        request,
        "meetings/body_list.html",
        {"bodies": selectors.bodies_visible_to(request.user).select_related("chair")},
    )


@require_http_methods(["GET", "POST"])
def body_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = BodyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"会議体「{body.name}」を作成しました。構成員を登録してください。"
            )
            return redirect("meetings:body_detail", pk=body.pk)
    return render(request, "meetings/body_form.html", {"form": form, "body": None})


@require_safe
def body_detail(request: HttpRequest, pk) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "meetings/body_detail.html",
        {
            "body": body,
            "members": selectors.body_members_with_pledges(body=body),
            "today": timezone.localdate(),
            "handlings": selectors.open_handlings(user=request.user, body=body),
            "own_pledge_problem": user_pledge_problem(
                user=request.user, body=body, on=timezone.localdate()
            )
            if body.confidentiality_duty
            else "",
        },
    )


@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, pk) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, need=MANAGE)
    form = BodyForm(request.POST or None, instance=body)
    if request.method == "POST" and form.is_valid():
        try:
            services.body_update(actor=request.user, body=body, data=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "会議体の情報を保存しました。")
            return redirect("meetings:body_detail", pk=body.pk)
    return render(request, "meetings/body_form.html", {"form": form, "body": body})


@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, need=MANAGE)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_add(actor=request.user, body=body, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{member.name}さんを構成員に登録しました。")
            return redirect("meetings:body_detail", pk=body.pk)
    return render(request, "meetings/member_form.html", {"form": form, "body": body})


@require_http_methods(["GET", "POST"])
def pledge_new(request: HttpRequest, pk, member_pk) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, need=MANAGE)
    member = selectors.member_get_for_user(user=request.user, body=body, pk=member_pk)
    form = PledgeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        back = reverse("meetings:body_detail", args=[body.pk])
        try:
            submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.pledge_record(actor=request.user, member=member, **data),
                url_of=lambda _pledge: back,
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=back)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{member.name}さんの守秘義務の誓約書を記録しました。")
            return redirect("meetings:body_detail", pk=body.pk)
    return render(
        request, "meetings/pledge_form.html", {"form": form, "body": body, "member": member}
    )


@require_POST
def pledge_revoke(request: HttpRequest, pk, member_pk, pledge_pk) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, need=MANAGE)
    member = selectors.member_get_for_user(user=request.user, body=body, pk=member_pk)
    pledge = selectors.pledge_get_for_user(user=request.user, member=member, pk=pledge_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "取消の理由を入力してください。")
        return redirect("meetings:body_detail", pk=body.pk)
    try:
        services.pledge_revoke(actor=request.user, pledge=pledge, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{member.name}さんの誓約書を取り消しました。")
    return redirect("meetings:body_detail", pk=body.pk)


@require_safe
def pledge_document(request: HttpRequest, pk, member_pk, pledge_pk) -> FileResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk)
    member = selectors.member_get_for_user(user=request.user, body=body, pk=member_pk)
    pledge = selectors.pledge_get_for_user(user=request.user, member=member, pk=pledge_pk)
    if not pledge.document:
        raise Http404
    access_event_record(action=Action.DOWNLOAD, request=request, obj=pledge, file="誓約書")
    return private_document_response(
        pledge.document,
        content_type=pledge.document_content_type,
        filename=f"誓約書_{member.name}_{pledge.signed_on:%Y%m%d}",
    )


@require_POST
def handling_end(request: HttpRequest, pk, handling_pk) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, need=MANAGE)
    handling = selectors.handling_get_for_user(user=request.user, body=body, pk=handling_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "終了の理由を入力してください。")
        return redirect("meetings:body_detail", pk=body.pk)
    try:
        services.handling_end(actor=request.user, handling=handling, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"ケース {handling.case.number} の「{body.name}」での取扱いを終了しました。"
        )
    return redirect("meetings:body_detail", pk=body.pk)


# -- 議題の申出 (proposals) ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest, household_pk) -> HttpResponse:
    household = case_selectors.household_get_for_user(user=request.user, pk=household_pk)
    if not may_propose(request.user, household):
        raise PermissionDenied
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        back = reverse("meetings:proposal_list")
        try:
            submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.proposal_submit(
                    actor=request.user, household=household, **data
                ),
                url_of=lambda _proposal: back,
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=back)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "議題の申出をしました。結果は「議題の申出」で確認できます。")
            return redirect("meetings:proposal_list")
    return render(request, "meetings/proposal_form.html", {"household": household, "form": form})


@require_safe
def proposal_list(request: HttpRequest) -> HttpResponse:
    if not can_use_meetings(request.user):
        raise PermissionDenied
    return render(
        request,
        "meetings/proposal_list.html",
        {
            "to_decide": selectors.proposals_to_decide(user=request.user),
            "mine": selectors.proposals_of(user=request.user),
            "decline_form": ReasonForm(),
        },
    )


def _proposal_action(request: HttpRequest, pk, action) -> HttpResponse:
    proposal = selectors.proposal_get_for_user(user=request.user, pk=pk)
    try:
        done = action(proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("meetings:proposal_list")
    return redirect(back)


@require_POST
def proposal_forward(request: HttpRequest, pk) -> HttpResponse:
    def forward(proposal):
        services.proposal_forward(actor=request.user, proposal=proposal)
        return "申出を事務局に回しました。"

    return _proposal_action(request, pk, forward)


@require_POST
def proposal_decline(request: HttpRequest, pk) -> HttpResponse:
    def decline(proposal):
        services.proposal_decline(
            actor=request.user, proposal=proposal, reason=request.POST.get("reason", "")
        )
        return "申出を不採択にしました。"

    return _proposal_action(request, pk, decline)


@require_POST
def proposal_withdraw(request: HttpRequest, pk) -> HttpResponse:
    def withdraw(proposal):
        services.proposal_withdraw(actor=request.user, proposal=proposal)
        return "申出を取り下げました。"

    return _proposal_action(request, pk, withdraw)


# -- 支援会議 decisions: the assigned agency's pledged members report (gate 2) --------


@require_safe
def my_decisions(request: HttpRequest) -> HttpResponse:
    """The 支援会議 decisions assigned to the user's agency, for the bodies the user holds
    a valid pledge for; an empty list for everyone else."""
    decisions = selectors.decisions_to_report(user=request.user)
    access_event_record(action=Action.VIEW, request=request, page="支援会議の決定事項")
    return render(
        request,
        "meetings/my_decisions.html",
        {"decisions": decisions, "form": DecisionReportForm()},
    )


@require_POST
def decision_report(request: HttpRequest, pk) -> HttpResponse:
    decision = selectors.decision_get_for_reporter(user=request.user, pk=pk)
    form = DecisionReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "報告は500文字までで入力してください。")
        return redirect("meetings:my_decisions")
    try:
        services.decision_report(actor=request.user, decision=decision, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"「{decision.content}」を報告しました。")
    return redirect("meetings:my_decisions")

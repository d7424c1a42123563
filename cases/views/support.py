"""Views of a case's life after its opening: 支援経過記録, 中断・再開, 終結・再開.

Thin: access helper (404 unseen, 403 seen but not allowed) → form → service → redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.audit import Action, access_event_record
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from core.paging import page_of

from .. import selectors
from ..forms import add_service_errors
from ..forms.support import (
    CaseCloseForm,
    CaseReopenForm,
    CaseResumeForm,
    CaseSuspendForm,
    ReasonForm,
    SupportRecordCorrectForm,
    SupportRecordForm,
)
from ..models import Case, SupportRecord
from ..permissions import Need, may_amend_record
from ..services import EditConflict, support
from . import _rebase

# -- 支援経過記録 -----------------------------------------------------------------


@require_safe
def record_list(request: HttpRequest, pk) -> HttpResponse:
    """経過一覧: every record of the case the user may read, newest first."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    needs = selectors.case_needs_for_user(user=request.user, case=case)
    records = selectors.support_records_for_user(user=request.user, case=case, needs=needs)
    access_event_record(action=Action.VIEW, request=request, obj=case, page="支援経過の一覧")
    return render(
        request,
        "cases/record_list.html",
        {
            "case": case,
            "page": page_of(request, records),
            "can_write": Need.WORK in needs and case.status != Case.Status.CLOSED,
        },
    )


@require_safe
def record_print(request: HttpRequest, pk) -> HttpResponse:
    """A printable 経過一覧 (A4)."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    needs = selectors.case_needs_for_user(user=request.user, case=case)
    records = selectors.support_records_for_print(user=request.user, case=case, needs=needs)
    access_event_record(action=Action.PRINT, request=request, obj=case, page="支援経過の一覧")
    return render(
        request,
        "cases/record_print.html",
        {"case": case, "records": records, "printed_at": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.WORK)
    form = SupportRecordForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    back = reverse("cases:record_list", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        try:
            submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: support.support_record_add(actor=request.user, case=case, **data),
                url_of=lambda _record: back,
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=back)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "支援経過を記録しました。")
            return redirect(back)
    return render(request, "cases/record_form.html", {"case": case, "form": form})


def _record(request: HttpRequest, pk, record_pk) -> tuple[Case, SupportRecord, frozenset]:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    record = selectors.support_record_get_for_user(user=request.user, case=case, pk=record_pk)
    return case, record, selectors.case_needs_for_user(user=request.user, case=case)


def _require_amend(request: HttpRequest, record: SupportRecord, needs) -> None:
    if not may_amend_record(request.user, agency_id=record.agency_id, needs=needs):
        raise PermissionDenied


@require_safe
def record_detail(request: HttpRequest, pk, record_pk) -> HttpResponse:
    """One record with every earlier version (a correction keeps the old text)."""
    case, record, needs = _record(request, pk, record_pk)
    access_event_record(action=Action.VIEW, request=request, obj=case, page="支援経過")
    return render(
        request,
        "cases/record_detail.html",
        {
            "case": case,
            "record": record,
            "versions": selectors.support_record_history(record=record),
            "can_amend": may_amend_record(request.user, agency_id=record.agency_id, needs=needs)
            and not record.is_cancelled,
            "cancel_form": ReasonForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, pk, record_pk) -> HttpResponse:
    case, record, needs = _record(request, pk, record_pk)
    _require_amend(request, record, needs)
    back = reverse("cases:record_detail", args=[case.pk, record.pk])
    conflict = None
    if request.method == "POST":
        form = SupportRecordCorrectForm(
            request.POST, instance=SupportRecord.objects.get(pk=record.pk)
        )
        if form.is_valid():
            fields = SupportRecordCorrectForm.Meta.fields
            try:
                changed = support.support_record_correct(
                    actor=request.user,
                    record=record,
                    data={name: form.cleaned_data[name] for name in fields},
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except EditConflict as exc:
                conflict = exc
                current = SupportRecord.objects.get(pk=record.pk)
                form = _rebase(SupportRecordCorrectForm, request.POST, current)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if changed:
                    messages.success(request, "修正しました（" + "、".join(changed) + "）。")
                else:
                    messages.info(request, "変更はありませんでした。")
                return redirect(back)
    else:
        form = SupportRecordCorrectForm(instance=record, initial={"version": record.version})
    return render(
        request,
        "cases/record_correct.html",
        {"case": case, "record": record, "form": form, "conflict": conflict},
    )


@require_POST
def record_cancel(request: HttpRequest, pk, record_pk) -> HttpResponse:
    case, record, needs = _record(request, pk, record_pk)
    _require_amend(request, record, needs)
    form = ReasonForm(request.POST)
    back = reverse("cases:record_detail", args=[case.pk, record.pk])
    if not form.is_valid():
        messages.error(request, "取消の理由を入力してください（200文字まで）。")
        return redirect(back)
    try:
        support.support_record_cancel(
            actor=request.user, record=record, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "記録を取り消しました（記録と取消の理由は残ります）。")
    return redirect(back)


# -- 中断・再開、終結・再開 ----------------------------------------------------------


def _transition(request, pk, *, form_class, template, run, done):
    """One shape for the four transitions: manage on the case, a form, the service."""
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = run(case, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done(case, result)
            return redirect("cases:case_detail", pk=case.pk)
    return render(
        request,
        template,
        {
            "case": case,
            "form": form,
            "closure": selectors.case_standing_closure(case=case),
            "suspension": selectors.case_open_suspension(case=case),
        },
    )


@require_http_methods(["GET", "POST"])
def case_suspend(request: HttpRequest, pk) -> HttpResponse:
    return _transition(
        request,
        pk,
        form_class=CaseSuspendForm,
        template="cases/case_suspend.html",
        run=lambda case, data: support.case_suspend(actor=request.user, case=case, **data),
        done=lambda case, _: messages.success(
            request, "ケースを中断しました。再開するときは「再開」を押してください。"
        ),
    )


@require_http_methods(["GET", "POST"])
def case_resume(request: HttpRequest, pk) -> HttpResponse:
    return _transition(
        request,
        pk,
        form_class=CaseResumeForm,
        template="cases/case_resume.html",
        run=lambda case, data: support.case_resume(actor=request.user, case=case, **data),
        done=lambda case, _: messages.success(request, "中断から再開しました。"),
    )


def _closed_message(request, case, result) -> None:
    closure, missing = result
    messages.success(request, "ケースを終結しました。")
    if missing:
        messages.warning(
            request,
            f"引き継いだ{closure.handover_agency}は、受付機関ではなく、次の対象者の有効な同意"
            f"（関係機関との情報共有）の範囲にも含まれていないため、このケースを閲覧できません: "
            f"{'、'.join(missing)}。{closure.handover_agency}を範囲に含む同意を得て記録してください。",
        )


@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, pk) -> HttpResponse:
    return _transition(
        request,
        pk,
        form_class=CaseCloseForm,
        template="cases/case_close.html",
        run=lambda case, data: support.case_close(actor=request.user, case=case, **data),
        done=lambda case, result: _closed_message(request, case, result),
    )


@require_http_methods(["GET", "POST"])
def case_reopen(request: HttpRequest, pk) -> HttpResponse:
    return _transition(
        request,
        pk,
        form_class=CaseReopenForm,
        template="cases/case_reopen.html",
        run=lambda case, data: support.case_reopen(actor=request.user, case=case, **data),
        done=lambda case, _: messages.success(request, "ケースを再開しました（状態: 支援中）。"),
    )
